"""The program's figure tables laid out as editing sheets: one layout for export and import.

:func:`sheets` turns a loaded program into a list of :class:`Sheet`: a caption, header
rows and body rows of :class:`Slot` cells. A slot is a label (structure: compared on
import, never applied), a figure (an editable number that lives at ``unit`` / ``path``
in the YAML files) or a total (a figure that the data shows to be the sum of other
cells: written as a live formula, recomputed on import, and written back like a figure).

A total becomes a formula only where the data's figures add up (so the act's own
arithmetic errors stay visible, as figures, and ``validate`` keeps reporting them):
a line's years to its all-years column (rule F01), the funding sources to the "всего"
line (F02), main activities to the subprogram row (F04), items to their main activity
(F05), a single executor row to the subprogram row (F03), forecast rows to "Всего"
(F08), tax expenditures to "Итого" (T01), the passport's blocks (F07).

Tables covered: the program passport's financing blocks, tax expenditures (program
table 5), and per subprogram its passport financing, indicator values (table 1),
financing (table 4) and forecast (table 5/6). Printed appendix tables are not edited
here (their shapes vary; edit their YAML).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Optional

from .. import calc
from ..builders.common import table_title
from ..data.schema import Program, Subprogram

Kind = Literal["label", "figure", "total"]


@dataclass
class Slot:
    kind: Kind
    value: object = None                 # label text, or the figure as in the data (Decimal/int/marker/None)
    unit: Optional[str] = None           # "program" or "sp<code>" (Located's units)
    path: tuple = ()
    parts: list[tuple[int, int]] = field(default_factory=list)   # (body row, column) summed by a total
    decimals: Optional[int] = 1          # printed precision; None keeps the value's own


@dataclass
class Sheet:
    name: str                            # the sheet's name (a Russian caption, at most 31 characters)
    title: str                           # the table's full caption (first row of the sheet)
    table: str                           # how messages name the table
    header: list[list[str]]
    rows: list[list[Optional[Slot]]]
    row_names: list[str]                 # how messages name each body row
    column_names: list[str]
    widths: list[float]
    scope: str = "program"               # "program" or the subprogram code
    kind: str = ""                       # financing | forecast | indicator_values | tax | passport

    def slots(self):
        for r, row in enumerate(self.rows):
            for c, slot in enumerate(row):
                if slot is not None:
                    yield r, c, slot


def _label(text) -> Slot:
    return Slot("label", "" if text is None else str(text))


def _fig(value, unit: str, path: tuple, decimals: Optional[int] = 1) -> Slot:
    return Slot("figure", value, unit, path, decimals=decimals)


def _try_total(rows: list[list[Optional[Slot]]], r: int, c: int, parts: list[tuple[int, int]]) -> bool:
    """Make the slot at (r, c) a total of ``parts`` when the data's figures add up to it."""
    slot = rows[r][c]
    if slot is None or slot.kind != "figure" or not parts or not calc.is_number(slot.value):
        return False
    values = [rows[pr][pc].value for pr, pc in parts if rows[pr][pc] is not None]
    computed = calc.total(values)
    if computed is None or Decimal(slot.value) != computed:
        return False
    slot.kind, slot.parts = "total", list(parts)
    return True


def _years_total(rows, r: int, first: int, n: int) -> None:
    _try_total(rows, r, first + n, [(r, first + k) for k in range(n)])


# --- financing (table 4) ---------------------------------------------------------

FINANCE_LABELS = ["N п/п", "Статус", "Наименование подпрограммы, основного мероприятия",
                  "Ответственный исполнитель, исполнитель", "Источник финансового обеспечения"]


def financing_sheet(program: Program, sub: Subprogram) -> Sheet:
    years = program.subprogram_years(sub)
    unit = f"sp{sub.code}"
    n = len(years)
    first = len(FINANCE_LABELS)
    rows: list[list[Optional[Slot]]] = []
    names: list[str] = []
    where: dict[tuple[int, str], int] = {}
    for i, row in enumerate(sub.financing.rows):
        for j, line in enumerate(row.sources):
            lead = [row.no, row.status, row.name, row.executor] if j == 0 else ["", "", "", ""]
            cells = [_label(x) for x in lead] + [_label(line.label)]
            cells += [_fig(v, unit, ("financing", "rows", i, "sources", j, "values", k)) for k, v in enumerate(line.values)]
            cells.append(_fig(line.total, unit, ("financing", "rows", i, "sources", j, "total")))
            where[(i, line.source)] = len(rows)
            rows.append(cells)
            names.append(f"строка {row.no or ''} «{_short(row.status or row.name or row.executor or '')}», "
                         f"{line.label}".replace("строка  ", "строка "))
    table_rows = sub.financing.rows

    def line_cells(i: int, key: str, col: int) -> list[tuple[int, int]]:
        """The cells holding row i's money of ``key`` in column ``col`` (a single-source row is its own total)."""
        if (i, key) in where:
            return [(where[(i, key)], col)]
        if key == "total":
            return [(where[(i, s.source)], col) for s in table_rows[i].sources]
        return []

    top = next((i for i, r in enumerate(table_rows) if r.kind == "subprogram"), None)
    executors = [i for i, r in enumerate(table_rows) if r.kind == "executor"]
    activities = [i for i, r in enumerate(table_rows) if r.kind == "activity"]
    children: dict[int, list[int]] = {}
    for i in activities:
        kids = []
        for k in range(i + 1, len(table_rows)):
            if table_rows[k].kind in ("item", "activity_executor"):
                kids.append(k)
            else:
                break
        items = [k for k in kids if table_rows[k].kind == "item"]
        children[i] = items or [k for k in kids if table_rows[k].kind == "activity_executor"]
    for i, row in enumerate(table_rows):
        for line in row.sources:
            r = where[(i, line.source)]
            _years_total(rows, r, first, n)
            for col in range(first, first + n + 1):
                if rows[r][col].kind == "total":
                    continue
                others = [(where[(i, s.source)], col) for s in row.sources if s.source != "total"]
                if line.source == "total" and others and _try_total(rows, r, col, others):
                    continue
                members = activities if i == top else children.get(i, [])
                if i in executors and len(executors) > 1:      # an executor's row: its main activities
                    members = [a for a, r in enumerate(table_rows) if r.kind in ("activity", "activity_executor")
                               and _same_name(r.executor, row.executor)]
                if members:
                    parts = [p for m in members for p in line_cells(m, line.source, col)]
                    if _try_total(rows, r, col, parts):
                        continue
                if i in executors and len(executors) == 1 and top is not None:
                    _try_total(rows, r, col, line_cells(top, line.source, col))
    header = [FINANCE_LABELS + [f"{y} год" for y in years] + [f"всего за {years[0]} - {years[-1]} годы"]]
    return Sheet(f"Таблица 4 подпрограммы {sub.code}"[:31],
                 f"Таблица 4 подпрограммы {sub.code}. {table_title('subprogram', 'Таблица 4', sub.code)}, тыс. руб.",
                 f"Таблица 4 подпрограммы {sub.code}", header, rows, names, header[0],
                 [7, 16, 40, 24, 22] + [14] * (n + 1), sub.code, "financing")


# --- forecast (table 5 / 6) --------------------------------------------------------


def forecast_sheet(program: Program, sub: Subprogram) -> Sheet:
    years = program.subprogram_years(sub)
    unit = f"sp{sub.code}"
    n = len(years)
    table = sub.forecast
    rows, names = [], []
    for i, row in enumerate(table.rows):
        cells = [_label(row.no), _label(row.label)]
        cells += [_fig(v, unit, ("forecast", "rows", i, "values", k)) for k, v in enumerate(row.values)]
        cells.append(_fig(row.total, unit, ("forecast", "rows", i, "total")))
        rows.append(cells)
        names.append(f"строка {row.no or ''} «{row.label}»".replace("строка  ", "строка "))
    for r in range(len(rows)):
        _years_total(rows, r, 2, n)
    if len(rows) > 1 and table.rows[0].label.lower().startswith("всего"):
        for col in range(2, 2 + n + 1):
            if rows[0][col].kind != "total":
                _try_total(rows, 0, col, [(r, col) for r in range(1, len(rows))])
    header = [["N п/п", "Источник финансового обеспечения"] + [f"{y} год" for y in years]
              + [f"всего за {years[0]} - {years[-1]} годы"]]
    return Sheet(f"{table.table} подпрограммы {sub.code}"[:31],
                 f"{table.table} подпрограммы {sub.code}. {table_title('subprogram', 'forecast', sub.code)}, тыс. руб.",
                 f"{table.table} подпрограммы {sub.code}", header, rows, names, header[0], [7, 40] + [14] * (n + 1),
                 sub.code, "forecast")


# --- indicator values (table 1) ------------------------------------------------------


def indicator_values_sheet(program: Program, sub: Subprogram) -> Sheet:
    unit = f"sp{sub.code}"
    values = sub.indicator_values
    width = 3 + len(values.columns)
    rows, names = [], []
    for t, task in enumerate(values.tasks):
        rows.append([_label(task.no), _label(task.text)] + [None] * (width - 2))
        names.append(f"задача {task.no or ''}".strip())
        for r, row in enumerate(task.rows):
            cells = [_label(row.indicator), _label(row.name), _label(row.unit)]
            cells += [_fig(v, unit, ("indicator_values", "tasks", t, "rows", r, "values", k), decimals=None)
                      for k, v in enumerate(row.values)]
            rows.append(cells)
            names.append(f"показатель {row.indicator} «{_short(row.name)}»")
    header = [["N п/п", "Задача, показатель (индикатор)", "Единица измерения"] + [c.label for c in values.columns]]
    return Sheet(f"Таблица 1 подпрограммы {sub.code}"[:31],
                 f"Таблица 1 подпрограммы {sub.code}. {table_title('subprogram', 'Таблица 1', sub.code)}",
                 f"Таблица 1 подпрограммы {sub.code}", header, rows, names, header[0],
                 [7, 50, 10] + [11] * len(values.columns), sub.code, "indicator_values")


# --- tax expenditures (program table 5) -------------------------------------------------


def tax_sheet(program: Program) -> Sheet:
    tax = program.tax_expenditures
    years = program.years
    n = len(years)
    rows, names = [], []
    width = 2 + 2 * (n + 1)
    item_rows: list[int] = []
    for g, group in enumerate(tax.groups):
        rows.append([_label(group.title)] + [None] * (width - 1))
        names.append(f"группа «{_short(group.title)}»")
        for i, item in enumerate(group.items):
            base = ("tax_expenditures", "groups", g, "items", i)
            cells = [_label(item.no), _label(item.name)]
            for k in range(n):
                cells.append(_fig(item.payers[k], "program", base + ("payers", k), decimals=None))
                cells.append(_fig(item.amounts[k], "program", base + ("amounts", k)))
            cells.append(_fig(item.payers_total, "program", base + ("payers_total",), decimals=None))
            cells.append(_fig(item.amount_total, "program", base + ("amount_total",)))
            item_rows.append(len(rows))
            rows.append(cells)
            names.append(f"налоговый расход {item.no or ''} «{_short(item.name)}»")
    t = tax.total
    base = ("tax_expenditures", "total")
    cells = [_label(""), _label(t.label)]
    for k in range(n):
        cells.append(_fig(t.payers[k], "program", base + ("payers", k), decimals=None))
        cells.append(_fig(t.amounts[k], "program", base + ("amounts", k)))
    cells.append(_fig(t.payers_total, "program", base + ("payers_total",), decimals=None))
    cells.append(_fig(t.amount_total, "program", base + ("amount_total",)))
    total_row = len(rows)
    rows.append(cells)
    names.append(f"«{t.label}»")
    amount_cols = [2 + 2 * k + 1 for k in range(n)]
    for r in item_rows + [total_row]:
        _try_total(rows, r, 2 + 2 * n + 1, [(r, c) for c in amount_cols])
    for c in amount_cols:
        _try_total(rows, total_row, c, [(r, c) for r in item_rows])
    header = [["N п/п", "Наименование налогового расхода"]
              + [f"{y}: {w}" for y in years + ["всего"] for w in ("плательщики, тыс. чел.", "оценка, тыс. руб.")]]
    return Sheet("Таблица 5 программы", f"Таблица 5 государственной программы. {table_title('program', 'Таблица 5')}",
                 "Таблица 5 государственной программы",
                 header, rows, names, header[0], [7, 50] + [12] * (2 * (n + 1)), "program", "tax")


# --- passport financing ---------------------------------------------------------------


def passport_sheet(program: Program, sub: Optional[Subprogram] = None) -> Sheet:
    passport = sub.passport if sub else program.passport
    years = program.subprogram_years(sub) if sub else program.years
    unit = f"sp{sub.code}" if sub else "program"
    n = len(years)
    rows, names = [], []
    where = {}
    for b, block in enumerate(passport.financing):
        cells = [_label(block.label)]
        cells += [_fig(v, unit, ("passport", "financing", b, "years", k)) for k, v in enumerate(block.years)]
        cells.append(_fig(block.total, unit, ("passport", "financing", b, "total")))
        where[block.key] = len(rows)
        rows.append(cells)
        names.append(f"«{block.label}»")
    for r in range(len(rows)):
        _years_total(rows, r, 1, n)
    for whole, parts in (("total", ("budget", "tax")), ("budget", ("own", "federal"))):
        if whole in where and all(p in where for p in parts):
            for col in range(1, n + 2):
                if rows[where[whole]][col].kind != "total":
                    _try_total(rows, where[whole], col, [(where[p], col) for p in parts])
    what = f"подпрограммы {sub.code}" if sub else "государственной программы"
    name = f"Паспорт подпрограммы {sub.code}" if sub else "Паспорт программы"
    header = [["Объем финансового обеспечения"] + [f"{y} год" for y in years] + [f"всего за {years[0]} - {years[-1]} годы"]]
    return Sheet(name, f"Паспорт {what}: позиция \"Объемы финансового обеспечения\", тыс. рублей",
                 f"Паспорт {what}", header, rows, names, header[0], [60] + [14] * (n + 1),
                 sub.code if sub else "program", "passport")


def sheets(program: Program) -> list[Sheet]:
    """Every figure table of the program, in the order of the act."""
    out = []
    if program.passport.financing:
        out.append(passport_sheet(program))
    if program.tax_expenditures:
        out.append(tax_sheet(program))
    for sub in program.subprograms:
        if sub.passport and sub.passport.financing:
            out.append(passport_sheet(program, sub))
        if sub.indicator_values:
            out.append(indicator_values_sheet(program, sub))
        if sub.financing:
            out.append(financing_sheet(program, sub))
        if sub.forecast:
            out.append(forecast_sheet(program, sub))
    return out


def _same_name(a, b) -> bool:
    return " ".join(str(a or "").lower().split()) == " ".join(str(b or "").lower().split())


def _short(text: str, n: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"
