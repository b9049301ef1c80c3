"""Issue 17 at the model and writer level: the act's order, its printed precision, the passport's
approval block, DOCX language and hyphenation, column widths that fit, blocks kept together."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal as D
from pathlib import Path

import pytest

from conftest import make_document, make_table, sp1_body
from generator import model
from generator.builders import program_package
from generator.data.loader import load_program
from generator.writers import docx as docx_writer

DATA = Path(__file__).resolve().parent.parent / "data" / "social-support-vologda"


@pytest.fixture(scope="module")
def planned():
    return {p.name: p.document for p in program_package(load_program(DATA))}


def captions(document: model.Document) -> list[str]:
    return [b.text for s in document.sections for b in s.blocks
            if isinstance(b, model.Paragraph) and re.fullmatch(r"Таблица \d+", b.text)]


def test_tables_in_the_acts_order_with_lost_tables_in_place(planned):
    assert captions(planned["11-podprogramma-1-tablicy"]) == [f"Таблица {n}" for n in range(1, 6)]
    assert captions(planned["13-podprogramma-3-tablicy"]) == [f"Таблица {n}" for n in range(1, 7)]
    # SP1's table 1 is lost from the act: its note stands first, without the act's file lines
    first = planned["11-podprogramma-1-tablicy"].sections[0]
    text = " ".join(b.text for b in first.blocks if isinstance(b, (model.Paragraph, model.Heading)))
    assert "Таблица в тексте постановления не приведена" in text
    assert not re.search(r"строк\w* \d+|файла|gosprog", text)
    assert any("строка 439 файла source/act.txt" in n for n in planned["11-podprogramma-1-tablicy"].provenance)


def test_program_passport_has_the_acts_approval_block(planned):
    first = planned["00-programma-pasport"].sections[0].blocks[0]
    assert first.align == "right"
    assert first.text.replace("\u00a0", " ") == "Утверждена\nпостановлением\nПравительства области\nот 22.04.2019 N 395"


def test_no_unit_line_above_table_4_where_the_act_has_none(planned):
    for name in ("11-podprogramma-1-tablicy", "14-podprogramma-4-tablicy"):
        texts = [b.text for s in planned[name].sections for b in s.blocks if isinstance(b, model.Paragraph)]
        assert "тыс. руб." not in texts and "тыс.\u00a0руб." not in texts


def test_printed_appendices_keep_the_acts_precision_per_cell(planned):
    doc = planned["17-podprogramma-7-prilozheniya"]
    table = next(t for t in doc.tables() if t.id == "sp7-app4-2021")
    row = [table.cell_text(p.cell, p.col) for p in table.placements(table.body)[2]]
    assert row[:9] == ["3.", "Здравоохранение", "0", "0", "0", "0", "2\u00a0739,2*", "2\u00a0739,2", "10,2"]
    assert row[2] != "0,0"


def test_running_text_binds_numbers_to_units(planned):
    cells = [p.cell.value for t in planned["00-programma-pasport"].tables() for p in
             [q for placed in t.placements(t.body) for q in placed]]
    financing = next(c for c in cells if isinstance(c, str) and c.startswith("общий объем"))
    text = planned["00-programma-pasport"].tables().__next__().cell_text(model.Cell(financing), 1)
    assert "2022\u00a0год - 19\u00a0373\u00a0980,2\u00a0тыс.\u00a0рублей" in text


def _docx_parts(document) -> dict[str, str]:
    data = docx_writer.render(document)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n).decode("utf-8") for n in ("word/document.xml", "word/styles.xml", "word/settings.xml")}


def test_docx_says_ru_ru_on_every_run_and_style_and_hyphenates():
    parts = _docx_parts(make_document())
    body, styles, settings = parts["word/document.xml"], parts["word/styles.xml"], parts["word/settings.xml"]
    runs = re.findall(r"<w:r>.*?</w:r>|<w:r [^>]*>.*?</w:r>", body)
    assert runs and all('w:lang w:val="ru-RU"' in r for r in runs if "<w:t" in r)
    assert "en-US" not in styles and 'w:val="ru-RU"' in styles
    assert "<w:autoHyphenation/>" in settings


def test_column_widths_fit_the_longest_word():
    table = make_table()
    widths = table.fitted_widths(257.0, 9.5)
    assert abs(sum(widths) - 257.0) < 0.01
    for col in range(table.width):
        for placed in table.placements(table.body):
            for p in placed:
                if p.col == col and p.cell.colspan == 1 and p.cell.is_number:
                    text = table.cell_text(p.cell, col)
                    assert model.text_width_mm(text, 9.5) + model.CELL_PADDING_MM <= widths[col] + 1e-6, text


def test_financing_blocks_are_kept_together_in_every_writer():
    table = make_table(sp1_body())
    kept = table.kept_blocks(model.Section(orientation="landscape"), 12)
    assert [(b.start, b.stop) for b in kept][:3] == [(0, 3), (3, 6), (6, 9)][:len(kept[:3])]
    xml = docx_writer.table_xml(table, 257.0, 9.5, model.Section(orientation="landscape"))
    rows = re.findall(r"<w:tr>.*?</w:tr>", xml)
    body = rows[len(table.head_rows()):]
    assert all("<w:cantSplit/>" in r for r in body)
    # every row of a block but its last keeps with the next one
    assert "<w:keepNext/>" in body[0] and "<w:keepNext/>" in body[1] and "<w:keepNext/>" not in body[2]
    from generator.writers._plain import plain
    doc = model.Document("t", [model.Section([table], orientation="landscape")])
    cells = plain(doc)["sections"][0]["blocks"][0]["body"][0]["cells"]
    assert all(c["keep"] for c in cells)              # Typst: breakable: false


# --- layout from content: wide tables (issue 22) ---------------------------------------------

@pytest.fixture(scope="module")
def long_program(tmp_path_factory):
    from generator.synthetic import write_program
    folder = write_program(tmp_path_factory.mktemp("long") / "program", first_year=2014, last_year=2030, sources=6,
                           subprograms=1, activities=2, seed=3)
    return folder, {p.name: p.document for p in program_package(load_program(folder))}


def _financing(document: model.Document) -> tuple[model.Section, model.Table]:
    return next((s, b) for s in document.sections for b in s.blocks
                if isinstance(b, model.Table) and b.id == "financing")


def test_a_table_too_wide_at_8_pt_prints_in_parts_with_its_identifying_columns(long_program):
    _, documents = long_program
    section, table = _financing(documents["11-podprogramma-1-tablicy"])
    usable = model.usable_width_mm(section)
    assert not table.fits(usable, model.LEGIBLE_PT)                  # 17 years of eight-digit sums
    size, parts = table.print_layout(usable, 9.5)
    fixed = table.identifying_columns()
    assert fixed == 5 and size == 9.5 and len(parts) == 3
    assert all(p[:fixed] == list(range(fixed)) for p in parts)
    assert sorted(c for p in parts for c in p[fixed:]) == list(range(fixed, table.width))   # each year once
    for columns in parts:
        part = table.part(columns)
        assert part.fits(usable, size)
        widths = part.fitted_widths(usable, size)
        for placed in part.placements(part.body):         # every number fits its column at the size
            for p in placed:
                if p.cell.is_number:
                    assert model.text_width_mm(part.cell_text(p.cell, p.col), size, True) \
                        + model.CELL_PADDING_MM <= widths[p.col] + 1e-6
        head = [part.cell_text(p.cell, p.col) for p in part.placements(part.head_rows())[0]]
        assert head[:fixed] == [table.cell_text(p.cell, p.col) for p in table.placements(table.head_rows())[0]][:fixed]
        assert part.numbering_row().cells[fixed].value == str(columns[fixed] + 1)   # the act's column numbers
    # the figures of the last year are in the last part, row by row
    last = table.part(parts[-1])
    assert [r.cells[-1].value for r in last.body] == [r.cells[-1].value for r in table.body]


def test_print_blocks_continue_the_caption_on_a_new_page(long_program):
    _, documents = long_program
    document = documents["11-podprogramma-1-tablicy"]
    section, table = _financing(document)
    blocks = model.print_blocks(section, document.style)
    parts = [b for b in blocks if isinstance(b, model.Table) and b.id == "financing"]
    assert len(parts) == 3
    labels = [b.text for b in blocks if isinstance(b, model.Paragraph) and "продолжение" in b.text]
    assert labels == ["Таблица 4 (продолжение)"] * 2
    first = blocks.index(parts[1])
    assert isinstance(blocks[first - 2], model.PageBreak) and blocks[first - 1].text == "Таблица 4 (продолжение)"


def test_tables_that_fit_are_printed_as_they_are(planned):
    for document in planned.values():
        for section in document.sections:
            tables = [b for b in section.blocks if isinstance(b, model.Table)]
            printed = [b for b in model.print_blocks(section, document.style) if isinstance(b, model.Table)]
            assert printed == tables


def test_docx_and_xlsx_of_a_wide_table(long_program, tmp_path):
    from openpyxl import load_workbook

    from generator.writers import xlsx as xlsx_writer
    _, documents = long_program
    document = documents["11-podprogramma-1-tablicy"]
    body = _docx_parts(document)["word/document.xml"]
    assert body.count("Таблица 4 (продолжение)") == 2
    path = tmp_path / "t.xlsx"
    xlsx_writer.write(document, path)
    book = load_workbook(path)
    sheet = next(ws for ws in book.worksheets if ws.title.startswith("Таблица 4"))
    assert sheet.print_title_cols == "$A:$E"                      # the identifying columns on every page
    assert sheet.max_column == _financing(document)[1].width     # one sheet, every year
    assert not sheet.sheet_properties.pageSetUpPr.fitToPage


def test_docx_keeps_a_footnote_with_the_tables_last_rows():
    """Word keeps the last block of a table, the paragraph after it and the footnote rule with the footnote
    (w:keepNext; LibreOffice 7.4 ignores it between a table row and a paragraph)."""
    table = make_table(sp1_body())
    doc = model.Document("t", [model.Section([table, model.Footnotes(["(1) - сноска"])], orientation="landscape")])
    body = _docx_parts(doc)["word/document.xml"]
    rows = re.findall(r"<w:tr>.*?</w:tr>", body)
    assert "<w:keepNext/>" in rows[-1] and "<w:cantSplit/>" in rows[-1]
    tail = body[body.rindex("</w:tbl>"):]
    paragraphs = re.findall(r"<w:p>.*?</w:p>|<w:p/>", tail)
    rule = next(i for i, p in enumerate(paragraphs) if "______" in p)
    assert all("<w:keepNext/>" in p for p in paragraphs[:rule + 1])
    assert "сноска" in paragraphs[rule + 1]
    plain = model.Document("t", [model.Section([make_table(sp1_body())], orientation="landscape")])
    assert "<w:keepNext/>" not in re.findall(r"<w:tr>.*?</w:tr>", _docx_parts(plain)["word/document.xml"])[-1]
