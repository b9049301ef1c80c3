"""The annual reports of a year as a plan (:mod:`generator.plans`): subsidy results and returns, one
analytical memo per department, the program's effectiveness evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..plans import Plan, Planned


@dataclass
class AnnualResults:
    """What the annual reports are made of: the program's evaluation (:func:`.evaluate.evaluate_program`),
    one evaluation per subsidy with agreements in the year (:func:`.evaluate.evaluate_subsidy`), the facts."""

    evaluation: object
    subsidies: list
    facts: object
    findings: list = None        # differences between annual/<year>.yaml and the registry (Russian sentences)
    submissions: list = None     # the annual reports on the results received (.submissions.collect), with a registry

    @property
    def to_return(self):
        """The total to return (руб.) over the subsidies (``0`` when nothing is to be returned)."""
        return sum((e.to_return for e in self.subsidies), 0)


def evaluate(program, subsidies, data_dir: str | Path, year: int, findings: list | None = None,
             registry=None) -> AnnualResults:
    """Read the annual facts of ``year`` from ``data_dir`` and evaluate the program and each subsidy with
    agreements in that year. ``subsidies``: the subsidy data, ``None`` for a program without subsidies (no
    ``subsidies/`` folder: no subsidy is evaluated). ``findings``: the program's control-relation findings
    (a plan figure they involve is marked in the evaluation). ``registry`` (the submissions registry): the
    year's money comes from its accepted IV-quarter reports and the file's differing figures are findings
    (:mod:`.registry`, in ``AnnualResults.findings``), the result values and reasons from its accepted
    annual results forms, and the list of those forms as received (``AnnualResults.submissions``). Raises
    :class:`generator.data.DataError`/``DataErrors`` for bad facts, and ``DataError`` for subsidy results
    given for a program without subsidies."""
    from ..data import DataError
    from ..i18n import _
    from .evaluate import evaluate_program, evaluate_subsidy, load_facts
    from .registry import facts_from_registry
    facts = load_facts(data_dir, year)
    if subsidies is None and facts.subsidy_results:
        path = Path(data_dir) / "annual" / f"{year}.yaml"
        raise DataError(_("{file}: subsidy results are given, but the program has no subsidies/ folder").format(
            file=path), file=path)
    registry_findings: list[str] = []
    if registry is not None and subsidies is not None:
        facts, registry_findings = facts_from_registry(facts, subsidies, registry)
    _check_complete(facts, subsidies)
    evaluation = evaluate_program(program, facts, findings)
    evaluations = [evaluate_subsidy(subsidies, facts, sid) for sid in sorted(subsidies.subsidies)
                   if subsidies.agreements_for(sid, year)] if subsidies is not None else []
    received = None
    if registry is not None and subsidies is not None:
        from .submissions import collect
        received = collect(subsidies, registry, year)
    return AnnualResults(evaluation, evaluations, facts, registry_findings, received)


def plan(program, results: AnnualResults, year: int, out: str | Path = "output", templates=None) -> Plan:
    """The annual package of ``year``, written to ``OUT/<program>/annual/<year>`` (:mod:`generator.paths`)."""
    from .. import templates as templates_mod
    from .. import wording
    from ..paths import annual_folder
    from .documents import effectiveness_document, memo_document, subsidy_results_document
    facts, evaluations = results.facts, results.subsidies
    tpl = templates_mod.get(templates)
    # a program without subsidies has no results, returns or memos: not made at all rather than made blank
    documents = [Planned("01-rezultaty-subsidiy", "annual-subsidy-results",
                         subsidy_results_document(evaluations, year, facts.sample))] if evaluations else []
    for department in sorted({e.department for e in evaluations}):
        own = [e for e in evaluations if e.department == department]
        documents.append(Planned(f"02-analiticheskaya-zapiska-{own[0].subsidy_id}", "annual-memo",
                                 memo_document(own, year, department, facts.sample, tpl)))
    documents.append(Planned("03-ocenka-effektivnosti", "annual-effectiveness",
                             effectiveness_document(results.evaluation, program.title, wording.of(program))))
    if results.submissions:
        from .submissions import submissions_document
        documents.append(Planned("04-otchety-o-rezultatah", "annual-submissions",
                                 submissions_document(results.submissions, year, facts.sample)))
    meta = {"program": program.code, "kind": "annual-reports", "year": year, "date": f"{year + 1}-02-20",
            "sample": facts.sample}
    return Plan(documents, annual_folder(out, program.code, year), meta)


def _check_complete(facts, subsidies) -> None:
    """Every subsidy row of a municipality with an agreement has its money and result values, from the file or
    the registry; raises :class:`generator.data.DataErrors` locating each row that has not (a row of the file
    may leave them out only where the registry gives them)."""
    from ..data import DataErrors
    from ..i18n import _
    from .evaluate import _fact_error
    if subsidies is None:
        return
    problems = []
    for i, row in enumerate(facts.subsidy_results):
        if subsidies.agreement(row.subsidy, row.municipality, facts.year) is None:
            continue
        missing = [name for name in ("received", "used", "unused", "values") if getattr(row, name) is None]
        if missing:
            problems.append(_fact_error(facts, _(
                "{municipality}, {subsidy}: {fields} not given, and the registry has no accepted report that gives "
                "them (the report for the IV quarter: the money; the annual report on the results: the values)")
                .format(municipality=row.municipality, subsidy=row.subsidy, fields=", ".join(missing)),
                ("subsidy_results", i), f"subsidy_results[{i}]"))
    if problems:
        raise DataErrors(problems)
