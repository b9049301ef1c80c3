"""XLSX writer: read back with openpyxl and the raw sheet XML."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal as D

import openpyxl
import pytest

from conftest import (EXPENSES, HEADER_TEXTS, NOTICE, SOURCES, TITLE, TOTAL_YEARS, make_document)
from generator import model, writers
from generator.writers import xlsx as xlsx_writer

# Sheet layout of the representative document with a notice:
# 1 notice, 2 "Приложение…", 3 "Таблица 4", 4 title, 5-6 header, 7 numbering, 8-13 body.
HEAD_START, NUMBERING_ROW, BODY_START = 5, 7, 8


def load(data: bytes, **kw):
    return openpyxl.load_workbook(io.BytesIO(data), **kw)


def sheet_xml(data: bytes) -> str:
    archive = zipfile.ZipFile(io.BytesIO(data))
    (name,) = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    return archive.read(name).decode("utf-8")


@pytest.fixture(scope="module")
def sp1_xlsx() -> bytes:
    return xlsx_writer.render(make_document(notice=NOTICE))


@pytest.fixture(scope="module")
def ws(sp1_xlsx):
    wb = load(sp1_xlsx)
    assert len(wb.worksheets) == 1
    return wb.worksheets[0]


def test_write_through_registry(tmp_path):
    path = writers.write(make_document(), tmp_path / "sp1.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Таблица 4"]
    assert wb.properties.title == TITLE and not wb.properties.creator     # no author given: none (issue 17)


def test_sheet_named_after_the_caption(ws):
    assert ws.title == "Таблица 4"


def test_title_rows_above_the_table(ws):
    assert [ws.cell(r, 1).value for r in range(1, HEAD_START)] == [
        NOTICE, "Приложение 1\nк государственной программе", "Таблица 4", TITLE]
    assert ws.cell(2, 1).alignment.horizontal == "right"
    assert ws.cell(4, 1).font.b
    for r in range(1, HEAD_START):
        assert f"A{r}:K{r}" in {str(m) for m in ws.merged_cells.ranges}


def test_header_texts_and_merges(ws):
    assert [ws.cell(HEAD_START, c).value.replace("\u00a0", " ") for c in range(1, 7)] == HEADER_TEXTS + [EXPENSES]
    assert [ws.cell(HEAD_START + 1, c).value.replace("\u00a0", " ") for c in range(6, 12)] == [
        "2021 год", "2022 год", "2023 год", "2024 год", "2025 год", TOTAL_YEARS]
    merged = {str(m) for m in ws.merged_cells.ranges}
    header_merges = {f"{letter}5:{letter}6" for letter in "ABCDE"} | {"F5:K5"}
    assert header_merges <= merged
    assert ws.cell(HEAD_START, 1).alignment.horizontal == "center"


def test_vertical_merges_of_the_blocks(ws):
    merged = {str(m) for m in ws.merged_cells.ranges}
    body_merges = {f"{letter}{start}:{letter}{start + 2}" for letter in "ABCD" for start in (8, 11)}
    assert body_merges <= merged
    title_merges = {f"A{r}:K{r}" for r in range(1, HEAD_START)}
    header_merges = {f"{letter}5:{letter}6" for letter in "ABCDE"} | {"F5:K5"}
    assert merged == title_merges | header_merges | body_merges     # nothing else merged
    assert ws.cell(8, 3).value == "Предоставление мер социальной поддержки отдельным категориям граждан"
    assert ws.cell(11, 4).value == "Департамент социальной защиты населения области"
    assert ws.cell(11, 2).value is None      # "status" is empty in the act for row 2


def test_numbering_row(ws):
    assert [ws.cell(NUMBERING_ROW, c).value for c in range(1, 12)] == [str(i) for i in range(1, 12)]


def test_numbers_are_numbers_with_format(ws):
    own = [ws.cell(9, c) for c in range(6, 11)]
    assert [c.value for c in own] == [9003926, D("8627364.9"), D("8626979.5"), D("7291599.6"), D("7291599.6")] or \
        [float(c.value) for c in own] == [9003926.0, 8627364.9, 8626979.5, 7291599.6, 7291599.6]
    for cell in own:
        assert cell.data_type == "n"
        assert isinstance(cell.value, (int, float))
        assert cell.number_format == "#,##0.0"
    zero = ws.cell(10, 9)
    assert zero.data_type == "n" and zero.value == 0 and zero.number_format == "#,##0.0"
    assert ws.cell(9, 5).data_type == "s" and ws.cell(9, 5).value == SOURCES[1]


def test_numbers_written_from_decimal_text(sp1_xlsx):
    xml = sheet_xml(sp1_xlsx)
    values = re.findall(r'<c r="([A-Z]+\d+)"[^>]*><v>([^<]*)</v>', xml)
    found = dict(values)
    assert found["G9"] == "8627364.9" and found["H10"] == "6162840.3"
    assert found["F12"] in ("9003926.0", "9003926")
    # exact decimal text, never float noise such as 8627364.899999999 or 9.003926E6
    assert all(re.fullmatch(r"-?\d+(\.\d)?", v) for _, v in values), values


def test_row_sums_reference_own_and_federal_rows(ws):
    # the "всего, в том числе" row of block 1 sums its two source rows, column by column (with the value
    # cached); block 2's "всего" is not the sum of its sources in the act: the printed figures stay values
    for col in "GHIJ":
        assert ws[f"{col}11"].data_type == "n"
    assert ws["G11"].value == 11560898.2
    for total_row, own_row, federal_row in ((8, 9, 10),):
        for col in "FGHIJK":
            cell = ws[f"{col}{total_row}"]
            assert cell.data_type == "f"
            assert cell.value == f"=SUM({col}{own_row}:{col}{federal_row})"
            assert cell.number_format == "#,##0.0"


def test_column_sums_reference_the_year_columns(ws):
    for r in (9, 10, 12, 13):
        cell = ws[f"K{r}"]
        assert cell.data_type == "f"
        assert cell.value == f"=SUM(F{r}:J{r})"
        assert cell.number_format == "#,##0.0"


def test_only_declared_sums_are_formulas(ws):
    formulas = {c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"}
    # block 2's "всего" (row 11) is not the sum of its sources, nor its 2021-2025 total the sum of its
    # years (the act's figures): no formulas in that row
    expected = {f"{col}8" for col in "FGHIJK"} | {f"K{r}" for r in (9, 10, 12, 13)}
    assert formulas == expected


def test_non_contiguous_sums():
    body = [model.Row([model.Cell("итого"), model.Cell(D("3.0")), model.Cell(D("3.0")), model.Cell(D("6.0")),
                       model.Cell(D("9.0"))]),
            model.Row([model.Cell("x"), model.Cell(D("1.0")), model.Cell(D("1.0")), model.Cell(D("2.0")),
                       model.Cell(D("3.0"))]),
            model.Row([model.Cell("y"), model.Cell(D("9.0")), model.Cell(D("9.0")), model.Cell(D("18.0")),
                       model.Cell(D("27.0"))]),
            model.Row([model.Cell("z"), model.Cell(D("2.0")), model.Cell(D("2.0")), model.Cell(D("4.0")),
                       model.Cell(D("6.0"))])]
    body[0].sum_of = [body[1], body[3]]
    table = model.Table(
        [model.Column(), model.Column(kind="number"), model.Column(kind="number"),
         model.Column(kind="number", sum_of=[1, 2]), model.Column(kind="number", sum_of=[1, 3])],
        [model.Row([model.Cell(t) for t in "abcde"])], body, numbering=False)
    doc = model.Document("Таблица сумм")
    doc.section().add(table)
    ws = load(xlsx_writer.render(doc)).worksheets[0]
    # header in row 1, body from row 2; body rows 1 and 3 are Excel rows 3 and 5
    assert ws["B2"].value == "=SUM(B3,B5)"
    assert ws["D3"].value == "=SUM(B3:C3)"
    assert ws["E3"].value == "=SUM(B3,D3)"
    assert ws["B3"].value == 1 and ws["B3"].data_type == "n"


def test_a_declared_sum_that_does_not_give_the_printed_figure_raises():
    body = [model.Row([model.Cell("итого"), model.Cell(D("5.0"))]),
            model.Row([model.Cell("x"), model.Cell(D("1.0"))]), model.Row([model.Cell("y"), model.Cell(D("2.0"))])]
    body[0].sum_of = body[1:]
    doc = model.Document("Таблица сумм")
    doc.section().add(model.Table([model.Column(), model.Column(kind="number")], [], body, numbering=False))
    with pytest.raises(ValueError, match="gives 3.0, the printed figure is 5.0"):
        xlsx_writer.render(doc)


def test_print_titles_are_the_header_rows(ws):
    assert ws.print_title_rows == f"${HEAD_START}:${NUMBERING_ROW}"


def test_freeze_pane_at_first_body_row(ws):
    assert ws.freeze_panes == f"A{BODY_START}"


def test_page_setup_landscape_fit_to_width(ws):
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.fitToWidth or 1) == 1     # 1 is the default, left out of the XML
    assert int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) == 9
    assert "&P" in ws.oddFooter.center.text


def test_column_widths_follow_the_model(ws):
    widths = [None] * 11
    for dim in ws.column_dimensions.values():          # <col min max width>: one entry per run of equal widths
        for i in range(dim.min, dim.max + 1):
            widths[i - 1] = dim.width
    # the model's widths fitted to the content (issue 22): in the same order, and every figure fits its column
    document = make_document(notice=NOTICE)
    section, table = next((s, b) for s in document.sections for b in s.blocks if isinstance(b, model.Table))
    fitted = table.fitted_widths(model.usable_width_mm(section), table.font_size or document.style.table_size)
    for i in range(11):
        for j in range(11):
            if fitted[i] > fitted[j] * 1.1:
                assert widths[i] > widths[j], (i, j)
    longest = max(len(table.cell_text(p.cell, p.col)) for placed in table.placements(table.body) for p in placed
                  if p.col == 5 and p.cell.is_number)
    assert widths[5] >= longest


@pytest.mark.parametrize("text", ["=1+2", "=HYPERLINK(\"http://example.com\",\"x\")", "=SUM(A1:A9)",
                                  "+1+2", "-1+2", "@SUM(A1)"])
def test_text_starting_with_formula_chars_stays_text(text):
    doc = make_document(extra_texts=[text])
    doc.sections[0].blocks.insert(0, model.Paragraph.of(text))
    data = xlsx_writer.render(doc)
    ws = load(data).worksheets[0]
    found = [c for row in ws.iter_rows() for c in row if c.value == text]
    # the lead paragraph, the name and executor cells of the extra row
    assert len(found) == 3
    assert all(c.data_type == "s" for c in found)
    xml = sheet_xml(data)
    formulas = re.findall(r"<f>([^<]*)</f>", xml)
    assert formulas and all(re.fullmatch(r"SUM\([A-K]\d+(:[A-K]\d+)?\)", f) for f in formulas), formulas
    assert "HYPERLINK" not in "".join(formulas)


def test_formula_text_in_values_only_mode():
    doc = make_document(extra_texts=["=1+2"])
    ws = load(xlsx_writer.render(doc), data_only=True).worksheets[0]
    assert "=1+2" in [c.value for row in ws.iter_rows() for c in row]


def test_control_characters_removed():
    doc = make_document(extra_texts=["звонок\x07 и\x00 нуль"])
    ws = load(xlsx_writer.render(doc)).worksheets[0]
    assert "звонок и нуль" in [c.value for row in ws.iter_rows() for c in row]


def test_markers_stay_text():
    doc = make_document()
    table = doc.sections[0].blocks[-1]
    table.body[2].cells[4] = model.Cell("-")
    table.body[2].cells[5] = model.Cell("х")
    ws = load(xlsx_writer.render(doc)).worksheets[0]
    # notice-less layout: title rows 1-3, header 4-6, body from 7; body row 2 is Excel row 9
    assert ws["I9"].value == "-" and ws["I9"].data_type == "s"
    assert ws["J9"].value == "х" and ws["J9"].data_type == "s"
    assert ws["I9"].alignment.horizontal == "right"


def test_long_table_freeze_and_titles():
    ws = load(xlsx_writer.render(make_document(300))).worksheets[0]
    # no notice: rows 1-3 titles, 4-5 header, 6 numbering, body 7..306
    assert ws.max_row == 306
    assert ws.print_title_rows == "$4:$6"
    assert ws.freeze_panes == "A7"
    assert ws["C304"].value == "Мероприятие номер 100"
    assert ws["F304"].value == "=SUM(F305:F306)"
    assert ws["K306"].value == "=SUM(F306:J306)"


def test_sheet_names_are_sanitised_and_unique():
    taken: set[str] = set()
    assert xlsx_writer.sheet_title("Таблица 4", taken) == "Таблица 4"
    assert xlsx_writer.sheet_title("таблица 4", taken) == "таблица 4 (2)"
    assert xlsx_writer.sheet_title("a/b:c*d?[e]", taken) == "a b c d e"
    assert len(xlsx_writer.sheet_title("я" * 50, taken)) <= 31


# --- issue 16: cached values, notes, marks, Excel's limits ------------------------------------------


def test_formulas_carry_their_cached_values(sp1_xlsx):
    xml = sheet_xml(sp1_xlsx)
    # the "всего" line of block 1, 2021: the sum of own and federal, value as printed
    assert re.search(r'<c r="F8"[^>]*><f>SUM\(F9:F10\)</f><v>15736027(\.0)?</v></c>', xml), xml[:2000]
    values = load(sp1_xlsx, data_only=True).worksheets[0]
    assert values["F8"].value == 15736027.0 and values["K9"].value == 40841469.6


def test_failing_control_relation_is_a_comment_on_the_printed_value():
    doc = model.Document("Таблица")
    row = model.Row([model.Cell("x"), model.Cell(D("1.0")), model.Cell(D("2.0")),
                     model.Cell(D("4.0"), note="F01: сумма по годам 3,0 не равна напечатанному итогу 4,0")],
                    keep_values=True)
    doc.section().add(model.Table([model.Column(), model.Column(kind="number"), model.Column(kind="number"),
                                   model.Column(kind="number", sum_of=[1, 2])], [], [row], numbering=False))
    ws = load(xlsx_writer.render(doc)).worksheets[0]
    assert ws["D1"].value == 4 and ws["D1"].data_type == "n"
    assert ws["D1"].comment.text == "F01: сумма по годам 3,0 не равна напечатанному итогу 4,0"


def test_builders_note_the_acts_totals_that_do_not_add_up():
    from generator.builders import common
    from generator.data.schema import SourceLine
    lines = [SourceLine(source="total", label="всего", values=[D("5.0"), D("1.0")], total=D("7.0")),
             SourceLine(source="own", label="собственные", values=[D("3.0"), D("1.0")], total=D("4.0")),
             SourceLine(source="federal", label="федеральные", values=[D("1.0"), D("0.0")], total=D("1.0"))]
    rows = common.source_lines_rows([model.Cell("1.")], lines)
    assert rows[0].sum_of is None                       # 5,0 printed, the sources give 4,0: no formula
    assert rows[0].cells[2].note.startswith("F02: сумма источников финансирования 4,0 не равна")
    assert rows[0].cells[-1].note.startswith("F01: сумма по годам 6,0 не равна напечатанному итогу 7,0")
    assert rows[0].keep_values and not rows[1].keep_values


def test_marked_number_is_a_number_with_its_mark_in_the_format():
    doc = model.Document("Приложение")
    doc.section().add(model.Table([model.Column(), model.Column(kind="number", decimals=1)], [],
                                  [model.Row([model.Cell("спорт"), model.Cell(D("3900.9"), mark="*")])],
                                  numbering=False))
    ws = load(xlsx_writer.render(doc)).worksheets[0]
    assert ws["B1"].value == 3900.9 and ws["B1"].data_type == "n"
    assert ws["B1"].number_format == '#,##0.0"*"'
    from generator.numbers import format_number
    table = doc.sections[0].blocks[0]
    assert table.cell_text(table.body[0].cells[1], 1) == format_number(D("3900.9"), 1) + "*"     # as DOCX/PDF print


def test_a_row_taller_than_409_points_is_laid_over_merged_rows():
    long_text = "слово " * 3000
    doc = model.Document("Паспорт")
    doc.section().add(model.Heading("Паспорт"), model.Table(
        [model.Column(1.0), model.Column(2.0)], [],
        [model.Row([model.Cell("Цель"), model.Cell(long_text.strip())]), model.Row([model.Cell("а"), model.Cell("б")])],
        numbering=False))
    ws = load(xlsx_writer.render(doc)).worksheets[0]
    heights = {r: d.height for r, d in ws.row_dimensions.items() if d.height}
    assert max(heights.values()) <= 409
    merged = [str(m) for m in ws.merged_cells.ranges]
    span = next(m for m in merged if m.startswith("B2:"))
    last = int(span.split(":B")[1])
    assert last > 2 and f"A2:A{last}" in merged                   # the whole row spans the same sheet rows
    assert sum(heights[r] for r in range(2, last + 1)) > 409
    assert ws["B2"].value == long_text.strip() and ws[f"A{last + 1}"].value == "а"


def test_a_cell_over_32767_characters_is_refused_with_a_located_message():
    doc = model.Document("Таблица")
    doc.section().add(model.Paragraph.of("Таблица 7", align="right"), model.Table(
        [model.Column(), model.Column()], [], [model.Row([model.Cell("x"), model.Cell("я" * 40000)])],
        numbering=False))
    with pytest.raises(xlsx_writer.CellTooLong, match=r"лист «Таблица 7», ячейка B2: текст длиной 40000 знаков "
                                                      r"больше предела Excel \(32767 знаков\)"):
        xlsx_writer.render(doc)


def test_a_title_text_over_32767_characters_continues_on_the_next_rows():
    text = ("абв " * 20000).strip()
    doc = model.Document("Записка")
    doc.section().add(model.Paragraph.of(text))
    ws = load(xlsx_writer.render(doc)).worksheets[0]
    pieces = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert len(pieces) == 3 and all(len(p) <= 32767 for p in pieces)
    assert " ".join(pieces) == text


def test_unknown_block_raises():
    doc = model.Document("x")
    doc.section().add(object())
    with pytest.raises(TypeError, match="unknown block object"):
        xlsx_writer.render(doc)


def test_every_font_is_times_new_roman(sp1_xlsx):
    wb = load(sp1_xlsx)
    assert {f.name for f in wb._fonts} == {"Times New Roman"}
    styles = zipfile.ZipFile(io.BytesIO(sp1_xlsx)).read("xl/styles.xml").decode()
    assert "Calibri" not in styles and "<scheme" not in styles


@pytest.mark.parametrize("orientation, limit_mm", [("portrait", 210 - 2 * 17.78), ("landscape", 297 - 2 * 17.78)])
def test_a_text_sheet_is_no_wider_than_its_printed_page(orientation, limit_mm):
    """A section without a table (an absent table's title and note) is one column of text. LibreOffice fits a sheet
    to the page width only by moving columns to further pages: one column wider than the page was printed cut at
    the right edge (120 characters, portrait: the title and the note cut mid-word). The column is at most the page
    between XlsxWriter's 0.7-inch margins at 2.2 mm a character (the widest LibreOffice draws one), and each
    row is as tall as its text at its own size and weight takes (a bold title of 86 characters, counted as one
    line, was set on two by LibreOffice, the second over the note)."""
    title = "Сведения о целевых показателях (индикаторах) подпрограммы 1 государственной программы"
    note = ("Таблица в тексте постановления не приведена (в опубликованном тексте на её месте помещено изображение). "
            "Значения не выводятся и не заменяются нулями.")
    doc = model.Document("Подпрограмма 1")
    doc.section(orientation).add(model.Heading(title), model.Paragraph.of(note, align="justify"))
    ws = load(xlsx_writer.render(doc)).worksheets[0]
    width = ws.column_dimensions["A"].width
    assert width * 2.2 <= limit_mm and width * 2.2 >= limit_mm - 15
    rows = {ws.cell(r, 1).value: ws.row_dimensions[r].height or 15.0 for r in range(1, ws.max_row + 1)}
    # at least the lines LibreOffice sets them on (portrait: two each), and no blank line under them
    assert (30 if orientation == "portrait" else 15) <= rows[title] <= 30
    assert 30 <= rows[note] <= 45


def test_a_number_never_makes_its_row_taller_a_text_as_long_does():
    """Row heights count the lines of wrapped texts; a number is never wrapped (Excel and LibreOffice show «###»
    where it cannot fit), so in columns squeezed narrower than their figures the row of numbers keeps one line,
    while a text as long in the same columns takes several."""
    number = D("123456789012.5")
    text = "ю" * len(model.format_cell(model.Cell(number), model.Column(kind="number")))
    columns = [model.Column(kind="number") for _ in range(20)]
    doc = model.Document("Узкие столбцы")
    doc.section("portrait").add(model.Table(columns, [], [model.Row([model.Cell(number) for _ in columns]),
                                                          model.Row([model.Cell(text) for _ in columns])],
                                            numbering=False))
    ws = load(xlsx_writer.render(doc)).worksheets[0]
    numbers_row, texts_row = (ws.row_dimensions[r].height for r in (1, 2))
    size = doc.style.table_size                              # the sheet's font (fitted to the page when printed)
    assert numbers_row <= size * 1.25 + 2 + 1                # one line (XlsxWriter keeps heights in whole pixels)
    assert texts_row >= 2 * size * 1.25 + 2                  # the same length of text wraps
    assert ws["A1"].value == 123456789012.5 and ws["A2"].value == text
