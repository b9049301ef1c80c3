"""Print quality of any program, page by page (issue 22): programs of 3, 10 and 17 years with 2 to 6 funding
sources, and the second realistic fixture (a municipal program of 2014-2030), through both PDF engines and the
DOCX through LibreOffice, checked by :mod:`pdf_layout` as the default package is in ``test_layout.py`` (a file of
its own, so that the two long runs share the machine's cores).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

WORKERS = max(1, min(4, os.cpu_count() or 1))


# The widest shape (17 years, 6 sources) goes through every route; the narrower two through the default engine
# only: the second engine and LibreOffice meet nothing in them that the widest one and the municipal fixture do
# not (both print every table whole or in parts by the same model rule), and they cost a third of the suite's time.
@pytest.mark.parametrize("years, sources, engines, docx", [(3, 2, ("typst",), False), (10, 4, ("typst",), False),
                                                           (17, 6, ("typst", "weasyprint"), True)])
def test_pages_of_synthetic_programs(tmp_path, years, sources, engines, docx):
    """Programs of 3, 10 and 17 years with 2 to 6 sources: every page passes the page checks (no text
    outside its cell, no number broken across lines) -- the 17-year one in both PDF engines and in the DOCX
    through LibreOffice; the widest tables print in parts ("Таблица 4 (продолжение)")."""
    from pdf_layout import package_problems

    from generator.synthetic import write_program
    data = write_program(tmp_path / "program", first_year=2031 - years, last_year=2030, sources=sources,
                         subprograms=2, activities=2, seed=years)
    problems = package_problems(data, tmp_path / "out", engines=engines, docx=docx, workers=WORKERS)
    assert not problems, "\n".join(problems[:40])
    if years >= 10:
        (tables,) = (tmp_path / "out" / "typst").rglob("11-podprogramma-1-tablicy.pdf")
        import pdfplumber
        with pdfplumber.open(str(tables)) as pdf:
            text = " ".join((page.extract_text() or "") for page in pdf.pages).replace("\u00a0", " ")
        assert "Таблица 4 (продолжение)" in text
