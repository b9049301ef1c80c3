"""The format-neutral model (generator/model.py): spans, slots, numbering, cell text and alignment."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import (COL_EXECUTOR, COL_NAME, COL_NO, COL_SOURCE, COL_STATUS, EXPENSES, FIRST_YEAR_COL,
                      HEADER_TEXTS, SOURCES, TOTAL_COL, TOTAL_YEARS, WIDTH, make_document, make_table)
from generator import model
from generator.model import Cell, Column, Row, Table


def grid(table: Table, rows) -> list[list[tuple[int, object]]]:
    return [[(p.col, p.cell.value) for p in placed] for placed in table.placements(rows)]


def test_header_placements_resolve_rowspan_and_colspan(sp1_table):
    placed = table_placed = sp1_table.placements(sp1_table.header)
    assert [(p.col, p.cell.value) for p in placed[0]] == [
        (0, HEADER_TEXTS[0]), (1, HEADER_TEXTS[1]), (2, HEADER_TEXTS[2]),
        (3, HEADER_TEXTS[3]), (4, HEADER_TEXTS[4]), (5, EXPENSES)]
    # row 2 starts under the colspan, after the five columns spanned from row 1
    assert [(p.col, p.cell.value) for p in table_placed[1]] == [
        (5, "2021 год"), (6, "2022 год"), (7, "2023 год"), (8, "2024 год"), (9, "2025 год"),
        (10, TOTAL_YEARS)]
    assert all(p.row == 1 for p in placed[1])


def test_body_placements_skip_columns_covered_by_rowspan(sp1_table):
    placed = grid(sp1_table, sp1_table.body)
    assert len(placed) == 6
    assert [c for c, _ in placed[0]] == list(range(WIDTH))
    assert placed[0][:5] == [(0, "1."), (1, "Подпрограмма 1"),
                             (2, "Предоставление мер социальной поддержки отдельным категориям граждан"),
                             (3, "итого"), (4, SOURCES[0])]
    for r in (1, 2, 4, 5):   # rows under the 3-row spans start at the source column
        assert [c for c, _ in placed[r]] == list(range(COL_SOURCE, WIDTH))
    assert placed[1][0] == (COL_SOURCE, SOURCES[1])
    assert placed[2][0] == (COL_SOURCE, SOURCES[2])
    assert placed[1][1] == (FIRST_YEAR_COL, D("9003926.0"))
    assert placed[2][-1] == (TOTAL_COL, D("19008607.3"))
    assert placed[3][:4] == [(0, "2."), (1, None), (2, None), (3, "Департамент социальной защиты населения области")]
    assert placed[3][FIRST_YEAR_COL + 1] == (6, D("11560898.2"))


def test_covered_by_span(sp1_table):
    covered = sp1_table.covered_by_span(sp1_table.body)
    spanned = {COL_NO, COL_STATUS, COL_NAME, COL_EXECUTOR}
    assert covered == [set(), spanned, spanned, set(), spanned, spanned]
    head = sp1_table.covered_by_span(sp1_table.header)
    assert head == [set(), {0, 1, 2, 3, 4}]


def test_slots_mark_continuations_and_keep_every_column(sp1_table):
    slots = sp1_table.slots(sp1_table.body)
    for row_slots in slots:
        assert sum(p.cell.colspan for _, p in row_slots) == WIDTH
    first = slots[0]
    assert [kind for kind, _ in first] == ["cell"] * WIDTH
    second = slots[1]
    assert [kind for kind, _ in second] == ["continue"] * 4 + ["cell"] * 7
    # a continuation points at the cell that started above, with its original row
    assert [(p.row, p.col, p.cell.value) for _, p in second[:4]] == [
        (0, 0, "1."), (0, 1, "Подпрограмма 1"),
        (0, 2, "Предоставление мер социальной поддержки отдельным категориям граждан"), (0, 3, "итого")]
    assert second[0][1].cell is first[0][1].cell
    assert [kind for kind, _ in slots[3]] == ["cell"] * WIDTH
    assert [kind for kind, _ in slots[5]][:4] == ["continue"] * 4
    assert slots[5][0][1].row == 3


def test_header_slots_with_colspan(sp1_table):
    slots = sp1_table.slots(sp1_table.header)
    assert [(k, p.col, p.cell.colspan) for k, p in slots[0]] == [
        ("cell", 0, 1), ("cell", 1, 1), ("cell", 2, 1), ("cell", 3, 1), ("cell", 4, 1), ("cell", 5, 6)]
    assert [(k, p.col) for k, p in slots[1]] == [("continue", c) for c in range(5)] + [
        ("cell", c) for c in range(5, 11)]


def test_short_row_is_padded_in_slots():
    table = Table([Column() for _ in range(3)], [], [Row([Cell("a")])], numbering=False)
    assert table.placements(table.body) == [[model.Placement(0, 0, table.body[0].cells[0])]]
    slots = table.slots(table.body)
    assert [(k, p.col, p.cell.value) for k, p in slots[0]] == [("cell", 0, "a"), ("cell", 1, None), ("cell", 2, None)]


def test_rowspan_clipped_at_table_end():
    table = Table([Column(), Column()], [], [Row([Cell("a", rowspan=5), Cell("b")]), Row([Cell("c")])],
                  numbering=False)
    assert grid(table, table.body) == [[(0, "a"), (1, "b")], [(1, "c")]]
    assert table.covered_by_span(table.body) == [set(), {0}]


def test_overflow_raises():
    table = Table([Column() for _ in range(3)], [], [Row([Cell("a"), Cell("b"), Cell("c"), Cell("d")])])
    with pytest.raises(ValueError, match=r"row 0: cell 'd' overflows the 3 columns"):
        table.placements(table.body)


def test_colspan_overflow_raises():
    table = Table([Column() for _ in range(3)], [], [Row([Cell("a"), Cell("wide", colspan=3)])])
    with pytest.raises(ValueError, match="overflows"):
        table.placements(table.body)


def test_overflow_after_rowspan_raises():
    table = Table([Column() for _ in range(3)], [],
                  [Row([Cell("span", rowspan=2), Cell("b"), Cell("c")]),
                   Row([Cell("x"), Cell("y"), Cell("z")])])     # only two columns left in row 1
    with pytest.raises(ValueError, match=r"row 1: cell 'z' overflows"):
        table.placements(table.body)


def test_overlap_raises():
    # column 1 is covered from row 0; a colspan starting at column 0 runs into it
    table = Table([Column() for _ in range(3)], [],
                  [Row([Cell("a"), Cell("down", rowspan=2), Cell("c")]),
                   Row([Cell("wide", colspan=2)])])
    with pytest.raises(ValueError, match=r"row 1: cell 'wide' overlaps a row span"):
        table.placements(table.body)


def test_slots_and_covered_propagate_errors():
    table = Table([Column()], [], [Row([Cell("a"), Cell("b")])])
    with pytest.raises(ValueError):
        table.slots(table.body)
    with pytest.raises(ValueError):
        table.covered_by_span(table.body)


def test_numbering_row(sp1_table):
    numbering = sp1_table.numbering_row()
    assert [c.value for c in numbering.cells] == [str(i) for i in range(1, 12)]
    assert all(c.align == "center" for c in numbering.cells)
    head = sp1_table.head_rows()
    assert len(head) == 3 and head[:2] == sp1_table.header
    assert [c.value for c in head[2].cells] == [str(i) for i in range(1, 12)]


def test_numbering_labels_and_off():
    table = make_table()
    table.numbering_labels = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11=6+7+8+9+10"]
    assert table.numbering_row().cells[-1].value == "11=6+7+8+9+10"
    table.numbering = False
    assert table.numbering_row() is None
    assert table.head_rows() == table.header


def test_cell_text_formats_numbers_by_column(sp1_table):
    row = sp1_table.body[0]
    placed = sp1_table.placements(sp1_table.body)[0]
    texts = [sp1_table.cell_text(p.cell, p.col).replace("\u00a0", " ") for p in placed]
    assert texts == ["1.", "Подпрограмма 1", "Предоставление мер социальной поддержки отдельным категориям граждан",
                     "итого", "всего, в том числе", "15 736 027,0", "14 741 030,9", "14 789 819,8",
                     "7 291 599,6", "7 291 599,6", "59 850 076,9"]
    assert row.sum_of == sp1_table.body[1:3] and row.sum_of[0] is sp1_table.body[1]
    zero = sp1_table.placements(sp1_table.body)[2][4]
    assert sp1_table.cell_text(zero.cell, zero.col) == "0,0"


@pytest.mark.parametrize("cell, column, expected", [
    (Cell(D("2441409.8")), Column(kind="number", decimals=1), "2 441 409,8"),
    (Cell(D("2441409.8")), Column(kind="number", decimals=2), "2 441 409,80"),
    (Cell(D("50.44"), decimals=None), Column(kind="number", decimals=1), "50,44"),
    (Cell(D("50.44")), Column(kind="number", decimals=None), "50,44"),
    (Cell(100), Column(kind="number", decimals=None), "100"),
    (Cell(D("79.2")), Column(kind="percent", decimals=1), "79,2%"),
    (Cell(D("79.25")), Column(kind="percent", decimals=None), "79,3%"),
    (Cell("-"), Column(kind="number"), "-"),
    (Cell("х"), Column(kind="number"), "х"),
    (Cell(None), Column(kind="number"), ""),
    (Cell("=SUM(A1)"), Column(), "=SUM(A1)"),
])
def test_cell_text(cell, column, expected):
    table = Table([column], [], [Row([cell])], numbering=False)
    assert table.cell_text(cell, 0) == expected.replace(" ", "\u00a0")


def test_cell_text_beyond_width_uses_a_default_column():
    table = Table([Column()], [], [])
    assert table.cell_text(Cell(D("1234.56")), 5) == "1\u00a0234,6"


@pytest.mark.parametrize("cell, column, expected", [
    (Cell(D("1.0")), Column(kind="number", align="right"), "right"),
    (Cell(D("1.0")), Column(kind="number", align="center"), "center"),
    (Cell("-"), Column(kind="number", align="center"), "center"),       # markers follow the column
    (Cell("х"), Column(kind="percent", align="right"), "right"),
    (Cell("текст"), Column(kind="number", align="right"), "left"),      # text in a number column
    (Cell(D("1.0")), Column(kind="text", align="left"), "right"),       # number in a text column
    (Cell("-"), Column(kind="text", align="left"), "right"),
    (Cell("текст"), Column(kind="text", align="center"), "center"),
    (Cell("текст", align="justify"), Column(kind="text", align="center"), "justify"),
    (Cell(D("1.0"), align="left"), Column(kind="number", align="right"), "left"),
])
def test_cell_align(cell, column, expected):
    table = Table([column], [], [Row([cell])], numbering=False)
    assert table.cell_align(cell, 0) == expected


def test_cell_is_number():
    assert Cell(D("1.5")).is_number and Cell(3).is_number
    assert not Cell(True).is_number
    assert not Cell("15 736 027,0").is_number
    assert not Cell(None).is_number


def test_representative_document_shape():
    doc = make_document()
    (section,) = doc.sections
    assert section.orientation == "landscape"
    caption, table_no, heading, table = section.blocks
    assert caption.align == "right" and caption.text == "Приложение 1\nк государственной программе"
    assert table_no.align == "right" and table_no.text == "Таблица 4"
    assert isinstance(heading, model.Heading)
    assert list(doc.tables()) == [table]
    assert table.width == 11 and table.numbering
    assert table.columns[TOTAL_COL].sum_of == [5, 6, 7, 8, 9]
    positions = {id(r): i for i, r in enumerate(table.body)}
    assert [[positions[id(p)] for p in r.sum_of] if r.sum_of else None for r in table.body] == \
        [[1, 2], None, None, None, None, None]      # block 2: its "всего" is not its sources' sum in the act


def test_right_caption_lines():
    p = model.right_caption("Приложение 1", "к государственной программе", "Вологодской области")
    assert p.align == "right"
    assert [r.text for r in p.runs] == ["Приложение 1\n", "к государственной программе\n", "Вологодской области"]


def test_paragraph_of():
    assert model.Paragraph.of("a").runs == [model.Run("a")]
    assert model.Paragraph.of(model.Run("b", bold=True)).runs == [model.Run("b", bold=True)]
    assert model.Paragraph.of([model.Run("c"), model.Run("d")]).text == "cd"


# --- issue 16: presentation decided once, in the model -------------------------------------------------


def _indented_document() -> model.Document:
    cols = [model.Column(0.6), model.Column(3.0), model.Column(2.0), model.Column(1.0, kind="number")]
    body = [model.Row([model.Cell("1."), model.Cell("Основное мероприятие"), model.Cell("Департамент"),
                       model.Cell(D("10.0"))], style="total"),
            model.Row([model.Cell("1.1."), model.Cell("Мероприятие"), model.Cell("Департамент"),
                       model.Cell(D("10.0"))], indent=2)]
    doc = model.Document("Отступы")
    doc.section().add(model.Table(cols, [model.Row([model.Cell(h) for h in "абвг"])], body, numbering=False,
                                  indent_column=1))
    return doc


def test_look_decides_indent_bold_centring_and_size_once():
    table = _indented_document().sections[0].blocks[0]
    head = table.placements(table.header)[0]
    looks = [table.look(table.header[0], p, True, 12.0) for p in head]
    assert {(x.align, x.vertical, x.bold, x.size) for x in looks} == {("center", "center", False, 12.0)}
    total = [table.look(table.body[0], p, False, 12.0) for p in table.placements(table.body)[0]]
    assert all(x.bold for x in total) and [x.indent for x in total] == [0, 0, 0, 0]
    item = [table.look(table.body[1], p, False, 12.0) for p in table.placements(table.body)[1]]
    assert [x.indent for x in item] == [0, 2, 0, 0]
    assert [x.nowrap for x in item] == [False, False, False, True]


def test_every_writer_indents_only_the_stated_column(tmp_path):
    import docx as python_docx
    import openpyxl
    from generator.writers import _plain, docx as docx_writer, xlsx as xlsx_writer
    doc = _indented_document()
    plain = _plain.plain(doc)["sections"][0]["blocks"][0]
    assert [c["indent"] for c in plain["body"][1]["cells"]] == [0, 2, 0, 0]
    (tmp_path / "x.docx").write_bytes(docx_writer.render(doc))
    table = python_docx.Document(str(tmp_path / "x.docx")).tables[0]
    indents = [c.paragraphs[0].paragraph_format.left_indent for c in table.rows[2].cells]
    assert [bool(i) for i in indents] == [False, True, False, False]
    (tmp_path / "x.xlsx").write_bytes(xlsx_writer.render(doc))
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx").worksheets[0]
    row = [c for c in ws[ws.max_row]]
    assert [int(c.alignment.indent) for c in row] == [0, 2, 0, 0]


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "plain"])
def test_every_writer_raises_on_an_unknown_block(fmt):
    from generator.writers import _plain, docx as docx_writer, xlsx as xlsx_writer
    doc = model.Document("x")
    doc.section().add(object())
    render = {"docx": docx_writer.render, "xlsx": xlsx_writer.render, "plain": _plain.plain}[fmt]
    with pytest.raises(TypeError, match="unknown block object"):
        render(doc)


def test_format_cell_prints_each_number_as_written_with_the_column_rules():
    """Equal numbers written differently print as written when the column keeps their own precision
    (``Decimal("1.0")`` and ``Decimal("1.00")`` are equal and hash alike, yet print «1,0» and «1,00»), and as the
    column's decimals or percent otherwise; a float or a boolean is still refused."""
    from decimal import Decimal

    from generator.model import format_cell
    own = Column(kind="number", decimals=None)
    assert [format_cell(Cell(v), own) for v in (Decimal("1.0"), Decimal("1.00"), 1, Decimal("1E+3"))] == \
        ["1,0", "1,00", "1", "1\u00a0000"]
    one = Column(kind="number", decimals=1)
    assert [format_cell(Cell(v), one) for v in (Decimal("1.00"), 1, Decimal("15736027"))] == \
        ["1,0", "1,0", "15\u00a0736\u00a0027,0"]
    assert format_cell(Cell(Decimal("79.25"), mark="*"), Column(kind="percent", decimals=1)) == "79,3%*"
    assert format_cell(Cell(Decimal("7"), decimals=2), one) == "7,00"
    for bad in (1.5, True):
        with pytest.raises(TypeError):
            format_cell(Cell(bad), one)


# --- the layout's single passes over a table's cells (issue 23): each agrees with the plain rule ------------------

_SPAN_CELLS = st.lists(st.tuples(st.sampled_from(["a", "б в", D("1234.5"), None, "-", "х", 7, "муниципальных районов",
                                                  "социально-экономическое", D("-15736027.0")]),
                                 st.integers(1, 3), st.integers(1, 3),
                                 st.sampled_from([{}, {}, {"bold": True}, {"italic": True}, {"align": "center"},
                                                  {"align": "right", "bold": True}])),
                       min_size=0, max_size=5)


def _random_table(rows_spec, width: int) -> Table | None:
    """A table of ``width`` columns from (value, colspan, rowspan, own look) cells, or None where the spans do not
    fit."""
    body = [Row([Cell(v, colspan=c, rowspan=r, **own) for v, c, r, own in cells], style=style, indent=indent)
            for cells, style, indent in rows_spec]
    columns = [Column(kind=("number" if i % 3 == 2 else "percent" if i % 3 == 1 else "text"),
                      align=("right" if i % 2 else "left")) for i in range(width)]
    table = Table(columns, [], body, numbering=False, indent_column=1)
    try:
        table.placements(table.body)
    except ValueError:
        return None
    return table


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_SPAN_CELLS, st.sampled_from(["normal", "total", "group"]), st.integers(0, 2)),
                max_size=6), st.integers(1, 5))
def test_slots_cover_every_column_once_and_looks_are_each_cells_look(rows_spec, width):
    """Rows without spans from above take a short cut in :meth:`Table.placements` and :meth:`Table.slots`, and
    :meth:`Table.looks` decides per row and column: on any table of spans that fit, each row's slots still cover
    every column once (a cell where it starts, "continue" under a row span, a pad after a short row), each
    placement carries its cell's printed text, and each look is :meth:`Table.look` of its cell."""
    table = _random_table(rows_spec, width)
    assume(table is not None)
    rows = table.body
    covered = [set() for _ in rows]
    for placed in table.placements(rows):
        for p in placed:
            assert p.text == model.format_cell(p.cell, table.columns[p.col])
            for rr in range(p.row + 1, min(p.row + p.cell.rowspan, len(rows))):
                covered[rr].update(range(p.col, p.col + p.cell.colspan))
    for r, (row, row_slots, row_looks) in enumerate(zip(rows, table.slots(rows), table.looks(rows, False, 11.0))):
        columns = []
        for (kind, p), look in zip(row_slots, row_looks):
            span = range(p.col, p.col + p.cell.colspan)
            columns.extend(span)
            assert (kind == "continue") == (p.row != r) == (look is None)
            assert kind == "cell" or set(span) <= covered[r]
            if look is not None:
                assert look == table.look(row, p, False, 11.0)
        assert columns == list(range(width))
    for row, row_slots, row_looks in zip(rows, table.slots(rows), table.looks(rows, True, 11.0)):
        assert [look for look in row_looks if look is not None] == \
            [table.look(row, p, True, 11.0) for kind, p in row_slots if kind == "cell"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_SPAN_CELLS, st.sampled_from(["normal", "total", "group"]), st.integers(0, 2)),
                max_size=6), st.integers(1, 5), st.sampled_from([8.0, 9.5, 12.0]))
def test_column_needs_are_each_cells_widest_word(rows_spec, width, size):
    """:meth:`Table.column_needs` measures a column's distinct words once (:meth:`Table.word_ems`) and scales them to
    the size: each column's needs are still the widest over its one-column cells of the cell's widest word (and
    widest word that cannot hyphenate) at that size, bold where printed bold, plus the row's indent and padding."""
    table = _random_table(rows_spec, width)
    assume(table is not None)
    need, hard = [0.0] * width, [0.0] * width
    for rows, is_head in ((table.head_rows(), True), (table.body, False)):
        for row, placed in zip(rows, table.placements(rows)):
            for p in placed:
                if p.cell.colspan == 1:
                    bold = bool(p.cell.bold or (not is_head and row.style in ("total", "group")))
                    indent = (row.indent * 2.8 if not is_head else 0.0) + model.CELL_PADDING_MM
                    widest, rigid = _words_by_expression(p.text)
                    need[p.col] = max(need[p.col], model._em_width_mm(widest, size, bold) + indent)
                    hard[p.col] = max(hard[p.col], model._em_width_mm(rigid, size, bold) + indent)
    assert table.column_needs(size) == (need, hard)


def _words_by_expression(text: str) -> tuple[float, float]:
    """The widest word and the widest word that cannot hyphenate (0.0 if none) by a regular expression: split at
    spaces, tabs, line ends and soft hyphens, and after each hyphen."""
    words = re.split(r"[ \n\t\u00ad]+|(?<=-)", text)
    rigid = [model._em_sum(w) for w in words if model._unhyphenable(w)]
    return max(model._em_sum(w) for w in words), max(rigid, default=0.0)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(["a", "б", "Ш", "1", "-", "--", " ", "  ", "\n", "\t", "\u00ad", "\u00a0", "Вологда",
                                 "12345", "муниципальных", "-x", "x-", "социально-экономическое"]),
                max_size=10).map("".join))
def test_word_measures_by_string_methods_equal_the_expression(text):
    """:func:`model._words` splits words with string methods (an expression that may split after any hyphen is
    tried at every character, four times as slow): the widths found of its words are the expression's."""
    assert model._words_ems(model._words(text)) == _words_by_expression(text)


def test_word_measures_are_kept_within_bounds(monkeypatch):
    """The words measured are remembered, up to a bound: a process meeting ever new words does not grow."""
    monkeypatch.setattr(model, "_WORDS_KEPT", 3)
    monkeypatch.setattr(model, "_WORD_MEASURES", model._WordMeasures())
    for word in ("один", "два", "три", "четыре", "пять"):
        assert model._WORD_MEASURES[word] == (model._em_sum(word), model._em_sum(word))
        assert len(model._WORD_MEASURES) <= 3


def test_cells_that_set_nothing_share_their_columns_look():
    """``looks`` gives the cells of a row kind that set no alignment, bold or italic of their own one shared look per
    column and kind of value (the XLSX writer keys its styles by the look's identity); a cell with a look of its own
    gets its own."""
    table = Table([Column(), Column(kind="number", align="right")], [],
                  [Row([Cell("a"), Cell(D("1.5"))]), Row([Cell("b"), Cell(D("2.5"))]), Row([Cell("c"), Cell("-")]),
                   Row([Cell("d", bold=True), Cell(D("3.5"))]), Row([Cell("e"), Cell(D("4.5"))], style="total")],
                  numbering=False)
    looks = table.looks(table.body, False, 11.0)
    assert looks[0][0] is looks[1][0] is looks[2][0] and looks[0][1] is looks[1][1] is looks[3][1]
    assert looks[2][1] is not looks[0][1] and looks[2][1].align == "right" and not looks[2][1].nowrap
    assert looks[3][0] is not looks[0][0] and looks[3][0].bold
    assert looks[4][0] is not looks[3][0] and looks[4][0] == looks[3][0] and looks[4][1].bold


@pytest.mark.parametrize("colspan, rowspan, at", [(0, 1, 0), (0, 1, 1), (1, 0, 0), (-1, 1, 1), (2, -3, 0)])
def test_a_span_less_than_one_is_refused(colspan, rowspan, at):
    """A cell spans at least one column and one row: less is refused where spans are resolved (a zero colspan as the
    last cell once made the walk of slots loop forever; a zero rowspan made a wrong merge)."""
    cells = [Cell("a"), Cell("b")]
    cells[at] = Cell("x", colspan=colspan, rowspan=rowspan)
    table = Table([Column() for _ in range(3)], [], [Row(cells)], numbering=False)
    with pytest.raises(ValueError, match=rf"row 0: cell 'x' spans {colspan} columns and {rowspan} rows; "
                                         r"a cell takes at least one of each"):
        table.slots(table.body)


def test_look_of_a_placement_made_by_hand():
    """``Table.look`` is the per-cell rule and reads only the cell: a placement made by hand, without the text
    ``placements`` gives it, looks as the placed one does; its text is ``cell_text``."""
    table = Table([Column()], [], [Row([Cell("Вологда 1 000 руб.")])], numbering=False)
    by_hand = table.look(table.body[0], model.Placement(0, 0, table.body[0].cells[0]), False, 10.0)
    assert by_hand == table.looks(table.body, False, 10.0)[0][0] == model.CellLook("left", False, False, 0, 10.0,
                                                                                  "top", False)
    assert table.cell_text(table.body[0].cells[0], 0) == table.placements(table.body)[0][0].text == \
        "Вологда 1\u00a0000\u00a0руб."


def test_a_column_aligns_by_its_kind_unless_told():
    """A figure column a builder (or a program of another shape) declares without an alignment prints its figures to
    the right, as the act does; a text column to the left; a given alignment stays."""
    assert [Column(kind=k).align for k in ("text", "number", "percent")] == ["left", "right", "right"]
    assert Column(kind="number", align="center").align == "center" and Column(align="justify").align == "justify"
    table = Table([Column(), Column(kind="number")], [], [Row([Cell("Итого"), Cell(D("15736027.0"))])],
                  numbering=False)
    assert [look.align for look in table.looks(table.body, False, 11.0)[0]] == ["left", "right"]
