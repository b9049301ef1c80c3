"""``gosprog annual``: the annual reports of a year."""

from __future__ import annotations

from pathlib import Path

import click

from .common import DEFAULT_DATA, UserError, checked, force_option, load_or_exit, load_subsidies_or_exit, \
    parse_formats as _formats, pdf_engine_option, templates_option


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
    from .. import templates as templates_mod
    from ..data import DataError, DataErrors
    from ..annual.documents import effectiveness_document, memo_document, subsidy_results_document
    from ..annual.evaluate import evaluate_program, evaluate_subsidy, load_facts
    from ..builders import Planned
    from ..package import Options, build
    fmts = _formats(formats)
    forced, _report = checked(data_dir, force)
    program, _ = load_or_exit(data_dir)
    try:
        facts = load_facts(data_dir, year)
        evaluation = evaluate_program(program, facts)
    except DataErrors as exc:
        raise UserError("errors in the annual facts:\n" + "\n".join(map(str, exc.errors))) from None
    except DataError as exc:
        raise UserError(str(exc)) from None
    data = load_subsidies_or_exit(data_dir, program)
    evaluations = [evaluate_subsidy(data, facts, sid) for sid in sorted(data.subsidies)
                   if data.agreements_for(sid, year)]
    departments = sorted({e.department for e in evaluations})
    tpl = templates_mod.get(templates)
    planned = [Planned("01-rezultaty-subsidiy", "annual-subsidy-results",
                       subsidy_results_document(evaluations, year, facts.sample))]
    for department in departments:
        own = [e for e in evaluations if e.department == department]
        planned.append(Planned(f"02-analiticheskaya-zapiska-{own[0].subsidy_id}", "annual-memo",
                               memo_document(own, year, department, facts.sample, tpl)))
    planned.append(Planned("03-ocenka-effektivnosti", "annual-effectiveness",
                           effectiveness_document(evaluation, program.title)))
    destination = Path(out) / program.code / "annual" / str(year)
    meta = {"program": program.code, "kind": "annual-reports", "year": year, "date": f"{year + 1}-02-20",
            "sample": facts.sample, **forced}
    manifest = build(planned, destination, Options(formats=fmts, pdf_engine=pdf_engine, templates=templates), meta)
    if not quiet:
        total = sum((e.to_return for e in evaluations), 0)
        click.echo(f"{len(manifest['files'])} files in {destination}; program effectiveness "
                   f"{evaluation.score:.3f} ({evaluation.rating}); to return {total} руб.")
