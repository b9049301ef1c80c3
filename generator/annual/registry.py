"""The year's money and results of each subsidy and municipality from the submissions registry, not typed twice.

The accepted report for the IV quarter (year to date: the whole year) says what each municipality received
and spent; the accepted annual results form (:mod:`.forms`, registry quarter 0) gives the actual value of
each result and the reasons for those not achieved; ``annual/<year>.yaml`` keeps only what no form carries
(exemptions, suspensions, indicators, activities; a row of a municipality without an accepted form). Where the file still gives money, it is compared with the registry and every
difference is a finding; the registry's figures are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..i18n import _
from ..numbers import format_number
from ..quarterly.load import SubsidyData

YEAR_QUARTER = 4


def open_for_year(data: SubsidyData | None, out, program_code: str, registry, year: int):
    """The submissions registry (``registry`` or ``OUT/<program>/submissions``) opened when it holds an accepted
    IV-quarter report or annual results form of ``year`` for one of the subsidies, else None (also for a
    program without subsidies, ``data`` None). The caller closes it. Raises
    :class:`generator.quarterly.registry.RegistryError` (Russian message) when it exists but cannot be opened."""
    from ..paths import registry_folder
    from ..quarterly.registry import Registry
    from .forms import ANNUAL_QUARTER
    folder = registry_folder(out, program_code, registry)
    if data is None or not (folder / "registry.sqlite").is_file():
        return None
    reg = Registry(folder)
    if any(reg.latest(sid, year, q) for sid in data.subsidies for q in (YEAR_QUARTER, ANNUAL_QUARTER)):
        return reg
    reg.close()
    return None


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


@dataclass
class YearResults:
    """The accepted annual results form (:mod:`.forms`) of a municipality: result id -> actual value, the
    reasons typed for results not achieved (result id -> text), its registry id."""

    values: dict[str, Decimal]
    reasons: dict[str, str]
    submission_id: int

    @property
    def explanation(self) -> str | None:
        """The reasons as one text (each distinct text once, in the order of the results), None without any."""
        texts = list(dict.fromkeys(t.strip() for t in self.reasons.values() if t and t.strip()))
        return "; ".join(texts) or None


def year_results(registry, subsidy_id: str, year: int) -> dict[str, YearResults]:
    """Municipality code → the current accepted annual results form of ``subsidy_id`` for ``year`` (registry
    rows of quarter 0, :data:`.forms.ANNUAL_QUARTER`); municipalities without one are absent."""
    from .forms import ANNUAL_QUARTER
    out = {}
    for code, submission in registry.latest(subsidy_id, year, ANNUAL_QUARTER).items():
        values = (submission.figures or {}).get("results")
        if values:
            out[code] = YearResults(dict(values), dict((submission.texts or {}).get("reasons") or {}),
                                    submission.id)
    return out


def _value(value) -> str:
    from .forms import shown_value
    return shown_value(Decimal(value))


def _rub(value) -> str:
    return _("{amount} rub.").format(amount=format_number(Decimal(value), 2))


def facts_from_registry(facts, data: SubsidyData, registry) -> tuple[object, list[str]]:
    """``facts`` (:class:`.schema.AnnualFacts`) with each subsidy row's received, used and unused money
    replaced by the accepted IV-quarter report's and its result values (and the reasons for results not
    achieved, as its explanation) by the accepted annual results form's (:func:`year_results`), and the
    findings (Russian sentences): a money figure or result value of the file that differs from the registry,
    a row without an accepted IV-quarter report (the file's money is kept) or without an accepted annual form
    (the file's values are kept), an accepted IV-quarter report without a row in the file and without an
    annual form. A municipality with both reports accepted and no row in the file gets its row from the
    registry alone. Pure: ``facts`` is not changed."""
    findings: list[str] = []
    rows = []
    year = facts.year
    money = {sid: year_money(data, registry, sid, year) for sid in data.subsidies}
    results = {sid: year_results(registry, sid, year) for sid in data.subsidies}
    seen = set()
    for row in facts.subsidy_results:
        seen.add((row.subsidy, row.municipality))
        who = data.municipalities[row.municipality].name if row.municipality in data.municipalities else row.municipality
        subsidy = data.subsidies[row.subsidy].name if row.subsidy in data.subsidies else row.subsidy
        row, found_results = _with_results(row, results.get(row.subsidy, {}).get(row.municipality), data, who,
                                           subsidy, year, findings)
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
            if typed is not None and Decimal(typed) != accepted:
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
            form = results.get(sid, {}).get(code)
            if form is not None:                   # both forms accepted: the file needs no row at all
                from .schema import SubsidyResult
                found = by_code[code]
                rows.append(SubsidyResult(subsidy=sid, municipality=code, received=found.received, used=found.used,
                                          unused=found.unused, values=form.values, explanation=form.explanation))
                continue
            findings.append(_("{who}, {subsidy}: the accepted report for the IV quarter has no results row in "
                              "annual/{year}.yaml (the values of the results are needed for the return)").format(
                who=who, subsidy=data.subsidies[sid].name, year=year))
    return facts.model_copy(update={"subsidy_results": rows}), findings


def _with_results(row, form: YearResults | None, data: SubsidyData, who: str, subsidy: str, year: int,
                  findings: list[str]):
    """``row`` with its result values and explanation from the accepted annual results ``form`` (each value of
    the file that differs is a finding), or unchanged with a finding when there is no accepted form."""
    if form is None:
        if data.agreement(row.subsidy, row.municipality, year) is not None:
            findings.append(_("{who}, {subsidy}: no accepted annual report on the results for {year} in the "
                              "registry; the values of the results are taken from annual/{year}.yaml").format(
                who=who, subsidy=subsidy, year=year))
        return row, None
    names = {r.id: r.name for r in data.subsidies[row.subsidy].results} if row.subsidy in data.subsidies else {}
    for rid, accepted in form.values.items():
        typed = (row.values or {}).get(rid)
        if typed is not None and Decimal(str(typed)) != accepted:
            findings.append(_("{who}, {subsidy}: the value of the result «{result}» in annual/{year}.yaml is "
                              "{typed}, the accepted annual report (N {id}) says {accepted}; the report's value is "
                              "used").format(who=who, subsidy=subsidy, result=names.get(rid, rid)[:60], year=year,
                                             typed=_value(typed), accepted=_value(accepted), id=form.submission_id))
    update = {"values": {**(row.values or {}), **form.values}}
    if form.explanation:
        update["explanation"] = form.explanation
    return row.model_copy(update=update), form
