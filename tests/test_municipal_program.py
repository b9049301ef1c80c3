"""The second realistic fixture (tests/fixtures/municipal-program, issue 22): a municipal program of
2014-2030 with six funding sources, no subsidies, no tax expenditures, no appendices, "less is better"
indicators, two executors in some activities; one planted inconsistency per funding source, each found.
``validate``, ``build`` and ``annual`` run on it through the command line."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from conftest import pdf_pages_text, squash
from generator.cli import main
from generator.data import load_program
from generator.numbers import format_number
from generator.validation import validate_folder

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "municipal-program"

# (funding source, the rule that finds its planted error, file, field, figures) - see
# tests/fixtures/make_municipal_program.py PLANTED
PLANTED = [
    ("local", "F01", "subprograms/sp2.yaml", {"years sum": "78 987 382,4", "printed total": "78 987 482,4"}),
    ("regional", "F10", "subprograms/sp1.yaml", {"таблица 4": "2 086 845,4", "паспорт": "2 086 895,4"}),
    ("federal", "F08", "subprograms/sp2.yaml", {"years sum": "9 594 700,2", "printed": "9 594 701,2"}),
    ("extrabudgetary", "F06", "program.yaml", {"sum": "2 976,8", "printed": "2 983,8"}),
    ("corporation", "F03", "subprograms/sp3.yaml", {"executors sum": "431 968,3", "printed": "431 963,3"}),
    ("settlements", "F02", "subprograms/sp1.yaml", {"sources sum": "11 425 297,8", "printed": "11 425 294,8"}),
]


def _run(*args):
    result = CliRunner().invoke(main, ["--lang", "ru", *[str(a) for a in args]])
    try:
        return result, result.output + result.stderr
    except ValueError:
        return result, result.output


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def test_fixture_differs_from_the_default_in_every_dimension():
    program = load_program(FIXTURE)
    assert program.years == list(range(2014, 2031))
    assert (program.kind, program.budget) == ("municipal", "local")
    assert [s.key for s in program.sources] == ["total", "local", "regional", "federal", "settlements",
                                                 "extrabudgetary", "corporation"]
    assert program.tax_expenditures is None and program.indicators is None
    assert not (FIXTURE / "subsidies").exists()
    assert all(not s.tables for s in program.subprograms)                  # no appendices
    two = [a for s in program.subprograms for a in s.activities.items if a.executors.count("Управление") == 2]
    assert len(two) == 3
    decrease = [i for s in program.subprograms for i in s.indicators.items if i.direction == "decrease"]
    assert len(decrease) == 3
    assert all(i.formula is None and not i.variables for i in program.subprograms[2].indicators.items)


def test_each_planted_inconsistency_is_found_once_per_source():
    report = validate_folder(FIXTURE)
    assert not report.errors and not report.blocking
    errors = [f for f in report.findings if f.severity == "error"]
    assert {id(f) for f in errors} == {id(f) for f in report.known}          # all accepted as known
    program = load_program(FIXTURE)
    labels = {s.key: s.label for s in program.sources}
    for source, rule, file, figures in PLANTED:
        found = [f for f in errors if f.rule == rule and Path(f.file) == FIXTURE / file
                 and all(f.numbers.get(k, "").replace("\u00a0", " ") == v for k, v in figures.items())]
        assert len(found) == 1, (source, rule, [(f.rule, f.message) for f in errors if f.rule == rule])
        message = _plain(found[0].message)
        passport_label = {"regional": "за счет субсидий и субвенций из областного бюджета",
                          "extrabudgetary": "за счет внебюджетных источников"}
        assert (labels[source] in message or passport_label.get(source, labels[source]) in message
                or rule in ("F02", "F08")), message
    # the six planted errors are six different relations
    assert len({rule for _, rule, _, _ in PLANTED}) == 6


def test_validate_without_the_known_list_reports_each_planted_error(tmp_path):
    folder = tmp_path / "municipal-program"
    shutil.copytree(FIXTURE, folder)
    (folder / "known-findings.yaml").unlink()
    result, output = _run("validate", folder)
    assert result.exit_code == 1
    output = _plain(output)
    for source, rule, file, figures in PLANTED:
        assert any(line.split()[:2] in (["ОШИБКА", rule], ["и", rule]) and f"/{file}:" in line
                   for line in output.splitlines()), rule
        assert all(v in output for v in figures.values()), (rule, figures)
    result, output = _run("validate", FIXTURE)
    assert result.exit_code == 0, output
    assert "новых ошибок: 0" in output and "ИЗВЕСТНО  F06" in output


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("municipal")
    result, output = _run("build", FIXTURE, "--out", out, "-q")
    assert result.exit_code == 0, output
    return out / "sokol-education" / "2014-03-01"


def test_build_speaks_of_a_municipal_program_and_the_local_budget(built):
    text = _plain(" ".join(pdf_pages_text((built / "00-programma-pasport.pdf").read_bytes())))
    assert "муниципальной программы" in text
    assert "государственнойпрограмм" not in squash(text) and "областногобюджета" not in squash(text).replace(
        "субсидийисубвенцийизобластногобюджета", "")          # a source's own label names the regional budget
    assert squash("Объемы финансового обеспечения муниципальной программы за счет средств местного бюджета") \
        in squash(text)
    assert "постановлением администрации" in text
    # the financing paragraph: one "из них" (the sources of the total), the six sources after it
    program = load_program(FIXTURE)
    paragraph = squash(text).replace("-", "")           # a dash may come out as a soft hyphen
    assert paragraph.count("изних") == 1
    total = program.passport.financing[0]
    assert squash(f"общий объем финансового обеспечения муниципальной программы {format_number(total.total, 1)} "
                  "тыс. рублей, в том числе по годам реализации: 2014 год") in paragraph
    assert squash(f"2030 год {format_number(total.years[-1], 1)} тыс. рублей, из них: за счет средств местного "
                  "бюджета") in paragraph
    for block in program.passport.financing[1:]:
        assert squash(block.label).replace("-", "") in paragraph
    # indicators: no blank cell where the program has no table of its own
    assert squash(program.subprograms[0].indicators.items[0].name) in squash(text)


def test_build_prints_the_2030_column(built):
    program = load_program(FIXTURE)
    sp1 = program.subprograms[0]
    top = next(r for r in sp1.financing.rows if r.kind == "subprogram")
    local_2030 = top.source("local").values[-1]
    wb = load_workbook(built / "11-podprogramma-1-tablicy.xlsx")
    cells = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert "2030\u00a0год" in cells and "всего за 2014 - 2030\u00a0годы" in cells
    assert "Расходы (тыс. руб.)" in [_plain(v) for v in cells if isinstance(v, str)]
    assert any(_plain(str(v)).startswith("Финансовое обеспечение реализации основных мероприятий подпрограммы 1 за счет "
                                 "средств местного бюджета") for v in cells)
    assert any(isinstance(v, (int, float)) and Decimal(str(v)) == local_2030 for v in cells)
    pages = pdf_pages_text((built / "11-podprogramma-1-tablicy.pdf").read_bytes())
    assert squash(format_number(local_2030, 1)) in squash(" ".join(pages))
    # subprogram 3's indicators never had a methodology: no empty table 2, nothing says a formula was lost;
    # subprogram 1 prints its table 2
    text = squash(" ".join(pdf_pages_text((built / "13-podprogramma-3-tablicy.pdf").read_bytes())))
    assert "отсутствует" not in text and squash("Сведения о порядке сбора информации") not in text
    assert squash("Сведения о целевых показателях (индикаторах) подпрограммы 3") in text
    assert squash("Сведения о порядке сбора информации") in squash(" ".join(pages))
    # the fallback passport of subprogram 2 names each executor once
    wb = load_workbook(built / "12-podprogramma-2-pasport.xlsx")
    row = next(r for ws in wb.worksheets for r in ws.iter_rows(values_only=True)
               if r[0] and str(r[0]).startswith("Исполнители подпрограммы"))
    names = row[1].split("; ")
    assert len(names) == len(set(names)) == 2
    assert "Управление культуры, спорта и молодежной политики администрации Сокольского муниципального округа" in names


def test_annual_without_subsidies_makes_only_the_evaluation(tmp_path):
    result, output = _run("annual", FIXTURE, "--year", "2024", "--out", tmp_path)
    assert result.exit_code == 0, output
    assert "к возврату" not in output and "эффективность программы 0,888" in output
    destination = tmp_path / "sokol-education" / "annual" / "2024"
    manifest = json.loads((destination / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(f["file"] for f in manifest["files"]) == [
        "03-ocenka-effektivnosti.docx", "03-ocenka-effektivnosti.pdf", "03-ocenka-effektivnosti.xlsx"]
    text = _plain(" ".join(pdf_pages_text((destination / "03-ocenka-effektivnosti.pdf").read_bytes())))
    assert "Оценка эффективности реализации муниципальной программы" in text
    assert "2. Исполнение расходов местного бюджета" in text
    # the plan of activity 1.1 in 2024 fails F02 (the planted settlements figure): the document says so
    assert "11 425 294,8*" in text
    assert "мероприятие 1.1, план 11 425 294,8 тыс. руб.: F02" in squash(text) or \
        squash("мероприятие 1.1, план 11 425 294,8 тыс. руб.: F02") in squash(text)


def test_annual_refuses_subsidy_results_without_subsidies(tmp_path):
    folder = tmp_path / "municipal-program"
    shutil.copytree(FIXTURE, folder)
    facts = folder / "annual" / "2024.yaml"
    facts.write_text(facts.read_text(encoding="utf-8") + "subsidy_results:\n  - {subsidy: camps, municipality: x, "
                     "received: 1.0, used: 1.0, unused: 0.0, values: {}}\n", encoding="utf-8")
    result, output = _run("annual", folder, "--year", "2024", "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "даны результаты субсидий, но у программы нет папки subsidies/" in output
    assert not (tmp_path / "out" / "sokol-education" / "annual" / "2024").exists()
