"""The ``gosprog`` command line (click)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .data import DataError, DataErrors

DEFAULT_DATA = "data/social-support-vologda"


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gosprog")
def main() -> None:
    """gosprog: official documents of a regional state program, from its data.

    \b
    gosprog validate DATA_DIR     check the data and its control relations
    gosprog build DATA_DIR        the passports and all tables, as DOCX, XLSX and PDF
    """


@main.command()
@click.argument("data_dir", default=DEFAULT_DATA, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
def validate(data_dir: str, as_json: bool, strict: bool) -> None:
    """Check program data: schema, references and control relations."""
    from . import rules
    program, located = load_or_exit(data_dir)
    findings = rules.check(program, located)
    counts = rules.counts(findings)
    if as_json:
        click.echo(json.dumps({"program": program.code, "counts": counts,
                               "findings": [f.to_dict() for f in findings]}, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{program.title} (редакция от {program.edition.date:%d.%m.%Y})")
        for f in findings:
            click.echo(f"{f.severity.upper():7} {f.rule}  {f.location()}")
            click.echo(f"        {f.message}")
        click.echo(f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['gap']} gap(s) in the source")
    if counts["error"] or (strict and counts["warning"]):
        sys.exit(1)


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
def build(data_dir, out_dir, formats, only, quiet, full, pdf_engine, pdf_standard, templates, jobs) -> None:
    """Build the program package: passports and all tables in every format."""
    from .builders import program_package
    from . import writers
    from .package import Options, build as build_package
    from .paths import safe_name
    fmts = _formats(formats)
    program, located = load_or_exit(data_dir)
    planned = program_package(program, located)
    if only:
        planned = [p for p in planned if any(o in p.name or o in p.kind for o in only)]
        if not planned:
            raise UserError(f"no document matches --only {' '.join(only)}")
    destination = Path(out_dir) / safe_name(program.code) / program.edition.date.isoformat()
    options = Options(formats=fmts, pdf_engine=pdf_engine, pdf_standard=pdf_standard, templates=templates,
                      jobs=jobs, incremental=not full, partial=bool(only) or set(fmts) != set(writers.FORMATS))
    meta = {"program": program.code, "title": program.title, "edition": program.edition.date.isoformat(),
            "date": program.edition.date.isoformat(), "kind": "program-package"}
    from .package import PackageError
    try:
        manifest = build_package(planned, destination, options, meta, progress=None if quiet else _progress,
                                 base=Path(data_dir))
    except PackageError as exc:
        raise UserError(str(exc)) from None
    if not quiet:
        click.echo(f"{len(manifest['files'])} files ({manifest['rendered']} rendered) in {destination}")


def _register_commands() -> None:
    from .cli_annual import annual
    from .cli_diff import diff
    from .cli_quarterly import quarterly
    from .portal.cli import serve, users
    main.add_command(quarterly)
    main.add_command(serve)
    main.add_command(users)
    main.add_command(annual)
    main.add_command(diff)


_register_commands()


def _progress(iterable, length):
    with click.progressbar(iterable, length=length, label="Rendering", file=sys.stderr) as bar:
        yield from bar




if __name__ == "__main__":  # pragma: no cover
    main()
