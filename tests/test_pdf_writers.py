"""Both PDF engines (Typst and WeasyPrint), read back with pypdf."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from conftest import (EXPENSES, HEADER_TEXTS, LONG_ROWS, NOTICE, SOURCES, SP1_ROWS, TITLE, make_document,
                      normalise, pdf_pages_text, pdf_reader, pdf_xmp, record_fetchers, render_pdf, squash)
from generator import fonts, model, numbers, templates, writers
from generator.writers import html_pdf

ENGINES = ["typst", "weasyprint"]
A4_LANDSCAPE = (841.89, 595.28)

INJECTIONS = [
    '#import "x"',
    "$a$",
    "@ref",
    "<script>alert(1)</script>",
    '<img src="http://example.com/x.png">',
    "{{ 7*7 }}",
    "{% if %}",
    "]",
    "*bold*",
    "_u_",
    "#{1+1}",
    "<b>жирный</b> &amp;",
    "\\",
]


@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def sp1_pdf(tmp_path_factory):
    """``sp1_pdf(engine)``: the two-block SP1 table with a notice, once per engine."""
    cache: dict[str, bytes] = {}
    folder = tmp_path_factory.mktemp("sp1")

    def get(engine: str) -> bytes:
        if engine not in cache:
            cache[engine] = render_pdf(make_document(notice=NOTICE), folder, engine, f"sp1-{engine}.pdf")
        return cache[engine]

    return get


def is_a4_landscape(page) -> bool:
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    rotate = int(page.get("/Rotate", 0) or 0) % 180
    if rotate:
        width, height = height, width
    return width > height and abs(width - A4_LANDSCAPE[0]) < 1 and abs(height - A4_LANDSCAPE[1]) < 1


# --- the representative table ------------------------------------------------


def test_unknown_engine_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown PDF engine"):
        writers.write(make_document(), tmp_path / "x.pdf", pdf_engine="latex")
    assert not (tmp_path / "x.pdf").exists()


def test_sp1_one_landscape_page(engine, sp1_pdf):
    data = sp1_pdf(engine)
    assert data.startswith(b"%PDF-")
    reader = pdf_reader(data)
    assert len(reader.pages) == 1
    assert is_a4_landscape(reader.pages[0])
    assert reader.metadata.title == TITLE


def test_sp1_texts(engine, sp1_pdf):
    (text,) = pdf_pages_text(sp1_pdf(engine))
    flat = squash(text)
    for expected in ["Приложение 1", "к государственной программе", "Таблица 4", TITLE, EXPENSES,
                     *HEADER_TEXTS, "2021 год", "2025 год", *SOURCES, "Подпрограмма 1",
                     "Департамент социальной защиты населения области", "стр. 1", NOTICE]:
        assert squash(expected) in flat, expected
    assert "1 2 3 4 5 6 7 8 9 10 11" in text      # the numbering row


def test_sp1_figures_russian_style(engine, sp1_pdf):
    (text,) = pdf_pages_text(sp1_pdf(engine))
    for spec in SP1_ROWS:
        for years, total in spec["values"]:
            for value in [*years, total]:
                printed = normalise(numbers.format_number(value))      # NBSP inside: read as spaces
                assert printed in text, printed
    assert "15 736 027,0" in text and "11 560 898,2" in text and "59 850 076,9" in text
    assert text.count("15 736 027,0") == 2
    assert "15736027" not in text and "15 736 027.0" not in text


def test_sp1_figures_do_not_break_inside(engine, sp1_pdf):
    """A figure is never split over two lines (nowrap/NBSP): every one sits on a single line."""
    (text,) = pdf_pages_text(sp1_pdf(engine))
    lines = text.splitlines()
    for figure in ("15 736 027,0", "6 162 840,3", "19 008 607,3"):
        assert any(figure in line for line in lines)


def test_markers_print_in_number_cells(engine, tmp_path):
    doc = make_document()
    table = doc.sections[0].blocks[-1]
    table.body[2].cells[4] = model.Cell(numbers.NO_VALUE)
    table.body[2].cells[5] = model.Cell(numbers.NOT_APPLICABLE)
    (text,) = pdf_pages_text(render_pdf(doc, tmp_path, engine))
    # Typst maps its hyphen glyph to U+00AD (it also draws hyphenation breaks with it) and
    # gives the real "-" as /ActualText, which pypdf does not read: accept either code point.
    assert re.search(r"6 162 840,3\s*[-\u00ad]\s*х\s*19 008 607,3", text), text
    assert "0,0 0,0" not in text.split("6 162 840,3")[1].split("19 008 607,3")[0]


# --- long tables: page breaks and the repeated header ----------------------------


def test_long_table_pages(engine, long_pdf):
    data = long_pdf(engine)
    reader = pdf_reader(data)
    assert 12 <= len(reader.pages) <= 60
    assert all(is_a4_landscape(page) for page in reader.pages)


def test_long_table_header_repeats_on_every_page(engine, long_pdf):
    pages = pdf_pages_text(long_pdf(engine))
    assert len(pages) >= 2
    second = pages[1]
    assert EXPENSES in second
    assert squash("Источник финансового обеспечения") in squash(second)
    assert "1 2 3 4 5 6 7 8 9 10 11" in second
    # the caption is printed once, above the table only
    assert "Таблица 4" in pages[0] and "Таблица 4" not in second
    for number, page in enumerate(pages, start=1):
        assert EXPENSES in page, number
        assert f"стр. {number}" in page


def test_long_table_notice_on_every_page(engine, long_pdf):
    pages = pdf_pages_text(long_pdf(engine))
    assert all(NOTICE in page for page in pages)


def test_long_table_every_row_printed_once(engine, long_pdf):
    pages = pdf_pages_text(long_pdf(engine))
    flat = squash("\n".join(pages))
    blocks = LONG_ROWS // 3
    for k in range(1, blocks + 1):
        assert squash(f"Мероприятие номер {k}") in flat, k
    assert flat.count(squash(f"Мероприятие номер {blocks}")) == 1
    text = "\n".join(pages)
    assert text.count("40 841 469,6") == LONG_ROWS // 3      # one "own" row per block
    assert text.count("15 736 027,0") == LONG_ROWS // 3


def test_very_long_table_typst(tmp_path):
    """2,000 body rows through the default engine: many pages, the header still on the last."""
    data = render_pdf(make_document(2000), tmp_path, "typst")
    reader = pdf_reader(data)
    assert 100 <= len(reader.pages) <= 400
    last = normalise(reader.pages[-1].extract_text())
    assert EXPENSES in last and f"стр. {len(reader.pages)}" in last
    assert squash("Мероприятие номер 667") in squash(last)
    assert is_a4_landscape(reader.pages[-1])


def test_repeat_header_false_is_honoured(engine, tmp_path):
    doc = make_document(45)
    doc.sections[0].blocks[-1].repeat_header = False
    pages = pdf_pages_text(render_pdf(doc, tmp_path, engine))
    assert len(pages) >= 2
    assert EXPENSES in pages[0]
    assert all(EXPENSES not in page for page in pages[1:])


def _positions(data: bytes) -> list[tuple[str, float, float]]:
    out = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            out.append((text, x, y))

    pdf_reader(data).pages[0].extract_text(visitor_text=visit)
    return out


def _y_of(positions, token: str) -> float:
    return next(round(y, 1) for text, _, y in positions if token in text)




@pytest.mark.parametrize("pdf_engine", ["typst", "weasyprint"])
def test_short_row_keeps_next_row_in_place(pdf_engine, tmp_path):
    """A row with fewer cells than columns is legal (Table.slots pads it); the next row must not move up."""
    table = model.Table([model.Column() for _ in range(3)],
                        [model.Row([model.Cell("Аа"), model.Cell("Бб"), model.Cell("Вв")])],
                        [model.Row([model.Cell("r1c1")]),
                         model.Row([model.Cell("r2c1"), model.Cell("r2c2"), model.Cell("r2c3")])],
                        numbering=False)
    doc = model.Document("Короткая строка")
    doc.section().add(table)
    positions = _positions(render_pdf(doc, tmp_path, pdf_engine))
    assert _y_of(positions, "r1c1") > _y_of(positions, "r2c1")
    assert _y_of(positions, "r2c1") == _y_of(positions, "r2c3")


# --- PDF/A -------------------------------------------------------------------------


@pytest.mark.parametrize("pdf_engine", ENGINES)
def test_pdfa_2b(pdf_engine, tmp_path):
    data = render_pdf(make_document(), tmp_path, pdf_engine, pdf_standard="a-2b")
    xmp = pdf_xmp(data)
    assert b"pdfaid" in xmp
    assert b'pdfaid:part="2"' in xmp or b"<pdfaid:part>2</pdfaid:part>" in xmp
    assert b'pdfaid:conformance="B"' in xmp or b"<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    root = pdf_reader(data).trailer["/Root"]
    assert "/OutputIntents" in root
    assert "15 736 027,0" in pdf_pages_text(data)[0]


def test_plain_pdf_declares_no_pdfa(engine, sp1_pdf):
    assert b"pdfaid" not in pdf_xmp(sp1_pdf(engine))


def test_unknown_pdf_standard_refused(engine, tmp_path):
    with pytest.raises(ValueError, match="unknown PDF standard"):
        render_pdf(make_document(), tmp_path, engine, pdf_standard="a-9z")


# --- injection ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def injection_pdf(tmp_path_factory):
    cache: dict[str, bytes] = {}
    folder = tmp_path_factory.mktemp("inj")

    def get(engine: str) -> bytes:
        if engine not in cache:
            doc = make_document(extra_texts=INJECTIONS, notice="{{ 7*7 }} #import \"x\"")
            doc.title = "<script>alert(1)</script> {{ 7*7 }}"
            section = doc.sections[0]
            section.blocks.insert(0, model.Heading("#set page(paper: \"a5\") {{ 7*7 }}"))
            section.add(model.Footnotes(["$a$ @ref ] *bold* _u_ <img src=\"http://example.com/f.png\">"]),
                        model.Signature([("#strong[Министр]", "{% if %}")]))
            cache[engine] = render_pdf(doc, folder, engine, f"inj-{engine}.pdf")
        return cache[engine]

    return get


def test_injection_texts_print_literally(engine, injection_pdf):
    pages = pdf_pages_text(injection_pdf(engine))
    text = "\n".join(pages)
    flat = squash(text)
    for payload in INJECTIONS:
        # each payload is in the name and the executor cell of its row
        assert flat.count(squash(payload)) >= 2, payload
    assert '#import "x"' in text and "{{ 7*7 }}" in text and "<script>alert(1)</script>" in text
    assert squash('#set page(paper: "a5") {{ 7*7 }}') in flat       # heading
    assert squash("$a$ @ref ] *bold* _u_") in flat                  # footnote
    assert squash("#strong[Министр]") in flat and "{% if %}" in text
    assert all(squash('{{ 7*7 }} #import "x"') in squash(page) for page in pages)   # notice


def test_injection_nothing_evaluated(engine, injection_pdf):
    data = injection_pdf(engine)
    text = "\n".join(pdf_pages_text(data))
    assert "49" not in text                  # {{ 7*7 }} not evaluated by Jinja
    assert "alert(1)" in text                # <script> printed, not dropped as markup
    assert "жирный</b>" in text              # <b> printed as text
    reader = pdf_reader(data)
    assert all(is_a4_landscape(page) for page in reader.pages)   # "#set page(paper: a5)" had no effect
    assert reader.metadata.title == "<script>alert(1)</script> {{ 7*7 }}"


def test_html_is_escaped():
    doc = make_document(extra_texts=INJECTIONS)
    html = html_pdf.to_html(doc, templates.default())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "&lt;img src=" in html and '<img src="http' not in html
    assert "{{ 7*7 }}" in html and "{% if %}" in html
    assert "<img" not in html                # the document has no images at all


# --- the WeasyPrint URL fetcher -------------------------------------------------------


@pytest.fixture
def fetcher():
    return html_pdf.url_fetcher_for(templates.default())


@pytest.mark.parametrize("url", [
    "http://example.com/x.png",
    "https://example.com/style.css",
    "ftp://example.com/x",
    "file:///etc/passwd",
    (templates.DEFAULT_DIR / ".." / "generator" / "model.py").as_uri(),
    templates.DEFAULT_DIR.as_uri() + "/%2e%2e/generator/model.py",
    (templates.DEFAULT_DIR / "missing.css").as_uri(),
    "data:text/html,<script>alert(1)</script>",
])
def test_fetcher_refuses(fetcher, url):
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(url)
    assert url in fetcher.refused


def test_fetcher_serves_template_files(fetcher):
    response = fetcher.fetch((templates.DEFAULT_DIR / "style.css").as_uri())
    body = response.read()
    assert b"@page" in body and b"landscape" in body
    assert response.content_type == "text/css"


def test_fetcher_serves_png_data_urls(fetcher):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 8
    import base64
    response = fetcher.fetch("data:image/png;base64," + base64.b64encode(png).decode())
    assert response.read() == png and response.content_type == "image/png"


@pytest.fixture
def no_network(monkeypatch):
    attempts: list = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_img_in_data_fetches_nothing(monkeypatch, no_network, tmp_path):
    made = record_fetchers(monkeypatch)
    doc = make_document(extra_texts=['<img src="http://example.com/x.png">',
                                     '<link rel="stylesheet" href="http://example.com/s.css">'])
    data = render_pdf(doc, tmp_path, "weasyprint")
    (fetcher,) = made
    assert not any("example.com" in url for url in fetcher.requested)
    # only the template's stylesheet and the bundled faces it declares, all inside the template folder
    assert [Path(url).name for url in fetcher.requested] == ["style.css"] + [face[0] for face in fonts.FACES]
    assert all(Path(unquote(urlparse(url).path)).is_relative_to(templates.DEFAULT_DIR) for url in fetcher.requested)
    assert fetcher.refused == []
    assert no_network == []
    assert squash('<img src="http://example.com/x.png">') in squash("".join(pdf_pages_text(data)))


def _overlay(folder: Path, extra_css: str, with_html: bool) -> Path:
    folder.mkdir()
    css = (templates.DEFAULT_DIR / "style.css").read_text(encoding="utf-8")
    (folder / "style.css").write_text(css + "\n" + extra_css, encoding="utf-8")
    if with_html:
        html = (templates.DEFAULT_DIR / "document.html.j2").read_text(encoding="utf-8")
        (folder / "document.html.j2").write_text(html, encoding="utf-8")
    return folder


def test_template_overlay_cannot_fetch(monkeypatch, no_network, tmp_path):
    """Even a user stylesheet asking for remote and local files gets nothing."""
    overlay = _overlay(tmp_path / "tpl", 'body { background: url("http://example.com/bg.png"); }\n'
                       '@font-face { font-family: X; src: url("file:///etc/passwd"); }\n'
                       'p { font-family: X; }\n', with_html=True)
    made = record_fetchers(monkeypatch)
    data = html_pdf.render(make_document(), templates=str(overlay))
    (fetcher,) = made
    assert (overlay / "style.css").as_uri() in fetcher.requested
    assert "http://example.com/bg.png" in fetcher.refused
    assert "file:///etc/passwd" in fetcher.refused
    assert no_network == []
    assert "15 736 027,0" in pdf_pages_text(data)[0]


def test_overlay_stylesheet_alone_is_used(tmp_path):
    overlay = _overlay(tmp_path / "tpl", "@page wide { size: A5 landscape; }\n", with_html=False)
    reader = pdf_reader(html_pdf.render(make_document(), templates=str(overlay)))
    page = reader.pages[0]
    assert abs(float(page.mediabox.width) - 595.28) < 1 and abs(float(page.mediabox.height) - 419.53) < 1
