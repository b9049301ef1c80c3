"""Editions: the diff of two program folders and the comparison documents (gosprog diff).

The sample edition data/social-support-vologda/editions/2021-08-17-sample is the current
edition with a handful of hand-made changes (listed at the top of its program.yaml); these
tests pin exactly those changes, their totals and how they appear in DOCX, XLSX and PDF.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import diff, model, writers
from generator.builders import editions
from generator.cli import main
from generator.data import load_program

from conftest import normalise, pdf_pages_text

ROOT = Path(__file__).resolve().parent.parent
CURRENT = ROOT / "data" / "social-support-vologda"
SAMPLE = CURRENT / "editions" / "2021-08-17-sample"
D = Decimal
NOTICE = "Образец (условные данные)"


@pytest.fixture(scope="module")
def current():
    return load_program(CURRENT)


@pytest.fixture(scope="module")
def sample():
    return load_program(SAMPLE)


@pytest.fixture(scope="module")
def result(sample, current):
    return diff.compare(sample, current)


def _copy(folder: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    shutil.copy(folder / "program.yaml", target / "program.yaml")
    shutil.copytree(folder / "subprograms", target / "subprograms")
    return target


def _replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- the sample edition ------------------------------------------------------------


def test_sample_edition_is_marked_and_loads(sample, current):
    assert sample.edition.sample is True and "условные" in sample.edition.note
    assert (sample.edition.date.isoformat(), sample.edition.act_date.isoformat(), sample.edition.number) == \
        ("2021-08-17", "2021-08-16", "900")
    assert sample.amendments[-1].number == "900"
    assert [a.number for a in sample.amendments] == [a.number for a in current.amendments][:-1]
    assert current.edition.sample is False


def test_sample_edition_keeps_the_acts_own_errors_and_adds_none(sample, current):
    from generator import rules
    from generator.data import load_program as load

    def findings(folder):
        program, located = load(folder, with_locations=True)
        return sorted((f.rule, f.severity) for f in rules.check(program, located))

    assert findings(SAMPLE) == findings(CURRENT)


# --- the diff itself -----------------------------------------------------------------


@pytest.mark.parametrize("folder", [CURRENT, SAMPLE])
def test_an_edition_compared_with_itself_is_empty(folder):
    program = load_program(folder)
    result = diff.compare(program, load_program(folder))
    assert result.is_empty()
    assert result.financing == [] and result.money == [] and result.text_changes() == []
    assert result.to_dict()["empty"] is True


def _who(ref) -> str | None:
    return {"executor": ref.executor, "subprogram": None}.get(ref.kind, ref.code)


def _cells(result):
    return {(c.subprogram, c.row.kind, _who(c.row), c.source, c.year): (c.old, c.new, c.difference, c.percent)
            for c in result.financing}


EXPECTED_CELLS = {
    # SP1: +1 500,0 for item 1.4.1 in 2021, up through activity 1.4, the executor and the subprogram
    ("1", "subprogram", None, "total", 2021): ("15734527.0", "15736027.0", "1500.0", "0.01"),
    ("1", "subprogram", None, "total", None): ("59848576.9", "59850076.9", "1500.0", "0.00"),
    ("1", "subprogram", None, "own", 2021): ("9002426.0", "9003926.0", "1500.0", "0.02"),
    ("1", "subprogram", None, "own", None): ("40839969.6", "40841469.6", "1500.0", "0.00"),
    ("1", "executor", "Департамент социальной защиты населения области", "total", 2021):
        ("15734527.0", "15736027.0", "1500.0", "0.01"),
    ("1", "executor", "Департамент социальной защиты населения области", "total", None):
        ("59848576.9", "59850076.9", "1500.0", "0.00"),
    ("1", "executor", "Департамент социальной защиты населения области", "own", 2021):
        ("9002426.0", "9003926.0", "1500.0", "0.02"),
    ("1", "executor", "Департамент социальной защиты населения области", "own", None):
        ("40839969.6", "40841469.6", "1500.0", "0.00"),
    ("1", "activity", "1.4", "total", 2021): ("345441.9", "346941.9", "1500.0", "0.43"),
    ("1", "activity", "1.4", "total", None): ("1499846.3", "1501346.3", "1500.0", "0.10"),
    ("1", "activity", "1.4", "own", 2021): ("192043.7", "193543.7", "1500.0", "0.78"),
    ("1", "activity", "1.4", "own", None): ("1039651.7", "1041151.7", "1500.0", "0.14"),
    ("1", "item", "1.4.1", "own", 2021): ("117431.3", "118931.3", "1500.0", "1.28"),
    ("1", "item", "1.4.1", "own", None): ("667566.7", "669066.7", "1500.0", "0.22"),
    # SP1: 250,0 moved from item 1.4.5 to item 1.4.3 in 2022 (activity 1.4 unchanged for 2022)
    ("1", "item", "1.4.3", "own", 2022): ("4109.5", "4359.5", "250.0", "6.08"),
    ("1", "item", "1.4.3", "own", None): ("21760.2", "22010.2", "250.0", "1.15"),
    ("1", "item", "1.4.5", "own", 2022): ("17173.0", "16923.0", "-250.0", "-1.46"),
    ("1", "item", "1.4.5", "own", None): ("68783.4", "68533.4", "-250.0", "-0.36"),
    # SP4: -1 200,0 for activity 4.5 in 2022, with its executor and the subprogram
    ("4", "subprogram", None, "total", 2022): ("241852.6", "240652.6", "-1200.0", "-0.50"),
    ("4", "subprogram", None, "total", None): ("1255180.2", "1253980.2", "-1200.0", "-0.10"),
    ("4", "subprogram", None, "own", 2022): ("241852.6", "240652.6", "-1200.0", "-0.50"),
    ("4", "subprogram", None, "own", None): ("1255180.2", "1253980.2", "-1200.0", "-0.10"),
    ("4", "executor", "Департамент социальной защиты населения области", "total", 2022):
        ("234002.6", "232802.6", "-1200.0", "-0.51"),
    ("4", "executor", "Департамент социальной защиты населения области", "total", None):
        ("1197815.6", "1196615.6", "-1200.0", "-0.10"),
    ("4", "executor", "Департамент социальной защиты населения области", "own", 2022):
        ("234002.6", "232802.6", "-1200.0", "-0.51"),
    ("4", "executor", "Департамент социальной защиты населения области", "own", None):
        ("1197815.6", "1196615.6", "-1200.0", "-0.10"),
    ("4", "activity", "4.5", "total", 2022): ("226502.9", "225302.9", "-1200.0", "-0.53"),
    ("4", "activity", "4.5", "total", None): ("1158723.9", "1157523.9", "-1200.0", "-0.10"),
    ("4", "activity", "4.5", "own", 2022): ("226502.9", "225302.9", "-1200.0", "-0.53"),
    ("4", "activity", "4.5", "own", None): ("1158723.9", "1157523.9", "-1200.0", "-0.10"),
}


def test_sample_vs_current_gives_exactly_the_known_financing_cells(result):
    expected = {k: tuple(D(v) for v in values) for k, values in EXPECTED_CELLS.items()}
    assert _cells(result) == expected
    assert result.rows_added == [] and result.rows_removed == []
    # the SP1 executor row keeps the act's own error (its total column is not the sum of its years)
    for change in result.financing:
        assert change.difference == change.new - change.old


def test_money_per_subprogram_activity_and_item(result):
    money = {(m.subprogram, m.level, m.code): m for m in result.money}
    assert set(money) == {("1", "subprogram", None), ("1", "activity", "1.4"), ("1", "item", "1.4.1"),
                          ("1", "item", "1.4.3"), ("1", "item", "1.4.5"), ("4", "subprogram", None),
                          ("4", "activity", "4.5")}
    sp1 = money[("1", "subprogram", None)]
    assert (sp1.total.old, sp1.total.new, sp1.total.difference) == (D("59848576.9"), D("59850076.9"), D("1500.0"))
    assert [(y.year, y.difference) for y in sp1.changed_years] == [(2021, D("1500.0"))]
    sp4 = money[("4", "subprogram", None)]
    assert (sp4.total.old, sp4.total.new, sp4.total.difference, sp4.total.percent) == \
        (D("1255180.2"), D("1253980.2"), D("-1200.0"), D("-0.10"))
    act = money[("1", "activity", "1.4")]
    assert [(y.year, y.difference) for y in act.changed_years] == [(2021, D("1500.0"))]   # 2022 moved within
    total = result.program_total()
    assert (total.old, total.new, total.difference) == (D("61103757.1"), D("61104057.1"), D("300.0"))
    assert total.old == sp1.total.old + sp4.total.old


def test_sample_vs_current_texts_and_other_figures(result):
    texts = {(t.part, t.scope, t.code, t.field): (t.old, t.new) for t in result.text_changes()}
    assert texts[("indicator", "program", "3", "target")] == ("78,9 (2025 год)", "79,2 (2025 год)")
    old, new = texts[("indicator", "program", "3", "target_text")]
    assert old.endswith("до 78,9%") and new.endswith("до 79,2%")
    old, new = texts[("passport", "program", None, "expected_results")]
    assert old.endswith("до 78,9%") and new.endswith("до 79,2%")
    old, new = texts[("activity", "1", "1.5", "indicator_link")]
    assert old.startswith("показатель 2: удельный вес граждан") and new is None
    assert texts[("amendments", "program", "1005", "amendment")] == (None, "от 30.08.2021 N 1005")
    assert len(texts) == 5
    assert result.indicators_added == result.indicators_removed == []
    assert result.activities_added == result.activities_removed == []
    assert result.tables == [] and result.tax == [] and result.forecast == []
    passport = {(f.field, f.year): (f.old, f.new, f.difference) for f in result.passport_financing}
    assert passport[("total", None)] == (D("82648203.6"), D("82648503.6"), D("300.0"))
    assert passport[("own", 2021)] == (D("13580362.8"), D("13581862.8"), D("1500.0"))
    assert passport[("budget", 2022)] == (D("19106697.2"), D("19105497.2"), D("-1200.0"))
    assert len(passport) == 9


def test_one_changed_figure_gives_exactly_one_financing_change(tmp_path, current):
    edited = _copy(CURRENT, tmp_path / "edited")
    _replace_once(edited / "subprograms" / "sp1.yaml", "values: [7.0, 7.0, 7.0, 7.1, 7.1]",
                  "values: [8.0, 7.0, 7.0, 7.1, 7.1]")           # item 1.4.7, own funds, 2021
    result = diff.compare(current, load_program(edited))
    assert len(result.financing) == 1
    change = result.financing[0]
    assert (change.subprogram, change.row.code, change.source, change.year) == ("1", "1.4.7", "own", 2021)
    assert (change.old, change.new, change.difference, change.percent) == (D("7.0"), D("8.0"), D("1.0"), D("14.29"))
    assert result.text_changes() == [] and result.figure_changes() == []
    item = next(m for m in result.money if m.code == "1.4.7")
    assert (item.total.old, item.total.new) == (D("35.2"), D("36.2"))     # derived: the sum of the years


def test_percent_is_none_when_the_old_value_is_zero(tmp_path, current):
    edited = _copy(CURRENT, tmp_path / "edited")
    _replace_once(edited / "subprograms" / "sp4.yaml", "values: [0.0, 0.0, 0.0, 6800.0, 6800.0]\n          total: 13600.0\n    - 'no': \"9.\"",
                  "values: [100.0, 0.0, 0.0, 6800.0, 6800.0]\n          total: 13600.0\n    - 'no': \"9.\"")
    result = diff.compare(current, load_program(edited))
    [change] = result.financing
    assert (change.row.code, change.year, change.old, change.new) == ("4.4", 2021, D("0.0"), D("100.0"))
    assert change.difference == D("100.0") and change.percent is None
    assert diff.percent(None, D("5")) is None and diff.difference(None, D("5")) == D("5")
    assert diff.difference("-", "х") is None


def test_rows_indicators_and_tables_added_and_removed(tmp_path, current):
    edited = _copy(CURRENT, tmp_path / "edited")
    program = load_program(edited)
    sp4 = next(s for s in program.subprograms if s.code == "4")
    sp4.financing.rows = [r for r in sp4.financing.rows if r.code != "4.4"]
    sp4.indicators.items = sp4.indicators.items[:-1]
    sp4.forecast = None
    result = diff.compare(current, program)
    assert [(r.kind, r.code) for r in result.rows_removed] == [("activity", "4.4")]
    assert [(i.scope, i.code) for i in result.indicators_removed] == [("4", "5")]
    assert [(t.scope, t.table, t.change) for t in result.tables] == [("4", "Таблица 5", "removed")]
    removed = [c for c in result.financing if c.row.code == "4.4"]
    assert {c.year for c in removed} == {2021, 2022, 2023, 2024, 2025, None} and all(c.new is None for c in removed)
    assert {c.year: c.difference for c in removed if c.difference} == {2024: D("-6800.0"), 2025: D("-6800.0"),
                                                                       None: D("-13600.0")}
    assert {(f.element, f.year) for f in result.forecast} >= {("Всего", 2021), ("Всего", None)}


# --- the documents -------------------------------------------------------------------


def test_comparison_document_shape(result):
    doc = editions.comparison_document(result)
    assert doc.notice == NOTICE
    tables = list(doc.tables())
    money = tables[0]
    assert [c.value for c in money.header[0].cells] == editions.money_head(result) == [
        "N п/п", "Подпрограмма / мероприятие", "Исполнитель", "Источник", "Год", "Было (тыс. руб.)",
        "Стало (тыс. руб.)", "Отклонение (тыс. руб.)", "Отклонение, %"]
    totals = [r for r in money.body if r.style == "total"]
    assert [r.cells[0].value.split(":")[0] for r in totals] == [
        "Итого по подпрограмме 1", "Итого по подпрограмме 4", "Итого по подпрограммам, в которые вносятся изменения (1, 4)"]
    assert [c.value for c in totals[-1].cells[1:4]] == [D("61103757.1"), D("61104057.1"), D("300.0")]
    assert [c.value for c in tables[1].header[0].cells] == ["Элемент", "Было", "Стало"]
    assert len(tables[1].body) == 5


def test_explanatory_note_contains_the_computed_numbers(result, current):
    doc = editions.explanatory_note(result, current.approved)
    assert doc.notice == NOTICE
    paragraphs = [b for s in doc.sections for b in s.blocks if isinstance(b, model.Paragraph)]
    assert len(paragraphs) > 10
    text = normalise("\n".join(p.text for p in paragraphs))
    assert "По подпрограмме 1 \"Предоставление мер социальной поддержки отдельным категориям граждан\" объем " \
           "финансового обеспечения за 2021 - 2025 годы увеличивается на 1 500,0 тыс. рублей (с 59 848 576,9 " \
           "до 59 850 076,9 тыс. рублей)" in text
    assert "в 2021 году - увеличение на 1 500,0 тыс. рублей (с 15 734 527,0 до 15 736 027,0 тыс. рублей)" in text
    assert "уменьшается на 1 200,0 тыс. рублей (с 1 255 180,2 до 1 253 980,2 тыс. рублей, -0,10%)" in text
    assert "мероприятие 1.4.3 \"Обеспечение средствами ухода новорожденных детей, находящихся в трудной " \
           "жизненной ситуации\": 2022 год - увеличение на 250,0 тыс. рублей (с 4 109,5 до 4 359,5" in text
    assert "2022 год - уменьшение на 250,0 тыс. рублей (с 17 173,0 до 16 923,0" in text
    assert "основное мероприятие 4.5" in text and "(с 226 502,9 до 225 302,9 тыс. рублей)" in text
    assert "увеличивается на 300,0 тыс. рублей (с 61 103 757,1 до 61 104 057,1 тыс. рублей)" in text
    assert "общий объем финансового обеспечения государственной программы увеличивается на 300,0 тыс. " \
           "рублей: с 82 648 203,6 до 82 648 503,6 тыс. рублей" in text
    assert "стало \"79,2 (2025 год)\"" in text and "связь с показателями подпрограммы: исключается" in text
    assert "от 22 апреля 2019 года N 395" in text and "Образец (условные данные)" in text
    assert "\"Медаль материнства\"" in text and "&#34;" not in text and "&quot;" not in text   # no HTML escaping


def test_explanatory_note_of_identical_editions(current):
    doc = editions.explanatory_note(diff.compare(current, current), current.approved)
    assert doc.notice is None
    text = " ".join(b.text for s in doc.sections for b in s.blocks if isinstance(b, model.Paragraph))
    assert "Редакции не различаются" in text and "тыс. рублей" not in text


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """``gosprog diff SAMPLE CURRENT`` run once: (result, output folder, package folder)."""
    out = tmp_path_factory.mktemp("diff-out")
    run = CliRunner().invoke(main, ["diff", str(SAMPLE), str(CURRENT), "--out", str(out)])
    return run, out, out / "social-support-vologda" / "diff-2021-08-17-2021-08-31"


def test_cli_diff_writes_the_package(package):
    run, out, folder = package
    assert run.exit_code == 0, run.output
    assert "подпрограмма 1: 59 848 576,9 -> 59 850 076,9" in normalise(run.output)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "editions-diff" and manifest["sample"] is True
    assert (manifest["old_edition"], manifest["new_edition"]) == ("2021-08-17", "2021-08-31")
    files = sorted(e["file"] for e in manifest["files"])
    assert files == sorted([f"{stem}.{fmt}" for stem in ("00-sravnitelnaya-tablica", "01-poyasnitelnaya-zapiska")
                            for fmt in ("docx", "xlsx", "pdf")]
                           + ["02-proekt-postanovleniya.docx", "02-proekt-postanovleniya.pdf"])   # a draft: no workbook
    with zipfile.ZipFile(folder.parent / f"{folder.name}.zip") as archive:
        assert len(archive.namelist()) == 10          # 8 files, manifest.json, soderzhanie.txt
    assert not list(folder.parent.glob(".tmp-*"))


def test_cli_diff_json_and_errors(tmp_path):
    runner = CliRunner()
    run = runner.invoke(main, ["diff", str(CURRENT), str(CURRENT), "--out", str(tmp_path), "--json", "--format", "xlsx"])
    assert run.exit_code == 0
    assert json.loads(run.stdout)["empty"] is True
    assert (tmp_path / "social-support-vologda" / "diff-2021-08-31-2021-08-31" / "manifest.json").is_file()
    other = ROOT / "tests" / "fixtures" / "tiny-program"
    run = runner.invoke(main, ["diff", str(CURRENT), str(other), "--out", str(tmp_path), "-q"])
    assert run.exit_code == 1 and "разные программы" in run.output
    run = runner.invoke(main, ["diff", str(tmp_path / "missing"), str(CURRENT), "--out", str(tmp_path)])
    assert run.exit_code == 1


def test_comparison_figures_in_xlsx(package):
    import openpyxl
    _, _, folder = package
    wb = openpyxl.load_workbook(folder / "00-sravnitelnaya-tablica.xlsx")
    ws = wb["Таблица 1"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    numbers = {D(str(v)).quantize(D("0.1")) for r in rows for v in r[5:8] if isinstance(v, (int, float))}
    for value in ("15736027.0", "15734527.0", "117431.3", "118931.3", "4109.5", "4359.5", "-250.0",
                  "226502.9", "225302.9", "-1200.0", "1500.0"):
        assert D(value) in numbers, value
    totals = {r[0]: r[5:9] for r in rows if isinstance(r[0], str) and r[0].startswith("Итого")}
    sp1 = next(v for k, v in totals.items() if k.startswith("Итого по подпрограмме 1"))
    assert [D(str(x)).quantize(D("0.1")) for x in sp1[:3]] == [D("59848576.9"), D("59850076.9"), D("1500.0")]
    overall = next(v for k, v in totals.items() if k.startswith("Итого по подпрограммам"))
    assert [D(str(x)).quantize(D("0.1")) for x in overall[:3]] == [D("61103757.1"), D("61104057.1"), D("300.0")]
    assert rows[0][0] == NOTICE
    assert "Элемент" in [c for r in wb["Таблица 2"].iter_rows(values_only=True) for c in r]


def test_comparison_figures_in_docx(package):
    import docx
    _, _, folder = package
    document = docx.Document(str(folder / "00-sravnitelnaya-tablica.docx"))
    rows = [[normalise(c.text) for c in row.cells] for row in document.tables[0].rows]
    item = next(r for r in rows if r[1].startswith("1.4.1.") and r[4] == "2021")
    assert item[5:9] == ["117 431,3", "118 931,3", "1 500,0", "1,28%"]
    total = next(r for r in rows if r[0].startswith("Итого по подпрограмме 4"))
    assert total[5:9] == ["1 255 180,2", "1 253 980,2", "-1 200,0", "-0,10%"]
    texts = [[normalise(c.text) for c in row.cells] for row in document.tables[1].rows]
    assert ["Государственная программа: показатель 3, целевое значение", "78,9 (2025 год)", "79,2 (2025 год)"] in texts
    header = "\n".join(p.text for s in document.sections for p in s.header.paragraphs)
    assert NOTICE in header


def _pdf_text(path: Path) -> str:
    return normalise(" ".join(pdf_pages_text(path.read_bytes())))


def test_comparison_figures_in_pdf(package):
    _, _, folder = package
    text = _pdf_text(folder / "00-sravnitelnaya-tablica.pdf")
    for figure in ("15 736 027,0", "15 734 527,0", "117 431,3", "118 931,3", "-1 200,0", "61 104 057,1",
                   "59 848 576,9", "1,28%", NOTICE):
        assert figure in text, figure
    note = _pdf_text(folder / "01-poyasnitelnaya-zapiska.pdf")
    assert "1 500,0" in note and "Пояснительная записка" in note


def test_comparison_pdf_with_weasyprint(result, tmp_path):
    path = writers.write(editions.comparison_document(result), tmp_path / "cmp.pdf", pdf_engine="weasyprint")
    text = _pdf_text(path)
    for figure in ("15 736 027,0", "4 359,5", "-250,0", "0,43%", "61 103 757,1"):
        assert figure in text, figure
