"""The tiny fixture program (tests/fixtures/tiny-program): a second, differently shaped program.

3 years (2024-2026), four funding-source lines ("всего" + own + federal + municipal), two
subprograms (one with a printed passport, one with an `absent` list). Its invented figures are
built so that every control relation holds; one changed figure must give exactly F01, F02, F04.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from generator import rules
from generator.data import load_program

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "tiny-program"
D = Decimal


@pytest.fixture(scope="module")
def loaded():
    return load_program(FIXTURE, with_locations=True)


def _sub(program, code):
    return next(s for s in program.subprograms if s.code == code)


def _line(row, key):
    return next(s for s in row.sources if s.source == key)


def test_fixture_loads_with_its_shape(loaded):
    program, located = loaded
    assert program.code == "tiny-program"
    assert program.years == [2024, 2025, 2026]
    assert [s.key for s in program.sources] == ["total", "own", "federal", "municipal"]
    assert [a.number for a in program.amendments] == ["1180", "250"]
    assert [s.code for s in program.subprograms] == ["1", "2"]
    sp1, sp2 = program.subprograms
    assert sp1.passport is not None and sp1.absent == []
    assert [f.label for f in sp1.passport.fields][0] == "Ответственный исполнитель подпрограммы 1"
    assert [b.key for b in sp1.passport.financing] == ["total", "own", "federal", "municipal"]
    assert sp2.passport is None
    assert [a.table for a in sp2.absent] == ["Паспорт", "Таблица 1", "Таблица 5"]
    for sub in (sp1, sp2):
        assert sub.indicators and len(sub.indicators.items) == 2
        assert sub.activities and len(sub.activities.items) == 2
        kinds = [r.kind for r in sub.financing.rows]
        assert kinds[0] == "subprogram" and "executor" in kinds
        assert kinds.count("activity") == 2 and kinds.count("item") == 2
        assert sub.forecast is not None and len(sub.forecast.rows) == 3
    assert sp2.forecast.table == "Таблица 6"
    # numbers are exact decimals, never floats
    assert _line(sp2.financing.rows[0], "municipal").total == D("83.1")
    assert located.files["sp2"].name == "sp2.yaml"


def test_fixture_has_no_errors_and_no_warnings(loaded):
    findings = rules.check(*loaded)
    assert [f for f in findings if f.severity == "error"] == []
    assert [f for f in findings if f.severity == "warning"] == []
    gaps = sorted((f.rule, Path(f.file).name, f.source_line) for f in findings if f.severity == "gap")
    assert gaps == [("G01", "sp2.yaml", 212), ("G01", "sp2.yaml", 214), ("G01", "sp2.yaml", 335)]


def test_fixture_passport_agrees_with_the_tables(loaded):
    """Checked here directly, independent of rules.py: every passport block equals the tables."""
    program, _ = loaded
    blocks = {b.key: b.years + [b.total] for b in program.passport.financing}

    def table_sum(key):
        vectors = []
        for sub in program.subprograms:
            top = sub.financing.rows[0]
            line = _line(top, key)
            vectors.append(line.values + [line.total])
        return [sum(col, D(0)) for col in zip(*vectors)]

    for key in ("own", "federal", "municipal", "total"):
        assert blocks[key] == table_sum(key), key
    assert blocks["budget"] == [o + f for o, f in zip(blocks["own"], blocks["federal"])]
    assert blocks["total"] == [b + m for b, m in zip(blocks["budget"], blocks["municipal"])]
    # the subprogram passport repeats its table 4 subprogram row
    sp1 = _sub(program, "1")
    for block in sp1.passport.financing:
        line = _line(sp1.financing.rows[0], block.key)
        assert block.years + [block.total] == line.values + [line.total], block.key


def test_fixture_forecasts_repeat_table4_sources(loaded):
    program, _ = loaded
    for sub in program.subprograms:
        top = sub.financing.rows[0]
        by_label = {r.label: r.values + [r.total] for r in sub.forecast.rows}
        federal, municipal = _line(top, "federal"), _line(top, "municipal")
        assert by_label["Федеральный бюджет"] == federal.values + [federal.total]
        assert by_label["Бюджеты муниципальных образований области"] == municipal.values + [municipal.total]


BROKEN_OLD = '{source: "own", label: "собственные доходы областного бюджета", values: [80.0, 80.0, 80.0], total: 240.0}'
BROKEN_NEW = '{source: "own", label: "собственные доходы областного бюджета", values: [80.0, 85.0, 80.0], total: 240.0}'


@pytest.fixture
def broken(tmp_path):
    """A copy where activity 2.2's own funds for 2025 read 85.0 instead of 80.0."""
    folder = tmp_path / "tiny-program"
    shutil.copytree(FIXTURE, folder)
    path = folder / "subprograms" / "sp2.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(BROKEN_OLD) == 1
    path.write_text(text.replace(BROKEN_OLD, BROKEN_NEW), encoding="utf-8")
    changed = next(i for i, line in enumerate(text.splitlines(), 1) if BROKEN_OLD in line)
    return folder, changed


def test_broken_copy_gives_exactly_f01_f02_f04(broken):
    folder, changed_line = broken
    program, located = load_program(folder, with_locations=True)
    findings = rules.check(program, located)
    errors = [f for f in findings if f.severity == "error"]
    assert sorted(f.rule for f in errors) == ["F01", "F02", "F04"], [f.message for f in errors]
    assert [f for f in findings if f.severity == "warning"] == []
    by_rule = {f.rule: f for f in errors}
    text = (folder / "subprograms" / "sp2.yaml").read_text(encoding="utf-8").splitlines()

    f01 = by_rule["F01"]        # activity 2.2, own line: 80 + 85 + 80 = 245 against the printed 240
    assert Path(f01.file).name == "sp2.yaml" and f01.line == changed_line
    assert f01.numbers == {"years sum": "245,0", "printed total": "240,0"}
    assert f01.difference == "-5,0"
    assert f01.codes == ["2", "2.2"] and f01.source_line == 321

    f02 = by_rule["F02"]        # activity 2.2, 2025: own 85 + municipal 20 = 105 against "всего" 100
    assert Path(f02.file).name == "sp2.yaml"
    assert "values: [100.0, 100.0, 100.0], total: 300.0" in text[f02.line - 1]
    assert f02.numbers == {"sources sum": "105,0", "printed": "100,0"}
    assert f02.difference == "-5,0"
    assert "2025 год" in f02.message and f02.source_line == 321

    f04 = by_rule["F04"]        # subprogram 2, own, 2025: activities 325.3 + 85 = 410.3 against 405.3
    assert Path(f04.file).name == "sp2.yaml"
    assert 'values: [380.0, 405.3, 415.3], total: 1200.6' in text[f04.line - 1]
    assert f04.numbers == {"main activities sum": "410,3", "printed": "405,3"}
    assert f04.difference == "-5,0"
    assert "2025 год" in f04.message and f04.codes == ["2", "1."] and f04.source_line == 265


def test_cli_validate_fixture():
    pytest.importorskip("generator.cli")
    from click.testing import CliRunner

    from generator.cli import main

    result = CliRunner().invoke(main, ["validate", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    assert "новых ошибок: 0, предупреждений: 0, пробелов в источнике: 3" in result.output


def test_cli_validate_broken_copy_fails(broken):
    pytest.importorskip("generator.cli")
    from click.testing import CliRunner

    from generator.cli import main

    folder, _ = broken
    result = CliRunner().invoke(main, ["validate", str(folder)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    # one changed figure breaks three relations (F01, F02, F04): one error, its relations listed under it
    assert "новых ошибок: 1," in result.output
    assert [line.split()[1]
            for line in result.output.splitlines() if line.startswith(("ОШИБКА", "  и"))] == ["F01", "F02", "F04"]
