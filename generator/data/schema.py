"""Typed domain objects of a state program (pydantic), as documented in docs/data-format.md.

Money is ``Decimal`` (thousand rubles, as printed); a year's value may also be
the marker ``"-"`` (no value) or ``"х"`` (not applicable), or ``None`` (empty in
the source). Unknown keys are errors.
"""

from __future__ import annotations

import datetime as _dt
import os
from decimal import Decimal
from typing import Literal, Optional, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from typing_extensions import Annotated

# pydantic looks for plugins (entry points of every installed distribution, importlib.metadata) when it makes
# its first validator: 60-70 ms alone, about 25 ms of a command's start as measured, before any data is read, for
# plugins gosprog neither has (none is in requirements.lock) nor wants observing its data.
# PYDANTIC_DISABLE_PLUGINS is pydantic's own switch (pydantic PR 8767, "Pydantic Plugins" docs); a value the user
# set is kept.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from ..i18n import N_, _

LIMIT = Decimal("1e15")


def _number(value):
    """Numbers only: text that looks like a number is refused (the reader gives Decimal or int)."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise ValueError(_("expected a number"))
    number = Decimal(value)
    if not number.is_finite() or abs(number) >= LIMIT:
        raise ValueError(_("number out of range"))
    return number


Num = Annotated[Decimal, BeforeValidator(_number)]   # a number field: Decimal, read from numbers only


def _named(value: str) -> str:
    """A name or title that the documents print as a row's or a table's identification: text with a character other
    than spaces (an empty one printed as a blank row name or heading, and nothing said so)."""
    if not value.strip():
        raise ValueError(_("must not be empty: write the name as the act prints it"))
    return value


Name = Annotated[str, AfterValidator(_named)]        # a name or title that must not be blank


def places(decimals: int, message: str):
    """A validator refusing numbers with more than ``decimals`` digits after the point: money is kept to the kopeck,
    so a figure in rubles has at most 2, in thousand rubles 5. ``message`` (a catalog id, :func:`N_`) says so with
    ``{decimals}`` and the figure ``{rounded}``."""
    def check(value):
        if isinstance(value, Decimal) and value.is_finite() and value.normalize().as_tuple().exponent < -decimals:
            rounded = format(value.quantize(Decimal(1).scaleb(-decimals)).normalize(), "f")
            raise ValueError(_(message).format(decimals=decimals, rounded=rounded))
        return value
    return AfterValidator(check)


# money in rubles: kopecks at most
Rubles = Annotated[Num, places(2, N_("an amount in rubles finer than a kopeck: at most {decimals} digits after the "
                                     "point (round it to {rounded})"))]
# money in thousand rubles, as the act prints
Thousands = Annotated[Num, places(5, N_("an amount in thousand rubles finer than a kopeck: at most {decimals} digits "
                                        "after the point (round it to {rounded})"))]
Marker = Literal["-", "х"]
Amount = Union[Thousands, Marker, None]


def _zip_date(value: _dt.date) -> _dt.date:
    """Dates a package can carry: ZIP timestamps (DOCX, XLSX, the archive) hold 1980-2107 only."""
    if not 1980 <= value.year <= 2107:
        raise ValueError(_("the date {date} is outside the years 1980-2107 (what a ZIP time stamp in DOCX and XLSX "
                           "holds)").format(date=f"{value:%d.%m.%Y}"))
    return value


Date = Annotated[_dt.date, AfterValidator(_zip_date)]
Number = Num


def normalise_code(code: str | None) -> str | None:
    """Codes compare without case, spaces and Cyrillic/Latin look-alikes: "Р1" == "P1"."""
    if code is None:
        return None
    table = str.maketrans("РАВСЕКМНОТХрасеохкм", "PABCEKMHOTXpaceoxkm")
    return code.translate(table).replace(" ", "").rstrip(".").upper()


class Strict(BaseModel):
    # The validators are built with the classes, when this module is imported (pydantic's default). Deferring
    # them to the first validation (defer_build) was tried: every command that imports this module reads a
    # program, so nothing was saved, and the work moved into the program's first read (the cold load of
    # bench/startup.py: 0.15 -> 0.21 s, the import 0.05 s shorter, their sum the same).
    model_config = ConfigDict(extra="forbid", frozen=False, populate_by_name=True)


class SourceLines(Strict):
    first_line: int = Field(ge=1)
    last_line: int = Field(ge=1)

    @model_validator(mode="after")
    def _order(self):
        if self.last_line < self.first_line:
            raise ValueError(_("last_line is before first_line: swap them"))
        return self


class Act(Strict):
    act: str = "Постановление Правительства Вологодской области"
    date: Date
    number: str


class Edition(Strict):
    """The edition the data describes: the date it is in force from, the amending act's number and date,
    and whether its figures are sample (documents then say "Образец (условные данные)")."""
    date: Date                       # in force from
    act_date: Date
    number: str
    sample: bool = False             # an edition made up for demonstration
    note: Optional[str] = None


class Amendment(Strict):
    date: Date
    number: str
    changes: Optional[str] = None


HistoryPart = Literal["passport", "indicator_values", "indicators", "activities", "financing", "forecast",
                      "tax_expenditures", "regional_projects", "table"]


class HistoryNote(Strict):
    """An act that changed a part of the program, as the act's own note says ("Раздел III изменен
    с 31 августа 2021 г. - Постановление ... N 1005"), or as ``tables import`` records it."""

    part: HistoryPart
    table: Optional[str] = None          # the printed table's id, for part "table"
    element: str                         # how the act names what changed: "Паспорт", "Раздел III", "Пункт 1.1"
    since: _dt.date                      # in force from
    act_date: _dt.date
    number: str
    line: Optional[int] = None           # the note's line in source/act.txt
    note: Optional[str] = None           # the note as printed


class LaterAct(Strict):
    """An amending act listed in the act's trailer whose changes the data does not hold."""

    date: _dt.date
    number: str
    in_force: Optional[_dt.date] = None
    line: Optional[int] = None


class FundingSource(Strict):
    key: str
    label: str
    index: Optional[str] = None


class FinancingBlock(Strict):
    """One block of a passport's financing paragraph: a total and per-year figures."""

    key: str
    label: str
    total: Amount
    years: list[Amount]
    joiner: Optional[str] = None     # the text joining it to the previous block ("; ", ", из них: ")
    parts: list[str] = []            # keys of the blocks this one is the sum of (control relation F07)


class ProgramPassport(Strict):
    source: SourceLines
    responsible_executor: str
    executors: list[str]
    subprograms_text: Optional[str] = None
    goal: str
    tasks: list[str]
    indicators_text: Optional[str] = None
    period_text: str
    expected_results: list[str]
    financing_text: Optional[str] = None
    financing: list[FinancingBlock] = []


class PassportField(Strict):
    label: str
    value: str
    line: int


class SubprogramPassport(Strict):
    source: SourceLines
    fields: list[PassportField]
    financing_text: Optional[str] = None
    financing: list[FinancingBlock] = []


class Target(Strict):
    year: int
    value: Number
    text: Optional[str] = None


class Indicator(Strict):
    code: str
    no: Optional[str] = None
    line: int
    name: Name
    unit: str
    definition: Optional[str] = None
    time_characteristic: Optional[str] = None
    formula: Optional[str] = None
    variables: list[str] = []
    collection_method: Optional[str] = None
    responsible: Optional[str] = None
    direction: Literal["increase", "decrease"] = "increase"
    target: Optional[Target] = None


class IndicatorTable(Strict):
    source: SourceLines
    footnote: Optional[str] = None
    numbering: Optional[list[str]] = None
    items: list[Indicator]


class ValueColumn(Strict):
    year: int
    kind: Literal["reported", "estimated", "plan"]
    label: str


class IndicatorValueRow(Strict):
    indicator: str
    name: Name
    unit: str
    line: int
    values: list[Union[Number, Marker, None]]


class IndicatorTask(Strict):
    no: Optional[str] = None
    text: str
    line: int
    rows: list[IndicatorValueRow]


class IndicatorValues(Strict):
    source: SourceLines
    goal: str
    goal_line: int
    columns: list[ValueColumn]
    tasks: list[IndicatorTask]


class ActivityIndicator(Strict):
    indicator: Optional[str] = None
    text: str
    source_codes: Optional[list[Optional[str]]] = None


class Activity(Strict):
    no: Optional[str] = None
    code: str
    name: Name
    executors: str
    expected_result: Optional[str] = None
    ssr_tasks: Optional[str] = None
    project: Optional[str] = None
    line: int
    source_codes: Optional[list[Optional[str]]] = None
    indicators: list[ActivityIndicator] = []


class ActivityTable(Strict):
    source: SourceLines
    year_columns: list[int]
    footnote: Optional[str] = None
    items: list[Activity]


class SourceLine(Strict):
    """One funding-source line of a financing row: per-year amounts and the all-years total."""

    source: str
    label: str
    values: list[Amount]
    total: Amount


RowKind = Literal["program", "subprogram", "executor", "activity", "item", "activity_executor"]


class FinancingRow(Strict):
    """A row of a financing table (act tables 3-4): the program, a subprogram, an executor, an activity or
    an item, with its funding-source lines (amounts in the program's ``unit``, тыс. руб.)."""
    no: Optional[str] = None
    kind: RowKind
    status: Optional[str] = None
    name: Optional[str] = None
    executor: Optional[str] = None
    code: Optional[str] = None
    line: Optional[int] = None
    sources: list[SourceLine]

    def source(self, key: str) -> Optional[SourceLine]:
        """The row's line of funding source ``key`` (``"total"``, ``"own"``, ...), ``None`` when not printed.
        For the row's money use :func:`generator.calc.row_money` (it knows the rows without a "всего" line)."""
        return next((s for s in self.sources if s.source == key), None)


class FinancingTable(Strict):
    source: SourceLines
    rows: list[FinancingRow]


class ForecastRow(Strict):
    no: Optional[str] = None
    label: str
    line: int
    values: list[Amount]
    total: Amount


class ForecastTable(Strict):
    table: str = "Таблица 5"
    source: SourceLines
    rows: list[ForecastRow]


class HeaderCell(Strict):
    text: Optional[str] = None
    colspan: int = Field(1, ge=1, le=100)
    rowspan: int = Field(1, ge=1, le=10000)


class MarkedValue(Strict):
    value: Num
    mark: str


CellValue = Union[Num, int, str, None, HeaderCell, MarkedValue]


class PrintedColumn(Strict):
    kind: Literal["text", "number", "percent"] = "text"
    decimals: Optional[int] = None
    width: Optional[float] = None


class PrintedRow(Strict):
    line: Optional[int] = None
    style: Literal["normal", "group", "total", "subtotal"] = "normal"
    level: Optional[int] = None
    code: Optional[str] = None
    label: Optional[str] = None
    cells: list[CellValue]


class ColumnSum(Strict):
    total_column: int
    part_columns: list[int]


class RowSum(Strict):
    total_row: int
    part_rows: list[int]
    columns: list[int]


class PrintedTable(Strict):
    """A table kept as printed: headers with spans, typed columns, rows of cells."""

    id: str
    title: Name
    appendix: Optional[str] = None
    form: Optional[str] = None
    text_before: list[str] = []
    text_after: list[str] = []
    footnote: Optional[str] = None
    source: SourceLines
    unit: Optional[str] = None
    orientation: Literal["portrait", "landscape"] = "portrait"
    header: list[list[HeaderCell]]
    numbering: bool = False
    columns: list[PrintedColumn]
    rows: list[PrintedRow]
    sums: list[Union[ColumnSum, RowSum]] = []


class AbsentTable(Strict):
    table: str
    title: str
    line: int


class TaxItem(Strict):
    no: Optional[str] = None
    line: int
    name: Name
    payers: list[Amount]
    amounts: list[Amount]
    payers_total: Amount
    amount_total: Amount


class TaxGroup(Strict):
    title: str
    line: int
    goal: Optional[str] = None
    items: list[TaxItem]


class TaxTotal(Strict):
    label: str
    line: int
    payers: list[Amount]
    amounts: list[Amount]
    payers_total: Amount
    amount_total: Amount


class TaxExpenditures(Strict):
    source: SourceLines
    groups: list[TaxGroup]
    total: TaxTotal


class ProjectRow(Strict):
    no: Optional[str] = None
    name: Name
    line: int
    subprogram: Optional[str] = None
    code: Optional[str] = None
    national_project: Optional[str] = None
    indicators_link: Optional[str] = None


class RegionalProjects(Strict):
    source: SourceLines
    rows: list[ProjectRow]


class FigureRef(Strict):
    """One printed figure: a cell of a printed table (its id, the row's act line, the 1-based column)
    or a passport financing block (its key; ``year``, or none for the all-years total)."""

    table: Optional[str] = None
    row: Optional[int] = None
    column: Optional[int] = Field(None, ge=1)
    passport: Optional[str] = None
    year: Optional[int] = None

    @model_validator(mode="after")
    def _one_kind(self):
        if (self.passport is None) == (self.table is None) or (self.table and (self.row is None or self.column is None)):
            raise ValueError(_("name either a passport block (passport, year) or a table cell (table, row, column)"))
        return self


class SameFigure(Strict):
    """Control relation P02: the same money printed in two places (two appendices, an appendix and the
    passport) must be the same figure."""

    a: FigureRef
    b: FigureRef
    note: Optional[str] = None


class Subprogram(Strict):
    """A subprogram: its passport and tables (indicators, activities, financing, forecast), the tables the
    act lost (``absent``) and the printed tables kept as printed (``tables``)."""
    code: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z.]{0,11}$")
    title: Name
    appendix: Optional[str] = None
    years: Optional[list[int]] = None
    passport: Optional[SubprogramPassport] = None
    indicator_values: Optional[IndicatorValues] = None
    indicators: Optional[IndicatorTable] = None
    activities: Optional[ActivityTable] = None
    financing: Optional[FinancingTable] = None
    forecast: Optional[ForecastTable] = None
    tables: list[PrintedTable] = []
    same_figures: list[SameFigure] = []
    absent: list[AbsentTable] = []
    history: list[HistoryNote] = []

    def is_absent(self, table: str) -> bool:
        """True when the act lost ``table`` (``"Таблица 4"``): it is printed as absent, never as zeros."""
        return any(a.table == table for a in self.absent)


class Program(Strict):
    """A state program as published (the act's text, one edition): passport, indicators, funding sources,
    subprograms and their tables; amounts in ``unit`` (тыс. руб.). Read by :func:`generator.data.load_program`."""
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    title: Name
    years: list[int]
    unit: str = "тыс. руб."
    kind: str = "state"                  # state | municipal: a key of templates/wording.yaml "kinds"
    budget: str = "regional"             # regional | local | republic | ...: a key of its "budgets"
    wording: dict[str, Union[str, list[str]]] = {}   # any text of templates/wording.yaml, overridden
    approved: Act
    edition: Edition
    amendments: list[Amendment] = []
    sources: list[FundingSource]
    passport: ProgramPassport
    indicators: Optional[IndicatorTable] = None
    tax_expenditures: Optional[TaxExpenditures] = None
    regional_projects: Optional[RegionalProjects] = None
    absent: list[AbsentTable] = []
    history: list[HistoryNote] = []
    later_acts: list[LaterAct] = []      # the trailer's amending acts not reflected in the data
    subprograms: list[Subprogram] = []

    @field_validator("years")
    @classmethod
    def _years(cls, years):
        if years != sorted(set(years)) or not years:
            raise ValueError(_("years must be a non-empty increasing list without repeats"))
        return years

    def subprogram_years(self, sub: Subprogram) -> list[int]:
        """The years of ``sub``'s tables: its own ``years`` or, by default, the program's."""
        return sub.years or self.years

    def source_label(self, key: str) -> str:
        """The printed label of funding source ``key`` (``"own"`` → ``"собственные доходы областного бюджета"``);
        the key itself when the program does not declare it."""
        return next((s.label for s in self.sources if s.key == key), key)
