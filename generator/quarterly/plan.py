"""The quarterly reports of one quarter as a plan (:mod:`generator.plans`): per subsidy the consolidated
report and each municipality's report (its latest accepted submission)."""

from __future__ import annotations

from pathlib import Path

from ..plans import Plan, Planned


def plan(program, data, registry, subsidies: list[str], year: int, quarter: int,
         out: str | Path = "output") -> Plan:
    """The reports of ``quarter`` of ``year`` for ``subsidies`` (ids of ``data.subsidies``) from the
    submissions in ``registry``, written to ``OUT/<program>/quarterly/<year>/q<quarter>/reports``."""
    from .. import wording
    from ..paths import quarterly_reports_folder
    from .reports import consolidated_report, municipality_report
    documents = []
    for sid in subsidies:
        documents.append(Planned(f"{sid}-svodnyy-otchet", "quarterly-consolidated-report",
                                 consolidated_report(data, registry, sid, year, quarter, wording.of(program))))
        for code, submission in sorted(registry.latest(sid, year, quarter).items()):
            documents.append(Planned(f"{sid}-{code}", "quarterly-municipality-report",
                                     municipality_report(data, submission)))
    meta = {"program": program.code, "kind": "quarterly-reports", "year": year, "quarter": quarter,
            "date": f"{year}-{quarter * 3:02d}-01", "sample": data.is_sample(year)}
    return Plan(documents, quarterly_reports_folder(out, program.code, year, quarter), meta)
