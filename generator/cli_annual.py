"""``gosprog annual``: the annual reports of a year."""

from __future__ import annotations

from pathlib import Path

import click

from .cli import DEFAULT_DATA, UserError, _formats, checked, force_option, load_or_exit, pdf_engine_option, \
    templates_option
from . import wording
from .data import DataError, DataErrors
from .i18n import _


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
    from . import templates as templates_mod
    from .annual.documents import effectiveness_document, memo_document, subsidy_results_document
    from .annual.evaluate import evaluate_program, evaluate_subsidy, load_facts
    from .builders import Planned
    from .cli_quarterly import _subsidies
    from .package import Options, build
    fmts = _formats(formats)
    forced, report = checked(data_dir, force)
    program, _located = load_or_exit(data_dir)
    try:
        facts = load_facts(data_dir, year)
        evaluation = evaluate_program(program, facts, report.findings)
    except DataErrors as exc:
        raise UserError("errors in the annual facts:\n" + "\n".join(map(str, exc.errors))) from None
    except DataError as exc:
        raise UserError(str(exc)) from None
    # a program without subsidies (no subsidies/ folder) has no results, returns or memos: those
    # documents are not made at all rather than made blank
    data = _subsidies(data_dir, program) if (Path(data_dir) / "subsidies").is_dir() else None
    evaluations = [evaluate_subsidy(data, facts, sid) for sid in sorted(data.subsidies)
                   if data.agreements_for(sid, year)] if data is not None else []
    if data is None and facts.subsidy_results:
        raise UserError(_("{file}: subsidy results are given, but the program has no subsidies/ folder").format(
            file=Path(data_dir) / "annual" / f"{year}.yaml"))
    departments = sorted({e.department for e in evaluations})
    tpl = templates_mod.get(templates)
    planned = [Planned("01-rezultaty-subsidiy", "annual-subsidy-results",
                       subsidy_results_document(evaluations, year, facts.sample))] if evaluations else []
    for department in departments:
        own = [e for e in evaluations if e.department == department]
        planned.append(Planned(f"02-analiticheskaya-zapiska-{own[0].subsidy_id}", "annual-memo",
                               memo_document(own, year, department, facts.sample, tpl)))
    planned.append(Planned("03-ocenka-effektivnosti", "annual-effectiveness",
                           effectiveness_document(evaluation, program.title, wording.of(program))))
    destination = Path(out) / program.code / "annual" / str(year)
    meta = {"program": program.code, "kind": "annual-reports", "year": year, "date": f"{year + 1}-02-20",
            "sample": facts.sample, **forced}
    manifest = build(planned, destination, Options(formats=fmts, pdf_engine=pdf_engine, templates=templates), meta)
    if not quiet:
        total = sum((e.to_return for e in evaluations), 0)
        score = f"{evaluation.score:.3f} ({evaluation.rating})" if evaluation.score is not None else _("not evaluated")
        line = _("{count} files in {folder}; program effectiveness {score}").format(
            count=len(manifest['files']), folder=destination, score=score)
        if data is not None:
            line += "; " + _("to return {amount} rub.").format(amount=total)
        click.echo(line)
