"""``gosprog annual``: the annual reports of a year."""

from __future__ import annotations

from pathlib import Path

import click

from ..i18n import _
from .common import DEFAULT_DATA, UserError, checked, force_option, load_or_exit, load_subsidies_or_exit, \
    parse_formats as _formats, pdf_engine_option, publish, templates_option


@click.command(help=_("Subsidy results and returns, the analytical memo and the effectiveness evaluation of "
                      "a year."))
@click.argument("data_dir", default=DEFAULT_DATA, type=click.Path())
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help=_("The reporting year."))
@click.option("--out", default="output", show_default=True, type=click.Path(file_okay=False),
              help=_("Where the reports are written: OUT/<program>/annual/<year>/."))
@click.option("--format", "formats", default="docx,xlsx,pdf", show_default=True, help=_("Comma-separated formats."))
@pdf_engine_option
@templates_option
@click.option("--quiet", "-q", is_flag=True, help=_("No status line."))
@force_option
@click.option("--registry", default=None, type=click.Path(file_okay=False),
              help=_("Submissions registry whose accepted IV-quarter reports give the year's money and whose "
                     "accepted annual reports give the values of the results (default: OUT/<program>/submissions; "
                     "annual/<year>.yaml alone when it holds none)."))
def annual(data_dir, year, out, formats, pdf_engine, templates, quiet, force, registry) -> None:
    """The annual reports of a year (see the help text above)."""
    from ..annual.plan import evaluate, plan
    from ..data import DataError, DataErrors
    from ..package import Options
    fmts = _formats(formats)
    forced, report = checked(data_dir, force)
    program, _located = load_or_exit(data_dir)
    # subsidies are optional: a program without a subsidies/ folder is evaluated without them
    data = load_subsidies_or_exit(data_dir, program) if (Path(data_dir) / "subsidies").is_dir() else None
    from ..annual.registry import open_for_year
    from ..paths import registry_folder
    from ..quarterly.registry import RegistryError
    try:
        reg = open_for_year(data, out, program.code, registry, year)
    except RegistryError as exc:
        raise UserError(str(exc)) from None
    if reg is None and data is not None and not quiet:
        click.echo(_("no accepted reports for the IV quarter of {year} in {folder}: the year's money is taken "
                     "from annual/{year}.yaml").format(year=year, folder=registry_folder(out, program.code, registry)),
                   err=True)
    try:
        results = evaluate(program, data, data_dir, year, report.findings, registry=reg)
    except DataErrors as exc:
        raise UserError(_("errors in the annual facts:") + "\n" + "\n".join(map(str, exc.errors))) from None
    except DataError as exc:
        raise UserError(str(exc)) from None
    finally:
        if reg is not None:
            reg.close()
    for finding in results.findings or []:
        click.echo(_("finding: {text}").format(text=finding), err=True)
    planned = plan(program, results, year, out, templates)
    manifest = publish(planned, Options(formats=fmts, pdf_engine=pdf_engine, templates=templates),
                       extra_meta=forced)
    if not quiet:
        evaluation = results.evaluation
        from ..numbers import format_number
        score = (f"{format_number(evaluation.score, 3)} ({evaluation.rating})" if evaluation.score is not None
                 else _("not evaluated"))
        line = _("{count} files in {folder}; program effectiveness {score}").format(
            count=len(manifest["files"]), folder=planned.destination, score=score)
        if data is not None:
            line += "; " + _("to return {amount} rub.").format(amount=format_number(results.to_return, 2))
        click.echo(line)
