"""Synthetic programs (generator/synthetic.py, issue 22): any period, 2 to 6 funding sources, any size.

A generated folder is deterministic, passes ``gosprog validate`` with no error and no warning, and
``gosprog build`` makes every document of it, with the generated figures in the rendered files.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from generator import rules
from generator.cli import main
from generator.data import load_program
from generator.numbers import format_number
from generator.synthetic import SOURCES, write_program


def _run(*args):
    return CliRunner().invoke(main, ["--lang", "ru", *[str(a) for a in args]])


def test_same_arguments_same_bytes(tmp_path):
    a = write_program(tmp_path / "a", first_year=2019, last_year=2030, sources=4, seed=7)
    b = write_program(tmp_path / "b", first_year=2019, last_year=2030, sources=4, seed=7)
    c = write_program(tmp_path / "c", first_year=2019, last_year=2030, sources=4, seed=8)
    files = sorted(p.relative_to(a) for p in a.rglob("*.yaml"))
    assert files == sorted(p.relative_to(b) for p in b.rglob("*.yaml"))
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    assert (a / "subprograms/sp1.yaml").read_bytes() != (c / "subprograms/sp1.yaml").read_bytes()


@pytest.mark.parametrize("first, last, sources", [(2024, 2026, 2), (2021, 2030, 6), (2014, 2030, 6),
                                                  (2014, 2030, 2), (2019, 2030, 4)])
def test_generated_program_has_its_shape_and_no_findings(tmp_path, first, last, sources):
    folder = write_program(tmp_path / "p", first_year=first, last_year=last, sources=sources, subprograms=3,
                           activities=4, items=2, seed=first)
    program, located = load_program(folder, with_locations=True)
    assert program.years == list(range(first, last + 1))
    assert [s.key for s in program.sources] == ["total"] + [s[0] for s in SOURCES[:sources]]
    assert program.edition.sample is True
    assert len(program.subprograms) == 3
    findings = rules.check(program, located)
    assert [f.message for f in findings if f.severity in ("error", "warning")] == []
    # the passport is the sum of the subprograms, every source
    for block in program.passport.financing[1:]:
        top = [next(r for r in s.financing.rows if r.kind == "subprogram").source(block.key) for s in program.subprograms]
        assert block.total == sum(line.total for line in top)
    # some activities have two executors (activity_executor rows), and both are named in table 3
    sp1 = program.subprograms[0]
    assert [r.kind for r in sp1.financing.rows].count("activity_executor") == 2
    two = next(a for a in sp1.activities.items if a.code == "1.3")
    assert two.executors.count("Департамент") == 2


@pytest.mark.parametrize("first, last, sources", [(2024, 2026, 2), (2021, 2030, 6), (2014, 2030, 6),
                                                  (2014, 2030, 2)])
def test_validate_and_build_succeed_through_the_cli(tmp_path, first, last, sources):
    folder = write_program(tmp_path / "data", first_year=first, last_year=last, sources=sources, subprograms=2,
                           activities=3, items=2, seed=3)
    result = _run("validate", folder)
    assert result.exit_code == 0, result.output
    assert "новых ошибок: 0" in result.output
    out = tmp_path / "out"
    result = _run("build", folder, "--out", out, "-q")
    assert result.exit_code == 0, result.output
    program = load_program(folder)
    edition = out / program.code / program.edition.date.isoformat()
    manifest = json.loads((edition / "manifest.json").read_text(encoding="utf-8"))
    names = {f["file"] for f in manifest["files"]}
    for stem in ("00-programma-pasport", "01-programma-tablicy", "11-podprogramma-1-tablicy",
                 "12-podprogramma-2-pasport"):
        for ext in ("docx", "xlsx", "pdf"):
            assert (edition / f"{stem}.{ext}").stat().st_size > 0
            assert f"{stem}.{ext}" in names
    # the last year's column of table 4 carries the generated figure of the subprogram row
    top = next(r for r in program.subprograms[0].financing.rows if r.kind == "subprogram")
    wb = load_workbook(edition / "11-podprogramma-1-tablicy.xlsx")
    cells = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert f"{last}\u00a0год" in cells and f"всего за {first} - {last}\u00a0годы" in cells
    own = top.source("own").values[-1]
    assert any(isinstance(v, (int, float)) and Decimal(str(v)) == own for v in cells)
    from conftest import pdf_pages_text, squash
    pages = pdf_pages_text((edition / "11-podprogramma-1-tablicy.pdf").read_bytes())
    assert squash(format_number(own, None)) in squash(" ".join(pages))
    assert "Образец (условные данные)" in pages[0]
