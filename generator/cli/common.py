"""What every ``gosprog`` command shares: the interface language, shared options, input errors.

Importing this module activates the interface language (``--lang`` read from ``sys.argv`` before click
parses it, else the environment; see :mod:`generator.i18n`): help texts are made when the command modules
are imported, so the language must be active by then. Every command module imports this one first.

It imports nothing heavy (no data reader, writer or document library) so that ``gosprog --help`` starts
fast; those are imported inside the functions that need them.
"""

from __future__ import annotations

import sys

import click

from .. import i18n
from ..i18n import _, ngettext

DEFAULT_DATA = "data/social-support-vologda"


def argv_language(argv: list[str]) -> str | None:
    """The ``--lang`` of a command line, read before click parses it: help texts are made when the
    command modules are imported, so the language must be active by then."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


try:
    i18n.activate(argv_language(sys.argv[1:]))
except ValueError:
    i18n.activate()  # click reports the bad --lang value itself


def set_language(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Callback of the eager ``--lang`` option: activates the language before anything else is parsed."""
    if value is not None:
        i18n.activate(value)


lang_option = click.option("--lang", type=click.Choice(i18n.LANGUAGES), is_eager=True, expose_value=False,
                           callback=set_language,
                           help=i18n._("Interface language (default: Russian; English with "
                                       "LANG=en_US.UTF-8 or GOSPROG_LANG=en)."))


class UserError(click.ClickException):
    """An error in the user's input: printed without a traceback, exit code 1."""

    exit_code = 1


def load_or_exit(data_dir: str):
    """``(program, located)`` of a data folder (:func:`generator.data.load_program` with locations);
    raises :class:`UserError` listing every located error when the data cannot be read."""
    from ..data import DataError, DataErrors, load_program
    try:
        return load_program(data_dir, with_locations=True)
    except DataErrors as exc:
        lines = [str(e) for e in exc.errors]
        raise UserError(ngettext("{count} error in the program data:", "{count} errors in the program data:",
                                 len(lines)).format(count=len(lines)) + "\n" + "\n".join(lines)) from None
    except DataError as exc:
        raise UserError(str(exc)) from None


def read_program(data_dir: str):
    """``(program, located)`` of a data folder, or ``None`` when it cannot be read (what is wrong is then the
    gate's to report, :func:`checked`)."""
    from ..data import DataError, DataErrors, load_program
    try:
        return load_program(data_dir, with_locations=True)
    except (DataErrors, DataError):
        return None


def load_subsidies_or_exit(data_dir: str, program=None):
    """The subsidy data of a folder (:func:`generator.quarterly.load.load_subsidies`); raises
    :class:`UserError` listing the located errors when it cannot be read."""
    from ..data import DataError, DataErrors
    from ..quarterly.load import load_subsidies
    try:
        return load_subsidies(data_dir, program)
    except DataErrors as exc:
        raise UserError(_("errors in the subsidy data:") + "\n" + "\n".join(map(str, exc.errors))) from None
    except DataError as exc:
        raise UserError(str(exc)) from None


def parse_formats(value: str) -> tuple[str, ...]:
    """The formats of a ``--format`` value (``"docx,pdf"``), lower-case, in the given order; raises
    :class:`click.BadParameter` for an unknown or empty list."""
    from ..writers import FORMATS
    formats = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise click.BadParameter(_("unknown format {bad}; choose from {known} (comma-separated)").format(
            bad=", ".join(map(repr, bad)) or _("(none)"), known=", ".join(FORMATS)))
    return formats


_formats = parse_formats


pdf_engine_option = click.option("--pdf-engine", type=click.Choice(["typst", "weasyprint"]), default="typst",
                                 show_default=True, envvar="GOSPROG_PDF_ENGINE",
                                 help=_("PDF engine: Typst (fast) or HTML/CSS through WeasyPrint "
                                        "(default from GOSPROG_PDF_ENGINE)."))
pdf_standard_option = click.option("--pdf-standard", type=click.Choice(["a-2b", "a-3b"]), default=None,
                                   help=_("Write archival PDF/A."))
templates_option = click.option("--templates", "templates", type=click.Path(file_okay=False, exists=True),
                                default=None, help=_("A folder of your own templates overriding the defaults."))
jobs_option = click.option("--jobs", "-j", type=click.IntRange(0, 64), default=0,
                           help=_("Parallel processes (0: one per core)."))
force_option = click.option("--force", is_flag=True,
                            help=_("Publish even when the checks find new errors (the manifest records it)."))


def checked(data_dir: str, force: bool, loaded: tuple | None = None):
    """The gate before publishing (see :func:`generator.validation.gate`): returns ``(meta, report)``,
    ``meta`` being ``{"forced": ...}`` for the manifest when ``--force`` let new errors through and ``{}``
    when the data is clean; exits 1 (Russian summary of the new errors) otherwise. ``loaded``: the folder's
    ``(program, located)`` when already read (:func:`read_program`)."""
    from ..validation import gate
    mark, report = gate(data_dir, force, lambda line: click.echo(line, err=True), loaded)
    return ({"forced": mark} if mark else {}), report


def progress(iterable, length):
    """A progress bar on standard error over ``iterable`` (``length`` items), for ``package.build``."""
    with click.progressbar(iterable, length=length, label=_("Rendering"), file=sys.stderr) as bar:
        yield from bar


def publish(plan, options, progress_bar: bool = False, extra_meta: dict | None = None, workers=None,
            check=None) -> dict:
    """Render a report family's plan (:func:`generator.plans.publish`); returns the manifest. A package that
    cannot be written (:class:`generator.package.PackageError`) is a :class:`UserError`. ``check``: run while
    the documents render (:func:`generator.package.build`)."""
    from ..package import PackageError
    from ..plans import publish as publish_plan
    try:
        return publish_plan(plan, options, progress if progress_bar else None, extra_meta, workers, check)
    except PackageError as exc:
        raise UserError(str(exc)) from None
