"""Compare two editions of a program: what changed in its figures and texts.

Pure: takes two loaded :class:`~generator.data.schema.Program` objects and returns
typed dataclasses, no I/O and no documents (``editions/documents.py`` lays the result
out, ``generator/cli/diff.py`` drives it). A diff of an edition with itself is empty.

Financing rows (table 4 of each subprogram) are matched by kind and code (activities,
items), by kind and executor (executor rows), by kind, code and executor (an activity's
executor rows), and otherwise by kind and printed number. Every differing cell is one
:class:`FinancingChange` (row × funding source × year; ``year=None`` is the printed
all-years total column). Differences are ``new - old`` (a missing value counts as no
money), percentages ``difference / old × 100`` as ``Decimal`` rounded half up to two
places, ``None`` when the old value is 0 or missing.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Literal, Optional, Union

from .. import calc, wording
from ..data.schema import (Activity, FinancingRow, Indicator, Program, Subprogram, normalise_code)
from ..builders.common import table_title
from ..numbers import format_number, quantize

PERCENT_PLACES = 2

Value = Union[Decimal, int, str, None]


# --- figures ----------------------------------------------------------------


def difference(old: Value, new: Value) -> Decimal | None:
    """``new - old``; a marker or an empty cell counts as no money; None when neither is a number."""
    if not calc.is_number(old) and not calc.is_number(new):
        return None
    return calc.as_decimal(new) - calc.as_decimal(old)


def percent(old: Value, new: Value) -> Decimal | None:
    """The change in percent of the old value; None when the old value is 0 or missing."""
    diff = difference(old, new)
    if diff is None or not calc.is_number(old) or Decimal(old) == 0:
        return None
    return quantize(diff * 100 / Decimal(old), PERCENT_PLACES)


def same(old: Any, new: Any) -> bool:
    """Equal as printed values: numbers by value (``1.0 == 1.00``), anything else exactly."""
    if calc.is_number(old) and calc.is_number(new):
        return Decimal(old) == Decimal(new)
    if calc.is_number(old) or calc.is_number(new):
        return False
    return old == new


# --- result types -----------------------------------------------------------


@dataclass(frozen=True)
class EditionInfo:
    date: _dt.date
    act_date: _dt.date
    number: str
    sample: bool = False
    note: Optional[str] = None


@dataclass(frozen=True)
class RowRef:
    """A financing row (table 4) of a subprogram, as matched between the editions."""

    subprogram: str
    kind: str
    key: tuple
    no: Optional[str]
    code: Optional[str]
    status: Optional[str]
    name: Optional[str]
    executor: Optional[str]
    order: int = 0                      # position in its table (new edition where it exists)

    @property
    def label(self) -> str:
        """The row as a reader names it: "Основное мероприятие 1.4 "…"", "1.4.1. …"."""
        if self.kind in ("subprogram", "program"):
            head = self.status or f"Подпрограмма {self.subprogram}"
            return f"{head} \"{self.name}\"" if self.name else head
        if self.kind == "executor":
            return f"Подпрограмма {self.subprogram}, в том числе по исполнителю"
        if self.kind == "activity_executor":
            return f"Основное мероприятие {self.code}, в том числе по исполнителю"
        if self.kind == "activity":
            head = self.status or f"Основное мероприятие {self.code}"
            return f"{head} \"{self.name}\"" if self.name else head
        return self.name or f"Мероприятие {self.code or self.no or ''}".strip()


@dataclass(frozen=True)
class FinancingChange:
    """One differing cell of a financing table: row × funding source × year."""

    subprogram: str
    row: RowRef
    source: str
    source_label: str
    year: Optional[int]                 # None: the all-years total column
    old: Value
    new: Value
    difference: Optional[Decimal]
    percent: Optional[Decimal]


@dataclass(frozen=True)
class YearChange:
    year: Optional[int]                 # None: all years (derived: the sum of the years)
    old: Value
    new: Value
    difference: Optional[Decimal]
    percent: Optional[Decimal]

    @property
    def changed(self) -> bool:
        return not same(self.old, self.new)


@dataclass(frozen=True)
class MoneyChange:
    """The "всего" money of a subprogram, an activity or an item per year, before and after.

    ``total`` is derived: the sum of the years (not the printed total column)."""

    subprogram: str
    level: Literal["subprogram", "activity", "item"]
    code: Optional[str]
    name: str
    years: tuple[YearChange, ...]
    total: YearChange

    @property
    def changed_years(self) -> list[YearChange]:
        return [y for y in self.years if y.changed]


@dataclass(frozen=True)
class TextChange:
    """A changed text: a passport field, an indicator's or an activity's attribute."""

    part: Literal["passport", "indicator", "activity", "amendments"]
    scope: str                          # "program" or a subprogram code
    code: Optional[str]                 # indicator / activity code
    field: str                          # goal, tasks, name, unit, formula, target, indicator_link, …
    element: str                        # how the comparison table names it
    old: Optional[str]
    new: Optional[str]


@dataclass(frozen=True)
class ItemRef:
    """An indicator or an activity that exists in one edition only."""

    part: Literal["indicator", "activity"]
    scope: str
    code: str
    name: str


@dataclass(frozen=True)
class FigureChange:
    """A changed figure outside the financing tables: passport financing, tax expenditures, forecasts."""

    part: Literal["passport", "tax", "forecast", "indicator"]
    scope: str                          # "program" or a subprogram code
    element: str                        # block label, tax expenditure, forecast row
    field: str                          # block key, "amounts" / "payers", forecast table
    year: Optional[int]                 # None: the printed all-years total
    old: Value
    new: Value
    difference: Optional[Decimal]
    percent: Optional[Decimal]


@dataclass(frozen=True)
class TableChange:
    """A table that appears, disappears, or becomes (no longer) absent from the source."""

    scope: str
    table: str
    title: str
    old: str                            # present | absent | none
    new: str

    @property
    def change(self) -> str:
        if self.new == "present":
            return "added"
        if self.old == "present":
            return "removed"
        return "absent" if self.new == "absent" else "no longer absent"


@dataclass(frozen=True)
class SubprogramRef:
    code: str
    title: str


@dataclass
class ProgramDiff:
    program: str
    title: str
    years: tuple[int, ...]
    old: EditionInfo
    new: EditionInfo
    financing: list[FinancingChange] = field(default_factory=list)
    rows_added: list[RowRef] = field(default_factory=list)
    rows_removed: list[RowRef] = field(default_factory=list)
    money: list[MoneyChange] = field(default_factory=list)
    passport_texts: list[TextChange] = field(default_factory=list)
    passport_financing: list[FigureChange] = field(default_factory=list)
    indicators_added: list[ItemRef] = field(default_factory=list)
    indicators_removed: list[ItemRef] = field(default_factory=list)
    indicators_changed: list[TextChange] = field(default_factory=list)
    activities_added: list[ItemRef] = field(default_factory=list)
    activities_removed: list[ItemRef] = field(default_factory=list)
    activities_changed: list[TextChange] = field(default_factory=list)
    tables: list[TableChange] = field(default_factory=list)
    tax: list[FigureChange] = field(default_factory=list)
    forecast: list[FigureChange] = field(default_factory=list)
    indicator_values: list[FigureChange] = field(default_factory=list)
    subprograms_added: list[SubprogramRef] = field(default_factory=list)
    subprograms_removed: list[SubprogramRef] = field(default_factory=list)
    amendments: list[TextChange] = field(default_factory=list)
    wording: object = field(default=None, compare=False, repr=False)   # the new edition's generator.wording.Wording

    CHANGE_LISTS = ("financing", "rows_added", "rows_removed", "money", "passport_texts", "passport_financing",
                    "indicators_added", "indicators_removed", "indicators_changed", "activities_added",
                    "activities_removed", "activities_changed", "tables", "tax", "forecast",
                    "indicator_values", "subprograms_added", "subprograms_removed", "amendments")

    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in self.CHANGE_LISTS)

    @property
    def sample(self) -> bool:
        return self.old.sample or self.new.sample

    def subprogram_totals(self) -> list[MoneyChange]:
        """The subprograms whose financing tables changed, with their money before and after."""
        return [m for m in self.money if m.level == "subprogram"]

    def program_total(self) -> YearChange:
        """Derived: the sum of :meth:`subprogram_totals` (only subprograms whose tables changed)."""
        totals = self.subprogram_totals()
        old = calc.total(m.total.old for m in totals)
        new = calc.total(m.total.new for m in totals)
        return YearChange(None, old, new, difference(old, new), percent(old, new))

    def text_changes(self) -> list[TextChange]:
        """Every change that is not a figure, as (element, old, new), in reading order."""
        out = list(self.amendments) + list(self.passport_texts)
        for ref in self.subprograms_added:
            out.append(TextChange("passport", ref.code, None, "subprogram", f"Подпрограмма {ref.code}",
                                  None, ref.title))
        for ref in self.subprograms_removed:
            out.append(TextChange("passport", ref.code, None, "subprogram", f"Подпрограмма {ref.code}",
                                  ref.title, None))
        for t in self.tables:
            label = {"present": "есть", "absent": "отсутствует в тексте источника", "none": "нет"}
            out.append(TextChange("passport", t.scope, None, "table", f"{scope_label(t.scope)}: {t.table} "
                                  f"\"{t.title}\"", label[t.old], label[t.new]))
        def removed_added(kind, entity, removed, added, label, name, scope=lambda r: r.scope,
                          code=lambda r: r.code):
            for ref, (old, new) in [(r, (name(r), None)) for r in removed] + [(r, (None, name(r))) for r in added]:
                out.append(TextChange(kind, scope(ref), code(ref), entity, label(ref), old, new))

        removed_added("indicator", "indicator", self.indicators_removed, self.indicators_added,
                      lambda r: f"{scope_label(r.scope)}: показатель {r.code}", lambda r: r.name)
        out += self.indicators_changed
        removed_added("activity", "activity", self.activities_removed, self.activities_added,
                      lambda r: f"{scope_label(r.scope)}: основное мероприятие {r.code}", lambda r: r.name)
        out += self.activities_changed
        removed_added("activity", "financing_row", self.rows_removed, self.rows_added,
                      lambda r: f"{scope_label(r.subprogram)}, таблица 4: строка", lambda r: r.label,
                      scope=lambda r: r.subprogram)
        return out

    def figure_changes(self) -> list[FigureChange]:
        return list(self.passport_financing) + list(self.tax) + list(self.forecast) + list(self.indicator_values)

    def summary(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in self.CHANGE_LISTS}

    def to_dict(self) -> dict:
        """JSON-ready: dates as ISO text, numbers as their decimal text."""
        return _plain({"program": self.program, "title": self.title, "years": list(self.years),
                       "old": self.old, "new": self.new, "empty": self.is_empty(),
                       **{name: getattr(self, name) for name in self.CHANGE_LISTS},
                       "program_total": self.program_total()})


def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, RowRef):
            out["label"] = value.label
        return out
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value


def scope_label(scope: str) -> str:
    return "Государственная программа" if scope == "program" else f"Подпрограмма {scope}"


# --- the comparison -----------------------------------------------------------


def compare(old: Program, new: Program) -> ProgramDiff:
    """Everything that differs between the ``old`` and the ``new`` edition."""
    result = ProgramDiff(program=new.code, title=new.title, years=tuple(new.years),
                         old=_edition(old), new=_edition(new), wording=wording.of(new))
    _amendments(old, new, result)
    _passport(old, new, result)
    _indicators("program", old.indicators, new.indicators, result)
    _tax(old, new, result)
    _tables("program", _program_tables(old), _program_tables(new), result)
    old_subs = {s.code: s for s in old.subprograms}
    new_subs = {s.code: s for s in new.subprograms}
    result.subprograms_removed = [SubprogramRef(c, s.title) for c, s in old_subs.items() if c not in new_subs]
    result.subprograms_added = [SubprogramRef(c, s.title) for c, s in new_subs.items() if c not in old_subs]
    codes = list(new_subs) + [c for c in old_subs if c not in new_subs]
    for code in codes:
        a, b = old_subs.get(code), new_subs.get(code)
        if a is not None and b is not None and a.title != b.title:
            result.passport_texts.append(TextChange("passport", code, None, "title",
                                                    f"Подпрограмма {code}: наименование", a.title, b.title))
        _subprogram_passport(code, a, b, old, new, result)
        _indicators(code, a.indicators if a else None, b.indicators if b else None, result)
        _activities(code, a, b, result)
        _financing(code, a, b, old, new, result)
        _forecast(code, a, b, old, new, result)
        _indicator_values(code, a, b, result)
        _tables(code, _subprogram_tables(a), _subprogram_tables(b), result)
    return result


def _edition(program: Program) -> EditionInfo:
    e = program.edition
    return EditionInfo(e.date, e.act_date, e.number, e.sample, e.note)


def _amendments(old: Program, new: Program, result: ProgramDiff) -> None:
    def key(a):
        return (a.date, a.number)
    olds = {key(a) for a in old.amendments}
    news = {key(a) for a in new.amendments}
    for a in new.amendments:
        if key(a) not in olds:
            result.amendments.append(TextChange("amendments", "program", a.number, "amendment",
                                                "Изменяющие постановления", None,
                                                f"от {a.date:%d.%m.%Y} N {a.number}"))
    for a in old.amendments:
        if key(a) not in news:
            result.amendments.append(TextChange("amendments", "program", a.number, "amendment",
                                                "Изменяющие постановления", f"от {a.date:%d.%m.%Y} N {a.number}",
                                                None))


# --- passports -----------------------------------------------------------------

def labels() -> dict:
    """The comparison's Russian labels, from ``templates/editions.yaml``: ``passport_fields`` and
    ``indicator_fields`` (field name -> label), ``passport_title`` (a subprogram's passport, ``{n}`` its code).
    The act's table titles are :func:`generator.builders.common.table_title`'s."""
    global _LABELS
    if _LABELS is None:
        import yaml

        from .. import templates
        _LABELS = yaml.safe_load(templates.get(None).find("editions.yaml").read_text(encoding="utf-8"))
    return _LABELS


_LABELS: dict | None = None


def __getattr__(name: str):
    """``PASSPORT_FIELDS`` and ``INDICATOR_FIELDS``: ``[(field name, label)]`` from :func:`labels`."""
    if name == "PASSPORT_FIELDS":
        return list(labels()["passport_fields"].items())
    if name == "INDICATOR_FIELDS":
        return list(labels()["indicator_fields"].items())
    raise AttributeError(name)


def _passport(old: Program, new: Program, result: ProgramDiff) -> None:
    a, b = old.passport, new.passport
    for name, label in labels()["passport_fields"].items():
        element = f"Паспорт государственной программы: {label}"
        _text_or_list(result.passport_texts, "passport", "program", None, name, element,
                      getattr(a, name), getattr(b, name))
    _blocks("program", a.financing, b.financing, old.years, new.years, result)


def _subprogram_passport(code: str, a: Optional[Subprogram], b: Optional[Subprogram], old: Program, new: Program,
                         result: ProgramDiff) -> None:
    pa = a.passport if a else None
    pb = b.passport if b else None
    if pa is None and pb is None:
        return
    fa = {f.label: f.value for f in pa.fields} if pa else {}
    fb = {f.label: f.value for f in pb.fields} if pb else {}
    figures = bool((pa and pa.financing) or (pb and pb.financing))
    labels = list(fb) + [label for label in fa if label not in fb]
    for label in labels:
        if figures and label.startswith("Объемы финансового обеспечения"):
            continue            # compared figure by figure below
        if fa.get(label) != fb.get(label):
            result.passport_texts.append(TextChange("passport", code, None, "field",
                                                    f"Паспорт подпрограммы {code}: {label}",
                                                    fa.get(label), fb.get(label)))
    years_a = old.subprogram_years(a) if a else []
    years_b = new.subprogram_years(b) if b else []
    _blocks(code, pa.financing if pa else [], pb.financing if pb else [], years_a, years_b, result)


def _text_or_list(out: list, part: str, scope: str, code, name: str, element: str, a, b) -> None:
    if a == b:
        return
    if isinstance(a, list) or isinstance(b, list):
        a, b = list(a or []), list(b or [])
        matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                continue
            if op == "replace" and i2 - i1 == j2 - j1:
                for k in range(i2 - i1):
                    out.append(TextChange(part, scope, code, name, f"{element}, пункт {j1 + k + 1}",
                                          a[i1 + k], b[j1 + k]))
                continue
            where = f"пункт {j1 + 1}" if j2 - j1 <= 1 else f"пункты {j1 + 1} - {j2}"
            if j2 == j1:
                where = f"пункт {i1 + 1}" if i2 - i1 <= 1 else f"пункты {i1 + 1} - {i2}"
            out.append(TextChange(part, scope, code, name, f"{element}, {where}",
                                  "; ".join(a[i1:i2]) or None, "; ".join(b[j1:j2]) or None))
        return
    out.append(TextChange(part, scope, code, name, element, a, b))


def _blocks(scope: str, a_blocks, b_blocks, years_a, years_b, result: ProgramDiff) -> None:
    _vectors(result.passport_financing, "passport", scope, {blk.key: blk for blk in a_blocks},
             {blk.key: blk for blk in b_blocks}, years_a, years_b,
             label=lambda blk: blk.label, field=lambda key, blk: key, values=lambda blk: blk.years)


def _vectors(out: list, part: str, scope, a: dict, b: dict, years_a, years_b, *, label, field, values) -> None:
    """Compare keyed per-year vectors with their totals (rows of the new edition first, then removed ones)."""
    for key in list(b) + [k for k in a if k not in b]:
        x, y = a.get(key), b.get(key)
        name, field_name = label(y or x), field(key, y or x)
        va = dict(zip(years_a, values(x))) if x else {}
        vb = dict(zip(years_b, values(y))) if y else {}
        for year in _years(years_a, years_b):
            _figure(out, part, scope, name, field_name, year, va.get(year), vb.get(year))
        _figure(out, part, scope, name, field_name, None, x.total if x else None, y.total if y else None)


def _figure(out: list, part, scope, element, field_name, year, old, new) -> None:
    if same(old, new):
        return
    out.append(FigureChange(part, scope, element, field_name, year, old, new, difference(old, new),
                            percent(old, new)))


def _years(a: Iterable[int], b: Iterable[int]) -> list[int]:
    return sorted(set(a) | set(b))


# --- indicators and activities ---------------------------------------------------


def _target(ind: Indicator) -> Optional[str]:
    if ind.target is None:
        return None
    return f"{format_number(ind.target.value, None)} ({ind.target.year} год)"


def _indicator_value(ind: Indicator, name: str):
    if name == "target":
        return _target(ind)
    if name == "target_text":
        return ind.target.text if ind.target else None
    return getattr(ind, name)


def _indicators(scope: str, a_table, b_table, result: ProgramDiff) -> None:
    a = {i.code: i for i in (a_table.items if a_table else [])}
    b = {i.code: i for i in (b_table.items if b_table else [])}
    for code, ind in a.items():
        if code not in b:
            result.indicators_removed.append(ItemRef("indicator", scope, code, ind.name))
    for code, ind in b.items():
        if code not in a:
            result.indicators_added.append(ItemRef("indicator", scope, code, ind.name))
            continue
        for name, label in labels()["indicator_fields"].items():
            old, new = _indicator_value(a[code], name), _indicator_value(ind, name)
            if old != new:
                result.indicators_changed.append(TextChange(
                    "indicator", scope, code, name, f"{scope_label(scope)}: показатель {code}, {label}", old, new))


def _link_text(link) -> str:
    head = f"показатель {link.indicator}: " if link.indicator else ""
    text = head + link.text
    if link.source_codes:
        text += f" (источники: {', '.join(c or '' for c in link.source_codes)})"
    return text


def _link_key(link) -> str:
    return link.indicator if link.indicator is not None else f"text:{link.text}"


def _activities(scope: str, a_sub: Optional[Subprogram], b_sub: Optional[Subprogram], result: ProgramDiff) -> None:
    a = {normalise_code(x.code): x for x in (a_sub.activities.items if a_sub and a_sub.activities else [])}
    b = {normalise_code(x.code): x for x in (b_sub.activities.items if b_sub and b_sub.activities else [])}
    for key, act in a.items():
        if key not in b:
            result.activities_removed.append(ItemRef("activity", scope, act.code, act.name))
    for key, act in b.items():
        if key not in a:
            result.activities_added.append(ItemRef("activity", scope, act.code, act.name))
            continue
        _activity(scope, a[key], act, result)


def _activity(scope: str, a: Activity, b: Activity, result: ProgramDiff) -> None:
    element = f"{scope_label(scope)}: основное мероприятие {b.code}"
    for name, label in (("name", "наименование"), ("executors", "исполнители"),
                        ("expected_result", "ожидаемый непосредственный результат")):
        if getattr(a, name) != getattr(b, name):
            result.activities_changed.append(TextChange("activity", scope, b.code, name, f"{element}, {label}",
                                                        getattr(a, name), getattr(b, name)))
    if a.source_codes != b.source_codes:
        result.activities_changed.append(TextChange(
            "activity", scope, b.code, "source_codes", f"{element}, источники финансового обеспечения",
            ", ".join(c or "" for c in a.source_codes or []) or None,
            ", ".join(c or "" for c in b.source_codes or []) or None))
    la = {_link_key(x): x for x in a.indicators}
    lb = {_link_key(x): x for x in b.indicators}
    for key in list(lb) + [k for k in la if k not in lb]:
        old, new = la.get(key), lb.get(key)
        if old is not None and new is not None and old == new:
            continue
        result.activities_changed.append(TextChange(
            "activity", scope, b.code, "indicator_link", f"{element}, связь с показателями подпрограммы",
            _link_text(old) if old is not None else None, _link_text(new) if new is not None else None))


# --- financing tables --------------------------------------------------------------


def row_key(row: FinancingRow) -> tuple:
    """How a financing row is recognised in the other edition."""
    if row.kind in ("subprogram", "program"):
        return (row.kind,)
    if row.kind == "executor":
        return (row.kind, _norm_text(row.executor))
    if row.kind == "activity_executor":
        return (row.kind, normalise_code(row.code), _norm_text(row.executor))
    if row.kind in ("activity", "item") and row.code:
        return (row.kind, normalise_code(row.code))
    return (row.kind, "no", (row.no or "").strip().rstrip("."))


def _norm_text(text: Optional[str]) -> str:
    return " ".join((text or "").lower().split())


def _keyed_rows(sub: Optional[Subprogram]) -> dict[tuple, tuple[int, FinancingRow]]:
    out: dict[tuple, tuple[int, FinancingRow]] = {}
    if sub is None or sub.financing is None:
        return out
    for i, row in enumerate(sub.financing.rows):
        key = row_key(row)
        n = 1
        while key in out:                     # a repeated key: matched by occurrence
            n += 1
            key = row_key(row) + (f"#{n}",)
        out[key] = (i, row)
    return out


def _ref(code: str, key: tuple, row: FinancingRow, order: int) -> RowRef:
    return RowRef(code, row.kind, key, row.no, row.code, row.status, row.name, row.executor, order)


def _financing(code: str, a_sub: Optional[Subprogram], b_sub: Optional[Subprogram], old: Program, new: Program,
               result: ProgramDiff) -> None:
    a_rows, b_rows = _keyed_rows(a_sub), _keyed_rows(b_sub)
    if not a_rows and not b_rows:
        return
    years_a = old.subprogram_years(a_sub) if a_sub else []
    years_b = new.subprogram_years(b_sub) if b_sub else []
    years = _years(years_a, years_b)
    source_order = {s.key: i for i, s in enumerate(new.sources)}
    keys = sorted(set(a_rows) | set(b_rows),
                  key=lambda k: (b_rows[k][0] if k in b_rows else a_rows[k][0] - 0.5, k in b_rows))
    changes: list[FinancingChange] = []
    refs: dict[tuple, RowRef] = {}
    for key in keys:
        ia, ra = a_rows.get(key, (None, None))
        ib, rb = b_rows.get(key, (None, None))
        ref = _ref(code, key, rb or ra, ib if ib is not None else ia)
        refs[key] = ref
        if ra is None:
            result.rows_added.append(ref)
        elif rb is None:
            result.rows_removed.append(ref)
        la = {s.source: s for s in (ra.sources if ra else [])}
        lb = {s.source: s for s in (rb.sources if rb else [])}
        for source in sorted(set(la) | set(lb), key=lambda s: source_order.get(s, len(source_order))):
            sa, sb = la.get(source), lb.get(source)
            label = new.source_label(source) if source in source_order else (sb or sa).label
            va = dict(zip(years_a, sa.values)) if sa else {}
            vb = dict(zip(years_b, sb.values)) if sb else {}
            cells = [(y, va.get(y), vb.get(y)) for y in years]
            cells.append((None, sa.total if sa else None, sb.total if sb else None))
            for year, o, n in cells:
                if same(o, n):
                    continue
                changes.append(FinancingChange(code, ref, source, label, year, o, n, difference(o, n),
                                               percent(o, n)))
    result.financing.extend(changes)
    if not changes:
        return
    # money per year of the subprogram and of every activity / item whose money changed
    def change(key, va, vb, present_a, present_b, level, ref_code, name) -> MoneyChange:
        year_changes = tuple(YearChange(y, va.get(y), vb.get(y), difference(va.get(y), vb.get(y)),
                                        percent(va.get(y), vb.get(y))) for y in years)
        told = calc.total(va.values()) if present_a else None
        tnew = calc.total(vb.values()) if present_b else None
        return MoneyChange(code, level, ref_code, name, year_changes,
                           YearChange(None, told, tnew, difference(told, tnew), percent(told, tnew)))

    title = (b_sub or a_sub).title
    top = next((k for k in keys if refs[k].kind == "subprogram"), None)
    if top is not None:
        ra, rb = a_rows.get(top, (None, None))[1], b_rows.get(top, (None, None))[1]
        subprogram = change(top, _money(ra, years_a), _money(rb, years_b), ra is not None, rb is not None,
                            "subprogram", None, title)
    else:                  # no subprogram row: its money is the sum of its activities
        acts = [k for k in keys if refs[k].kind == "activity"]
        subprogram = change(None, _sum_money([a_rows[k][1] for k in acts if k in a_rows], years_a),
                            _sum_money([b_rows[k][1] for k in acts if k in b_rows], years_b),
                            bool(a_rows), bool(b_rows), "subprogram", None, title)
    result.money.append(subprogram)
    for key in keys:
        ref = refs[key]
        if ref.kind not in ("activity", "item"):
            continue
        ra, rb = a_rows.get(key, (None, None))[1], b_rows.get(key, (None, None))[1]
        item = change(key, _money(ra, years_a), _money(rb, years_b), ra is not None, rb is not None,
                      ref.kind, ref.code, ref.name or ref.label)
        if item.changed_years:
            result.money.append(item)


def _money(row: Optional[FinancingRow], years: list[int]) -> dict[int, Value]:
    """A row's "всего" money per year (:func:`generator.calc.row_money`)."""
    money = calc.row_money(row, "total") if row is not None else None
    return dict(zip(years, money[:-1])) if money else {}


def _sum_money(rows: list[FinancingRow], years: list[int]) -> dict[int, Value]:
    vectors = [_money(r, years) for r in rows]
    return {y: calc.total(v.get(y) for v in vectors) for y in years} if vectors else {}


# --- forecasts, tax expenditures, tables ---------------------------------------------


def _forecast(code: str, a_sub, b_sub, old: Program, new: Program, result: ProgramDiff) -> None:
    fa = a_sub.forecast if a_sub else None
    fb = b_sub.forecast if b_sub else None
    if fa is None and fb is None:
        return
    years_a = old.subprogram_years(a_sub) if a_sub else []
    years_b = new.subprogram_years(b_sub) if b_sub else []
    table = (fb or fa).table
    _vectors(result.forecast, "forecast", code, {_norm_text(r.label): r for r in (fa.rows if fa else [])},
             {_norm_text(r.label): r for r in (fb.rows if fb else [])}, years_a, years_b,
             label=lambda row: row.label, field=lambda key, row: table, values=lambda row: row.values)


def _indicator_values(code: str, a_sub, b_sub, result: ProgramDiff) -> None:
    """Table 1 of a subprogram: an indicator's value per column year (rows keyed by indicator code)."""
    va = a_sub.indicator_values if a_sub else None
    vb = b_sub.indicator_values if b_sub else None
    if va is None and vb is None:
        return

    def rows(values) -> dict:
        return {(r.indicator, _norm_text(r.name)): r for t in (values.tasks if values else []) for r in t.rows}

    years_a = [c.year for c in va.columns] if va else []
    years_b = [c.year for c in vb.columns] if vb else []
    ra, rb = rows(va), rows(vb)
    for key in list(rb) + [k for k in ra if k not in rb]:
        x, y = ra.get(key), rb.get(key)
        row = y or x
        old = dict(zip(years_a, x.values)) if x else {}
        new = dict(zip(years_b, y.values)) if y else {}
        for year in _years(years_a, years_b):
            _figure(result.indicator_values, "indicator", code, f"показатель {row.indicator} \"{row.name}\", {row.unit}",
                    "Таблица 1", year, old.get(year), new.get(year))


def _tax(old: Program, new: Program, result: ProgramDiff) -> None:
    ta, tb = old.tax_expenditures, new.tax_expenditures
    if ta is None and tb is None:
        return

    def items(tax) -> dict[tuple, Any]:
        out = {}
        for group in (tax.groups if tax else []):
            for item in group.items:
                out[(_norm_text(group.title), _norm_text(item.name))] = item
        if tax:
            out[("", "total")] = tax.total
        return out

    ia, ib = items(ta), items(tb)
    for key in list(ib) + [k for k in ia if k not in ib]:
        x, y = ia.get(key), ib.get(key)
        ref = y or x
        name = getattr(ref, "name", None) or ref.label
        element = f"{ref.no} {name}" if getattr(ref, "no", None) else name
        for what, series, total in (("amounts", "amounts", "amount_total"), ("payers", "payers", "payers_total")):
            va = dict(zip(old.years, getattr(x, series))) if x else {}
            vb = dict(zip(new.years, getattr(y, series))) if y else {}
            for year in _years(old.years, new.years):
                _figure(result.tax, "tax", "program", element, what, year, va.get(year), vb.get(year))
            _figure(result.tax, "tax", "program", element, what, None, getattr(x, total) if x else None,
                    getattr(y, total) if y else None)


def _program_tables(program: Program) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for a in program.absent:
        out[a.table] = ("absent", a.title)
    for table, value in (("Таблица 2", program.indicators), ("Таблица 5", program.tax_expenditures),
                         ("Таблица 6", program.regional_projects)):
        if value:
            out[table] = ("present", table_title("program", table))
    return out


def _subprogram_tables(sub: Optional[Subprogram]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    if sub is None:
        return out
    for a in sub.absent:
        out[a.table] = ("absent", a.title)
    present = [("Паспорт", sub.passport), ("Таблица 1", sub.indicator_values), ("Таблица 2", sub.indicators),
               ("Таблица 3", sub.activities), ("Таблица 4", sub.financing)]
    for table, value in present:
        if value is not None:
            out[table] = ("present", labels()["passport_title"].format(n=sub.code) if table == "Паспорт"
                          else table_title("subprogram", table, sub.code))
    if sub.forecast is not None:
        out[sub.forecast.table] = ("present", table_title("subprogram", "forecast", sub.code))
    for t in sub.tables:
        out[f"{t.appendix} ({t.id})" if t.appendix else t.id] = ("present", t.title)
    return out


def _tables(scope: str, a: dict, b: dict, result: ProgramDiff) -> None:
    for table in list(b) + [t for t in a if t not in b]:
        sa, ta = a.get(table, ("none", None))
        sb, tb = b.get(table, ("none", None))
        if sa != sb:
            result.tables.append(TableChange(scope, table, tb or ta or "", sa, sb))
