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
| F07 | the passport's own blocks agree (total = budget + tax; budget = own + federal; years = total) |
| F08 | forecast tables: years = total, "Всего" = its sources |
| F09 | the passport paragraph generated from its figures equals the printed paragraph |
| T01 | tax expenditures: years = total; rows add up to "Итого" |
| C01 | source codes of table 3 agree with money in table 4 |
| P01 | sums declared on printed tables (appendices) hold |
| G01 | a table named by the act is absent from its text |
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Iterator, Literal

from . import calc
from .data.errors import field_path
from .data.loader import Located
from .data.schema import FinancingRow, Program, Subprogram, normalise_code
from .numbers import format_number

Severity = Literal["error", "warning", "gap"]


@dataclass
class Finding:
    rule: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    codes: list[str] = field(default_factory=list)
    numbers: dict[str, str] = field(default_factory=dict)
    difference: str | None = None
    source_line: int | None = None        # line of the act the figures were taken from

    def to_dict(self) -> dict:
        return asdict(self)

    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else str(self.file or "")


class _Checker:
    def __init__(self, program: Program, located: Located):
        self.program, self.located = program, located
        self.findings: list[Finding] = []

    def add(self, rule: str, severity: Severity, message: str, unit: str, path: tuple,
            codes=(), numbers=None, difference=None, source_line=None) -> None:
        file, line = self.located.where(unit, path)
        self.findings.append(Finding(rule, severity, message, str(file) if file else None, line, list(codes),
                                     {k: _fmt(v) for k, v in (numbers or {}).items()},
                                     _fmt(difference) if difference is not None else None, source_line))

    # --- financing tables -------------------------------------------------

    def financing(self, sub: Subprogram) -> None:
        if not sub.financing:
            return
        unit = f"sp{sub.code}"
        years = self.program.subprogram_years(sub)
        labels = [f"{y} год" for y in years] + ["всего"]
        rows = sub.financing.rows
        for i, row in enumerate(rows):
            where = ("financing", "rows", i)
            name = _row_name(row)
            for j, line in enumerate(row.sources):
                computed = calc.total(line.values)
                for m in calc.compare([line.total], [computed]):
                    self.add("F01", "error",
                             f"{name}, {line.label}: the years add up to {_fmt(m.expected)}, "
                             f"the total column says {_fmt(m.printed)}",
                             unit, where + ("sources", j, "total"), [sub.code, row.code or row.no or ""],
                             {"years sum": m.expected, "printed total": m.printed}, m.difference, row.line)
            total_line = row.source("total")
            parts = [s for s in row.sources if s.source != "total"]
            if total_line and parts:
                computed = calc.column_sums([p.values + [p.total] for p in parts])
                for m in calc.compare(total_line.values + [total_line.total], computed):
                    self.add("F02", "error",
                             f"{name}, {labels[m.position]}: the funding sources add up to {_fmt(m.expected)}, "
                             f"the \"всего\" line says {_fmt(m.printed)}",
                             unit, where + ("sources", 0, "values" if m.position < len(years) else "total"),
                             [sub.code, row.code or row.no or ""],
                             {"sources sum": m.expected, "printed": m.printed}, m.difference, row.line)
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
        years = self.program.subprogram_years(sub)
        labels = [f"{y} год" for y in years] + ["всего"]
        for j, line in enumerate(parent.sources):
            vectors = [v for v in (row_vector(m, line.source) for m in members) if v is not None]
            if not vectors:
                continue
            computed = calc.column_sums(vectors)
            for m in calc.compare(line.values + [line.total], computed):
                self.add(rule, "error",
                         f"{_row_name(parent)}, {line.label}, {labels[m.position]}: the {what} add up to "
                         f"{_fmt(m.expected)}, the row says {_fmt(m.printed)}",
                         unit, (block, "rows", parent_index, "sources", j), [sub.code, parent.code or parent.no or ""],
                         {f"{what} sum": m.expected, "printed": m.printed}, m.difference, parent.line)

    # --- program level ----------------------------------------------------

    def passport(self) -> None:
        blocks = {b.key: (i, b) for i, b in enumerate(self.program.passport.financing)}
        years = self.program.years
        labels = [f"{y} год" for y in years] + ["всего"]
        for key, (i, block) in blocks.items():
            for m in calc.compare([block.total], [calc.total(block.years)]):
                self.add("F07", "error", f"passport, {block.label}: the years add up to {_fmt(m.expected)}, "
                         f"the paragraph says {_fmt(m.printed)}", "program", ("passport", "financing", i, "total"),
                         numbers={"years sum": m.expected, "printed": m.printed}, difference=m.difference)
        for whole, parts in (("total", ("budget", "tax")), ("budget", ("own", "federal"))):
            if whole not in blocks or not all(p in blocks for p in parts):
                continue
            i, block = blocks[whole]
            computed = calc.column_sums([blocks[p][1].years + [blocks[p][1].total] for p in parts])
            for m in calc.compare(block.years + [block.total], computed):
                self.add("F07", "error", f"passport, {labels[m.position]}: {' + '.join(parts)} = {_fmt(m.expected)}, "
                         f"but \"{block.label}\" says {_fmt(m.printed)}", "program", ("passport", "financing", i),
                         numbers={"sum": m.expected, "printed": m.printed}, difference=m.difference)

    def passport_text(self) -> None:
        """F09: the paragraph generated from the passport's figures equals the act's printed one."""
        from .texts import financing_paragraph, first_difference
        checks = [("program", ("passport",), self.program.passport, self.program.years)]
        checks += [(f"sp{s.code}", ("passport",), s.passport, self.program.subprogram_years(s))
                   for s in self.program.subprograms if s.passport]
        for unit, path, passport, years in checks:
            if not passport.financing_text or not passport.financing:
                continue
            generated = financing_paragraph(passport.financing, years)
            diff = first_difference(generated, passport.financing_text)
            if diff:
                pos, ours, theirs = diff
                self.add("F09", "warning", f"the financing paragraph generated from the figures differs from the "
                         f"printed one at character {pos}: generated \"…{ours}…\", printed \"…{theirs}…\"",
                         unit, path + ("financing_text",))

    def subprograms_vs_passport(self) -> None:
        """F06: known subprogram money against the passport; the rest is a gap, not an error."""
        program = self.program
        blocks = {b.key: (i, b) for i, b in enumerate(program.passport.financing)}
        years = program.years
        for key in ("own", "federal"):
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
                             f"passport \"{label}\": subprograms {', '.join(covered)} account for "
                             f"{_fmt(known[-1])}; the remaining {_fmt(remainder[-1])} "
                             f"({', '.join(f'{y}: {_fmt(r)}' for y, r in zip(years, remainder))}) belongs to "
                             f"subprograms {', '.join(missing)}, whose financing tables are absent from the source",
                             "program", ("passport", "financing", i), codes=missing,
                             numbers={"passport": printed[-1], "known": known[-1]}, difference=remainder[-1])
            else:
                for pos, (p, k) in enumerate(zip(printed, known)):
                    if p != k:
                        self.add("F06", "error", f"passport \"{label}\", {(years + ['всего'])[pos]}: "
                                 f"subprograms add up to {_fmt(k)}, the passport says {_fmt(p)}",
                                 "program", ("passport", "financing", i), numbers={"sum": k, "printed": p},
                                 difference=p - k)

    def forecasts(self, sub: Subprogram) -> None:
        if not sub.forecast:
            return
        unit = f"sp{sub.code}"
        rows = sub.forecast.rows
        for i, row in enumerate(rows):
            for m in calc.compare([row.total], [calc.total(row.values)]):
                self.add("F08", "error", f"{sub.forecast.table}, {row.label}: the years add up to {_fmt(m.expected)}, "
                         f"the total says {_fmt(m.printed)}", unit, ("forecast", "rows", i, "total"),
                         [sub.code], {"years sum": m.expected, "printed": m.printed}, m.difference, row.line)
        if len(rows) > 1 and rows[0].label.lower().startswith("всего"):
            computed = calc.column_sums([r.values + [r.total] for r in rows[1:]])
            for m in calc.compare(rows[0].values + [rows[0].total], computed):
                self.add("F08", "error", f"{sub.forecast.table}: the sources add up to {_fmt(m.expected)}, "
                         f"\"Всего\" says {_fmt(m.printed)}", unit, ("forecast", "rows", 0), [sub.code],
                         {"sum": m.expected, "printed": m.printed}, m.difference, rows[0].line)

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
                    self.add("T01", "error", f"tax expenditure {item.no} \"{_short(item.name)}\": the years add up to "
                             f"{_fmt(m.expected)}, the total says {_fmt(m.printed)}", "program", path + ("amount_total",),
                             [item.no or ""], {"years sum": m.expected, "printed": m.printed}, m.difference, item.line)
                known = {Decimal(p) for p in item.payers if calc.is_number(p)}
                if len(known) == 1 and calc.is_number(item.payers_total) and Decimal(item.payers_total) not in known:
                    value = known.pop()
                    self.add("T01", "error", f"tax expenditure {item.no} \"{_short(item.name)}\": payers are "
                             f"{_fmt(value)} thousand every year, the total column says {_fmt(item.payers_total)}",
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
                         f"tax expenditures \"{total.label}\", {year}: the rows add up to {_fmt(m.expected)}, "
                         f"the total says {_fmt(m.printed)}", "program", ("tax_expenditures", "total", key),
                         numbers={"rows sum": m.expected, "printed": m.printed}, difference=m.difference,
                         source_line=total.line)
        for m in calc.compare([total.amount_total], [calc.total(i.amount_total for i in items)]):
            self.add("T01", "error", f"tax expenditures \"{total.label}\": the rows' totals add up to {_fmt(m.expected)}, "
                     f"the total says {_fmt(m.printed)}", "program", ("tax_expenditures", "total", "amount_total"),
                     numbers={"rows sum": m.expected, "printed": m.printed}, difference=m.difference,
                     source_line=total.line)

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
                    self.add("C01", "warning", f"activity {act.code}, {year}: table 3 gives source code(s) "
                             f"{', '.join(sorted(codes))} but table 4 has no row for the activity",
                             unit, ("activities", "items", i), [sub.code, act.code])
                    break
                if marked_none and has_money:
                    self.add("C01", "error", f"activity {act.code}, {year}: table 3 marks \"-\" (no financing) "
                             f"but table 4 shows {_fmt(amount)}", unit, ("activities", "items", i), [sub.code, act.code],
                             {"amount": amount})
                elif row is not None and not marked_none and not has_money and codes & {"1", "2", "1, 2", "1,2"}:
                    self.add("C01", "warning", f"activity {act.code}, {year}: table 3 gives source code(s) "
                             f"{', '.join(sorted(codes))} but table 4 shows no money",
                             unit, ("activities", "items", i), [sub.code, act.code], {"amount": amount or 0})

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
                            self.add("P01", "error", f"{table.title[:60]}: row at act line {table.rows[r].line}, "
                                     f"column {rule.total_column} should be {_fmt(m.expected)} "
                                     f"(columns {', '.join(map(str, rule.part_columns))}), printed {_fmt(m.printed)}",
                                     unit, ("tables", t, "rows", r), [table.id],
                                     {"sum": m.expected, "printed": m.printed}, m.difference, table.rows[r].line)
                else:
                    if rule.total_row not in by_line or not all(p in by_line for p in rule.part_rows):
                        self.add("P01", "error", f"{table.id}: sum rule {s + 1} names a row line that is not in the table",
                                 unit, ("tables", t, "sums", s), [table.id])
                        continue
                    r_total, _ = by_line[rule.total_row]
                    for c in rule.columns:
                        computed = calc.total(grids[by_line[p][0]][c - 1] for p in rule.part_rows)
                        printed = grids[r_total][c - 1]
                        for m in calc.compare([printed], [computed]):
                            self.add("P01", "error", f"{table.title[:60]}: row at act line {rule.total_row}, column {c}: "
                                     f"the rows add up to {_fmt(m.expected)}, printed {_fmt(m.printed)}",
                                     unit, ("tables", t, "rows", r_total), [table.id],
                                     {"sum": m.expected, "printed": m.printed}, m.difference, rule.total_row)

    def gaps(self) -> None:
        for i, absent in enumerate(self.program.absent):
            self.add("G01", "gap", f"program: {absent.table} \"{_short(absent.title)}\" is absent from the source "
                     f"text (act line {absent.line}); nothing is invented for it", "program", ("absent", i),
                     [absent.table], source_line=absent.line)
        for sub in self.program.subprograms:
            for i, absent in enumerate(sub.absent):
                self.add("G01", "gap", f"subprogram {sub.code}: {absent.table} \"{_short(absent.title)}\" is absent "
                         f"from the source text (act line {absent.line})", f"sp{sub.code}", ("absent", i),
                         [sub.code, absent.table], source_line=absent.line)

    def run(self) -> list[Finding]:
        self.passport()
        self.tax()
        for sub in self.program.subprograms:
            self.financing(sub)
            self.forecasts(sub)
            self.source_codes(sub)
            self.printed_sums(sub)
        self.subprograms_vs_passport()
        self.passport_text()
        self.gaps()
        return self.findings


def row_vector(row: FinancingRow, key: str) -> list | None:
    """A financing row's per-year values + total for one source key. A row printed with a single
    source line has no "всего" line: that line is its total. None: the row has no such money."""
    line = row.source(key)
    if line is not None:
        return line.values + [line.total]
    if key == "total" and row.sources:
        return calc.column_sums([s.values + [s.total] for s in row.sources])
    return None


def subprogram_money(program: Program, sub: Subprogram, key: str) -> list | None:
    """The subprogram's per-year + total money for a source key, from its table 4 or, failing
    that, its own printed passport; None when the act publishes neither."""
    if sub.financing:
        top = next((r for r in sub.financing.rows if r.kind == "subprogram"), None)
        if top is not None:
            line = top.source(key)
            if line is None:
                return [Decimal(0)] * (len(program.years) + 1)
            return _align_years(program, sub, line.values + [line.total])
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
    parts = [p for p in (row.no, row.status or (row.code and f"мероприятие {row.code}"), row.executor) if p]
    return " ".join(parts)


def _short(text: str, n: int = 70) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _fmt(value) -> str:
    if calc.is_number(value):
        return format_number(value, None).replace("\u00a0", " ")   # messages: plain spaces
    return str(value)


def check(program: Program, located: Located) -> list[Finding]:
    return _Checker(program, located).run()


def counts(findings: list[Finding]) -> dict[str, int]:
    out = {"error": 0, "warning": 0, "gap": 0}
    for f in findings:
        out[f.severity] += 1
    return out
