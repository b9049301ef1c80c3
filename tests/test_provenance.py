"""Provenance: every figure of the default data set against the legal act it was transcribed from.

``data/social-support-vologda/source/act.txt`` is a legal-database export in which a table cell is a
line ending in `` |``; a line that is only ``|`` is an empty cell; a line of two or more pipes ends a
row or header band; ``text | ||||`` is a cell followed by a row end. Other lines are plain text (the
first lines of a cell that runs over several lines, headings, notes).

For every data row that carries ``line:`` (the act line of its first cell) the act's figure cells
from that line up to the next row's line (or the end of the table block) must equal the row's figures
in print order: the same numbers (``decimal.Decimal`` equality), printed with the same number of
decimals, and the same markers ``-`` / ``х``. The act's first cell at ``line`` must be the row's first
text. The passports' financing paragraphs are compared figure by figure too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from generator.data import load_program
from generator.data.schema import HeaderCell, MarkedValue

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "social-support-vologda"
ACT_LINES = (DATA / "source" / "act.txt").read_text(encoding="utf-8").splitlines()
MARKERS = ("-", "х")    # hyphen-minus: no value; Cyrillic х (U+0445): not applicable

# --- the act ----------------------------------------------------------------------------------------

RUSSIAN_NUMBER = re.compile(
    r"^(?P<number>-?(?:\d{1,3}(?: \d{3})+|\d+)(?:,\d+)?|-?\d+\.\d+)(?P<mark>\*?)$"
)
SEPARATOR = re.compile(r"^\|{2,}$")
CELL_THEN_SEPARATOR = re.compile(r"^(?P<text>.*) \| \|{2,}$")


def line_kind(text: str) -> tuple[str, str]:
    """(kind, cell text) of one act line: kind is cell | empty | sep | cellsep | text."""
    if text.strip() == "|":
        return "empty", ""
    if SEPARATOR.match(text):
        return "sep", ""
    m = CELL_THEN_SEPARATOR.match(text)
    if m:
        return "cellsep", m.group("text")
    if text.endswith(" |"):
        return "cell", text[:-2]
    return "text", text


@dataclass(frozen=True)
class Figure:
    """A printed figure: a marker, or a number with its printed decimals and trailing mark."""

    value: Decimal | str
    decimals: int = 0
    mark: str = ""

    def __repr__(self) -> str:
        if isinstance(self.value, str):
            return self.value
        return f"{self.value}({self.decimals}){self.mark}"


def parse_figure(text: str) -> Figure | None:
    text = text.strip()
    if text in MARKERS:
        return Figure(text)
    m = RUSSIAN_NUMBER.match(text)
    if not m:
        return None
    number = Decimal(m.group("number").replace(" ", "").replace(",", "."))
    return Figure(number, max(0, -number.as_tuple().exponent), m.group("mark"))


def act_cells(first: int, end: int) -> list[tuple[int, str]]:
    """(line, text) of every cell printed on act lines ``first`` .. ``end - 1``, empty cells as ""."""
    out = []
    for n in range(first, end):
        kind, text = line_kind(ACT_LINES[n - 1])
        if kind in ("cell", "cellsep", "empty"):
            out.append((n, text))
    return out


def act_figures(first: int, end: int) -> list[Figure]:
    return [f for _, text in act_cells(first, end) for f in [parse_figure(text)] if f is not None]


def act_line_text(n: int) -> str:
    return line_kind(ACT_LINES[n - 1])[1]


# --- the data ---------------------------------------------------------------------------------------


def data_figure(value) -> Figure | None:
    """The figure a data value prints, parsed exactly as the act's text is."""
    if value is None:
        return None
    if isinstance(value, HeaderCell):
        return data_figure(value.text)
    if isinstance(value, MarkedValue):
        number = Decimal(value.value)
        return Figure(number, max(0, -number.as_tuple().exponent), value.mark)
    if isinstance(value, str):
        return parse_figure(value)
    if isinstance(value, bool):
        raise TypeError(f"a boolean in program data: {value!r}")
    number = Decimal(value)
    return Figure(number, max(0, -number.as_tuple().exponent))


def data_figures(values) -> list[Figure]:
    return [f for v in values for f in [data_figure(v)] if f is not None]


@dataclass
class Row:
    line: int
    printed: list          # the row's cells in print order (None: empty, or merged with the row above)
    head: int | None = None        # indicators: cells printed once, before the per-variable graphs 7-9
    prints_none: bool = False      # printed tables print a None cell as an empty cell

    @property
    def first_text(self) -> str:
        if self.prints_none:
            first = self.printed[0] if self.printed else None
        else:                      # leading None cells are merged with the row above: not printed here
            first = next((v for v in self.printed if v is not None), None)
        if isinstance(first, HeaderCell):
            first = first.text
        return "" if first is None else str(first)


def rows_of(kind: str, block) -> list[Row]:
    """The line-bearing rows of a table block with their printed cells, in data order."""
    rows: list[Row] = []
    if kind == "passport":
        rows += [Row(f.line, [f.label, f.value]) for f in getattr(block, "fields", [])]
    elif kind == "tax_expenditures":
        for group in block.groups:
            rows.append(Row(group.line, [group.title]))
            for i, item in enumerate(group.items):
                cells = [item.no, item.name]
                for payers, amount in zip(item.payers, item.amounts):
                    cells += [payers, amount]
                cells += [item.payers_total, item.amount_total]
                rows.append(Row(item.line, cells + ([group.goal] if i == 0 else [])))
        total = block.total
        cells = [total.label]
        for payers, amount in zip(total.payers, total.amounts):
            cells += [payers, amount]
        rows.append(Row(total.line, cells + [total.payers_total, total.amount_total]))
    elif kind == "regional_projects":
        rows += [Row(r.line, [r.no, r.name, r.code, r.national_project, r.indicators_link]) for r in block.rows]
    elif kind == "indicators":
        rows += [Row(i.line, [i.no, i.name, i.unit, i.definition, i.time_characteristic, i.formula,
                              *i.variables, i.collection_method, i.responsible], head=6) for i in block.items]
    elif kind == "indicator_values":
        rows.append(Row(block.goal_line, [block.goal]))
        for task in block.tasks:
            rows.append(Row(task.line, [task.no, task.text]))
            rows += [Row(r.line, [r.name, r.unit, *r.values]) for r in task.rows]
    elif kind == "activities":
        for a in block.items:
            cells = [a.no, a.name, a.executors, a.expected_result, a.ssr_tasks, a.project]
            for j, link in enumerate(a.indicators):
                cells.append(link.text)
                if a.source_codes and j == 0:      # codes merged over all the activity's indicators
                    cells += a.source_codes
                cells += link.source_codes or []
            rows.append(Row(a.line, cells))
    elif kind == "financing":
        for r in block.rows:
            cells = [r.no, r.status, r.name, r.executor]
            for s in r.sources:
                cells += [s.label, *s.values, s.total]
            rows.append(Row(r.line, cells))
    elif kind == "forecast":
        rows += [Row(r.line, [r.no, r.label, *r.values, r.total]) for r in block.rows]
    elif kind == "table":
        rows += [Row(r.line, list(r.cells), prints_none=True) for r in block.rows if r.line]
    else:  # pragma: no cover
        raise AssertionError(kind)
    return rows


@dataclass
class Block:
    file: str              # program.yaml / spN.yaml
    key: str               # data key, or the id of a printed table
    kind: str
    block: object

    @property
    def id(self) -> str:
        return f"{self.file}:{self.key}"

    @property
    def source(self):
        return self.block.source


BLOCK_KEYS = ("passport", "indicators", "tax_expenditures", "regional_projects", "indicator_values",
              "activities", "financing", "forecast")


def load_blocks():
    program = load_program(DATA)
    blocks = []
    units = [("program.yaml", program)] + [(f"sp{s.code}.yaml", s) for s in program.subprograms]
    for file, unit in units:
        for key in BLOCK_KEYS:
            block = getattr(unit, key, None)
            if block is not None:
                blocks.append(Block(file, key, key, block))
        for table in getattr(unit, "tables", []):
            blocks.append(Block(file, f"tables[{table.id}]", "table", table))
    return program, blocks


PROGRAM, BLOCKS = load_blocks()
BY_ID = {b.id: b for b in BLOCKS}


def row_ranges(block: Block) -> list[tuple[Row, int]]:
    """Each row with the end (exclusive) of its act lines: the next row of the block, or the block's
    last line + 1."""
    rows = rows_of(block.kind, block.block)
    starts = sorted({r.line for r in rows})
    return [(row, next((s for s in starts if s > row.line), block.source.last_line + 1)) for row in rows]


def expected_figures(block: Block, row: Row, end: int) -> list[Figure]:
    """The data figures of a row in print order. Where part of the row is kept as a table of its own
    (NESTED_BLOCKS: SP5 indicator 8 prints graphs 7-9 once per variable), that table's rows stand
    for the row's graphs after its head."""
    inner = [b for b in BLOCKS if NESTED_BLOCKS.get(b.id) == block.id and row.line < b.source.first_line < end]
    if not inner:
        return data_figures(row.printed)
    figures = data_figures(row.printed[:row.head])
    for nested in inner:
        for nested_row in rows_of(nested.kind, nested.block):
            figures += data_figures(nested_row.printed)
    return figures


# --- the tokeniser itself -----------------------------------------------------------------------------


@pytest.mark.parametrize("text, figure", [
    ("15 736 027,0", Figure(Decimal("15736027.0"), 1)),
    ("42426,0", Figure(Decimal("42426.0"), 1)),
    ("0,003", Figure(Decimal("0.003"), 3)),
    ("0", Figure(Decimal("0"), 0)),
    ("42.3", Figure(Decimal("42.3"), 1)),
    ("2739,2*", Figure(Decimal("2739.2"), 1, "*")),
    ("1 073 932", Figure(Decimal("1073932"), 0)),
    ("-", Figure("-")),
    ("х", Figure("х")),
    ("1.", None), ("4.5.4.2.", None), ("1, 2", None), ("P1", None), ("x", None), ("", None),
    ("12 34", None), ("1 2 3 4", None),
])
def test_parse_figure(text, figure):
    assert parse_figure(text) == figure


def test_line_kinds():
    assert line_kind("Всего |") == ("cell", "Всего")
    assert line_kind("|") == ("empty", "")
    assert line_kind("||||") == ("sep", "")
    assert line_kind("Подпрограмма 1 | ||||||||") == ("cellsep", "Подпрограмма 1")
    assert line_kind("Таблица 1") == ("text", "Таблица 1")


def test_data_figure_keeps_printed_decimals():
    assert data_figure(Decimal("0.0")) == Figure(Decimal("0.0"), 1) != data_figure(0)
    assert data_figure(MarkedValue(value=Decimal("2739.2"), mark="*")) == parse_figure("2739,2*")
    assert data_figure("3.1") == Figure(Decimal("3.1"), 1)     # "N п/п" 3.1 prints like the number 3.1


def test_every_block_is_parametrised():
    assert len(BLOCKS) == len(BY_ID) >= 39


# --- per table block ----------------------------------------------------------------------------------


@pytest.mark.parametrize("block_id", sorted(BY_ID))
def test_block_lies_within_the_act(block_id):
    block = BY_ID[block_id]
    source = block.source
    assert 1 <= source.first_line <= source.last_line <= len(ACT_LINES)
    lines = [row.line for row in rows_of(block.kind, block.block)]
    outside = [n for n in lines if not source.first_line <= n <= source.last_line]
    assert outside == [], f"{block_id}: rows outside {source.first_line}-{source.last_line}"
    assert lines == sorted(set(lines)), f"{block_id}: rows are not in print order"


@pytest.mark.parametrize("block_id", sorted(BY_ID))
def test_block_figures_match_the_act(block_id):
    block = BY_ID[block_id]
    mismatches = []
    checked = 0
    for row, end in row_ranges(block):
        printed = act_figures(row.line, end)
        data = expected_figures(block, row, end)
        checked += len(data)
        if printed != data:
            mismatches.append(f"act lines {row.line}-{end - 1}: act {printed} != data {data}")
    assert not mismatches, f"{block_id}:\n" + "\n".join(mismatches)
    if block.kind in ("tax_expenditures", "financing", "forecast", "indicator_values"):
        assert checked, f"{block_id}: no figures compared"


@pytest.mark.parametrize("block_id", sorted(BY_ID))
def test_block_rows_start_with_their_first_text(block_id):
    """The act's cell at each row's ``line`` is the row's first printed text (its N, name or label)."""
    block = BY_ID[block_id]
    wrong = []
    for row in rows_of(block.kind, block.block):
        kind, text = line_kind(ACT_LINES[row.line - 1])
        want = row.first_text.split("\n")[0]
        if kind in ("sep",) or text != want:
            wrong.append(f"line {row.line}: act {text[:70]!r} != data {want[:70]!r}")
    assert not wrong, f"{block_id}:\n" + "\n".join(wrong)


ACTIVITY_BLOCKS = sorted(i for i, b in BY_ID.items() if b.kind == "activities")


@pytest.mark.parametrize("block_id", ACTIVITY_BLOCKS)
def test_activities_texts_and_codes_match_the_act(block_id):
    """Table 3 holds texts and source codes ("1", "1, 2", "-", "6"): compared cell by cell."""
    block = BY_ID[block_id]
    wrong = []
    for row, end in row_ranges(block):
        cells, pending = [], []
        for n in range(row.line, end):
            kind, text = line_kind(ACT_LINES[n - 1])
            if kind == "text":              # first lines of a cell printed over several lines
                pending.append(text)
                continue
            if kind in ("cell", "cellsep"):
                cells.append("\n".join(pending + [text]))
            pending = []
        act = [c for c in cells if c != ""]
        data = [v for v in row.printed if v not in (None, "")]
        if act != data:
            diff = next((f"{a[:60]!r} != {d[:60]!r}" for a, d in zip(act, data) if a != d), "different lengths")
            wrong.append(f"activity at line {row.line}: {len(act)} act cells, {len(data)} data cells; {diff}")
    assert not wrong, f"{block_id}:\n" + "\n".join(wrong)
    assert len(block.block.items) > 0


# --- the passports' financing paragraphs ------------------------------------------------------------------

AMOUNT_IN_TEXT = re.compile(r" - (\d[\d ]*(?:,\d+)?) тыс\. рублей")


def paragraph_figures(text: str) -> list[Figure]:
    return [parse_figure(m) for m in AMOUNT_IN_TEXT.findall(text)]


def passport_figures(blocks) -> list[Figure]:
    """total, then each printed year, per block (a null year is not printed)."""
    out = []
    for b in blocks:
        out.append(data_figure(b.total))
        out += [data_figure(v) for v in b.years if v is not None]
    return out


def test_program_passport_financing_paragraph():
    passport = PROGRAM.passport
    line = 33
    assert passport.source.first_line <= line <= passport.source.last_line
    assert line_kind(ACT_LINES[line - 2])[1].startswith("Объемы финансового обеспечения государственной программы")
    text = act_line_text(line)
    assert passport.financing_text == text
    figures = paragraph_figures(text)
    assert len(figures) == 5 + 5 + 5 + 3 + 4 + 5      # 5 blocks: their totals and printed years
    assert figures == passport_figures(passport.financing)
    assert [b.key for b in passport.financing] == ["total", "budget", "own", "federal", "tax"]


def test_sp7_passport_financing_paragraph():
    sp7 = next(s for s in PROGRAM.subprograms if s.code == "7")
    field = next(f for f in sp7.passport.fields if f.label.startswith("Объемы финансового обеспечения"))
    assert act_line_text(field.line) == field.label
    text = act_line_text(field.line + 1)
    assert field.value == text
    assert sp7.passport.financing_text == text
    assert paragraph_figures(text) == passport_figures(sp7.passport.financing)
    assert len(paragraph_figures(text)) == 3 * 4


def test_program_passport_texts():
    """The program passport (act lines 18-35): 9 label/value cell pairs; lists are split on "; "."""
    p = PROGRAM.passport
    assert act_line_text(18) == "Ответственный исполнитель государственной программы"
    assert act_line_text(19) == p.responsible_executor
    assert act_line_text(21) == "; ".join(p.executors)
    assert act_line_text(23) == p.subprograms_text
    assert act_line_text(25) == p.goal
    assert act_line_text(27) == "; ".join(p.tasks)
    assert act_line_text(29) == p.indicators_text
    assert act_line_text(31) == p.period_text
    assert act_line_text(35) == "; ".join(p.expected_results)
    # targets of the program indicators are the passport's figures (e.g. "до 79,2%", "до 0,5%")
    for indicator in PROGRAM.indicators.items:
        if indicator.target is not None:
            assert indicator.target.text in p.expected_results
            printed = re.findall(r"(\d+(?:,\d+)?)%", indicator.target.text)
            assert printed and Decimal(printed[-1].replace(",", ".")) == Decimal(indicator.target.value)


def test_passport_fields_are_label_value_cell_pairs():
    sp7 = next(s for s in PROGRAM.subprograms if s.code == "7")
    for f in sp7.passport.fields:
        assert act_line_text(f.line) == f.label
        assert act_line_text(f.line + 1) == f.value


# --- coverage: which tables the act prints, and which it lost ---------------------------------------------

# Tables that /work/shared/notes (part1-4.md) mark PRESENT in the act, with the act line the notes give
# for them (the "Таблица N" heading, or the first line of the printed table). Not tables: the decree's
# two-cell signature block (lines 5-6) and the SP5 "ЗАЯВКА" form (3941-3962), which is free text.
PRESENT_TABLES = [
    ("program.yaml", "passport", 16),
    ("program.yaml", "indicators", 42),                       # Таблица 2
    ("program.yaml", "tax_expenditures", 145),                # Таблица 5
    ("program.yaml", "regional_projects", 398),               # Таблица 6
    ("sp1.yaml", "indicators", 441),                          # Таблица 2
    ("sp1.yaml", "activities", 552),                          # Таблица 3
    ("sp1.yaml", "financing", 733),                           # Таблица 4
    ("sp1.yaml", "forecast", 1329),                           # Таблица 5
    ("sp2.yaml", "indicators", 1379),
    ("sp2.yaml", "activities", 1488),
    ("sp3.yaml", "indicators", 1648),
    ("sp3.yaml", "activities", 1778),
    ("sp3.yaml", "forecast", 1891),                           # Таблица 6
    ("sp4.yaml", "indicators", 1941),
    ("sp4.yaml", "activities", 2047),
    ("sp4.yaml", "financing", 2140),
    ("sp4.yaml", "forecast", 2408),                           # Таблица 5
    ("sp5.yaml", "indicators", 2590),
    ("sp5.yaml", "activities", 2798),
    ("sp5.yaml", "financing", 2941),
    ("sp5.yaml", "forecast", 3455),
    ("sp5.yaml", "tables[sp5-app1-form1]", 3633),             # Приложение к Правилам, Форма 1
    ("sp5.yaml", "tables[sp5-app1-form2]", 3707),             # Форма 2
    ("sp5.yaml", "tables[sp5-app2-polozhenie-app2-journal]", 3963),
    ("sp5.yaml", "tables[sp5-app2-polozhenie-app3-criteria]", 4008),
    ("sp6.yaml", "indicator_values", 4027),                   # Таблица 1
    ("sp6.yaml", "indicators", 4079),
    ("sp6.yaml", "activities", 4149),
    ("sp7.yaml", "passport", 4243),
    ("sp7.yaml", "indicator_values", 4264),
    ("sp7.yaml", "indicators", 4360),
    ("sp7.yaml", "activities", 4505),
    ("sp7.yaml", "tables[sp7-app1-mse]", 4622),               # Приложение 1, untitled table
    ("sp7.yaml", "tables[sp7-app2-activities]", 4847),
    ("sp7.yaml", "tables[sp7-app3-resources]", 6180),
    ("sp7.yaml", "tables[sp7-app4-2021]", 6221),
    ("sp7.yaml", "tables[sp7-app5-2022]", 6320),
    ("sp7.yaml", "tables[sp7-app6-2023]", 6418),
]
# Blocks of the data that are parts of a PRESENT table rather than tables of their own.
NESTED_BLOCKS = {"sp5.yaml:tables[sp5-t2-ind8-components]": "sp5.yaml:indicators"}


@pytest.mark.parametrize("file, key, line", PRESENT_TABLES, ids=[f"{f}:{k}" for f, k, _ in PRESENT_TABLES])
def test_present_table_is_covered_by_a_block(file, key, line):
    block = BY_ID.get(f"{file}:{key}")
    assert block is not None, f"the act prints {file}:{key} (line {line}) but the data has no block for it"
    assert block.source.first_line <= line <= block.source.last_line


def test_every_block_is_a_present_table():
    known = {f"{f}:{k}" for f, k, _ in PRESENT_TABLES}
    extra = set(BY_ID) - known - set(NESTED_BLOCKS)
    assert extra == set(), f"blocks not listed as present in the act: {sorted(extra)}"
    for inner, outer in NESTED_BLOCKS.items():
        a, b = BY_ID[inner].source, BY_ID[outer].source
        assert b.first_line <= a.first_line <= a.last_line <= b.last_line


def test_nested_table_agrees_with_its_row():
    """SP5 Таблица 2, indicator 8: the row keeps one method and the joined responsibles; the nested
    table keeps graphs 7-9 per variable as printed (act lines 2698-2708)."""
    sp5 = next(s for s in PROGRAM.subprograms if s.code == "5")
    nested = next(t for t in sp5.tables if t.id == "sp5-t2-ind8-components")
    indicator = [i for i in sp5.indicators.items if i.line < nested.source.first_line][-1]
    assert indicator.no == "8."
    assert [r.cells[0] for r in nested.rows] == indicator.variables
    assert {r.cells[1] for r in nested.rows} == {indicator.collection_method}
    for r in nested.rows:
        assert r.cells[2] in indicator.responsible


def test_blocks_do_not_overlap_except_nested():
    spans = sorted((b.source.first_line, b.source.last_line, b.id) for b in BLOCKS)
    for (f1, l1, id1), (f2, l2, id2) in zip(spans, spans[1:]):
        if f2 <= l1:
            assert NESTED_BLOCKS.get(id2) == id1 and l2 <= l1, f"{id1} and {id2} overlap"


UNITS = [("program.yaml", PROGRAM)] + [(f"sp{s.code}.yaml", s) for s in PROGRAM.subprograms]
ABSENT = [(file, a) for file, unit in UNITS for a in unit.absent]


@pytest.mark.parametrize("file, absent", ABSENT, ids=[f"{f}:{a.table}@{a.line}" for f, a in ABSENT])
def test_absent_table_is_named_at_its_line_and_not_printed(file, absent):
    text = ACT_LINES[absent.line - 1]
    assert line_kind(text)[0] == "text"
    assert text.split()[0] == absent.table.split()[0]     # "Таблица 4", "Паспорт", "Приложение"
    if absent.table.startswith("Таблица"):
        assert text == absent.table
    # no table follows: the next line is not a cell, and no data block claims the line
    assert line_kind(ACT_LINES[absent.line])[0] == "text"
    assert not any(b.source.first_line <= absent.line <= b.source.last_line for b in BLOCKS)
