"""Control relations ("контрольные соотношения"): the checks budget systems run on every form.

Each rule has a stable ID, a severity (``error``, ``warning`` or ``gap``) and
yields located findings: the data file and line, the codes involved, the
numbers and the difference. ``check(program, located)`` runs them all.

| ID  | relation |
|-----|----------|
| F01 | a financing line's years add up to its all-years total |
| F02 | funding sources add up to the "всего" line |
| F03 | executor rows add up to the subprogram row |
| F04 | main activities add up to the subprogram row |
| F05 | items / executors of an activity add up to the activity |
| F06 | subprograms add up to the program passport (remainder of missing tables = gap) |
| F07 | the passport's own blocks agree (years = total; each block with ``parts`` = their sum; without
|     | declared parts: total = budget + tax, budget = own + federal) |
| F08 | forecast tables: years = total, "Всего" = its sources |
| F09 | the passport paragraph generated from its figures equals the printed paragraph |
| T01 | tax expenditures: years = total; rows add up to "Итого" |
| C01 | source codes of table 3 agree with money in table 4 |
| C02 | executors table 4 names for a main activity are among its executors in table 3 |
| C03 | every source code of table 3 is defined by the table's own footnote |
| F10 | a subprogram passport's financing: years = total, total = its sources, each source = table 4 |
| P01 | sums declared on printed tables (appendices) hold |
| P02 | figures declared the same (``same_figures``: two appendices, an appendix and the passport) agree |
| K01 | an agreement's co-financing share by its amounts = its level, within the rules' cap / fixed level |
|     | (:func:`generator.validation.cofinancing_findings`, over ``subsidies/``) |
| G01 | a table named by the act is absent from its text |
| G02 | a text has a character the bundled PDF font lacks (printed as [U+XXXX]) |
"""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass, field
from dataclasses import field as _dc_field
from decimal import Decimal
from typing import Iterator, Literal

from . import calc, findings
from .data.errors import field_path
from .data.loader import Located
from .data.schema import FinancingRow, Program, Subprogram, normalise_code
from .i18n import N_, _
from .numbers import format_number

Severity = Literal["error", "warning", "gap"]


# --- the registry of rules ------------------------------------------------------------------------------
# A closed list, like docutils' node classes: every rule ID is declared once, with what it checks, by the
# check that emits it; ``_Checker.add`` refuses an undeclared ID. Adding a rule is adding one function
# decorated with :func:`control` (a method of ``_Checker``, or any function taking the checker).

#: rule ID -> what it checks (the table of the module docstring)
RULES: dict[str, str] = {}


@dataclass(frozen=True)
class Check:
    """A registered check: the function (``f(checker)`` for the program, ``f(checker, subprogram)`` for
    each subprogram), when it runs (``order``: below 10 before the subprograms, from 30 after them) and
    the rule IDs it may emit."""

    function: object
    scope: Literal["program", "subprogram"]
    order: int
    rules: tuple[str, ...]


CHECKS: list[Check] = []


def control(scope: Literal["program", "subprogram"], order: int, **rules: str):
    """Register the decorated check for ``scope`` at ``order``, declaring the rule IDs it emits with what
    each checks (``F01="a financing line's years add up to its all-years total"``)."""
    def register(function):
        for rule, text in rules.items():
            if RULES.get(rule, text) != text:
                raise ValueError(f"rule {rule} is declared twice")
            RULES[rule] = text
        CHECKS.append(Check(function, scope, order, tuple(rules)))
        CHECKS.sort(key=lambda c: c.order)
        return function
    return register


def declare(**rules: str) -> None:
    """Declare rule IDs emitted outside :class:`_Checker` (the co-financing and font checks)."""
    RULES.update(rules)


declare(K01="an agreement's co-financing share by its amounts = its level, within the rules' cap / fixed level",
        G02="a text has a character the bundled PDF font lacks (printed as [U+XXXX])")



_LEGACY_KEYS = ("rule", "severity", "message", "file", "line", "codes", "numbers", "difference", "source_line",
                "field", "cells")


@dataclass
class Finding(findings.Finding):
    """A control relation's finding: a :class:`generator.findings.Finding` (``rule`` an ID of this module,
    ``figures`` the printed figures by name) with what the relation involves: the ``codes`` of the rows,
    the ``difference``, the act's ``source_line`` and the printed ``cells`` (for grouping one changed figure)."""

    codes: list[str] = _dc_field(default_factory=list)
    numbers: dict[str, str] = _dc_field(default_factory=dict)
    difference: str | None = None
    source_line: int | None = None        # line of the act the figures were taken from
    cells: list[str] = _dc_field(default_factory=list)   # the printed figures the relation involves (for grouping)

    def __post_init__(self) -> None:
        if not self.figures and self.numbers:
            self.figures = self.numbers
        elif not self.numbers and self.figures:
            self.numbers = self.figures

    def to_dict(self) -> dict:
        """The finding as ``gosprog validate --json`` and known-findings.yaml have it (their keys, their order)."""
        data = asdict(self)
        return {key: data[key] for key in _LEGACY_KEYS}


class _Checker:
    def __init__(self, program: Program, located: Located):
        self.program, self.located = program, located
        self.findings: list[Finding] = []

    def add(self, rule: str, severity: Severity, message: str, unit: str, path: tuple,
            codes=(), numbers=None, difference=None, source_line=None, cells=()) -> None:
        if rule not in RULES:
            raise ValueError(f"rule {rule} is not declared (see generator.rules.RULES)")
        file, line = self.located.where(unit, path)
        self.findings.append(Finding(message, str(file) if file else None, line, None, field_path(path) or None,
                                     rule, severity, codes=list(codes),
                                     numbers={k: _fmt(v) for k, v in (numbers or {}).items()},
                                     difference=_fmt(difference) if difference is not None else None,
                                     source_line=source_line, cells=list(cells)))

    # --- financing tables -------------------------------------------------

    @control("subprogram", 10,
             F01="a financing line's years add up to its all-years total", F02='funding sources add up to the "всего" line', F03="executor rows add up to the subprogram row", F04="main activities add up to the subprogram row", F05="items / executors of an activity add up to the activity")
    def financing(self, sub: Subprogram) -> None:
        if not sub.financing:
            return
        unit = f"sp{sub.code}"
        years = self.program.subprogram_years(sub)
        labels = [_("year {year}").format(year=y) for y in years] + [_("in total")]
        rows = sub.financing.rows
        for i, row in enumerate(rows):
            where = ("financing", "rows", i)
            name = _row_name(row)
            for j, line in enumerate(row.sources):
                computed = calc.total(line.values)
                for m in calc.compare([line.total], [computed]):
                    self.add("F01", "error",
                             _("{row}, {line}: the years add up to {computed}, the column \"total\" prints {printed}").format(
                                 row=name, line=line.label, computed=_fmt(m.expected), printed=_fmt(m.printed)),
                             unit, where + ("sources", j, "total"), [sub.code, row.code or row.no or ""],
                             {"years sum": m.expected, "printed total": m.printed}, m.difference, row.line,
                             [_cell(unit, i, line.source, p) for p in range(len(years) + 1)])
            total_line = row.source("total")
            parts = [s for s in row.sources if s.source != "total"]
            if total_line and parts:
                computed = calc.column_sums([p.values + [p.total] for p in parts])
                for m in calc.compare(total_line.values + [total_line.total], computed):
                    self.add("F02", "error",
                             _("{row}, {column}: the sources add up to {computed}, the line \"total\" prints {printed}").format(
                                 row=name, column=labels[m.position], computed=_fmt(m.expected),
                                 printed=_fmt(m.printed)),
                             unit, where + ("sources", 0, "values" if m.position < len(years) else "total"),
                             [sub.code, row.code or row.no or ""],
                             {"sources sum": m.expected, "printed": m.printed}, m.difference, row.line,
                             [_cell(unit, i, s.source, m.position) for s in row.sources])
        top = next((i for i, r in enumerate(rows) if r.kind == "subprogram"), None)
        if top is not None:
            for rule, kind, what in (("F03", "executor", "executors"), ("F04", "activity", "main activities")):
                members = [r for r in rows if r.kind == kind]
                if members:
                    self._sum_rows("financing", sub, top, members, rule, what)
        for i, row in enumerate(rows):
            if row.kind != "activity":
                continue
            children = []
            for later in rows[i + 1:]:
                if later.kind in ("item", "activity_executor"):
                    children.append(later)
                else:
                    break
            items = [c for c in children if c.kind == "item"]
            executors = [c for c in children if c.kind == "activity_executor"]
            for group, what in ((items, "items"), (executors, "executors")):
                if group:
                    self._sum_rows("financing", sub, i, group, "F05", what)

    def _sum_rows(self, block: str, sub: Subprogram, parent_index: int, members: list[FinancingRow],
                  rule: str, what: str) -> None:
        unit = f"sp{sub.code}"
        parent = sub.financing.rows[parent_index]
        index = {id(r): n for n, r in enumerate(sub.financing.rows)}
        years = self.program.subprogram_years(sub)
        labels = [_("year {year}").format(year=y) for y in years] + [_("in total")]
        for j, line in enumerate(parent.sources):
            vectors = [v for v in (row_vector(m, line.source) for m in members) if v is not None]
            if not vectors:
                continue
            computed = calc.column_sums(vectors)
            for m in calc.compare(line.values + [line.total], computed):
                self.add(rule, "error",
                         _("{row}, {line}, {column}: the {members} add up to {computed}, the line prints {printed}").format(
                             row=_row_name(parent), line=line.label, column=labels[m.position],
                             members=_(_WHAT[what]) if what in _WHAT else what, computed=_fmt(m.expected),
                             printed=_fmt(m.printed)),
                         unit, (block, "rows", parent_index, "sources", j), [sub.code, parent.code or parent.no or ""],
                         {f"{what} sum": m.expected, "printed": m.printed}, m.difference, parent.line,
                         [_cell(unit, parent_index, line.source, m.position)]
                         + [_cell(unit, index[id(r)], line.source, m.position) for r in members])

    # --- program level ----------------------------------------------------

    @control("program", 1,
             F07="the passport's own blocks agree (years = total; parts = their sum)")
    def passport(self) -> None:
        blocks = {b.key: (i, b) for i, b in enumerate(self.program.passport.financing)}
        years = self.program.years
        labels = [_("year {year}").format(year=y) for y in years] + [_("in total")]
        for key, (i, block) in blocks.items():
            for m in calc.compare([block.total], [calc.total(block.years)]):
                self.add("F07", "error", _("passport, {block}: the years add up to {computed}, the paragraph prints "
                                           "{printed}").format(block=block.label, computed=_fmt(m.expected),
                                                               printed=_fmt(m.printed)), "program", ("passport", "financing", i, "total"),
                         numbers={"years sum": m.expected, "printed": m.printed}, difference=m.difference)
        declared = [(b.key, tuple(b.parts)) for b in self.program.passport.financing if b.parts]
        for whole, parts in declared or (("total", ("budget", "tax")), ("budget", ("own", "federal"))):
            if whole not in blocks or not all(p in blocks for p in parts):
                if declared:
                    i, _block = blocks[whole]
                    self.add("F07", "error", _("passport, block \"{whole}\": the parts {parts} are named, but the "
                                               "passport has no blocks {missing}").format(
                                 whole=whole, parts=", ".join(parts),
                                 missing=", ".join(p for p in parts if p not in blocks)),
                             "program", ("passport", "financing", i, "parts"))
                continue
            i, block = blocks[whole]
            computed = calc.column_sums([blocks[p][1].years + [blocks[p][1].total] for p in parts])
            for m in calc.compare(block.years + [block.total], computed):
                self.add("F07", "error", _("passport, {column}: {parts} = {computed}, but \"{block}\" is {printed}").format(
                             column=labels[m.position], parts=" + ".join(parts), computed=_fmt(m.expected),
                             block=block.label, printed=_fmt(m.printed)), "program", ("passport", "financing", i),
                         numbers={"sum": m.expected, "printed": m.printed}, difference=m.difference)

    @control("program", 31,
             F09="the passport paragraph generated from its figures equals the printed paragraph")
    def passport_text(self) -> None:
        """F09: the paragraph generated from the passport's figures equals the act's printed one."""
        from .texts import financing_paragraph, first_difference
        from .wording import of
        checks = [("program", ("passport",), self.program.passport, self.program.years)]
        checks += [(f"sp{s.code}", ("passport",), s.passport, self.program.subprogram_years(s))
                   for s in self.program.subprograms if s.passport]
        for unit, path, passport, years in checks:
            if not passport.financing_text or not passport.financing:
                continue
            generated = financing_paragraph(passport.financing, years, of(self.program).forms["unit_long"])
            diff = first_difference(generated, passport.financing_text)
            if diff:
                pos, ours, theirs = diff
                self.add("F09", "warning", _("the financing paragraph made from the figures differs from the printed "
                                             "one from character {position}: made \"…{ours}…\", printed "
                                             "\"…{theirs}…\"").format(position=pos, ours=ours, theirs=theirs),
                         unit, path + ("financing_text",))

    @control("program", 30,
             F06="subprograms add up to the program passport (remainder of missing tables = gap)")
    def subprograms_vs_passport(self) -> None:
        """F06: known subprogram money against the passport; the rest is a gap, not an error."""
        program = self.program
        blocks = {b.key: (i, b) for i, b in enumerate(program.passport.financing)}
        years = program.years
        for key in [s.key for s in program.sources if s.key != "total"]:     # every funding source of table 4
            if key not in blocks:
                continue
            i, block = blocks[key]
            known = [Decimal(0)] * (len(years) + 1)
            covered, missing = [], []
            for sub in program.subprograms:
                vector = subprogram_money(program, sub, key)
                if vector is None:
                    missing.append(sub.code)
                    continue
                covered.append(sub.code)
                known = [k + calc.as_decimal(v) for k, v in zip(known, vector)]
            printed = [calc.as_decimal(v) for v in block.years] + [calc.as_decimal(block.total)]
            remainder = [p - k for p, k in zip(printed, known)]
            label = block.label
            if missing:
                if any(r != 0 for r in remainder):
                    self.add("F06", "gap",
                             _("passport, \"{block}\": the subprograms {covered} account for {known}; the remaining {remainder} "
                               "({by_year}) belong to the subprograms {missing}, whose financing tables the "
                               "act's text does not print").format(
                                 block=label, covered=", ".join(covered), known=_fmt(known[-1]),
                                 remainder=_fmt(remainder[-1]),
                                 by_year=", ".join(f"{y}: {_fmt(r)}" for y, r in zip(years, remainder)),
                                 missing=", ".join(missing)),
                             "program", ("passport", "financing", i), codes=missing,
                             numbers={"passport": printed[-1], "known": known[-1]}, difference=remainder[-1])
            else:
                for pos, (p, k) in enumerate(zip(printed, known)):
                    if p != k:
                        self.add("F06", "error", _("passport, \"{block}\", {column}: the subprograms add up to {computed}, "
                                                   "the passport prints {printed}").format(
                                     block=label, column=(years + [_("in total")])[pos], computed=_fmt(k),
                                     printed=_fmt(p)),
                                 "program", ("passport", "financing", i), numbers={"sum": k, "printed": p},
                                 difference=p - k)

    @control("subprogram", 11,
             F08='forecast tables: years = total, "Всего" = its sources')
    def forecasts(self, sub: Subprogram) -> None:
        if not sub.forecast:
            return
        unit = f"sp{sub.code}"
        rows = sub.forecast.rows
        for i, row in enumerate(rows):
            for m in calc.compare([row.total], [calc.total(row.values)]):
                self.add("F08", "error", _("{table}, {row}: the years add up to {computed}, the total prints {printed}").format(
                             table=sub.forecast.table, row=row.label, computed=_fmt(m.expected),
                             printed=_fmt(m.printed)), unit, ("forecast", "rows", i, "total"),
                         [sub.code], {"years sum": m.expected, "printed": m.printed}, m.difference, row.line)
        if len(rows) > 1 and rows[0].label.lower().startswith("всего"):
            computed = calc.column_sums([r.values + [r.total] for r in rows[1:]])
            for m in calc.compare(rows[0].values + [rows[0].total], computed):
                self.add("F08", "error", _("{table}: the sources add up to {computed}, the line \"Total\" prints "
                                           "{printed}").format(table=sub.forecast.table, computed=_fmt(m.expected),
                                                               printed=_fmt(m.printed)), unit, ("forecast", "rows", 0), [sub.code],
                         {"sum": m.expected, "printed": m.printed}, m.difference, rows[0].line)

    @control("program", 2,
             T01='tax expenditures: years = total; rows add up to "Итого"')
    def tax(self) -> None:
        tax = self.program.tax_expenditures
        if not tax:
            return
        items = []
        for g, group in enumerate(tax.groups):
            for i, item in enumerate(group.items):
                items.append(item)
                path = ("tax_expenditures", "groups", g, "items", i)
                for m in calc.compare([item.amount_total], [calc.total(item.amounts)]):
                    self.add("T01", "error", _("tax expenditure {no} \"{name}\": the years add up to {computed}, the total "
                                               "prints {printed}").format(no=item.no, name=_short(item.name),
                                                                          computed=_fmt(m.expected),
                                                                          printed=_fmt(m.printed)), "program", path + ("amount_total",),
                             [item.no or ""], {"years sum": m.expected, "printed": m.printed}, m.difference, item.line)
                known = {Decimal(p) for p in item.payers if calc.is_number(p)}
                if len(known) == 1 and calc.is_number(item.payers_total) and Decimal(item.payers_total) not in known:
                    value = known.pop()
                    self.add("T01", "error", _("tax expenditure {no} \"{name}\": {payers} thousand payers in every year, "
                                               "the column \"total\" prints {printed}").format(
                                 no=item.no, name=_short(item.name), payers=_fmt(value),
                                 printed=_fmt(item.payers_total)),
                             "program", path + ("payers_total",), [item.no or ""],
                             {"per year": value, "printed": item.payers_total},
                             Decimal(item.payers_total) - value, item.line)
        total = tax.total
        for key in ("amounts", "payers"):
            computed = calc.column_sums([getattr(i, key) for i in items])
            if key == "payers":   # the act prints the payers' total rounded to its own precision
                computed = [_round_like(c, p) for c, p in zip(computed, total.payers)]
            for m in calc.compare(getattr(total, key), computed):
                year = self.program.years[m.position]
                self.add("T01", "error" if key == "amounts" else "warning",
                         _("tax expenditures, \"{line}\", {year}: the rows add up to {computed}, the total prints "
                           "{printed}").format(line=total.label, year=year, computed=_fmt(m.expected),
                                               printed=_fmt(m.printed)), "program", ("tax_expenditures", "total", key),
                         numbers={"rows sum": m.expected, "printed": m.printed}, difference=m.difference,
                         source_line=total.line)
        for m in calc.compare([total.amount_total], [calc.total(i.amount_total for i in items)]):
            self.add("T01", "error", _("tax expenditures, \"{line}\": the rows' totals add up to {computed}, the total "
                                       "prints {printed}").format(line=total.label, computed=_fmt(m.expected),
                                                                  printed=_fmt(m.printed)), "program", ("tax_expenditures", "total", "amount_total"),
                     numbers={"rows sum": m.expected, "printed": m.printed}, difference=m.difference,
                     source_line=total.line)

    @control("subprogram", 12,
             C01="source codes of table 3 agree with money in table 4")
    def source_codes(self, sub: Subprogram) -> None:
        """C01: a year marked "-" in table 3 has no money in table 4; a year with money has a code."""
        if not (sub.activities and sub.financing):
            return
        unit = f"sp{sub.code}"
        years = self.program.subprogram_years(sub)
        money = {normalise_code(r.code): r for r in sub.financing.rows if r.kind == "activity" and r.code}
        for i, act in enumerate(sub.activities.items):
            row = money.get(normalise_code(act.code))
            code_rows = [act.source_codes] if act.source_codes else [l.source_codes for l in act.indicators if l.source_codes]
            if not code_rows:
                continue
            for y_index, year in enumerate(sub.activities.year_columns):
                codes = {(c or "").strip() for codes in code_rows for c in [codes[y_index]]}
                codes.discard("")
                marked_none = codes <= {"-"}
                if year not in years:
                    continue
                yi = years.index(year)
                amount = None
                if row is not None:
                    line = row.source("total") or (row.sources[0] if row.sources else None)
                    amount = line.values[yi] if line else None
                has_money = calc.is_number(amount) and Decimal(amount) != 0
                if row is None and not marked_none and codes & {"1", "2", "1, 2", "1,2"}:
                    self.add("C01", "warning", _("activity {code}, {year}: table 3 gives the source code(s) {codes}, but "
                                                 "table 4 has no line for the activity").format(
                                 code=act.code, year=year, codes=", ".join(sorted(codes))),
                             unit, ("activities", "items", i), [sub.code, act.code])
                    break
                if marked_none and has_money:
                    self.add("C01", "error", _("activity {code}, {year}: table 3 prints \"-\" (no financing), but table 4 "
                                               "prints {amount}").format(code=act.code, year=year,
                                                                         amount=_fmt(amount)), unit, ("activities", "items", i), [sub.code, act.code],
                             {"amount": amount})
                elif row is not None and not marked_none and not has_money and codes & {"1", "2", "1, 2", "1,2"}:
                    self.add("C01", "warning", _("activity {code}, {year}: table 3 gives the source code(s) {codes}, but "
                                                 "table 4 has no money for it").format(
                                 code=act.code, year=year, codes=", ".join(sorted(codes))),
                             unit, ("activities", "items", i), [sub.code, act.code], {"amount": amount or 0})

    @control("subprogram", 13,
             F10="a subprogram passport's financing: years = total, total = its sources, each source = table 4")
    def subprogram_passport(self, sub: Subprogram) -> None:
        """F10: a subprogram passport's financing blocks against its table 4 ("подпрограмма" row), for every
        funding source both print; and the passport's own blocks: "total" = the other table-4 sources."""
        if not (sub.passport and sub.passport.financing):
            return
        unit = f"sp{sub.code}"
        years = self.program.subprogram_years(sub)
        labels = [_("year {year}").format(year=y) for y in years] + [_("in total")]
        top = next((r for r in sub.financing.rows if r.kind == "subprogram"), None) if sub.financing else None
        blocks = {b.key: (i, b) for i, b in enumerate(sub.passport.financing)}
        for key, (i, block) in blocks.items():
            if len(block.years) != len(years):
                continue
            for m in calc.compare([block.total], [calc.total(block.years)]):
                self.add("F10", "error", _("passport of subprogram {code}, {block}: the years add up to {computed}, the "
                                           "passport prints {printed}").format(code=sub.code, block=block.label,
                                                                               computed=_fmt(m.expected),
                                                                               printed=_fmt(m.printed)), unit, ("passport", "financing", i, "total"),
                         [sub.code], {"сумма лет": m.expected, "в паспорте": m.printed}, m.difference)
            line = top.source(key) if top is not None else None
            if line is None:
                continue
            for m in calc.compare(block.years + [block.total], line.values + [line.total]):
                self.add("F10", "error", _("subprogram {code}, {block}, {column}: the passport prints {printed}, table 4 "
                                           "(line \"{line}\") {computed}").format(
                             code=sub.code, block=block.label, column=labels[m.position], printed=_fmt(m.printed),
                             line=line.label, computed=_fmt(m.expected)),
                         unit, ("passport", "financing", i), [sub.code, key],
                         {"таблица 4": m.expected, "паспорт": m.printed}, m.difference, top.line)
        parts = [blocks[s.key][1] for s in self.program.sources if s.key != "total" and s.key in blocks]
        if "total" in blocks and len(parts) > 1:
            i, whole = blocks["total"]
            computed = calc.column_sums([p.years + [p.total] for p in parts if len(p.years) == len(whole.years)])
            for m in calc.compare(whole.years + [whole.total], computed):
                self.add("F10", "error", _("passport of subprogram {code}, {column}: the sources ({sources}) give "
                                           "{computed}, the total volume is {printed}").format(
                             code=sub.code, column=labels[m.position], sources=", ".join(p.key for p in parts),
                             computed=_fmt(m.expected), printed=_fmt(m.printed)),
                         unit, ("passport", "financing", i), [sub.code],
                         {"сумма источников": m.expected, "общий объем": m.printed}, m.difference)

    @control("subprogram", 14,
             C02="executors in table 4 of a main activity are among its executors in table 3", C03="every source code of table 3 is defined by the table's own footnote")
    def activity_links(self, sub: Subprogram) -> None:
        """C02: every executor table 4 names for a main activity is among the activity's executors in table 3.
        C03: every source code table 3 gives is defined by the table's own footnote ("... - 1, ... - 2")."""
        if not sub.activities:
            return
        unit = f"sp{sub.code}"
        defined = set(re.findall(r"\s[-–]\s*(\d+)\b", sub.activities.footnote or ""))
        for i, act in enumerate(sub.activities.items):
            rows = [act.source_codes] if act.source_codes else []
            rows += [l.source_codes for l in act.indicators if l.source_codes]
            if not defined:
                break
            bad = sorted({c.strip() for codes in rows for c in _split_codes(codes)} - defined - {"-", ""})
            if bad:
                self.add("C03", "error", _("activity {code}: table 3 gives the source code(s) {codes}, which the table's "
                                           "footnote does not define (defined: {defined})").format(
                             code=act.code, codes=", ".join(bad), defined=", ".join(sorted(defined, key=int))),
                         unit, ("activities", "items", i), [sub.code, act.code], {"коды": ", ".join(bad)},
                         source_line=act.line)
        if not sub.financing:
            return
        acts = {normalise_code(a.code): (i, a) for i, a in enumerate(sub.activities.items)}
        rows = sub.financing.rows
        for r, row in enumerate(rows):
            if row.kind != "activity" or normalise_code(row.code) not in acts:
                continue
            i, act = acts[normalise_code(row.code)]
            named = [(r, row)] if row.executor else []
            for n, later in enumerate(rows[r + 1:], r + 1):
                if later.kind not in ("item", "activity_executor"):
                    break
                if later.kind == "activity_executor" and later.executor:
                    named.append((n, later))
            listed = _folded(act.executors)
            for n, named_row in named:
                who = named_row.executor
                if _folded(who) not in listed and _folded(who) not in ("итого", "всего"):
                    self.add("C02", "error", _("activity {code}: table 4 names the executor \"{executor}\", table 3 the "
                                               "executors \"{executors}\"").format(
                                 code=act.code, executor=who, executors=_short(act.executors)), unit, ("financing", "rows", n, "executor"),
                             [sub.code, act.code], {"исполнитель": who}, source_line=named_row.line)

    @control("subprogram", 15,
             P02="figures declared the same (same_figures) agree")
    def same_figures(self, sub: Subprogram) -> None:
        """P02: figures declared the same (``same_figures``) are printed the same in both places."""
        unit = f"sp{sub.code}"
        years = self.program.subprogram_years(sub)
        grids = {}

        def value(ref):
            if ref.passport is not None:
                block = next((b for b in (sub.passport.financing if sub.passport else []) if b.key == ref.passport), None)
                if block is None or (ref.year is not None and ref.year not in years):
                    return None, _("passport: no block {block} for {year}").format(block=repr(ref.passport), year=ref.year)
                return (block.total if ref.year is None else block.years[years.index(ref.year)]), \
                    _("passport, {block}, {year}").format(block=block.label[:50], year=ref.year or _("in total"))
            table = next((t for t in sub.tables if t.id == ref.table), None)
            if table is None:
                return None, _("no table {table}").format(table=repr(ref.table))
            if table.id not in grids:
                grids[table.id] = printed_grid(table)
            r = next((i for i, row in enumerate(table.rows) if row.line == ref.row), None)
            if r is None or ref.column > len(table.columns):
                return None, _("{table}: no line {row} or column {column}").format(table=table.id, row=ref.row,
                                                                                     column=ref.column)
            return grids[table.id][r][ref.column - 1], _("{table}, line {row}, column {column}").format(
                table=table.id, row=ref.row, column=ref.column)

        for k, pair in enumerate(sub.same_figures):
            (a, where_a), (b, where_b) = value(pair.a), value(pair.b)
            if a is None or b is None:
                self.add("P02", "error", _("relation {number}: {problem}").format(number=k + 1,
                                                                             problem=where_a if a is None else where_b),
                         unit, ("same_figures", k), [sub.code])
                continue
            if calc.is_number(a) and calc.is_number(b) and Decimal(a) != Decimal(b):
                self.add("P02", "error", _("the same sum is printed differently: {where_a} - {a}, {where_b} - {b}").format(
                             where_a=where_a, a=_fmt(a), where_b=where_b, b=_fmt(b)), unit, ("same_figures", k), [sub.code],
                         {"a": a, "b": b}, Decimal(b) - Decimal(a), pair.a.row or pair.b.row)

    @control("subprogram", 16,
             P01="sums declared on printed tables (appendices) hold")
    def printed_sums(self, sub: Subprogram) -> None:
        unit = f"sp{sub.code}"
        for t, table in enumerate(sub.tables):
            by_line = {row.line: (r, row) for r, row in enumerate(table.rows) if row.line}
            grids = printed_grid(table)
            for s, rule in enumerate(table.sums):
                if hasattr(rule, "total_column"):
                    for r, values in enumerate(grids):
                        computed = calc.total(values[c - 1] for c in rule.part_columns)
                        printed = values[rule.total_column - 1]
                        for m in calc.compare([printed], [computed]):
                            self.add("P01", "error", _("{table}: act line {line}, column {column} should be {computed} (columns "
                                                       "{parts}), printed {printed}").format(
                                         table=table.title[:60], line=table.rows[r].line, column=rule.total_column,
                                         computed=_fmt(m.expected), parts=", ".join(map(str, rule.part_columns)),
                                         printed=_fmt(m.printed)),
                                     unit, ("tables", t, "rows", r), [table.id],
                                     {"sum": m.expected, "printed": m.printed}, m.difference, table.rows[r].line)
                else:
                    if rule.total_row not in by_line or not all(p in by_line for p in rule.part_rows):
                        self.add("P01", "error", _("{table}: sum rule {number} names a line the table does not have").format(
                            table=table.id, number=s + 1),
                                 unit, ("tables", t, "sums", s), [table.id])
                        continue
                    r_total, _row = by_line[rule.total_row]
                    for c in rule.columns:
                        computed = calc.total(grids[by_line[p][0]][c - 1] for p in rule.part_rows)
                        printed = grids[r_total][c - 1]
                        for m in calc.compare([printed], [computed]):
                            self.add("P01", "error", _("{table}: act line {line}, column {column}: the lines add up to "
                                                       "{computed}, printed {printed}").format(
                                         table=table.title[:60], line=rule.total_row, column=c,
                                         computed=_fmt(m.expected), printed=_fmt(m.printed)),
                                     unit, ("tables", t, "rows", r_total), [table.id],
                                     {"sum": m.expected, "printed": m.printed}, m.difference, rule.total_row)

    @control("program", 32,
             G01="a table named by the act is absent from its text")
    def gaps(self) -> None:
        for i, absent in enumerate(self.program.absent):
            self.add("G01", "gap", _("program: {table} \"{title}\" is absent from the act's text (act line {line}); "
                                     "nothing is invented").format(table=absent.table, title=_short(absent.title),
                                                                   line=absent.line), "program", ("absent", i),
                     [absent.table], source_line=absent.line)
        for sub in self.program.subprograms:
            for i, absent in enumerate(sub.absent):
                self.add("G01", "gap", _("subprogram {code}: {table} \"{title}\" is absent from the act's text (act "
                                         "line {line})").format(code=sub.code, table=absent.table,
                                                                title=_short(absent.title), line=absent.line),
                         f"sp{sub.code}", ("absent", i),
                         [sub.code, absent.table], source_line=absent.line)

    def run(self) -> list[Finding]:
        """Every registered check in its order: the program's checks, then each subprogram's, then the rest."""
        before = [c for c in CHECKS if c.scope == "program" and c.order < 10]
        after = [c for c in CHECKS if c.scope == "program" and c.order >= 10]
        for c in before:
            c.function(self)
        for sub in self.program.subprograms:
            for c in CHECKS:
                if c.scope == "subprogram":
                    c.function(self, sub)
        for c in after:
            c.function(self)
        return self.findings


#: what the members of a sum are, in the message (translated when used)
_WHAT = {"executors": N_("executors"), "main activities": N_("main activities"), "items": N_("activities")}


def _split_codes(codes) -> list[str]:
    return [c for code in (codes or []) for c in re.split(r"[,;]", code or "")]


def _folded(text: str | None) -> str:
    """Names compared without case and spacing ("департамент  здравоохранения" = "Департамент здравоохранения")."""
    return " ".join((text or "").casefold().split())


def _cell(unit: str, row: int, source: str, position: int) -> str:
    """A figure of a financing table: unit, row index, source line, year position (the last: the total)."""
    return f"{unit}/financing/{row}/{source}/{position}"


financing_cell = _cell      # the public name: findings list the figures they involve as these ids (Finding.cells)


def group(findings: list[Finding]) -> list[list[Finding]]:
    """Findings that share a printed figure, together: one changed figure breaks every relation it takes
    part in (its line's total, its parent's sum), and is one finding for the reader. Order is kept."""
    parent = list(range(len(findings)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, f in enumerate(findings):
        for cell in f.cells:
            if cell in owner:
                parent[root(i)] = root(owner[cell])
            else:
                owner[cell] = i
    groups: dict[int, list[Finding]] = {}
    for i, f in enumerate(findings):
        groups.setdefault(root(i), []).append(f)
    return list(groups.values())


row_vector = calc.row_money     # a financing row's money for a source: one function (generator.calc)


def subprogram_money(program: Program, sub: Subprogram, key: str) -> list | None:
    """The subprogram's per-year + total money for a source key, from its table 4 or, failing
    that, its own printed passport; None when the act publishes neither."""
    if sub.financing:
        top = next((r for r in sub.financing.rows if r.kind == "subprogram"), None)
        if top is not None:
            vector = calc.row_money(top, key)
            if vector is None:
                return [Decimal(0)] * (len(program.years) + 1)
            return _align_years(program, sub, vector)
    if sub.passport and sub.passport.financing:
        block = next((b for b in sub.passport.financing if b.key == key), None)
        if block is not None:
            return _align_years(program, sub, block.years + [block.total])
    return None


def _align_years(program: Program, sub: Subprogram, vector: list) -> list:
    years = program.subprogram_years(sub)
    by_year = dict(zip(years, vector[:-1]))
    return [by_year.get(y, Decimal(0)) for y in program.years] + [vector[-1]]


def printed_grid(table) -> list[list]:
    """A printed table's body as full-width rows of values; cells covered by a span are None."""
    from .model import Cell, Column, Row, Table

    rows = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if hasattr(cell, "colspan"):
                cells.append(Cell(cell.text, colspan=cell.colspan, rowspan=cell.rowspan))
            else:
                cells.append(Cell(cell.value if hasattr(cell, "mark") else cell))
        rows.append(Row(cells))
    layout = Table([Column() for _ in table.columns], [], rows, numbering=False)
    grid = [[None] * len(table.columns) for _ in rows]
    for placed in layout.placements(rows):
        for p in placed:
            grid[p.row][p.col] = p.cell.value
    return grid


def _round_like(computed, printed):
    if computed is None or not calc.is_number(printed):
        return computed
    from .numbers import quantize
    exponent = Decimal(printed).as_tuple().exponent
    return quantize(computed, max(0, -int(exponent)))


def _row_name(row: FinancingRow) -> str:
    parts = [p for p in (row.no, row.status or (row.code and _("activity {code}").format(code=row.code)),
                         row.executor) if p]
    return " ".join(parts)


def _short(text: str, n: int = 70) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _fmt(value) -> str:
    if calc.is_number(value):
        return format_number(value, None).replace("\u00a0", " ")   # messages: plain spaces
    return str(value)


def glyph_findings(located: Located) -> list[Finding]:
    """G02: every character of every text read (program, subsidies, annual facts, editions) that the
    bundled PDF font lacks (:func:`generator.fonts.missing`), with file, line and its code (U+F0B7).

    An error: the PDF would print ``[U+F0B7]`` in place of the character, a visible defect of an official
    document (DOCX and XLSX keep the character, but the packages must say the same thing); the fix
    belongs in the data (usually a bullet pasted from Word), and ``--force`` publishes anyway."""
    from . import fonts

    out: list[Finding] = []
    covered = _covered_chars()
    for unit, value in located.values.items():
        file, marks = located.files.get(unit), located.marks.get(unit, {})
        if _all_printable(file, value):
            continue
        stack = [((), value)]
        while stack:
            path, node = stack.pop()
            if isinstance(node, str):
                if node.isascii() or set(node) <= covered:     # the usual case, decided in C
                    continue
                for ch in fonts.missing(node):
                    line = next((marks[path[:cut]][0] for cut in range(len(path), -1, -1) if path[:cut] in marks),
                                None)
                    out.append(Finding(
                        _("the character {code} ({name}) is missing from the PDF font {font}: the PDF will print it as "
                          "[{code}]; replace it (for example, a list bullet from Word with \"-\" or "
                          "\"•\")").format(code=fonts.code(ch), name=_char_name(ch), font=fonts.PRINT_FAMILY),
                        str(file) if file else None, line, rule="G02", severity="error", codes=[fonts.code(ch)],
                        numbers={"символ": fonts.code(ch)}, field=field_path(path) or None))
            elif isinstance(node, dict):
                stack.extend(((path + (k,), v) for k, v in reversed(list(node.items()))))
            elif isinstance(node, list):
                stack.extend(((path + (i,), v) for i, v in reversed(list(enumerate(node)))))
    return out


def _all_printable(file, value) -> bool:
    """Whether every text of ``value`` (read from ``file``) is printable in the PDF font, decided from the file's
    text in one search in C instead of a walk over the values: no character the font lacks, and no escape that
    writes one the text does not show (:data:`_ESCAPE`, e.g. ``"\\uF0B7"``). ``False`` when that text is not
    at hand (:func:`generator.data.yamlread.source_text`): the values are then walked."""
    from . import fonts
    from .data.yamlread import source_text
    text = source_text(file, value) if file else None
    return text is not None and _ESCAPE.search(text) is None and fonts.missing(text) == []


#: A YAML escape that may write a character the text does not show (``\\x``, ``\\u``, ``\\U``, ``\\N``, ``\\L``...);
#: the escapes of characters the font has (a quote, a backslash, a slash, a space, a tab, a line feed, a no-break
#: space) are common in program data and need no walk.
_ESCAPE = re.compile(r'\\[^"\\/ tn_]')


@functools.lru_cache(maxsize=1)
def _covered_chars() -> frozenset[str]:
    from . import fonts
    return frozenset(map(chr, fonts.coverage())) | frozenset("\n\r\t")


#: What kind of character a Unicode general category is (UAX #44, 5.7.1 "General Category Values"), said in the
#: interface's language: the character's Unicode name, printed beside it, is English.
_CHARACTER_KINDS = {
    "Cc": N_("a control character"), "Cf": N_("an invisible formatting character"),
    "Co": N_("a character of the private use area"), "Cn": N_("a character Unicode does not assign"),
    "Cs": N_("half of a surrogate pair"), "Zl": N_("a line separator"), "Zp": N_("a paragraph separator"),
    "Zs": N_("a special space"), "So": N_("a symbol or pictogram, such as an emoji"),
    "Sm": N_("a mathematical sign"), "Sc": N_("a currency sign"), "Sk": N_("a modifier sign"),
    "L": N_("a letter"), "N": N_("a digit or number"), "P": N_("a punctuation mark"), "M": N_("a combining mark"),
}


def _char_name(ch: str) -> str:
    """What ``ch`` is, for a person: its kind in the interface's language (by its Unicode general category), then its
    Unicode name when it has one (``"разделитель строк, в Юникоде LINE SEPARATOR"``)."""
    import unicodedata
    category = unicodedata.category(ch)
    kind = _(_CHARACTER_KINDS.get(category) or _CHARACTER_KINDS.get(category[0]) or N_("a character"))
    name = unicodedata.name(ch, "")
    return _("{kind}, in Unicode {name}").format(kind=kind, name=name) if name else kind


def check(program: Program, located: Located) -> list[Finding]:
    return _Checker(program, located).run()


def counts(findings: list[Finding]) -> dict[str, int]:
    out = {"error": 0, "warning": 0, "gap": 0}
    for f in findings:
        out[f.severity] += 1
    return out
