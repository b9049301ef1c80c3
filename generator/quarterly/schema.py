"""Typed subsidy data: municipalities, subsidy rules, report form specs, agreements, submissions."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Literal, Optional, Union

from pydantic import Field, model_validator
from typing_extensions import Annotated

from ..data.schema import Date, Num, Rubles, SourceLines, Strict
from ..i18n import _


class Municipality(Strict):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    name: str
    kind: Literal["district", "city"]


class Municipalities(Strict):
    items: list[Municipality]


class Result(Strict):
    id: str
    name: str
    unit: str
    direction: Literal["increase", "decrease"] = "increase"
    whole: bool = False              # a count of things (camps, dwellings): a fractional value is refused
    at_most: Optional[Num] = None    # the largest value it can take (a share of a whole in %: 100)


class Cofinancing(Strict):
    max_level: Optional[Union[Num, dict[str, Num]]] = None   # percent, or per municipality kind
    fixed: dict[str, Num] = {}                                    # municipality code → percent


class MonthDay(Strict):
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)

    def of(self, year: int) -> _dt.date:
        """This day of ``year``."""
        return _dt.date(year, self.month, self.day)


class Suspension(Strict):
    """An amending act's suspension of a clause of the subsidy's rules (the act's note "действие пункта 9.2
    приостановлено до 1 января 2022 г."): the ``clause`` suspended, the amending act (``basis``), in force from
    ``start`` (the act's "Изменения вступают в силу с ...") until ``until`` (exclusive: "до 1 января")."""

    clause: str
    basis: str
    start: _dt.date
    until: _dt.date

    def covers(self, day: _dt.date) -> bool:
        """True when ``day`` falls inside the suspension: ``start <= day < until``."""
        return self.start <= day < self.until


class Subsidy(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,40}$")
    name: str
    department: str
    subprogram: str
    activity: str
    executor: Optional[str] = None
    source: Optional[SourceLines] = None
    rules: Optional[str] = None              # where the rules are in the act: "приложение 2 к подпрограмме 5"
    cofinancing: Cofinancing = Cofinancing()
    results: list[Result]
    form: str
    quarterly_deadline_day: int = Field(ge=1, le=28)
    # where the rules leave the quarterly deadline to the agreement: what the documents say after the date
    # ("срок установлен соглашением ...; 10-е число принято разработчиком отчета"); None: the rules set the day
    quarterly_deadline_note: Optional[str] = None
    annual_deadline: MonthDay
    # where the rules do not fully set the annual deadline (education: "до 5 числа месяца года, следующего за
    # отчетным", no month): what the documents say after the date; None: the rules set it
    annual_deadline_note: Optional[str] = None
    # the main administrator's analysis of the results and its report to the finance department, in the year
    # after the subsidy year; None where the rules set no date (the documents then say so)
    analysis_deadline: Optional[MonthDay] = None
    finance_report_deadline: Optional[MonthDay] = None
    # the return of funds for missed results is due on this day of the year after the subsidy year
    return_deadline: MonthDay = MonthDay(month=7, day=1)
    # the balance unused on 1 January goes back within this many first working days of the next year; None:
    # the rules set no term
    unused_return_working_days: Optional[int] = Field(None, ge=1, le=60)
    # V_subsidy of the return formula is the subsidy less the balance unused on 1 January (the rules say so)
    return_excludes_unused: bool = True
    # suspensions of the rules' return clause by amending acts (act's amendment notes and trailer)
    suspensions: list[Suspension] = []
    return_coefficient: Num = Decimal("0.1")
    # the clause of the rules that sets each value above, as the documents cite it: field → "п. 7.3" / "раздел 6"
    clauses: dict[str, str] = {}
    # where each text and figure above is printed in the act: field path → act line, or the reason it is not
    act_lines: dict[str, Union[Annotated[int, Field(ge=1)], str]] = {}

    def max_level(self, kind: str) -> Decimal | None:
        level = self.cofinancing.max_level
        if isinstance(level, dict):
            return level.get(kind)
        return level

    def suspension_of(self, due: _dt.date) -> tuple[Suspension | None, list[Suspension]]:
        """The suspension of the return clause covering a return due on ``due`` (the first such, else
        ``None``), and the suspensions that do not cover it (the documents say they did not apply)."""
        covering = [s for s in self.suspensions if s.covers(due)]
        return (covering[0] if covering else None), [s for s in self.suspensions if not s.covers(due)]

    def deadline_note(self) -> str:
        """What the documents print after a quarterly deadline: `` (<note>)`` when the day is not the rules'
        (``quarterly_deadline_note``), else ``""``."""
        return f" ({self.quarterly_deadline_note})" if self.quarterly_deadline_note else ""

    def deadline(self, year: int, quarter: int) -> _dt.date:
        """The report of a quarter is due on the given day of the month after the quarter."""
        month = quarter * 3 + 1
        if month > 12:
            return _dt.date(year + 1, 1, self.quarterly_deadline_day)
        return _dt.date(year, month, self.quarterly_deadline_day)


class Subsidies(Strict):
    items: list[Subsidy]


class FormColumn(Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,40}$")
    header: list[str] = Field(min_length=1, max_length=4)
    role: Literal["label", "prefill", "input", "computed", "text", "number"]
    formula: Optional[str] = None          # for computed columns: an expression over this row's columns
    kind: Literal["money", "percent", "text"] = "money"
    width: float = 1.4
    label: Optional[str] = None            # the column as named in a message (default: its headers joined)

    @property
    def name(self) -> str:
        """The column's name as the accountant reads it on the form."""
        return self.label or ", ".join(self.header).replace("на 20__ год", "на год")


class FormRow(Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,40}$")
    label: str
    prefill: dict[str, Union[str, Num, int]] = {}
    sum_of: Optional[list[str]] = None


class FormCheck(Strict):
    """A control relation between cells. ``message``: what is wrong, in the accountant's words;
    ``explain``: the figures, a text with ``{expression}`` or ``{expression|kind}`` placeholders (kinds:
    ``money`` rubles with kopecks, ``money_up`` rounded up to a kopeck, ``percent``); ``todo``: what to do."""

    id: str
    expr: str
    message: str
    explain: Optional[str] = None
    todo: Optional[str] = None


class FormSpec(Strict):
    """A report form as data: columns (with multi-level headers), rows, checks between cells."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,40}$")
    version: int = 1
    title: str
    unit: str = "руб."
    source: Optional[SourceLines] = None
    columns: list[FormColumn]
    rows: list[FormRow] = []               # fixed rows …
    repeat: Optional[int] = Field(None, ge=1, le=500)   # … or this many blank rows to fill in
    total_label: str = "Итого"
    cumulative: list[str] = []             # year-to-date columns: never decrease from the last quarter
    checks: list[FormCheck] = []
    summary: dict[str, str] = {}           # consolidated-report figure → cell ("regional.used", "total.used_reg")

    @model_validator(mode="after")
    def _shape(self):
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(_("column keys must be unique"))
        if bool(self.rows) == bool(self.repeat):
            raise ValueError(_("a form has either fixed `rows` or `repeat` blank rows"))
        for name in self.cumulative:
            if name not in keys:
                raise ValueError(_("cumulative column {name!r} is not a column of the form").format(name=name))
        return self

    def column(self, key: str) -> FormColumn:
        return next(c for c in self.columns if c.key == key)


class Agreement(Strict):
    subsidy: str
    municipality: str
    number: str
    date: Date
    subsidy_amount: Rubles = Field(ge=0)
    level: Num = Field(gt=0, le=100)       # regional share, percent
    local_amount: Rubles = Field(ge=0)
    results: dict[str, Annotated[Num, Field(ge=0)]] = {}


class Agreements(Strict):
    sample: bool = False
    year: int
    agreements: list[Agreement]


class SampleSubmission(Strict):
    """A municipality's filled-in form, as sample data for the demonstration loop."""

    subsidy: str
    municipality: str
    quarter: int = Field(ge=1, le=4)
    submitted: _dt.date
    values: dict[str, dict[str, Union[Num, str]]] = {}   # row key → column key → value (fixed-row forms)
    rows: list[dict[str, Union[str, Num, int]]] = []   # repeated-row forms
    fault: Optional[str] = None                        # what is wrong on purpose (documented in data)
    period_as: Optional[int] = None                    # fill the form generated for another quarter


class SampleAnnualFault(Strict):
    """An annual results form first sent with a fault, then corrected (the demonstration loop)."""

    subsidy: str
    municipality: str
    submitted: _dt.date
    fault: Literal["no-reason"]                        # the reason for a result not achieved is left out
    fixed: _dt.date                                    # the corrected form arrives on this day


class SampleAnnual(Strict):
    """When the annual results forms of the sample arrive (the values are annual/<year>.yaml's)."""

    submitted: dict[str, _dt.date]                     # subsidy id → the day its forms arrive
    refused: list[SampleAnnualFault] = []


class SampleSubmissions(Strict):
    sample: bool = True
    year: int
    submissions: list[SampleSubmission]
    annual: Optional[SampleAnnual] = None
