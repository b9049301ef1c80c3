"""Assemble the annual evaluation from program data, subsidy data and annual facts (calls the pure
formulas of :mod:`generator.effectiveness`)."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .. import calc
from ..data.errors import DataError, DataErrors
from ..data.loader import read_model
from ..data.schema import Program, normalise_code
from ..effectiveness import (CalculationError, Effectiveness, ReturnCalculation, achievement,
                             achievement_fraction, effectiveness, rate, subsidy_return)
from ..quarterly.load import SubsidyData
from ..i18n import _
from ..numbers import format_date, format_number
from ..quarterly.schema import Suspension
from .schema import AnnualFacts, SubsidyResult


def load_facts(program_dir: str | Path, year: int) -> AnnualFacts:
    path = Path(program_dir) / "annual" / f"{year}.yaml"
    if not path.is_file():
        raise DataError(_("no annual facts for {year}: the file is missing (the year's money and results of every "
                          "municipality, annual/<year>.yaml)").format(year=year), file=path)
    from ..data.loader import Located
    located = Located()
    facts = read_model(AnnualFacts, path, located, "annual")
    facts._located = located
    return facts


def _fact_error(facts: AnnualFacts, message: str, path: tuple, field: str) -> DataError:
    """A located error of the annual facts file: the file and line where ``path`` was read."""
    file, line = facts._located.where("annual", path) if facts._located is not None else (None, None)
    return DataError(message, file, line, field=field)


@dataclass
class MunicipalityEvaluation:
    municipality: str
    name: str
    agreement_number: str
    provided: Decimal
    facts: SubsidyResult | None
    calculation: ReturnCalculation | None
    suspended: str | None = None
    error: str | None = None

    @property
    def all_achieved(self) -> bool:
        return self.calculation is not None and self.calculation.m == 0


@dataclass
class SubsidyEvaluation:
    """One subsidy's year: per municipality the results and the return (rows), and the rules' terms from the
    subsidy data (:class:`generator.quarterly.schema.Subsidy`): ``return_deadline`` (the day the return is due,
    the rules' clause in ``clauses["return_deadline"]``), ``analysis_deadline`` / ``report_deadline`` (the main
    administrator's analysis and its report to the finance department; ``None`` where the rules set none),
    ``unused_return_working_days`` (``None``: the rules set no term), the suspension of the return clause that
    covers the due date (``suspension``) and those that do not (``suspensions_not_covering``)."""
    subsidy_id: str
    name: str
    department: str
    year: int
    rows: list[MunicipalityEvaluation]
    return_deadline: _dt.date
    analysis_deadline: _dt.date | None
    report_deadline: _dt.date | None
    coefficient: Decimal
    results_deadline: _dt.date | None = None       # the municipalities' annual report on the results is due
    results_deadline_note: str | None = None       # the rules do not fully set it: what the documents say
    result_specs: list = field(default_factory=list)
    unused_return_working_days: int | None = None
    suspension: Suspension | None = None
    suspensions_not_covering: list[Suspension] = field(default_factory=list)
    clauses: dict[str, str] = field(default_factory=dict)
    rules: str = ""

    @property
    def provided(self) -> Decimal:
        return sum((r.provided for r in self.rows), Decimal(0))

    @property
    def received(self) -> Decimal:
        return sum((r.facts.received for r in self.rows if r.facts), Decimal(0))

    @property
    def used_share(self) -> Decimal | None:
        return calc.share(self.used, self.provided, 1)

    @property
    def used(self) -> Decimal:
        return sum((r.facts.used for r in self.rows if r.facts), Decimal(0))

    @property
    def unused(self) -> Decimal:
        return sum((r.facts.unused for r in self.rows if r.facts), Decimal(0))

    @property
    def to_return(self) -> Decimal:
        return sum((r.calculation.amount for r in self.rows if r.calculation), Decimal("0.00"))

    @property
    def achieved_all(self) -> list[MunicipalityEvaluation]:
        return [r for r in self.rows if r.all_achieved]

    @property
    def missed(self) -> list[MunicipalityEvaluation]:
        return [r for r in self.rows if r.calculation is not None and r.calculation.m > 0]

    def clause(self, key: str) -> str:
        """The rules' clause that sets ``key`` as the documents cite it ("п. 9.2 правил"), or ``""``."""
        return f"{self.clauses[key]} правил" if key in self.clauses else ""


def suspension_text(suspension: Suspension) -> str:
    """A suspension as the documents say it: "действие п. 9.2 правил приостановлено Постановлением ... N 467 на
    период с 27 апреля 2021 г. до 1 января 2022 г."."""
    return (f"действие п. {suspension.clause} правил приостановлено на период с {format_date(suspension.start)} до "
            f"{format_date(suspension.until)} ({suspension.basis})")


def evaluate_subsidy(data: SubsidyData, facts: AnnualFacts, subsidy_id: str) -> SubsidyEvaluation:
    """Evaluate one subsidy's ``facts.year``: each municipality's results against its agreement and the
    return of funds (:func:`generator.effectiveness.subsidy_return`). The return is due on the subsidy's
    ``return_deadline`` of the next year (its rules, e.g. housing п. 9.2: "в срок до 1 июля года, следующего за
    годом предоставления субсидии"); a suspension of the return clause waives it only when that due date falls
    inside the suspension's period (:meth:`Suspension.covers`), and the documents name the suspensions that
    did not cover it."""
    subsidy = data.subsidies[subsidy_id]
    year = facts.year
    by_municipality = {f.municipality: f for f in facts.subsidy_results if f.subsidy == subsidy_id}
    due = subsidy.return_deadline.of(year + 1)
    suspension, not_covering = subsidy.suspension_of(due)
    waived = (f"возврат не применяется: {suspension_text(suspension)}; срок возврата {format_date(due)} "
              "приходится на этот период") if suspension else None
    rows = []
    for agreement in data.agreements_for(subsidy_id, year):
        fact = by_municipality.get(agreement.municipality)
        row = MunicipalityEvaluation(agreement.municipality, data.municipalities[agreement.municipality].name,
                                     agreement.number, agreement.subsidy_amount, fact, None,
                                     suspension.basis if suspension else None)
        if fact is not None:
            results = [(r.name, agreement.results[r.id], fact.values[r.id], r.direction)
                       for r in subsidy.results if r.id in agreement.results and r.id in fact.values]
            exempt = fact.exemption or waived
            try:
                # V_subsidy less the balance unused on 1 January where the rules say so (return_excludes_unused)
                unused = fact.unused if subsidy.return_excludes_unused else Decimal(0)
                row.calculation = subsidy_return(fact.received, unused, results, subsidy.return_coefficient, exempt)
            except CalculationError as exc:
                row.error = str(exc)
        rows.append(row)

    def next_year(day):
        return day.of(year + 1) if day is not None else None
    return SubsidyEvaluation(subsidy_id, subsidy.name, subsidy.department, year, rows,
                             return_deadline=due, analysis_deadline=next_year(subsidy.analysis_deadline),
                             report_deadline=next_year(subsidy.finance_report_deadline),
                             results_deadline=next_year(subsidy.annual_deadline),
                             results_deadline_note=subsidy.annual_deadline_note,
                             coefficient=subsidy.return_coefficient, result_specs=list(subsidy.results),
                             unused_return_working_days=subsidy.unused_return_working_days,
                             suspension=suspension, suspensions_not_covering=not_covering,
                             clauses=dict(subsidy.clauses), rules=subsidy.rules or "")


@dataclass
class IndicatorEvaluation:
    subprogram: str | None
    code: str
    name: str
    unit: str
    direction: str
    plan: Decimal
    plan_sample: bool
    fact: Decimal
    degree: Decimal
    explanation: str | None
    plan_line: int | None = None          # the act line of the plan (table 1 of the subprogram), None: the facts'


def act_plan(sub, code: str, year: int) -> tuple[Decimal, int] | None:
    """The plan of indicator ``code`` for ``year`` as subprogram ``sub``'s table 1 prints it: (value, act line
    of the indicator's row); ``None`` when the act prints none (table lost, no plan column of the year, a
    marker instead of a number)."""
    values = sub.indicator_values
    if values is None:
        return None
    column = next((i for i, c in enumerate(values.columns) if c.year == year and c.kind == "plan"), None)
    if column is None:
        return None
    for task in values.tasks:
        for row in task.rows:
            if row.indicator == code and column < len(row.values) and calc.is_number(row.values[column]):
                return Decimal(row.values[column]), row.line
    return None


def passport_plan(sub, year: int, years: list[int]) -> tuple[Decimal, int] | None:
    """The subprogram's money of ``year`` as its passport prints it (the "total" block: value, act line of
    the passport's financing field), for a subprogram whose table 4 the act lost; ``None`` when not printed."""
    passport = sub.passport
    block = next((b for b in (passport.financing if passport else []) if b.key == "total"), None)
    if block is None or year not in years or years.index(year) >= len(block.years):
        return None
    line = next((f.line for f in passport.fields if f.value.startswith(block.label)), passport.source.first_line)
    return Decimal(block.years[years.index(year)]), line


@dataclass
class ActivityEvaluation:
    subprogram: str
    code: str
    name: str
    plan: Decimal | None
    cash: Decimal
    done: bool
    explanation: str | None
    plan_doubts: list[str] = field(default_factory=list)    # failed control relations of the plan figure: "F02: ..."

    @property
    def execution(self) -> Decimal | None:
        return calc.share(self.cash, self.plan, 1) if self.plan else None


@dataclass
class SubprogramEvaluation:
    code: str | None
    title: str
    indicators: list[IndicatorEvaluation]
    activities: list[ActivityEvaluation]
    plan: Decimal | None
    cash: Decimal | None
    result: Effectiveness | None
    gaps: list[str] = field(default_factory=list)
    plan_line: int | None = None      # the plan is the passport's (act line): table 4 was lost in the act


@dataclass
class ProgramEvaluation:
    year: int
    sample: bool
    program_indicators: list[IndicatorEvaluation]
    subprograms: list[SubprogramEvaluation]
    score: Decimal | None
    rating: str | None
    ratings: list[tuple[Decimal, str]]
    parameters: object = None            # the facts' Parameters (their sources are printed)


def evaluate_program(program: Program, facts: AnnualFacts, findings: list | None = None) -> ProgramEvaluation:
    """The effectiveness evaluation of ``facts.year`` (docs/methodology.md). ``findings``: the control
    relations' findings of the program (:func:`generator.rules.check`); an activity's plan figure (table 4,
    "всего" of the year) that one of them involves keeps its value and carries the finding
    (:attr:`ActivityEvaluation.plan_doubts`), so the document says the evaluation used a doubtful figure.
    Raises :class:`DataErrors` for facts naming what the program does not have."""
    from ..rules import financing_cell
    params = facts.parameters
    doubts_of: dict[str, list[str]] = {}
    for f in findings or []:
        if f.severity == "error":
            for cell in f.cells:
                doubts_of.setdefault(cell, []).append(f"{f.rule}: {f.message}")
    ratings = [(r.min, r.label) for r in params.ratings]
    year = facts.year
    problems: list[DataError] = []
    positions = {id(f): i for i, f in enumerate(facts.indicators)}

    def _index(fact) -> int:
        return positions[id(fact)]

    def indicator(sub, fact) -> IndicatorEvaluation | None:
        table = sub.indicators if sub else program.indicators
        ind = next((i for i in (table.items if table else []) if i.code == fact.code), None)
        where = ("indicators", _index(fact))
        if ind is None:
            problems.append(_fact_error(facts, f"indicator {fact.code!r} of "
                                                f"{'subprogram ' + sub.code if sub else 'the program'} does not exist",
                                        where, f"indicators[{_index(fact)}].code"))
            return None
        printed = act_plan(sub, fact.code, year) if sub else None     # (value, act line) of table 1
        plan, plan_line = fact.plan, None
        if printed is not None:
            if fact.plan is not None and (fact.plan != printed[0] or fact.plan_sample):
                problems.append(_fact_error(
                    facts, _("indicator {code} of subprogram {subprogram}: the plan {plan} differs from the act's "
                             "plan of {year} ({printed}, act line {line}); leave the plan out, it is taken from the "
                             "act").format(code=fact.code, subprogram=sub.code, plan=format_number(fact.plan, None),
                                           year=year, printed=format_number(printed[0], None), line=printed[1]),
                    where, f"indicators[{_index(fact)}].plan"))
                return None
            plan, plan_line = printed
        elif plan is None:
            problems.append(_fact_error(facts, _("indicator {code}: the act prints no plan of {year}; give one "
                                                 "(plan, plan_sample: true)").format(code=fact.code, year=year),
                                        where, f"indicators[{_index(fact)}].plan"))
            return None
        try:
            degree = achievement(fact.fact, plan, ind.direction, params.achievement_cap, ind.name[:60])
        except CalculationError as exc:
            problems.append(_fact_error(facts, str(exc), ("indicators", _index(fact)), f"indicators[{fact.code}]"))
            return None
        return IndicatorEvaluation(sub.code if sub else None, fact.code, ind.name, ind.unit, ind.direction,
                                   plan, fact.plan_sample, fact.fact, degree, fact.explanation, plan_line)

    program_indicators = [e for f in facts.indicators if f.subprogram is None
                          for e in [indicator(None, f)] if e is not None]
    out = []
    for sub in program.subprograms:
        inds = [e for f in facts.indicators if f.subprogram == sub.code for e in [indicator(sub, f)] if e is not None]
        acts = []
        years = program.subprogram_years(sub)
        rows = {normalise_code(r.code): (n, r) for n, r in enumerate(sub.financing.rows if sub.financing else [])
                if r.kind == "activity"}
        for f in (a for a in facts.activities if a.subprogram == sub.code):
            n, row = rows.get(normalise_code(f.code), (None, None))
            plan, doubts = None, []
            if row is not None and year in years:
                money = calc.row_money(row, "total")      # the act's plan of the activity (table 4)
                plan = calc.as_decimal(money[years.index(year)]) if money is not None else None
                # the figures that plan is: the "всего" line's, else (a row printed without one) its lines'
                keys = ["total"] if row.source("total") else [line.source for line in row.sources]
                doubts = list(dict.fromkeys(d for key in keys for d in doubts_of.get(
                    financing_cell(f"sp{sub.code}", n, key, years.index(year)), [])))
            name = next((a.name for a in (sub.activities.items if sub.activities else [])
                         if normalise_code(a.code) == normalise_code(f.code)), f"Основное мероприятие {f.code}")
            acts.append(ActivityEvaluation(sub.code, f.code, name, plan, f.cash, f.done, f.explanation, doubts))
        gaps = []
        plan = calc.total(a.plan for a in acts if a.plan is not None)
        cash = calc.total(a.cash for a in acts if a.plan is not None)
        plan_line = None
        if acts and not sub.financing and (printed := passport_plan(sub, year, years)) is not None:
            # table 4 lost: the subprogram's plan is its passport's money of the year, the cash of all activities
            plan, plan_line = printed
            cash = calc.total(a.cash for a in acts)
        if not inds:
            gaps.append("нет плановых или фактических значений показателей")
        if not acts:
            gaps.append("нет данных об исполнении основных мероприятий (таблица 4 подпрограммы отсутствует в "
                        "источнике)" if not sub.financing else "нет данных об исполнении основных мероприятий")
        result = None
        if inds and acts and plan:
            exact = [achievement_fraction(i.fact, i.plan, i.direction, params.achievement_cap) for i in inds]
            result = effectiveness(exact, sum(a.done for a in acts), len(acts), cash, plan,
                                   ratings, params.use_coefficient_cap)
        elif inds:
            # the indicators' plan is there (e.g. printed by the act) but not the money: the degree of
            # achievement is evaluated, the effectiveness is not (score None; the gaps say why)
            exact = [achievement_fraction(i.fact, i.plan, i.direction, params.achievement_cap) for i in inds]
            result = effectiveness(exact, 0, 0, None, None, ratings, params.use_coefficient_cap)
            if not sub.financing and not (sub.passport and sub.passport.financing):
                gaps.append("финансовое обеспечение подпрограммы в постановлении не напечатано (нет таблицы 4 "
                            "и паспорта подпрограммы)")
        out.append(SubprogramEvaluation(sub.code, sub.title, inds, acts, plan, cash, result, gaps, plan_line))
    if problems:
        raise DataErrors(problems)
    # parameters.program_score "mean": the product's own rule (the act is silent), labelled in the document
    scores = [s.result.score for s in out if s.result and s.result.score is not None]
    score = sum(scores, Decimal(0)) / len(scores) if scores else None
    return ProgramEvaluation(year, facts.sample, program_indicators, out, score, rate(score, ratings), ratings,
                             params)
