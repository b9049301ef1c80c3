"""Property (issue 20): data that ``validate`` accepts builds in every format, with both PDF engines,
without an exception. Texts are drawn from all of Unicode (validate refuses what no writer can carry and
what the PDF font lacks), figures from the money the loader accepts, dates from the range a ZIP timestamp
holds; whatever validate lets through must render."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "tiny-program"

def _covered() -> list[str]:
    from generator import fonts
    return sorted(chr(c) for c in fonts.coverage() if chr(c).isprintable() or chr(c) in "\n\t")


# half the texts from the characters the PDF font has (mostly accepted), half from all of Unicode (mostly
# refused by validate: a character the font lacks, a control character, a noncharacter)
texts = st.one_of(st.text(st.sampled_from(_covered()), min_size=1, max_size=300),
                  st.text(st.characters(codec="utf-8"), min_size=1, max_size=300))
money = st.decimals(min_value=Decimal("0"), max_value=Decimal("999999999.99999"), places=5,
                    allow_nan=False, allow_infinity=False)
dates = st.dates(min_value=dt.date(1975, 1, 1), max_value=dt.date(2110, 12, 31))


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=True)          # a YAML double-quoted scalar: every character escaped


def _write(folder: Path, goal: str, activity: str, unit_total: Decimal, edition: dt.date) -> None:
    shutil.copytree(FIXTURE, folder)
    program = folder / "program.yaml"
    text = program.read_text(encoding="utf-8")
    text = text.replace('goal: "повышение качества жизни семей с детьми"', f"goal: {_quoted(goal)}", 1)
    text = text.replace("  date: 2024-03-15", f"  date: {edition.isoformat()}", 1)
    program.write_text(text, encoding="utf-8")
    sp1 = folder / "subprograms" / "sp1.yaml"
    text = sp1.read_text(encoding="utf-8")
    text = text.replace('name: "Основное мероприятие 1.1 \\"Выплаты семьям с детьми\\""',
                        f"name: {_quoted(activity)}", 1)
    # a passport figure of SP1: accepted only when it still agrees with table 4 (else validate refuses)
    text = text.replace("total: 663.0,", f"total: {unit_total},", 1)
    sp1.write_text(text, encoding="utf-8")


def _build_if_valid(tmp: Path, engine: str, goal, activity, total, edition) -> bool:
    from generator.builders import program_package
    from generator.package import Options, build
    from generator.validation import validate_folder

    folder = tmp / "data"
    _write(folder, goal, activity, total, edition)
    report = validate_folder(folder)
    if report.blocking:
        return False
    planned = [p for p in program_package(report.program, report.located)
               if p.name in ("00-programma-pasport", "11-podprogramma-1-tablicy")]
    assert len(planned) == 2
    out = tmp / "out"
    manifest = build(planned, out, Options(formats=("docx", "xlsx", "pdf"), pdf_engine=engine, jobs=1,
                                           incremental=False), {"date": report.program.edition.date.isoformat()})
    assert len(manifest["files"]) == 6
    assert all((out / f["file"]).stat().st_size > 0 for f in manifest["files"])
    return True


def _run(tmp_path_factory, engine, goal, activity, total, edition):
    tmp = tmp_path_factory.mktemp("prop")
    try:
        _build_if_valid(tmp, engine, goal, activity, total, edition)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(goal=texts, activity=texts, total=st.one_of(st.just(Decimal("663.0")), money), edition=dates)
def test_accepted_data_builds_with_typst(tmp_path_factory, goal, activity, total, edition):
    pytest.importorskip("typst")
    _run(tmp_path_factory, "typst", goal, activity, total, edition)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(goal=texts, activity=texts, total=st.just(Decimal("663.0")), edition=dates)
def test_accepted_data_builds_with_weasyprint(tmp_path_factory, goal, activity, total, edition):
    pytest.importorskip("weasyprint")
    _run(tmp_path_factory, "weasyprint", goal, activity, total, edition)


def test_the_property_sees_accepted_data(tmp_path):
    """The property is not vacuous: ordinary Cyrillic text with a valid date is accepted and built."""
    assert _build_if_valid(tmp_path, "typst", "цель «программы» — №1", "мероприятие 1.1", Decimal("663.0"),
                           dt.date(2024, 3, 15))
