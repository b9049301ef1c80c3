"""The ``gosprog`` command line (click): the ``main`` group and its lazily registered commands.

Each command group lives in its own module of this package and is imported only when it is run or its
help is shown (click's documented "lazily loading subcommands" pattern): ``gosprog --help`` or
``gosprog build --format pdf`` import neither the other commands nor the writers they do not use.
Shared options, the interface language and input errors are in :mod:`generator.cli.common`.

A new command (say, of a new report family) is one entry in :data:`COMMANDS` or one call of
:func:`register`.
"""

from __future__ import annotations

import atexit
import importlib
import os
import sys

import click

from .. import __version__, interrupts
from .common import UserError, lang_option  # noqa: F401  (UserError: the public name of input errors)
from ..i18n import _

# command name -> "module:attribute" of its click command or group
COMMANDS: dict[str, str] = {
    "validate": "generator.cli.validate:validate",
    "build": "generator.cli.build:build",
    "quarterly": "generator.cli.quarterly:quarterly",
    "annual": "generator.cli.annual:annual",
    "diff": "generator.cli.diff:diff",
    "edition": "generator.cli.amend:edition",
    "tables": "generator.cli.amend:tables",
    "serve": "generator.cli.portal:serve",
    "users": "generator.cli.portal:users",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use, from ``{name: "module:attribute"}``."""

    def __init__(self, *args, lazy_subcommands: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_subcommands = {} if lazy_subcommands is None else lazy_subcommands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_subcommands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_subcommands and cmd_name not in self.commands:
            return self._load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def _load(self, cmd_name: str) -> click.Command:
        module_name, _sep, attribute = self.lazy_subcommands[cmd_name].partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.lazy_subcommands[cmd_name]} is not a click command")
        return command


@click.group(cls=LazyGroup, lazy_subcommands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]},
             help=_("gosprog: official documents of a regional state program, from its data.\n\n"
                    "\b\n"
                    "gosprog validate DATA_DIR     check the data and its control relations\n"
                    "gosprog build DATA_DIR        the passports and all tables, as DOCX, XLSX and PDF\n"
                    "gosprog quarterly ...         quarterly subsidy reports: forms, import, reports\n"
                    "gosprog annual --year YEAR    the annual reports of a year\n\n"
                    "Help on a command: gosprog COMMAND --help."))
@click.version_option(__version__, prog_name="gosprog")
@lang_option
def main() -> None:
    """gosprog: official documents of a regional state program, from its data (help text: ``help=`` above,
    through the message catalog)."""
    from ..fonts import show_warnings_plainly
    show_warnings_plainly()


_status = [0]


def _end() -> None:
    """The last ``atexit`` handler of the ``gosprog`` process: the output flushed, the process ends with the
    command's status, without the interpreter's teardown (see :func:`run`)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    os._exit(_status[0])


def run(**options) -> None:
    """The ``gosprog`` console command: :func:`main`, then the end of the process without the interpreter's
    teardown, which took 0.1 to 0.3 s after every command that had read a program (freeing the modules and
    objects of pydantic's schemas, the loaded data, the writers) while the user, a script or ``make`` waited.

    Everything else of a normal exit happens first: the exit status (``SystemExit``'s code; 1 for an error),
    its message or traceback, every other ``atexit`` handler (this one is registered first, so it runs last:
    multiprocessing's and logging's cleanups run before it) and the flushing of standard output and error.
    Files are written and closed by the commands themselves (atomically, in ``with`` blocks). SIGTERM ends the
    command as an exception does (status 143); output that cannot be written is one line, not a traceback.
    ``options`` go to click's ``main`` (``prog_name``)."""
    atexit.register(_end)
    # SIGTERM (a service stopping, `kill`) ends the command like an exception (status 143); every stop is recorded
    interrupts.handle_stops()
    try:
        main(**options)
    except SystemExit as exc:
        code = exc.code
        _status[0] = code if isinstance(code, int) else (0 if code is None else 1)
        raise
    except KeyboardInterrupt:
        _status[0] = 130
        raise
    except OSError as exc:
        # the command's own output could not be written (standard output on a full disk, a closed terminal):
        # said in one line, not a traceback (click handles a closed pipe itself)
        _status[0] = 1
        from ..oserrors import write_reason
        try:
            print(_("Error: the output could not be written: {reason}").format(
                reason=write_reason(exc)), file=sys.stderr)
        except OSError:
            pass
    except BaseException as exc:
        _status[0] = 1
        # a stop raised inside a library's machinery comes out as another error (interrupts.stop_of): the user got
        # a traceback; ended as a stop seen by click or by the clauses above ends
        stop = interrupts.stop_of(exc)
        if stop is None:
            raise
        if isinstance(stop, interrupts.Terminated):
            _status[0] = stop.code
            return
        try:
            print("\n" + _("Aborted!"), file=sys.stderr)
        except OSError:
            pass


def register(name: str, target: str) -> None:
    """Add the command ``name`` to ``gosprog``: ``target`` is ``"module:attribute"`` of a click command,
    imported when the command is first used."""
    COMMANDS[name] = target


if __name__ == "__main__":  # pragma: no cover
    run()
