"""``gosprog annual``: the annual reports of a year."""

from __future__ import annotations

from pathlib import Path

import click

from ..i18n import _

from .common import DEFAULT_DATA, UserError, checked, force_option, load_or_exit, load_subsidies_or_exit, \
    parse_formats as _formats, pdf_engine_option, publish, templates_option


@click.command()
@click.argument("data_dir", default=DEFAULT_DATA, type=click.Path())
@click.option("--year", type=click.IntRange(2000, 2100), required=True)
@click.option("--out", default="output", show_default=True, type=click.Path(file_okay=False))
@click.option("--format", "formats", default="docx,xlsx,pdf", show_default=True)
@pdf_engine_option
@templates_option
@click.option("--quiet", "-q", is_flag=True)
@force_option
def annual(data_dir, year, out, formats, pdf_engine, templates, quiet, force) -> None:
    """Subsidy results and returns, the analytical memo and the effectiveness evaluation of a year."""
    from ..annual.plan import evaluate, plan
    from ..data import DataError, DataErrors
    from ..package import Options
    fmts = _formats(formats)
    forced, report = checked(data_dir, force)
    program, _located = load_or_exit(data_dir)
    # subsidies are optional: a program without a subsidies/ folder is evaluated without them
    data = load_subsidies_or_exit(data_dir, program) if (Path(data_dir) / "subsidies").is_dir() else None
    try:
        results = evaluate(program, data, data_dir, year, report.findings)
    except DataErrors as exc:
        raise UserError("errors in the annual facts:\n" + "\n".join(map(str, exc.errors))) from None
    except DataError as exc:
        raise UserError(str(exc)) from None
    planned = plan(program, results, year, out, templates)
    manifest = publish(planned, Options(formats=fmts, pdf_engine=pdf_engine, templates=templates),
                       extra_meta=forced)
    if not quiet:
        evaluation = results.evaluation
        score = f"{evaluation.score:.3f} ({evaluation.rating})" if evaluation.score is not None else _("not evaluated")
        line = _("{count} files in {folder}; program effectiveness {score}").format(
            count=len(manifest["files"]), folder=planned.destination, score=score)
        if data is not None:
            line += "; " + _("to return {amount} rub.").format(amount=results.to_return)
        click.echo(line)
