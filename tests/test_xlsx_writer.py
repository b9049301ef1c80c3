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
    assert wb.properties.title == TITLE and wb.properties.creator == "gosprog"


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
    # the "всего, в том числе" row of each block sums its two source rows, column by column
    for total_row, own_row, federal_row in ((8, 9, 10), (11, 12, 13)):
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
    expected = {f"{col}{r}" for r in (8, 11) for col in "FGHIJK"} | {f"K{r}" for r in (9, 10, 12, 13)}
    assert formulas == expected


def test_non_contiguous_sums():
    table = model.Table(
        [model.Column(), model.Column(kind="number"), model.Column(kind="number"),
         model.Column(kind="number", sum_of=[1, 2]), model.Column(kind="number", sum_of=[1, 3])],
        [model.Row([model.Cell(t) for t in "abcde"])],
        [model.Row([model.Cell("итого"), model.Cell(D("3.0")), model.Cell(D("3.0")), model.Cell(D("6.0")),
                    model.Cell(D("9.0"))], sum_of=[1, 3]),
         model.Row([model.Cell("x"), model.Cell(D("1.0")), model.Cell(D("1.0")), model.Cell(D("2.0")),
                    model.Cell(D("3.0"))]),
         model.Row([model.Cell("y"), model.Cell(D("9.0")), model.Cell(D("9.0")), model.Cell(D("9.0")),
                    model.Cell(D("9.0"))]),
         model.Row([model.Cell("z"), model.Cell(D("2.0")), model.Cell(D("2.0")), model.Cell(D("4.0")),
                    model.Cell(D("6.0"))])],
        numbering=False)
    doc = model.Document("Таблица сумм")
    doc.section().add(table)
    ws = load(xlsx_writer.render(doc)).worksheets[0]
    # header in row 1, body from row 2; body rows 1 and 3 are Excel rows 3 and 5
    assert ws["B2"].value == "=SUM(B3,B5)"
    assert ws["D3"].value == "=SUM(B3:C3)"
    assert ws["E3"].value == "=SUM(B3,D3)"
    assert ws["B3"].value == 1 and ws["B3"].data_type == "n"


def test_print_titles_are_the_header_rows(ws):
    assert ws.print_title_rows == f"${HEAD_START}:${NUMBERING_ROW}"


def test_freeze_pane_at_first_body_row(ws):
    assert ws.freeze_panes == f"A{BODY_START}"


def test_page_setup_landscape_fit_to_width(ws):
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.fitToWidth) == 1
    assert int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) == 9
    assert "&P" in ws.oddFooter.center.text


def test_column_widths_follow_the_model(ws):
    widths = [ws.column_dimensions[letter].width for letter in "ABCDEFGHIJK"]
    assert widths[2] > widths[3] > widths[5] > widths[0]
    assert widths[5:10] == [widths[5]] * 5


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
    assert xlsx_writer.sheet_title("таблица 4", taken) == "таблица 4 2"
    assert xlsx_writer.sheet_title("a/b:c*d?[e]", taken) == "a b c d  e"
    assert len(xlsx_writer.sheet_title("я" * 50, taken)) <= 31
