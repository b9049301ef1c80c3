"""Annual reports: subsidy evaluation on the default data, the memo's numbers in every format, the charts,
parameters taken from data, and the ``gosprog annual`` command."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
import shutil
import zipfile
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import NOTICE, ROOT, normalise, pdf_reader, squash
from generator import model, writers
from generator.annual.documents import effectiveness_document, memo_document, memo_paragraphs
from generator.annual.evaluate import evaluate_program, evaluate_subsidy, load_facts
from generator.cli import main
from generator.data import DataErrors, load_program
from generator.numbers import format_number
from generator.quarterly.load import load_subsidies

DATA = ROOT / "data" / "social-support-vologda"
YEAR = 2021
N732 = "Постановление Правительства Вологодской области от 6 июня 2022 г. N 732"

# Camps totals over the 8 rows of annual/2021.yaml (received = agreement amounts; used + unused = received).
CAMPS_PROVIDED = D("7007523.00")
CAMPS_USED = D("6867372.54")
CAMPS_UNUSED = D("140150.46")
CAMPS_RETURN = D("50818.41")          # Sokolsky only, see test_camps_sokolsky_missed_its_result
FIGURES = {"provided": "7 007 523,00", "used": "6 867 372,54", "unused": "140 150,46", "to_return": "50 818,41"}


# --- fixtures ---------------------------------------------------------------------------------------


def evaluate(folder: Path):
    program = load_program(folder)
    facts = load_facts(folder, YEAR)
    return program, facts, load_subsidies(folder, program)


@pytest.fixture(scope="module")
def default():
    return evaluate(DATA)


@pytest.fixture(scope="module")
def camps(default):
    _, facts, data = default
    return evaluate_subsidy(data, facts, "camps")


@pytest.fixture(scope="module")
def housing(default):
    _, facts, data = default
    return evaluate_subsidy(data, facts, "housing")


def row(evaluation, municipality: str):
    return next(r for r in evaluation.rows if r.municipality == municipality)


def copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "social-support-vologda"
    shutil.copytree(DATA, target)
    return target


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


# --- (a) evaluate_subsidy on the default data -------------------------------------------------------


def test_camps_sokolsky_missed_its_result(camps):
    r = row(camps, "sokolsky")
    # annual/2021.yaml: received 518 555,20, unused 10 371,10, values {camps: 0}; agreement CAM-06/2021 plan 1
    assert (r.facts.received, r.facts.unused, r.facts.values["camps"]) == (D("518555.20"), D("10371.10"), 0)
    c = r.calculation
    # V = 518 555,20 − 10 371,10 = 508 184,10; D = 1 − 0/1 = 1; m = 1, n = 1, k = 1
    # V_return = 508 184,10 × 1 × 1/1 × 0,1 = 50 818,41
    assert c.subsidy == D("508184.10")
    assert (c.m, c.n, c.k) == (1, 1, 1)
    assert c.amount == D("50818.41") == c.computed_amount
    assert c.exempt_reason is None
    assert c.results[0].plan == 1 and c.results[0].fact == 0


def test_camps_others_achieved_and_totals(camps):
    others = [r for r in camps.rows if r.municipality != "sokolsky"]
    assert len(others) == 7
    assert all(r.calculation.m == 0 and r.calculation.amount == 0 for r in others)
    assert [r.municipality for r in camps.missed] == ["sokolsky"]
    assert camps.to_return == CAMPS_RETURN
    assert (camps.provided, camps.received, camps.used, camps.unused) == \
           (CAMPS_PROVIDED, CAMPS_PROVIDED, CAMPS_USED, CAMPS_UNUSED)
    assert camps.return_deadline.isoformat() == "2022-07-01"


def test_housing_2021_return_waived_by_the_suspension_covering_its_due_date(housing):
    """Housing rules п. 9.2 (act line 3851): the 2021 return is due by 1 July 2022. N 467 suspends 9.2 from
    27 April 2021 until 1 January 2022 (lines 3850, 6582) - it ends before that date and does not waive it;
    N 732 suspends it from 7 June 2022 until 1 January 2023 (trailer lines 6547-6549) - 1 July 2022 falls
    inside, so the return is computed but not demanded, citing N 732."""
    assert housing.return_deadline == dt.date(2022, 7, 1)
    assert housing.suspension.basis.endswith("от 6 июня 2022 г. N 732")
    assert [s.basis[-5:] for s in housing.suspensions_not_covering] == ["N 467"]
    assert housing.to_return == D("0.00")
    for r in housing.rows:
        assert r.calculation.amount == 0
        assert r.suspended == N732
        assert "с 7 июня 2022 г. до 1 января 2023 г." in r.calculation.exempt_reason
        assert "N 467" not in r.calculation.exempt_reason
    # Tarnogsky missed (plan 1, fact 0): V = 622 309,20 − 12 446,18 = 609 863,02; D = 1; m = n = 1
    # computed 609 863,02 × 0,1 = 60 986,302 → 60 986,30, not demanded
    c = row(housing, "tarnogsky").calculation
    assert (c.m, c.n) == (1, 1)
    assert c.computed_amount == D("60986.30")


def test_housing_return_computed_when_no_suspension_covers_its_due_date(default):
    """Without N 732 (only N 467, which ends on 1 January 2022) the return due on 1 July 2022 is demanded,
    and the memo says N 467 did not cover it."""
    _, facts, data = default
    housing = data.subsidies["housing"]
    only_467 = housing.model_copy(update={"suspensions": housing.suspensions[:1]})
    changed = copy.copy(data)
    changed.subsidies = {**data.subsidies, "housing": only_467}
    e = evaluate_subsidy(changed, facts, "housing")
    assert e.suspension is None and e.to_return == D("60986.30")
    c = row(e, "tarnogsky").calculation
    assert c.exempt_reason is None and c.amount == D("60986.30")
    assert all(r.suspended is None for r in e.rows)
    text = normalise("\n".join(memo_paragraphs([e], YEAR, e.department)))
    assert "в срок до 1 июля 2022 г. (п. 9.2 правил), составляет 60 986,30 руб." in text
    assert ("Приостановление действия п. 9.2 правил (Постановление Правительства Вологодской области от 26 апреля "
            "2021 г. N 467) на период с 27 апреля 2021 г. до 1 января 2022 г. срок возврата 1 июля 2022 г. не "
            "охватывает") in text
    assert "требования о возврате средств в общей сумме 60 986,30 руб." in text


def test_suspension_period_bounds(default):
    """A suspension covers a due date from its first day up to, not including, its "до" day."""
    _, _, data = default
    s467, s732 = data.subsidies["housing"].suspensions
    assert s732.covers(dt.date(2022, 6, 7)) and s732.covers(dt.date(2022, 12, 31))
    assert not s732.covers(dt.date(2022, 6, 6)) and not s732.covers(dt.date(2023, 1, 1))
    assert s467.covers(dt.date(2021, 12, 31)) and not s467.covers(dt.date(2022, 1, 1))
    # a return due on 1 July 2021 (a 2020 subsidy) falls in N 467's period
    assert data.subsidies["housing"].suspension_of(dt.date(2021, 7, 1))[0] is s467


def test_memo_paragraphs_carry_the_calculation(camps):
    text = normalise("\n".join(memo_paragraphs([camps], YEAR, camps.department)))
    for key, value in FIGURES.items():
        assert value == normalise(format_number(getattr(camps, key), 2))
        assert value in text, key
    assert "Сокольский муниципальный район" in text
    assert "до 1 июля 2022 г." in text


def test_memo_has_no_double_period(camps):
    for paragraph in memo_paragraphs([camps], YEAR, camps.department):
        assert ".." not in paragraph.replace("...", "…"), paragraph


def test_housing_memo_names_the_suspension_and_the_one_that_did_not_cover(housing):
    text = normalise("\n".join(memo_paragraphs([housing], YEAR, housing.department)))
    assert ("Возврат средств за 2021 год не применяется: действие п. 9.2 правил приостановлено (" + N732 +
            ") на период с 7 июня 2022 г. до 1 января 2023 г., и срок возврата 1 июля 2022 г. приходится на этот "
            "период.") in text
    assert "N 467) на период с 27 апреля 2021 г. до 1 января 2022 г. срок возврата 1 июля 2022 г. не охватывает" in text
    assert "Тарногский муниципальный район - 60 986,30 руб." in text
    assert "требования о возврате" not in text           # nothing to return


# --- (b) the memo's numbers in every format ---------------------------------------------------------


@pytest.fixture(scope="module")
def memo_files(camps, default, tmp_path_factory):
    _, facts, _ = default
    assert facts.sample
    doc = memo_document([camps], YEAR, camps.department, facts.sample)
    folder = tmp_path_factory.mktemp("memo")
    return {
        "docx": writers.write(doc, folder / "memo.docx"),
        "xlsx": writers.write(doc, folder / "memo.xlsx"),
        "typst": writers.write(doc, folder / "memo-typst.pdf", pdf_engine="typst"),
        "weasyprint": writers.write(doc, folder / "memo-weasyprint.pdf", pdf_engine="weasyprint"),
    }


def docx_text(path: Path) -> str:
    import docx

    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    parts += [c.text for t in d.tables for r in t.rows for c in r.cells]
    for s in d.sections:
        parts += [p.text for p in s.header.paragraphs] + [p.text for p in s.footer.paragraphs]
    return normalise("\n".join(parts))


def test_memo_docx_numbers(memo_files):
    text = docx_text(memo_files["docx"])
    for key, value in FIGURES.items():
        assert value in text, key
    assert NOTICE in text


@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
def test_memo_pdf_numbers(memo_files, engine):
    text = normalise("\n".join(p.extract_text() or "" for p in pdf_reader(memo_files[engine].read_bytes()).pages))
    for key, value in FIGURES.items():
        assert value in text, (engine, key)
    assert NOTICE in text


def _xlsx_value(ws, cell) -> D | None:
    """A numeric cell as Decimal; a ``=SUM(...)`` formula evaluated over the sheet's numeric cells."""
    value = cell.value
    if isinstance(value, str) and value.startswith("=SUM("):
        total = D(0)
        for ref in value[5:-1].split(","):
            rows = ws[ref] if ":" in ref else ((ws[ref],),)       # a range gives rows of cells
            total += sum((_xlsx_value(ws, c) or D(0) for r in rows for c in r), D(0))
        return total
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return D(str(value))
    return None


def test_memo_xlsx_table_numbers(memo_files, camps):
    from openpyxl import load_workbook

    wb = load_workbook(memo_files["xlsx"])
    assert all(ws["A1"].value == NOTICE for ws in wb.worksheets)
    ws = next(ws for ws in wb.worksheets                 # sheets are named by captions, not table ids
              if any(c.value == "V возврата, руб." for row in ws.iter_rows() for c in row))
    header = next(r for r in ws.iter_rows() if r[0].value == "N п/п")
    col = {c.value: c.column - 1 for c in header}
    total = next(r for r in ws.iter_rows() if r[0].value == "Итого")
    received = _xlsx_value(ws, total[col["Субсидия предоставлена, руб."]])
    unused = _xlsx_value(ws, total[col["Остаток на 1 января (не учитывается), руб."]])
    v_subsidy = _xlsx_value(ws, total[col["V субсидии, руб."]])
    to_return = _xlsx_value(ws, total[col["V возврата, руб."]])
    assert received == CAMPS_PROVIDED
    assert unused == CAMPS_UNUSED
    assert to_return == CAMPS_RETURN
    # the table has no "used" column; V субсидии = received − unused, which is what was used in this data
    assert all(r.facts.used == r.facts.received - r.facts.unused for r in camps.rows)
    assert v_subsidy == CAMPS_USED
    sokolsky = next(r for r in ws.iter_rows() if r[1].value == "Сокольский муниципальный район")
    assert _xlsx_value(ws, sokolsky[col["V возврата, руб."]]) == D("50818.41")
    assert _xlsx_value(ws, sokolsky[col["V субсидии, руб."]]) == D("508184.10")


def test_returns_and_results_tables_print_counts_whole_and_no_shortfall_for_reached_results(memo_files, camps):
    """m and n are counts ("1", never "1,0"); D is printed where a result was missed (it enters k), and "-" where
    it was reached or exceeded (its D is 0 or negative, not a shortfall), as the formula note says."""
    import docx
    tables = {t.rows[0].cells[-1].text: t for t in docx.Document(str(memo_files["docx"])).tables}
    returns = next(t for t in tables.values() if t.rows[0].cells[5].text == "m")
    sokolsky = next(r for r in returns.rows if "Сокольский" in r.cells[1].text)
    assert [c.text for c in sokolsky.cells[5:8]] == ["1", "1", "1,0000"]
    achieved = [r for r in returns.rows if r.cells[1].text.startswith(("Бабаевский", "Вологодский"))]
    assert achieved and all([c.text for c in r.cells[5:7]] == ["0", "1"] for r in achieved)
    results = next(t for t in tables.values() if t.rows[0].cells[6].text == "Индекс недостижения D")
    shortfalls = {r.cells[1].text.split()[0]: r.cells[6].text for r in results.rows[2:]}
    assert shortfalls["Сокольский"] == "1,0000"
    assert {v for k, v in shortfalls.items() if k != "Сокольский"} == {"-"}
    assert "для достигнутых результатов D не учитывается (в таблице - «-»)" in docx_text(memo_files["docx"])


def test_memo_xlsx_keeps_the_memo_text(memo_files):
    from openpyxl import load_workbook

    wb = load_workbook(memo_files["xlsx"])
    text = normalise("\n".join(str(c.value) for ws in wb.worksheets for r in ws.iter_rows() for c in r
                               if c.value is not None))
    assert "АНАЛИТИЧЕСКАЯ ЗАПИСКА" in text
    for key, value in FIGURES.items():
        assert value in text, key
    assert "V возврата = V субсидии" in text


# --- (c) charts -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def effectiveness_doc(default):
    program, facts, _ = default
    return effectiveness_document(evaluate_program(program, facts), program.title)


def test_charts_in_docx(effectiveness_doc, tmp_path):
    import docx

    path = writers.write(effectiveness_doc, tmp_path / "eff.docx")
    assert len(docx.Document(str(path)).inline_shapes) >= 2
    with zipfile.ZipFile(path) as z:
        pngs = [n for n in z.namelist() if re.fullmatch(r"word/media/[^/]+\.png", n)]
        assert len(pngs) >= 2
        assert all(z.read(n).startswith(b"\x89PNG") for n in pngs)


@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
def test_charts_in_pdf(effectiveness_doc, tmp_path, engine):
    path = writers.write(effectiveness_doc, tmp_path / f"eff-{engine}.pdf", pdf_engine=engine)
    pages = pdf_reader(path.read_bytes()).pages
    assert any(len(p.images) > 0 for p in pages)


# --- (d) parameters are data ------------------------------------------------------------------------


def score_rows(doc: model.Document):
    table = next(b for s in doc.sections for b in s.blocks if isinstance(b, model.Table) and b.id == "scores")
    return table.body


def program_rating(doc: model.Document) -> str:
    total = next(r for r in score_rows(doc) if r.style == "total")
    return total.cells[-1].value


def test_rating_threshold_from_data(tmp_path, effectiveness_doc):
    # default: the program's score is 0,9168 (SP1, SP4, SP5, SP7) → "высокая" (score ≥ 0,9)
    assert program_rating(effectiveness_doc) == "высокая"
    folder = copy_data(tmp_path)
    edit(folder / "annual" / "2021.yaml", '{min: 0.9, label: "высокая"}', '{min: 0.95, label: "высокая"}')
    program, facts, _ = evaluate(folder)
    ev = evaluate_program(program, facts)
    doc = effectiveness_document(ev, program.title)
    assert program_rating(doc) == "средняя"
    assert "высокая - не менее 0,95" in score_rows(doc)[-1].cells[0].value
    # and in the rendered document
    text = docx_text(writers.write(doc, tmp_path / "eff.docx"))
    assert "высокая - не менее 0,95" in text


def test_return_coefficient_from_data(tmp_path, camps):
    folder = copy_data(tmp_path)
    path = folder / "subsidies" / "subsidies.yaml"
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("  - id: education")
    assert "id: camps" in head and head.count("return_coefficient: 0.1") == 1
    path.write_text(head.replace("return_coefficient: 0.1", "return_coefficient: 0.2") + sep + rest,
                    encoding="utf-8")
    _, facts, data = evaluate(folder)
    doubled = evaluate_subsidy(data, facts, "camps")
    # 508 184,10 × 1 × 1/1 × 0,2 = 101 636,82 = 2 × 50 818,41
    assert row(doubled, "sokolsky").calculation.amount == D("101636.82") == 2 * row(camps, "sokolsky").calculation.amount
    assert doubled.to_return == 2 * camps.to_return
    memo = normalise("\n".join(memo_paragraphs([doubled], YEAR, doubled.department)))
    assert "101 636,82" in memo and "50 818,41" not in memo
    doc = memo_document([doubled], YEAR, doubled.department, True)
    notes = [b.text for s in doc.sections for b in s.blocks
             if isinstance(b, model.Paragraph) and b.text.startswith("V возврата")]
    assert notes and "× 0,2;" in notes[0]


# --- (e) the command line ---------------------------------------------------------------------------


def run(args: list[str]):
    result = CliRunner().invoke(main, args)
    output = result.output
    try:
        output += result.stderr
    except ValueError:
        pass
    return result, output


def test_cli_annual_xlsx(tmp_path):
    folder = copy_data(tmp_path)
    out = tmp_path / "out"
    result, output = run(["annual", str(folder), "--year", "2021", "--out", str(out), "--format", "xlsx"])
    assert result.exit_code == 0, output
    destination = out / "social-support-vologda" / "annual" / "2021"
    manifest = json.loads((destination / "manifest.json").read_text(encoding="utf-8"))
    files = {f["file"]: f for f in manifest["files"]}
    assert set(files) == {"01-rezultaty-subsidiy.xlsx", "02-analiticheskaya-zapiska-camps.xlsx",
                          "02-analiticheskaya-zapiska-education.xlsx", "02-analiticheskaya-zapiska-housing.xlsx",
                          "03-ocenka-effektivnosti.xlsx"}
    for name, entry in files.items():
        assert entry["format"] == "xlsx"
        assert hashlib.sha256((destination / name).read_bytes()).hexdigest() == entry["sha256"]
    assert manifest["year"] == 2021 and manifest["sample"] is True
    # education on its six results (issue 21); SP7 evaluated on the act's plans: 0,892 (средняя) → 0,917
    assert "эффективность программы 0,917 (высокая); к возврату 61\u00a0168,93 руб." in output


def test_cli_missing_year(tmp_path):
    result, output = run(["annual", str(DATA), "--year", "2030", "--out", str(tmp_path / "out"),
                          "--format", "xlsx"])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)          # handled, not a crash
    assert "нет годовых данных за 2030 год: файла нет" in output and "2030.yaml" in output
    assert "Traceback" not in output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("old, new", [
    ("values: {camps: 0}", 'values: {camps: "1 234,5"}'),
    ('code: "2", plan: 100, fact: 99.6', 'code: "2", plan: 100, fact: "1 234,5"'),
])
def test_cli_malformed_facts(tmp_path, old, new):
    folder = copy_data(tmp_path)
    path = folder / "annual" / "2021.yaml"
    edit(path, old, new)
    line = next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "1 234,5" in text)
    result, output = run(["annual", str(folder), "--year", "2021", "--out", str(tmp_path / "out"),
                          "--format", "xlsx"])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert f"2021.yaml:{line}:" in output
    assert "ожидается число" in output and "1 234,5" in output
    assert "Traceback" not in output


def test_education_return_is_computed_on_all_six_results_of_the_act():
    """Issue 21: the education subsidy's rules list six results (act, section 5.3.1-5.3.6, lines 3571-3591);
    the return uses all six. Vashkinsky with three met and three missed: m = 3, n = 6, and
    V = (received - unused) × k × m / n × 0,1 with k the mean shortfall of the missed three."""
    subsidies = load_subsidies(DATA)
    assert [r.id for r in subsidies.subsidies["education"].results] == ["r531", "r532", "r533", "r534", "r535",
                                                                         "r536"]
    agreement = subsidies.agreement("education", "vashkinsky", 2021)
    assert set(agreement.results) == {"r531", "r532", "r533", "r534", "r535", "r536"}
    facts = load_facts(DATA, 2021)
    plan = {k: D(str(v)) for k, v in agreement.results.items()}
    values = dict(plan)
    values.update(r531=plan["r531"] / 2, r533=plan["r533"] * D("0.75"), r536=plan["r536"] * D("0.9"))
    rows = [r.model_copy(update={"values": values}) if (r.subsidy, r.municipality) == ("education", "vashkinsky")
            else r for r in facts.subsidy_results]
    evaluation = evaluate_subsidy(subsidies, facts.model_copy(update={"subsidy_results": rows}), "education")
    row = next(r for r in evaluation.rows if r.municipality == "vashkinsky")
    calc = row.calculation
    assert (calc.n, calc.m) == (6, 3)
    assert sorted(c.name for c in calc.missed) == sorted(
        r.name for r in subsidies.subsidies["education"].results if r.id in ("r531", "r533", "r536"))
    k = (D("0.5") + D("0.25") + D("0.1")) / 3
    base = row.facts.received - row.facts.unused
    assert calc.amount == (base * k * 3 / 6 * D("0.1")).quantize(D("0.01"))
    assert calc.amount > 0


# --- the rules' deadlines come from each subsidy's data ----------------------------------------------


@pytest.fixture(scope="module")
def education(default):
    _, facts, data = default
    return evaluate_subsidy(data, facts, "education")


def test_education_memo_has_no_20_february_or_1_march_deadline(education, default, tmp_path):
    """The education rules (appendix 1 to subprogram 5) set no analysis or finance-report deadline: the memo,
    read back from DOCX and PDF, says so and never gives 20 February / 1 March; it is dated by the rules'
    own annual report deadline (5 January, the month being the report developer's reading), which the text
    labels as the report developer's choice."""
    assert (education.analysis_deadline, education.report_deadline) == (None, None)
    doc = memo_document([education], YEAR, education.department, True)
    assert doc.date == dt.datetime(2022, 1, 5)
    docx = docx_text(writers.write(doc, tmp_path / "memo.docx"))
    pdf = " ".join(p.extract_text() or "" for p in pdf_reader(writers.write(doc, tmp_path / "memo.pdf").read_bytes()).pages)

    def flat(text: str) -> str:               # no spaces, hyphenation or dashes (the PDF's dash is a glyph)
        return squash(text).replace("-", "")
    for text in (flat(docx), flat(pdf)):
        assert "февраля" not in text and "1марта" not in text and "20.02" not in text
        for needle in ("Срок анализа достижения значений результатов и представления отчета в Департамент финансов "
                       "области правила предоставления субсидии (приложение 1 к подпрограмме 5) не устанавливают",
                       "дата выбрана разработчиком отчета", "до 1 июля 2022 г. (п. 8.2 правил)",
                       "в течение первых 15 рабочих дней 2022 года (п. 8.4 правил)",
                       "(5 января 2022 г.; правила (п. 6.1) месяц не называют: «до 5 числа месяца года, следующего за "
                       "отчетным»; принят январь - метод выбран разработчиком отчета)"):
            assert flat(needle) in text, needle


@pytest.mark.parametrize("sid, clause, date", [("camps", "раздел 6 правил", dt.datetime(2022, 2, 20)),
                                               ("housing", "п. 7.3 правил", dt.datetime(2022, 2, 20))])
def test_analysis_and_report_deadlines_cite_the_rules(default, sid, clause, date):
    _, facts, data = default
    e = evaluate_subsidy(data, facts, sid)
    text = normalise("\n".join(memo_paragraphs([e], YEAR, e.department)))
    assert (f"Анализ достижения значений результатов - до 20 февраля 2022 г., отчет в Департамент финансов "
            f"области - до 1 марта 2022 г. ({clause}).") in text
    assert memo_document([e], YEAR, e.department, True).date == date


def test_unused_balance_term_only_where_the_rules_set_it(camps, housing):
    """"15 рабочих дней" is in the camps rules (п. 8.7, act line 2574); the housing rules set no term."""
    camps_text = normalise("\n".join(memo_paragraphs([camps], YEAR, camps.department)))
    assert "в течение первых 15 рабочих дней 2022 года (п. 8.7 правил)" in camps_text
    housing_text = normalise("\n".join(memo_paragraphs([housing], YEAR, housing.department)))
    assert "рабочих дней" not in housing_text
    assert ("срок возврата остатка правила предоставления субсидии (приложение 2 к подпрограмме 5) не "
            "устанавливают") in housing_text


# --- the evaluation's own rules are labelled in the document's text ----------------------------------


def test_every_evaluation_parameter_has_its_source():
    """Each parameter of annual/2021.yaml names its act and clause, or says the act is silent ("не в тексте")
    and that the report developer chose it; only the N 373 cap is the act's."""
    params = load_facts(DATA, YEAR).parameters
    from generator.annual.schema import PARAMETERS
    assert set(params.sources) == set(PARAMETERS)
    for name, text in params.sources.items():
        if params.chosen(name):
            assert text.startswith("не в тексте") and text.endswith("метод выбран разработчиком отчета"), name
        else:
            assert "N 373" in text and "3.2(1)" in text, name
    assert [n for n in PARAMETERS if not params.chosen(n)] == ["use_coefficient_cap"]


def test_effectiveness_document_labels_the_averaging_and_the_thresholds(effectiveness_doc, tmp_path):
    """Read back from DOCX and PDF: the program score's averaging and the rating thresholds are said, in the
    text, to be the report developer's choice (thresholds: a reference model, not Vologda's own text)."""
    docx = docx_text(writers.write(effectiveness_doc, tmp_path / "eff.docx"))
    pdf = " ".join(p.extract_text() or "" for p in pdf_reader(
        writers.write(effectiveness_doc, tmp_path / "eff.pdf").read_bytes()).pages)

    def flat(text: str) -> str:               # no spaces, hyphenation or dashes (the PDF's dash is a glyph)
        return squash(text).replace("-", "")
    for text in (docx, pdf):
        assert flat("оценка эффективности государственной программы по оценкам подпрограмм - не в тексте методики "
                    "Вологодской области: эффективность программы - среднее арифметическое эффективности "
                    "оцененных подпрограмм, без весов") in flat(text)
        assert flat("пороговые значения оценки - не в тексте методики Вологодской области: пороговые значения 0,9 / "
                    "0,8 / 0,7 - эталонная модель, применяемая многими регионами, а не текст методики Вологодской "
                    "области") in flat(text)
        assert flat("(среднее по оцененным подпрограммам; метод выбран разработчиком отчета)") in flat(text)
        assert flat(text).count(flat("метод выбран разработчиком отчета")) >= 4


# --- every subprogram whose plan values the act prints is evaluated -----------------------------------

SP7_ACT_PLANS = {"1": (D("72.9"), 4293), "2": (D("74.8"), 4300), "3": (D("36"), 4308), "4": (D("65"), 4316),
                 "5": (D("42.3"), 4326), "6": (D("66"), 4335), "7": (D("80"), 4344), "8": (D("36.4"), 4351)}


def test_sp7_is_evaluated_with_the_acts_plan_values(default, tmp_path):
    """SP7's table 1 prints its 2021 plans (act lines 4293-4351) and its passport the 2021 money (12 926,9,
    line 4257; table 4 is lost): the evaluation takes both from the act, not from the facts file, and scores
    SP7; SP6 (plans printed, no money anywhere) gets its indicators' degree and the reason it has no score."""
    program, facts, _ = default
    ev = evaluate_program(program, facts)
    sp7 = next(s for s in ev.subprograms if s.code == "7")
    assert {i.code: (i.plan, i.plan_line) for i in sp7.indicators} == SP7_ACT_PLANS
    assert not any(i.plan_sample for i in sp7.indicators)
    assert all(f.plan is None for f in facts.indicators if f.subprogram == "7")
    assert (sp7.plan, sp7.plan_line, sp7.cash) == (D("12926.9"), 4257, D("12708.7"))
    r = sp7.result
    # indicator 4: 61 / 65; the others reach their plan (capped at 1): СР = (7 + 61/65) / 8
    assert r.indicators.quantize(D("0.000001")) == ((7 + D(61) / 65) / 8).quantize(D("0.000001"))
    assert r.activities == 1 and r.use_of_funds == 1 and r.rating == "высокая"
    assert format_number(r.score, 3) == "0,992"
    sp6 = next(s for s in ev.subprograms if s.code == "6")
    assert sp6.result.indicators == 1 and sp6.result.score is None
    assert [i.plan_line for i in sp6.indicators] == [4060, 4069]
    # the program's mean now includes SP7: (SP1 + SP4 + SP5 + SP7) / 4
    scored = [s.result.score for s in ev.subprograms if s.result and s.result.score is not None]
    assert len(scored) == 4 and ev.score == sum(scored) / 4
    text = docx_text(writers.write(effectiveness_document(ev, program.title), tmp_path / "eff.docx"))
    assert "Подпрограмма 7\n0,992\n1,000\n0,983\n1,000\n0,992\nвысокая" in text
    assert "(план - постановление, строка 4293)" in text
    assert "взят из паспорта подпрограммы (строка 4257 текста постановления)" in text
    assert "Подпрограмма 6\n1,000\nэффективность не рассчитывается" in text


def test_a_plan_differing_from_the_acts_is_refused(tmp_path):
    folder = copy_data(tmp_path)
    edit(folder / "annual" / "2021.yaml", '{subprogram: "7", code: "4", fact: 61',
         '{subprogram: "7", code: "4", plan: 60, fact: 61')
    program = load_program(folder)
    with pytest.raises(DataErrors) as caught:
        evaluate_program(program, load_facts(folder, YEAR))
    (error,) = caught.value.errors
    assert "план 60 отличается от плана 2021 года в постановлении (65, строка 4316)" in error.message
