"""The ``gosprog`` command line (click)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from . import i18n
from . import rules
from .data import DataError, DataErrors

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


class UserError(click.ClickException):
    """An error in the user's input: printed without a traceback, exit code 1."""

    exit_code = 1


def load_or_exit(data_dir: str):
    from .data import load_program
    try:
        return load_program(data_dir, with_locations=True)
    except DataErrors as exc:
        lines = [str(e) for e in exc.errors]
        raise UserError(f"{len(lines)} error(s) in the program data:\n" + "\n".join(lines)) from None
    except DataError as exc:
        raise UserError(str(exc)) from None


def _formats(value: str) -> tuple[str, ...]:
    from .writers import FORMATS
    formats = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise click.BadParameter(f"unknown format(s) {', '.join(bad) or '(none)'}; choose from {', '.join(FORMATS)}")
    return formats


pdf_engine_option = click.option("--pdf-engine", type=click.Choice(["typst", "weasyprint"]), default="typst",
                                 show_default=True, envvar="GOSPROG_PDF_ENGINE",
                                 help="PDF engine: Typst (fast) or HTML/CSS through WeasyPrint "
                                      "(default from GOSPROG_PDF_ENGINE).")
pdf_standard_option = click.option("--pdf-standard", type=click.Choice(["a-2b", "a-3b"]), default=None,
                                   help="Write archival PDF/A.")
templates_option = click.option("--templates", "templates", type=click.Path(file_okay=False, exists=True),
                                default=None, help="A folder of your own templates overriding the defaults.")
jobs_option = click.option("--jobs", "-j", type=click.IntRange(0, 64), default=0,
                           help="Parallel processes (0: one per core).")


def _set_language(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        i18n.activate(value)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gosprog")
@click.option("--lang", type=click.Choice(i18n.LANGUAGES), is_eager=True, expose_value=False,
              callback=_set_language, help=i18n._("Interface language (default: Russian; English with "
                                                  "LANG=en_US.UTF-8 or GOSPROG_LANG=en)."))
def main() -> None:
    """gosprog: official documents of a regional state program, from its data.

    \b
    gosprog validate DATA_DIR     check the data and its control relations
    gosprog build DATA_DIR        the passports and all tables, as DOCX, XLSX and PDF
    """


@main.command()
@click.argument("data_dir", default=DEFAULT_DATA, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--strict", is_flag=True, help="Exit 1 on new warnings too.")
def validate(data_dir: str, as_json: bool, strict: bool) -> None:
    """Check every file of a data folder: schema, references and control relations.

    Findings listed in known-findings.yaml (the act's own errors) are shown apart; the exit code is 1
    when a file cannot be read or a new error remains.
    """
    from .validation import validate_folder
    report = validate_folder(data_dir)
    new, known = report.new, report.known
    groups = report.new_error_groups
    new_counts = rules.counts(new)
    new_counts["error"] = len(groups)         # one changed figure is one error, whatever relations it breaks
    if as_json:
        click.echo(json.dumps({"program": report.program.code if report.program else None,
                               "unreadable": [{"file": str(e.file) if e.file else None, "line": e.line,
                                               "column": e.column, "field": e.field, "message": e.message}
                                              for e in report.errors],
                               "counts": new_counts, "known": len(known),
                               "error_groups": [[new.index(f) for f in found] for found in groups],
                               "findings": [f.to_dict() for f in new],
                               "known_findings": [f.to_dict() for f in known],
                               "stale_known": report.stale}, ensure_ascii=False, indent=2))
    else:
        if report.program is not None:
            click.echo(f"{report.program.title} (редакция от {report.program.edition.date:%d.%m.%Y})")
        if report.errors:
            click.echo(f"{len(report.errors)} error(s) in the program data (файлы не прочитаны или не согласованы):")
            for e in report.errors:
                click.echo(f"ERROR   {e}")
        for found in groups:
            for n, f in enumerate(found):
                click.echo(f"{'ERROR' if n == 0 else '  и':7} {f.rule}  {f.location()}")
                click.echo(f"        {f.message}")
        for f in new:
            if f.severity != "error":
                click.echo(f"{f.severity.upper():7} {f.rule}  {f.location()}")
                click.echo(f"        {f.message}")
        if known:
            click.echo(f"Известные ошибки постановления ({len(known)}, перечислены в known-findings.yaml):")
            for f in known:
                click.echo(f"KNOWN   {f.rule}  {f.location()}")
                click.echo(f"        {f.message}")
        for entry in report.stale:
            click.echo(f"STALE   {entry['rule']}  {entry['file']} {entry['field'] or ''}: запись known-findings.yaml "
                       f"больше ничему не соответствует (ошибку исправили? удалите запись)")
        click.echo(f"{new_counts['error'] + len(report.errors)} error(s), {new_counts['warning']} warning(s), "
                   f"{new_counts['gap']} gap(s) in the source; {len(known)} known "
                   f"(новых ошибок: {new_counts['error'] + len(report.errors)}, известных: {len(known)})")
    if report.blocking or (strict and (new_counts["warning"] or report.stale)):
        sys.exit(1)


force_option = click.option("--force", is_flag=True,
                            help="Publish even when the checks find new errors (the manifest records it).")


def checked(data_dir: str, force: bool):
    """The gate before publishing (see :func:`generator.validation.gate`): returns ``(meta, report)``,
    ``meta`` being ``{"forced": ...}`` for the manifest when ``--force`` let new errors through and ``{}``
    when the data is clean; exits 1 (Russian summary of the new errors) otherwise."""
    from .validation import gate
    mark, report = gate(data_dir, force, lambda line: click.echo(line, err=True))
    return ({"forced": mark} if mark else {}), report


@main.command()
@click.argument("data_dir", default=DEFAULT_DATA, type=click.Path())
@click.option("--out", "out_dir", default="output", show_default=True, type=click.Path(file_okay=False),
              help="Where packages are written: OUT/<program>/<edition date>/.")
@click.option("--format", "formats", default="docx,xlsx,pdf", show_default=True, help="Comma-separated formats.")
@click.option("--only", multiple=True, help="Only documents whose name or kind contains this text (repeatable).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--full", is_flag=True, help="Render everything, even files whose inputs did not change.")
@pdf_engine_option
@pdf_standard_option
@templates_option
@jobs_option
@force_option
def build(data_dir, out_dir, formats, only, quiet, full, pdf_engine, pdf_standard, templates, jobs, force) -> None:
    """Build the program package: passports and all tables in every format.

    The data is checked first (as ``validate``); new errors stop the build unless --force."""
    from .builders import program_package
    from . import writers
    from .package import Options, build as build_package
    from .paths import safe_name
    from .buildstamp import fingerprint, unchanged
    fmts = _formats(formats)
    # nothing changed since the last build (data, templates, gosprog's code, options): done before the
    # program is read (issue 23); --full always renders
    inputs = fingerprint(data_dir, {"formats": list(fmts), "only": sorted(only), "pdf_engine": pdf_engine,
                                    "pdf_standard": pdf_standard, "templates": templates, "force": bool(force)})
    if not full:
        current = unchanged(out_dir, inputs)
        if current is not None:
            if not quiet:
                click.echo(i18n._("Nothing changed since the last build: {folder} is up to date").format(
                    folder=current))
            return
    from .package import Workers
    # something changed: the render processes start now, while the program is read and checked
    workers = Workers(jobs)
    click.get_current_context().call_on_close(workers.close)
    forced, report = checked(data_dir, force)
    if report.program is None or report.errors:
        program, located = load_or_exit(data_dir)
    else:
        program, located = report.program, report.located     # read once: the gate's reading is the build's
    planned = program_package(program, located)
    if only:
        planned = [p for p in planned if any(o in p.name or o in p.kind for o in only)]
        if not planned:
            raise UserError(f"no document matches --only {' '.join(only)}")
    destination = Path(out_dir) / safe_name(program.code) / program.edition.date.isoformat()
    options = Options(formats=fmts, pdf_engine=pdf_engine, pdf_standard=pdf_standard, templates=templates,
                      jobs=jobs, incremental=not full, partial=bool(only) or set(fmts) != set(writers.FORMATS))
    meta = {"program": program.code, "title": program.title, "edition": program.edition.date.isoformat(),
            "date": program.edition.date.isoformat(), "kind": "program-package", **forced,
            "inputs": inputs}
    from .package import PackageError
    try:
        manifest = build_package(planned, destination, options, meta, progress=None if quiet else _progress,
                                 base=Path(data_dir), workers=workers)
    except PackageError as exc:
        raise UserError(str(exc)) from None
    if not quiet:
        click.echo(f"{len(manifest['files'])} files ({manifest['rendered']} rendered) in {destination}")


def _register_commands() -> None:
    from .cli_amend import edition, tables
    from .cli_annual import annual
    from .cli_diff import diff
    from .cli_quarterly import quarterly
    from .portal.cli import serve, users
    main.add_command(quarterly)
    main.add_command(serve)
    main.add_command(users)
    main.add_command(annual)
    main.add_command(diff)
    main.add_command(edition)
    main.add_command(tables)


_register_commands()


def _progress(iterable, length):
    with click.progressbar(iterable, length=length, label="Rendering", file=sys.stderr) as bar:
        yield from bar




if __name__ == "__main__":  # pragma: no cover
    main()
