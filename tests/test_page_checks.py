"""The page checker of the print-quality tests (``tests/pdf_layout.py``) finds what it is there to find: here, a
table's footnote printed alone on a page (the check ``test_layout`` and the any-program tests rely on)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import make_document  # noqa: E402
from pdf_layout import footnotes_of, page_problems  # noqa: E402

from generator import model  # noqa: E402
import pytest  # noqa: E402

from generator.writers import html_pdf, typst_pdf  # noqa: E402

ENGINES = {"typst": typst_pdf, "weasyprint": html_pdf}

NOTE = "(1) - 1 - официальная статистическая информация Росстата (условная сноска проверки)"


def _with_footnote(page_break: bool) -> model.Document:
    doc = make_document()
    section = doc.sections[0]
    if page_break:
        section.add(model.PageBreak())
    section.add(model.Footnotes([NOTE]))
    return doc


@pytest.mark.parametrize("engine", ENGINES)
def test_a_footnote_alone_on_a_page_is_found(engine):
    doc = _with_footnote(page_break=True)
    notes = footnotes_of(doc)
    assert notes and "(1)1официальнаястатистическая" in notes[0]
    problems = page_problems(io.BytesIO(ENGINES[engine].render(doc)), {}, "alone", footnotes=notes)
    assert problems == ["alone p. 2: a footnote alone on a page"], problems


@pytest.mark.parametrize("engine", ENGINES)
def test_a_footnote_under_its_table_is_not_a_problem(engine):
    doc = _with_footnote(page_break=False)
    problems = page_problems(io.BytesIO(ENGINES[engine].render(doc)), {}, "kept", footnotes=footnotes_of(doc))
    assert not [p for p in problems if "footnote" in p], problems
