"""The year's money of each subsidy and municipality from the submissions registry, not typed twice.

The accepted report for the IV quarter (year to date: the whole year) says what each municipality received
and spent; ``annual/<year>.yaml`` keeps only what no form carries (result values, explanations,
suspensions, indicators). Where the file still gives money, it is compared with the registry and every
difference is a finding; the registry's figures are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..i18n import _
from ..numbers import format_number
from ..quarterly.load import SubsidyData

YEAR_QUARTER = 4


@dataclass
class YearMoney:
    """Rubles from the latest accepted IV-quarter report: received and used subsidy, the unused rest."""

    received: Decimal
    used: Decimal
    submission_id: int

    @property
    def unused(self) -> Decimal:
        return self.received - self.used


def year_money(data: SubsidyData, registry, subsidy_id: str, year: int) -> dict[str, YearMoney]:
    """Municipality code → its year's money from the current accepted IV-quarter report of ``subsidy_id``
    (the form's ``summary`` cells ``received`` and ``used``); municipalities without one are absent."""
    spec = data.forms[data.subsidies[subsidy_id].form]

    def pick(figures: dict, name: str) -> Decimal | None:
        if name not in spec.summary:
            return None
        row, _sep, col = spec.summary[name].partition(".")
        return figures.get(row, {}).get(col)
    out = {}
    for code, submission in registry.latest(subsidy_id, year, YEAR_QUARTER).items():
        received, used = pick(submission.figures or {}, "received"), pick(submission.figures or {}, "used")
        if received is not None and used is not None:
            out[code] = YearMoney(received, used, submission.id)
    return out


def _rub(value) -> str:
    return _("{amount} rub.").format(amount=format_number(Decimal(value), 2))


def facts_from_registry(facts, data: SubsidyData, registry) -> tuple[object, list[str]]:
    """``facts`` (:class:`.schema.AnnualFacts`) with each subsidy row's received, used and unused money
    replaced by the accepted IV-quarter report's, and the findings (Russian sentences): a figure of the
    file that differs from the registry, a row without an accepted IV-quarter report (the file's money is
    kept), an accepted report without a row of results in the file. Pure: ``facts`` is not changed."""
    findings: list[str] = []
    rows = []
    year = facts.year
    money = {sid: year_money(data, registry, sid, year) for sid in data.subsidies}
    seen = set()
    for row in facts.subsidy_results:
        seen.add((row.subsidy, row.municipality))
        who = data.municipalities[row.municipality].name if row.municipality in data.municipalities else row.municipality
        subsidy = data.subsidies[row.subsidy].name if row.subsidy in data.subsidies else row.subsidy
        found = money.get(row.subsidy, {}).get(row.municipality)
        if found is None:
            findings.append(_("{who}, {subsidy}: no accepted report for the IV quarter of {year} in the registry; "
                              "the money is taken from annual/{year}.yaml").format(who=who, subsidy=subsidy,
                                                                                  year=year))
            rows.append(row)
            continue
        for label, typed, accepted in ((_("received"), row.received, found.received),
                                       (_("used"), row.used, found.used),
                                       (_("unused"), row.unused, found.unused)):
            if Decimal(typed) != accepted:
                findings.append(_("{who}, {subsidy}: {what} in annual/{year}.yaml is {typed}, the accepted report "
                                  "for the IV quarter (N {id}) says {accepted}; the report's figure is used").format(
                    who=who, subsidy=subsidy, what=label, year=year, typed=_rub(typed),
                    accepted=_rub(accepted), id=found.submission_id))
        rows.append(row.model_copy(update={"received": found.received, "used": found.used,
                                           "unused": found.unused}))
    for sid, by_code in money.items():
        for code in sorted(set(by_code) - {m for s, m in seen if s == sid}):
            if data.agreement(sid, code, year) is None:
                continue
            who = data.municipalities[code].name if code in data.municipalities else code
            findings.append(_("{who}, {subsidy}: the accepted report for the IV quarter has no results row in "
                              "annual/{year}.yaml (the values of the results are needed for the return)").format(
                who=who, subsidy=data.subsidies[sid].name, year=year))
    return facts.model_copy(update={"subsidy_results": rows}), findings
