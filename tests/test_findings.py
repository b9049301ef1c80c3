"""One findings type (rule, severity, file, line, column, field, message, figures) and one printer, for the
loader, the control relations, the importer and the calculations; annual-fact errors keep their location."""

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from generator import effectiveness, findings, rules
from generator.annual.evaluate import evaluate_program, load_facts
from generator.data import DataError, DataErrors, load_program
from generator.quarterly.importer import Problem

DATA = Path(__file__).resolve().parents[1] / "data" / "social-support-vologda"


def test_every_kind_of_finding_is_a_finding():
    data = DataError("expected a number", "sp1.yaml", 12, 7, "financing.rows[0]")
    assert isinstance(data, findings.Finding) and isinstance(data, Exception)
    assert str(data) == findings.text(data) == "sp1.yaml:12:7: financing.rows[0]: expected a number"
    found = rules.Finding("сумма не сходится", "sp1.yaml", 40, None, "financing.rows[2]", "F01", "error",
                          numbers={"сумма": "6,0"}, codes=["1.1"])
    assert isinstance(found, findings.Finding) and found.figures == {"сумма": "6,0"}
    assert list(found.to_dict()) == ["rule", "severity", "message", "file", "line", "codes", "numbers",
                                     "difference", "source_line", "field", "cells"]       # validate --json as before
    assert findings.block(found) == ["ОШИБКА    F01  sp1.yaml:40", "        сумма не сходится"]   # Russian by default
    assert findings.text(found) == "[F01] sp1.yaml:40: financing.rows[2]: сумма не сходится"
    problem = Problem("VALUE", "не число", "Отчет", "C7", "число", "abc").as_finding("form.xlsx")
    assert (problem.rule, problem.file, problem.field, problem.figures) == \
        ("VALUE", "form.xlsx", "Отчет!C7", {"expected": "число", "found": "abc"})
    assert findings.text(problem) == "[VALUE] form.xlsx: Отчет!C7: не число"
    with pytest.raises(effectiveness.CalculationError) as caught:
        effectiveness.achievement(Decimal(5), Decimal(0), "increase", Decimal(1), "показатель")
    calc = caught.value.finding("2021.yaml", 45, "indicators[0]")
    assert calc.rule == "CALC" and calc.line == 45 and calc.message == str(caught.value)
    assert findings.to_json([data, calc])[0] == {"message": "expected a number", "file": "sp1.yaml", "line": 12,
                                                 "column": 7, "field": "financing.rows[0]", "rule": None,
                                                 "severity": "error", "figures": {}}


def test_annual_fact_errors_keep_their_location(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("source", "editions"))
    facts_file = folder / "annual" / "2021.yaml"
    text = facts_file.read_text(encoding="utf-8")
    text = text.replace('- {subprogram: null, code: "5", plan: 0.7,', '- {subprogram: null, code: "55", plan: 0.7,')
    text = text.replace('- {subprogram: null, code: "1", plan: 100, fact: 100}',
                        '- {subprogram: null, code: "1", plan: 0, fact: 100}')
    facts_file.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    line_55 = next(i for i, t in enumerate(lines, 1) if 'code: "55"' in t)
    line_1 = next(i for i, t in enumerate(lines, 1) if 'code: "1", plan: 0,' in t)
    program = load_program(folder)
    with pytest.raises(DataErrors) as caught:
        evaluate_program(program, load_facts(folder, 2021))
    errors = {e.line: e for e in caught.value.errors}
    assert set(errors) == {line_1, line_55}
    assert all(Path(e.file) == facts_file for e in errors.values())
    assert "'55'" in errors[line_55].message and "does not exist" in errors[line_55].message
    assert str(errors[line_55]).startswith(f"{facts_file}:{line_55}: indicators[")
