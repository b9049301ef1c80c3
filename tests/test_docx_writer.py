"""DOCX writer: read back with python-docx and the raw WordprocessingML."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from lxml import etree

from conftest import (EXPENSES, HEADER_TEXTS, NOTICE, SOURCES, TOTAL_YEARS, WIDTH, make_document)
from generator import writers
from generator.writers import docx as docx_writer

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def render(document) -> bytes:
    return docx_writer.render(document)


def read_zip(data: bytes, name: str) -> etree._Element:
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read(name))


def tc_text(tc) -> str:
    parts = []
    for node in tc.iter(qn("w:t"), qn("w:br")):
        parts.append("\n" if node.tag == qn("w:br") else (node.text or ""))
    return "".join(parts).replace("\u00a0", " ")     # no-break spaces (numbers.tie) read as spaces


def table_grid(tbl) -> list[list[dict]]:
    """Every w:tr as a list of cells with their grid column, span, vMerge and text."""
    rows = []
    for tr in tbl.findall("w:tr", NS):
        col, cells = 0, []
        for tc in tr.findall("w:tc", NS):
            span_el = tc.find("w:tcPr/w:gridSpan", NS)
            span = int(span_el.get(qn("w:val"))) if span_el is not None else 1
            vmerge_el = tc.find("w:tcPr/w:vMerge", NS)
            vmerge = None if vmerge_el is None else (vmerge_el.get(qn("w:val")) or "continue")
            cells.append({"col": col, "span": span, "vmerge": vmerge, "text": tc_text(tc), "tc": tc})
            col += span
        rows.append(cells)
    return rows


@pytest.fixture(scope="module")
def sp1_docx() -> bytes:
    return render(make_document(notice=NOTICE))


@pytest.fixture(scope="module")
def grid(sp1_docx):
    body = read_zip(sp1_docx, "word/document.xml")
    (tbl,) = body.findall(".//w:tbl", NS)
    return table_grid(tbl)


def test_write_through_registry(tmp_path):
    path = writers.write(make_document(), tmp_path / "sp1.docx")
    assert path.read_bytes()[:2] == b"PK"
    document = docx.Document(str(path))
    assert len(document.tables) == 1
    assert document.core_properties.title == make_document().title
    assert not list(tmp_path.glob(".tmp-*"))       # written atomically, no temporary left


def test_every_row_covers_the_full_grid(grid):
    assert len(grid) == 2 + 1 + 6         # two header rows, numbering, six body rows
    for row in grid:
        assert sum(c["span"] for c in row) == WIDTH


def test_grid_columns_declared(sp1_docx):
    body = read_zip(sp1_docx, "word/document.xml")
    assert len(body.findall(".//w:tbl/w:tblGrid/w:gridCol", NS)) == WIDTH


def test_header_colspan_is_gridspan(grid):
    row1 = grid[0]
    assert [c["text"] for c in row1] == HEADER_TEXTS + [EXPENSES]
    expenses = row1[-1]
    assert expenses["col"] == 5 and expenses["span"] == 6
    assert all(c["span"] == 1 for c in row1[:-1])
    assert [c["text"] for c in grid[1][5:]] == ["2021 год", "2022 год", "2023 год", "2024 год", "2025 год", TOTAL_YEARS]


def test_header_rowspan_is_vmerge(grid):
    assert [c["vmerge"] for c in grid[0][:5]] == ["restart"] * 5
    assert grid[0][5]["vmerge"] is None
    row2 = grid[1]
    assert [(c["col"], c["vmerge"], c["text"]) for c in row2[:5]] == [(c, "continue", "") for c in range(5)]
    assert all(c["vmerge"] is None for c in row2[5:])


def test_body_rowspan_restart_and_continue(grid):
    body = grid[3:]
    for start in (0, 3):
        assert [c["vmerge"] for c in body[start][:4]] == ["restart"] * 4
        for r in (start + 1, start + 2):
            assert [(c["col"], c["vmerge"]) for c in body[r][:4]] == [(c, "continue") for c in range(4)]
            assert all(c["text"] == "" for c in body[r][:4])
            assert all(c["vmerge"] is None for c in body[r][4:])
        assert all(c["vmerge"] is None for c in body[start][4:])


def test_numbering_row(grid):
    numbering = grid[2]
    assert [c["text"] for c in numbering] == [str(i) for i in range(1, 12)]
    assert all(c["vmerge"] is None and c["span"] == 1 for c in numbering)
    jc = [c["tc"].find("w:p/w:pPr/w:jc", NS).get(qn("w:val")) for c in numbering]
    assert set(jc) == {"center"}


def test_header_rows_repeat(sp1_docx):
    body = read_zip(sp1_docx, "word/document.xml")
    rows = body.findall(".//w:tbl/w:tr", NS)
    flags = [tr.find("w:trPr/w:tblHeader", NS) is not None for tr in rows]
    assert flags == [True, True, True] + [False] * 6


def test_header_rows_do_not_repeat_when_disabled():
    doc = make_document()
    doc.sections[0].blocks[-1].repeat_header = False
    body = read_zip(render(doc), "word/document.xml")
    assert body.findall(".//w:tblHeader", NS) == []


def test_texts_and_numbers_in_their_cells(grid):
    first = grid[3]
    assert [c["text"] for c in first] == [
        "1.", "Подпрограмма 1", "Предоставление мер социальной поддержки отдельным категориям граждан",
        "итого", SOURCES[0], "15 736 027,0", "14 741 030,9", "14 789 819,8", "7 291 599,6", "7 291 599,6",
        "59 850 076,9"]
    own = {c["col"]: c["text"] for c in grid[4]}
    assert own[4] == SOURCES[1]
    assert [own[c] for c in range(5, 11)] == ["9 003 926,0", "8 627 364,9", "8 626 979,5", "7 291 599,6",
                                              "7 291 599,6", "40 841 469,6"]
    federal = {c["col"]: c["text"] for c in grid[5]}
    assert [federal[c] for c in range(4, 11)] == [SOURCES[2], "6 732 101,0", "6 113 666,0", "6 162 840,3",
                                                  "0,0", "0,0", "19 008 607,3"]
    second = {c["col"]: c["text"] for c in grid[6]}
    assert second[0] == "2." and second[1] == "" and second[2] == ""
    assert second[3] == "Департамент социальной защиты населения области"
    assert second[6] == "11 560 898,2"      # the act's own figure, printed as is


def test_number_cells_right_aligned_and_total_rows_bold(grid):
    first = grid[3]
    number_tc = first[5]["tc"]
    assert number_tc.find("w:p/w:pPr/w:jc", NS).get(qn("w:val")) == "right"
    assert number_tc.find("w:p/w:r/w:rPr/w:b", NS) is not None      # the "всего" row is a total row
    own_tc = grid[4][1]["tc"]
    assert own_tc.find("w:p/w:r/w:rPr/w:b", NS) is None
    assert first[2]["tc"].find("w:p/w:pPr/w:jc", NS).get(qn("w:val")) == "left"


def test_python_docx_reads_the_merged_table(sp1_docx):
    table = docx.Document(io.BytesIO(sp1_docx)).tables[0]
    assert len(table.rows) == 9 and len(table.columns) == WIDTH
    # python-docx resolves merges: a merged cell reads the same from any grid position
    assert table.cell(0, 5).text.replace("\u00a0", " ") == EXPENSES and table.cell(0, 10).text.replace("\u00a0", " ") == EXPENSES
    assert table.cell(1, 0).text == "N п/п"
    assert table.cell(5, 2).text == "Предоставление мер социальной поддержки отдельным категориям граждан"
    assert table.cell(3, 5).text == "15\u00a0736\u00a0027,0"      # no-break spaces: never split
    assert table.cell(8, 10).text == "19\u00a0008\u00a0607,3"


def test_section_is_landscape(sp1_docx):
    (section,) = docx.Document(io.BytesIO(sp1_docx)).sections
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert section.page_width > section.page_height
    assert abs(section.page_width.mm - 297) < 0.5 and abs(section.page_height.mm - 210) < 0.5
    assert round(section.left_margin.mm) == 25 and round(section.top_margin.mm) == 20
    body = read_zip(sp1_docx, "word/document.xml")
    pg = body.find(".//w:sectPr/w:pgSz", NS)
    assert int(pg.get(qn("w:w"))) > int(pg.get(qn("w:h")))
    assert pg.get(qn("w:orient")) == "landscape"


def test_portrait_and_landscape_sections():
    doc = make_document()
    portrait = doc.section("portrait")
    portrait.add(docx_writer.model.Paragraph.of("Портретный раздел"))
    document = docx.Document(io.BytesIO(render(doc)))
    first, second = document.sections
    assert first.page_width > first.page_height
    assert second.page_width < second.page_height
    assert "Портретный раздел" in [p.text for p in document.paragraphs]


def test_table_fits_the_landscape_text_width(sp1_docx):
    body = read_zip(sp1_docx, "word/document.xml")
    width = int(body.find(".//w:tbl/w:tblPr/w:tblW", NS).get(qn("w:w")))
    usable_twips = (297 - 25 - 15) * 56.692
    assert abs(width - usable_twips) < WIDTH     # rounding per column only


def test_times_new_roman(sp1_docx):
    document = docx.Document(io.BytesIO(sp1_docx))
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    rfonts = normal.element.rPr.rFonts
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        assert rfonts.get(qn(attr)) == "Times New Roman"
    assert normal.font.size.pt == 14


def test_table_font_size(sp1_docx):
    body = read_zip(sp1_docx, "word/document.xml")
    sizes = {sz.get(qn("w:val")) for sz in body.findall(".//w:tbl//w:rPr/w:sz", NS)}
    assert sizes == {"24"}      # 12 pt


def test_paragraphs_before_the_table(sp1_docx):
    document = docx.Document(io.BytesIO(sp1_docx))
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts[:3] == ["Приложение 1\nк государственной программе", "Таблица 4",
                         "Финансовое обеспечение реализации основных мероприятий подпрограммы 1"]
    paragraphs = [p for p in document.paragraphs if p.text]
    assert paragraphs[0].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    assert paragraphs[1].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT


def test_footer_has_page_field(sp1_docx):
    footer = docx.Document(io.BytesIO(sp1_docx)).sections[0].footer
    fields = footer._element.findall(".//w:fldSimple", NS)
    assert [f.get(qn("w:instr")).strip() for f in fields] == ["PAGE"]
    assert footer.paragraphs[0].text.startswith("стр. ")


def test_notice_in_page_header(sp1_docx):
    header = docx.Document(io.BytesIO(sp1_docx)).sections[0].header
    assert not header.is_linked_to_previous
    assert NOTICE in [p.text for p in header.paragraphs]
    run = header.paragraphs[0].runs[0]
    assert run.bold and run.font.size.pt == 11


def test_no_notice_no_header_text():
    header = docx.Document(io.BytesIO(render(make_document()))).sections[0].header
    assert "".join(p.text for p in header.paragraphs) == ""


def test_xml_special_and_control_characters_are_escaped():
    doc = make_document(extra_texts=["<w:t>&amp; \"кавычки\" \x07звонок", "]]> <script>"])
    data = render(doc)
    grid = table_grid(read_zip(data, "word/document.xml").find(".//w:tbl", NS))
    names = [row[2]["text"] for row in grid if len(row) == WIDTH and row[0]["text"] in ("7", "8")]
    assert names == ["<w:t>&amp; \"кавычки\" звонок", "]]> <script>"]


def test_long_table_rows_all_present():
    data = render(make_document(300))
    grid = table_grid(read_zip(data, "word/document.xml").find(".//w:tbl", NS))
    assert len(grid) == 3 + 300
    names = [row[2]["text"] for row in grid[3:] if row[2]["vmerge"] == "restart"]
    assert names == [f"Мероприятие номер {k}" for k in range(1, 101)]


def test_docx_carries_only_the_styles_and_parts_it_uses():
    """python-docx's template is slimmed (issue 23): no Word 2010 copy of the styles, no blank-page thumbnail, no
    coloured table styles; the paragraph, character and list styles stay in the document's font, so a heading or a
    list added later (in Word, LibreOffice or python-docx) looks like the document; every style named is defined."""
    doc = make_document(notice=NOTICE)
    data = render(doc)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert not {"word/stylesWithEffects.xml", "docProps/thumbnail.jpeg"} & set(names)
    assert "word/numbering.xml" in names                       # the list styles' numbering
    content_types = archive.read("[Content_Types].xml").decode()
    assert "stylesWithEffects" not in content_types and "thumbnail" not in content_types.lower()
    styles = read_zip(data, "word/styles.xml")
    by_type: dict[str, set] = {}
    for style in styles.findall("w:style", NS):
        by_type.setdefault(style.get(qn("w:type")), set()).add(style.get(qn("w:styleId")))
    assert by_type["table"] == {"TableNormal", "TableGrid"}
    assert {"Normal", "Header", "Footer", "Heading1", "Heading2", "ListBullet", "ListNumber", "Title"} \
        <= by_type["paragraph"]
    defined = set().union(*by_type.values())
    named = set()
    for name in names:
        if name.startswith("word/") and name.endswith(".xml"):
            root = read_zip(data, name)
            for tag in ("w:pStyle", "w:rStyle", "w:tblStyle", "w:basedOn", "w:link", "w:next"):
                named |= {e.get(qn("w:val")) for e in root.iter(qn(tag))}
    assert named and named <= defined
    # what python-docx reads back is whole: the tables, spliced into the serialized body, and the paragraphs
    read = docx.Document(io.BytesIO(data))
    assert len(read.tables) == 1
    cells = {cell.text.replace("\u00a0", " ") for row in read.tables[0].rows for cell in row.cells}
    assert set(HEADER_TEXTS) <= cells
    assert read.sections[0].header.paragraphs[0].text == NOTICE
    # a heading and a bulleted item added later take the document's font, not the theme's
    heading = read.add_heading("Раздел", 1)
    read.add_paragraph("пункт", style="List Bullet")
    fonts = heading.style.element.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert fonts.get(qn("w:ascii")) == "Times New Roman" and fonts.get(qn("w:asciiTheme")) is None


def test_table_marks_never_come_from_text():
    """A table goes into the body at a processing instruction; a text that looks like one is escaped text."""
    doc = make_document(extra_texts=["<?gosprog-table 0?>", "?> <w:p/>"])
    data = render(doc)
    body = read_zip(data, "word/document.xml")
    texts = "".join(t.text or "" for t in body.iter(qn("w:t")))
    assert "<?gosprog-table 0?>" in texts and "?> <w:p/>" in texts
    assert len(body.findall(".//w:tbl", NS)) == 1


def test_xml_text_escapes_as_saxutils_does():
    """The writer's escaping (without importing ``xml.sax.saxutils``) against the library on the same texts."""
    import random
    from xml.sax.saxutils import escape
    rnd = random.Random(23)
    alphabet = "&<>\"' aя;#x\n\t&amp;&lt;"
    for _ in range(3000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(12)))
        assert docx_writer.xml_text(text) == escape(text)
    assert docx_writer.xml_text("a\r\nb\rc\x01") == "a\nb\nc"


def _python_docx_paragraph(block, keep: bool, text_size: float = 14.0) -> bytes:
    """``block`` as python-docx's own API writes it (the writer did this before it wrote paragraphs as strings)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Mm, Pt

    from generator import model
    para = docx.Document().add_paragraph()
    if keep:
        para.paragraph_format.keep_with_next = True
    if isinstance(block, model.Heading):
        runs, size = [model.Run(block.text, bold=True)], text_size
        para.paragraph_format.space_before = Pt(6)
        para.paragraph_format.space_after = Pt(6)
        para.paragraph_format.keep_with_next = True
    else:
        runs, size = block.runs, block.size or text_size
        para.paragraph_format.space_after = Pt(block.space_after)
        if block.indent_first_line:
            para.paragraph_format.first_line_indent = Mm(12.5)
    para.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT,
                      "center": WD_ALIGN_PARAGRAPH.CENTER, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[block.align]
    for run in runs:
        para._p.append(parse_xml(docx_writer._run_xml(run.text, size, run.bold, run.italic, run.superscript)
                                 .replace("<w:r>", f"<w:r {nsdecls('w')}>", 1)))
    return etree.tostring(para._p, method="c14n", exclusive=True)     # its namespaces only where used


def test_paragraphs_are_written_as_python_docx_writes_them():
    """The writer's paragraph strings equal what python-docx's paragraph, format and run objects serialize, for
    every kind the model has: headings, each alignment, spacing after (whole and fractional points), a first-line
    indent, kept with the next, several runs (bold, italic, superscript, a line break), small print."""
    from generator import model
    blocks = [(model.Heading("Паспорт"), False),
              *[(model.Paragraph.of("Текст & <знаки>", align=a), False) for a in ("left", "right", "center", "justify")],
              (model.Paragraph.of("Отступ", indent_first_line=True, space_after=6.0), False),
              (model.Paragraph.of("Пол-пункта", space_after=2.5, size=10), True),
              (model.Paragraph([model.Run("Жирный", bold=True), model.Run(" курсив\nстрока", italic=True),
                                model.Run("1", superscript=True)], align="left"), True),
              (model.Paragraph([], align="center"), False)]
    document = model.Document(title="Абзацы", sections=[model.Section()])
    for block, keep in blocks:
        renderer = docx_writer._Renderer(document, {})
        renderer._paragraph(block, keep=keep)
        ours = renderer.fragments[0].replace("<w:p>", f'<w:p xmlns:w="{W}">', 1).encode("utf-8")
        assert etree.tostring(etree.fromstring(ours), method="c14n", exclusive=True) == \
            _python_docx_paragraph(block, keep), block
