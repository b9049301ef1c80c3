"""Print quality of the second realistic fixture (tests/fixtures/municipal-program: a municipal program of
2014-2030, six sources), page by page through both PDF engines and the DOCX through LibreOffice (issue 22); a
file of its own, so that it runs beside the synthetic programs' checks (``test_layout_any_program.py``).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

WORKERS = max(1, min(4, os.cpu_count() or 1))


def test_pages_of_the_municipal_fixture(tmp_path):
    """The second realistic program (tests/fixtures/municipal-program: 2014-2030, six sources, a municipal
    budget, two executors in some activities) passes the same page checks in both PDF engines and in DOCX
    through LibreOffice (issue 22)."""
    from pdf_layout import package_problems
    data = tmp_path / "municipal-program"
    shutil.copytree(Path(__file__).parent / "fixtures" / "municipal-program", data)
    problems = package_problems(data, tmp_path / "out", workers=WORKERS)
    assert not problems, "\n".join(problems[:40])
