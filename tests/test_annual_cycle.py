"""Issue 21 point 4: the annual cycle from the registry, through the CLI.

A year run (``quarterly demo``: four quarters, then the annual results forms, one of them refused for a
missing reason and corrected), ``annual`` on that registry (money from the accepted IV-quarter reports, result
values from the accepted annual forms), the annual form's own checks through ``quarterly import``, and the form
saved by LibreOffice Calc.
"""

from __future__ import annotations

import io
import re
import shutil
import sqlite3
import subprocess
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from conftest import normalise
from generator.annual.forms import COL, FIRST_RESULT_ROW, ref
from generator.cli import main as cli_main
from generator.quarterly.registry import Registry

D = Decimal
ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data" / "social-support-vologda"
YEAR = 2021
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _cli(*args):
    result = CliRunner().invoke(cli_main, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def _docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    texts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return normalise("\n".join(texts))


@pytest.fixture(scope="module")
def year_run(tmp_path_factory):
    """`quarterly demo` (quarterly reports as XLSX, protocols as DOCX) then `annual` on its registry."""
    out = tmp_path_factory.mktemp("year")
    demo = _cli("quarterly", "demo", "--data", DATA_DIR, "--out", out, "--format", "xlsx", "--protocol-format", "docx")
    assert demo.exit_code == 0, demo.output
    annual = _cli("annual", DATA_DIR, "--year", YEAR, "--out", out, "--format", "xlsx,docx")
    assert annual.exit_code == 0, annual.output
    return out / "social-support-vologda", demo.output, annual.output


def test_refused_annual_form_gets_its_protocol_and_the_correction_is_shown_as_resolved(year_run, data):
    base, demo_output, _ = year_run
    assert ("20220114-camps-2021-god-sokolsky.xlsx: ОТКЛОНЕН:\n  - строка 1 «Количество загородных оздоровительных "
            "лагерей") in demo_output
    assert "20220119-camps-2021-god-sokolsky.xlsx: ПРИНЯТ (версия 1; Сокольский муниципальный район, 2021 год; " \
           "представлен 19.01.2022, в срок)" in demo_output
    with Registry(base / "submissions") as reg:
        refused, fixed = reg.history("camps", YEAR, 0, "sokolsky")
        assert len(reg.latest("education", YEAR, 0)) == len(data.agreements_for("education", YEAR))
    assert (refused.status, fixed.status, fixed.version) == ("rejected", "accepted", 1)
    assert fixed.texts["reasons"] == {"camps": "подрядчик не завершил ремонт спального корпуса в срок; работы "
                                               "перенесены на май 2022 года"}
    folder = base / "submissions" / "protocols" / str(YEAR) / "god"
    text = _docx_text(folder / f"protokol-{refused.id:05d}-camps-sokolsky.docx")
    for needle in ("Муниципальное образование: Сокольский муниципальный район",
                   "Отчетный период: 2021 год (годовой отчет о достижении значений результатов)",
                   "Форма отчета: Отчет о достижении значений результатов использования субсидии",
                   "Срок представления: до 20 января 2022 г. включительно (правила (раздел 6) месяц не называют",
                   "Результат проверки: ОТКЛОНЕН",
                   "1. Строка 1 «Количество загородных оздоровительных лагерей",     # each problem a sentence
                   "результат не достигнут, а причина недостижения не указана (требуется: план 1 ед.; в файле: "
                   "факт 0 ед.). Укажите в графе 6, почему плановое значение не достигнуто.",
                   "Замечания устранены: исправленный отчет получен 19 января 2022 г. и принят"):
        assert needle in text, (needle, text)
    assert not re.search(r"\b(the|is|not|reason|line)\b", text), text          # no untranslated message
    accepted = _docx_text(folder / f"protokol-{fixed.id:05d}-camps-sokolsky.docx")
    assert "Результат проверки: ПРИНЯТ (версия 1, в срок)" in accepted
    listing = _docx_text(base / "annual" / str(YEAR) / "04-otchety-o-rezultatah.docx")
    assert (f"Сокольский муниципальный район, файл «20220114-camps-2021-god-sokolsky.xlsx», получен 14.01.2022, "
            f"протокол проверки N {refused.id}:") in listing
    assert "Статус: устранено 19.01.2022 (принята версия 1)." in listing
    assert "не представлен" not in listing


def _results(path: Path) -> dict[str, dict[tuple[str, str], Decimal]]:
    """Per "Отчет о достижении значений" sheet of the annual workbook: (municipality, result) -> fact."""
    out = {}
    for ws in load_workbook(path).worksheets:
        if not ws.title.startswith("Отчет о достижении"):
            continue
        facts, who = {}, None
        for row in ws.iter_rows(min_row=7, values_only=True):
            if row[1]:
                who = row[1]
            if who and row[2] and row[5] is not None and not str(row[0] or "").isdigit():
                facts[(who, row[2])] = D(str(row[5]))
        out[ws.title] = facts
    return out


def _money(path: Path) -> dict[str, dict[str, tuple[Decimal, Decimal]]]:
    out = {}
    for ws in load_workbook(path).worksheets:
        if ws.title.startswith("Расчет объема средств"):
            out[ws.title] = {r[1]: (D(str(r[2])).quantize(D("0.01")), D(str(r[3])).quantize(D("0.01")))
                             for r in ws.iter_rows(min_row=5, values_only=True)
                             if r[0] and re.fullmatch(r"\d+\.", str(r[0]))}
    return out


def test_annual_output_is_the_registry_money_and_result_values(year_run, data):
    """`annual`'s results workbook: each municipality's money is its accepted IV-quarter report's, each result's
    actual value is its accepted annual form's (the corrected Sokolsky form), and nothing is a finding."""
    base, _, annual_output = year_run
    assert "замечание" not in annual_output
    book = base / "annual" / str(YEAR) / "01-rezultaty-subsidiy.xlsx"
    results, money = _results(book), _money(book)
    with Registry(base / "submissions") as reg:
        for sheet, money_sheet, sid in zip(sorted(results), sorted(money), sorted(data.subsidies)):
            names = {r.id: r.name for r in data.subsidies[sid].results}
            expected = {(data.municipalities[code].name, names[rid]): value
                        for code, s in reg.latest(sid, YEAR, 0).items() for rid, value in s.figures["results"].items()}
            assert results[sheet] == expected, sid
            spec = data.form_of(sid)
            row_r, _, col_r = spec.summary["received"].partition(".")
            row_u, _, col_u = spec.summary["used"].partition(".")
            q4 = {data.municipalities[c].name: (s.figures[row_r][col_r], s.figures[row_r][col_r] - s.figures[row_u][col_u])
                  for c, s in reg.latest(sid, YEAR, 4).items()}
            assert money[money_sheet] == q4, sid
            annual_money = {data.municipalities[c].name: (s.figures["money"]["received"], s.figures["money"]["unused"])
                            for c, s in reg.latest(sid, YEAR, 0).items()}
            assert annual_money == q4                      # the forms carried the IV-quarter money, locked
    sokolsky = next(v for (who, _), v in results[sorted(results)[0]].items() if who == "Сокольский муниципальный район")
    assert sokolsky == 0


def test_a_differing_yaml_value_and_a_missing_annual_form_are_findings(year_run, tmp_path):
    base, _, _ = year_run
    data_copy = tmp_path / "program"
    shutil.copytree(DATA_DIR, data_copy)
    registry = tmp_path / "registry"
    shutil.copytree(base / "submissions", registry, ignore=shutil.ignore_patterns("protocols", "archive"))
    with sqlite3.connect(registry / "registry.sqlite") as db:           # Totemsky's annual form never arrived
        db.execute("DELETE FROM submissions WHERE quarter=0 AND subsidy='camps' AND municipality='totemsky'")
    facts = data_copy / "annual" / "2021.yaml"
    text = facts.read_text(encoding="utf-8")
    text = text.replace("municipality: belozersky, received: 1134339.49, used: 1111652.7, unused: 22686.79, "
                        "values: {camps: 2}", "municipality: belozersky, received: 1134339.49, used: 1111652.7, "
                        "unused: 22686.79, values: {camps: 3}")
    text = text.replace("municipality: totemsky, received: 939881.29, used: 921083.66, unused: 18797.63, "
                        "values: {camps: 1}", "municipality: totemsky, received: 939881.29, used: 921083.66, "
                        "unused: 18797.63, values: {camps: 0}")
    facts.write_text(text, encoding="utf-8")
    result = _cli("annual", data_copy, "--year", YEAR, "--out", tmp_path / "out", "--registry", registry,
                  "--format", "xlsx")
    assert result.exit_code == 0, result.output
    findings = [x for x in normalise(result.output).splitlines() if x.startswith("замечание:")]
    assert len(findings) == 2, findings
    assert any(f.startswith("замечание: Белозерский муниципальный район, ") and
               "в annual/2021.yaml - 3, в принятом отчете о достижении значений результатов (N " in f and
               f.endswith(" - 2; использовано значение отчета") for f in findings), findings
    assert any(f.startswith("замечание: Тотемский муниципальный район, ") and
               "нет принятого отчета о достижении значений результатов за 2021 год; значения результатов взяты из "
               "annual/2021.yaml" in f for f in findings), findings
    results = _results(tmp_path / "out" / "social-support-vologda" / "annual" / str(YEAR) / "01-rezultaty-subsidiy.xlsx")
    camps = results[sorted(results)[0]]
    facts_of = {who: v for (who, _), v in camps.items()}
    assert facts_of["Белозерский муниципальный район"] == 2           # the registry's value
    assert facts_of["Тотемский муниципальный район"] == 0             # the file's, with its finding


# --- the annual form's checks through `quarterly import` ---------------------------------------------------------


@pytest.fixture(scope="module")
def forms(tmp_path_factory):
    """`quarterly annual-forms` into an output with no registry yet: refused, unless asked for forms with their
    money blank (--blank-money), each with a note."""
    out = tmp_path_factory.mktemp("forms")
    refused = _cli("quarterly", "annual-forms", "--data", DATA_DIR, "--year", YEAR, "--out", out)
    assert refused.exit_code == 1
    assert "нет ни одного принятого отчета за IV квартал 2021 года: формы годовых отчетов не записаны" \
        in refused.output and "--blank-money" in refused.output
    assert not list(out.rglob("*.xlsx")) and not list(out.rglob("registry.sqlite"))     # nor an empty registry
    result = _cli("quarterly", "annual-forms", "--data", DATA_DIR, "--year", YEAR, "--out", out, "--blank-money")
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("Сокольский муниципальный район, "))
    assert line.startswith("Сокольский муниципальный район, Субсидия на сохранение и развитие")
    assert ", Субсидия на сохранение и развитие сети муниципальных …: " in line, line      # cut at a word
    assert line.endswith("нет принятого отчета за IV квартал 2021 года; суммы средств в форме оставлены пустыми")
    assert len(list((out / "social-support-vologda" / "quarterly" / str(YEAR) / "god" / "forms").rglob("*.xlsx"))) \
        == 22
    return out, out / "social-support-vologda" / "quarterly" / str(YEAR) / "god" / "forms"


def _fill(form: bytes, facts: dict[int, object], reasons: dict[int, str] | None = None) -> bytes:
    wb = load_workbook(io.BytesIO(form))
    ws = wb["Отчет"]
    for i, value in facts.items():
        ws[ref("fact", FIRST_RESULT_ROW + i)] = value
    for i, text in (reasons or {}).items():
        ws[ref("reason", FIRST_RESULT_ROW + i)] = text
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _refused_text(wb, out: Path, tmp_path: Path) -> str:
    """``gosprog quarterly import`` of workbook ``wb`` (saved under ``tmp_path``) into a new registry, received
    10.01.2022: it must be refused; its output, normalised."""
    path = tmp_path / "sokolsky.xlsx"
    wb.save(path)
    result = _cli("quarterly", "import", path, "--data", DATA_DIR, "--out", out, "--registry", tmp_path / "reg",
                  "--received", "2022-01-10", "--protocol-format", "none")
    assert result.exit_code == 1, result.output
    return normalise(result.output)


def _nikolsky_education(forms, data):
    """Nikolsky's issued education form: (workbook, its report sheet, the agreement, the subsidy's results)."""
    _, folder = forms
    wb = load_workbook(folder / "education" / "education-2021-god-nikolsky.xlsx")
    return wb, wb["Отчет"], data.agreement("education", "nikolsky", YEAR), data.subsidies["education"].results


def test_the_form_carries_the_plan_values_and_is_protected(forms, data):
    wb, ws, agreement, results = _nikolsky_education(forms, data)
    for i, result in enumerate(results):
        assert ws[ref("name", FIRST_RESULT_ROW + i)].value == result.name
        assert D(str(ws[ref("plan", FIRST_RESULT_ROW + i)].value)) == D(str(agreement.results[result.id]))
        assert ws[ref("plan", FIRST_RESULT_ROW + i)].protection.locked
        assert not ws[ref("fact", FIRST_RESULT_ROW + i)].protection.locked
        assert not ws[ref("reason", FIRST_RESULT_ROW + i)].protection.locked
    assert ws.protection.sheet and wb["_identity"].sheet_state == "veryHidden"
    assert ws["A6"].value.startswith("Срок представления: до 5 января 2022 г. (правила (п. 6.1) месяц не называют")
    assert ws["A6"].value.endswith("метод выбран разработчиком отчета)")
    texts = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any("отчет за IV квартал 2021 года еще не принят" in t for t in texts)


@pytest.mark.parametrize("facts, reasons, needle", [
    ({}, {}, "форма не заполнена: в ячейках для заполнения (выделенных цветом) не указано ни одного фактического "
             "значения результата"),
    ({0: "два"}, {}, "значение результата - не число (в файле: «два»). Впишите фактическое значение числом в "
                     "единицах графы 3 (ед.), например 1."),
    ({0: -1}, {}, "значение результата отрицательное (в файле: -1)"),
    ({0: 0}, {}, "результат не достигнут, а причина недостижения не указана (требуется: план 1 ед.; в файле: факт "
                 "0 ед.)"),
    ({0: "=1+1"}, {}, "в ячейке формула вместо значения результата"),
    ({0: 0}, {0: "я" * 1001}, "причина недостижения длиной 1001 знаков; сохраняется не более 1000"),
    ({0: 1e300}, {}, "значение результата невозможно большое (в файле: 1,0E+300)"),
    ({0: True}, {}, "значение результата - не число (в файле: «ИСТИНА»)"),
    ({0: 0.5}, {0: "половина лагеря"}, "результат считается в целых единицах (ед.), а значение не целое (в файле: "
                                        "0,5). Введите, сколько достигнуто, целым числом."),
    ({i: 150 if i == 0 else 100 for i in range(6)}, {},
     "значение результата не может быть больше 100 % (в файле: 150). Введите достигнутое значение - от 0 до 100 %."),
])
def test_a_faulty_annual_form_is_refused_with_its_problem_in_russian(forms, tmp_path, facts, reasons, needle):
    out, folder = forms
    path = tmp_path / "sokolsky.xlsx"
    form = folder / "camps" / "camps-2021-god-sokolsky.xlsx"
    if len(facts) == 6:                             # the education form: six shares, in %
        form = folder / "education" / "education-2021-god-nikolsky.xlsx"
    path.write_bytes(_fill(form.read_bytes(), facts, reasons))
    result = _cli("quarterly", "import", path, "--data", DATA_DIR, "--out", out, "--registry", tmp_path / "reg",
                  "--received", "2022-01-10", "--protocol-format", "docx")
    assert result.exit_code == 1, result.output
    assert "sokolsky.xlsx: ОТКЛОНЕН:" in result.output
    assert needle in normalise(result.output), result.output
    (protocol,) = (tmp_path / "reg" / "protocols" / str(YEAR) / "god").glob("*.docx")
    text = _docx_text(protocol)
    assert needle in text or needle[:1].upper() + needle[1:] in text, text      # a problem starts a sentence


def test_an_annual_form_with_a_column_deleted_is_refused_at_its_header(forms, tmp_path):
    """The fact column deleted (the reasons moved under its header): refused as a changed form at the header cell,
    not read as «форма не заполнена» or as reasons typed for values."""
    out, folder = forms
    wb = load_workbook(io.BytesIO(_fill((folder / "camps" / "camps-2021-god-sokolsky.xlsx").read_bytes(), {0: 0},
                                        {0: "лагерь закрыт на ремонт"})))
    wb["Отчет"].delete_cols(COL["fact"])
    text = _refused_text(wb, out, tmp_path)
    assert "графа формы удалена, перемещена или переименована" in text and "E8" in text, text
    assert "форма не заполнена" not in text


def test_an_annual_form_received_before_its_year_ended_is_refused(forms, tmp_path):
    """The year's results cannot be known before the year ends: a file dated earlier (a wrong --received, or the
    form of another year) is refused, with what to check."""
    out, folder = forms
    path = tmp_path / "sokolsky.xlsx"
    path.write_bytes(_fill((folder / "camps" / "camps-2021-god-sokolsky.xlsx").read_bytes(), {0: 1}))
    result = _cli("quarterly", "import", path, "--data", DATA_DIR, "--out", out, "--registry", tmp_path / "reg",
                  "--received", "2021-12-15", "--protocol-format", "none")
    assert result.exit_code == 1, result.output
    assert "годовой отчет за 2021 год получен 15.12.2021, до окончания года" in normalise(result.output)
    accepted = _cli("quarterly", "import", path, "--data", DATA_DIR, "--out", out, "--registry", tmp_path / "reg",
                    "--received", "2022-01-10", "--protocol-format", "none")
    assert accepted.exit_code == 0 and "ПРИНЯТ" in accepted.output, accepted.output


def test_an_annual_form_of_another_municipality_is_refused(forms, tmp_path):
    """The identity sheet edited to name another municipality: the signature no longer matches."""
    out, folder = forms
    wb = load_workbook(folder / "camps" / "camps-2021-god-sokolsky.xlsx")
    ws = wb["_identity"]
    for row in ws.iter_rows():
        if row[0].value == "municipality":
            row[1].value = "babaevsky"
        if row[0].value == "agreement":
            row[1].value = "CAM-01/2021"
    wb["Отчет"][ref("fact", FIRST_RESULT_ROW)] = 1
    path = tmp_path / "other.xlsx"
    wb.save(path)
    result = _cli("quarterly", "import", path, "--data", DATA_DIR, "--out", out, "--registry", tmp_path / "reg",
                  "--received", "2022-01-10", "--protocol-format", "none")
    assert result.exit_code == 1, result.output
    assert "подпись служебных данных формы не совпадает" in result.output


def test_an_annual_form_carrying_another_municipalitys_service_sheet_is_refused_at_its_title(forms, tmp_path):
    """Sokolsky's filled form with the service sheet (signature and all) of another municipality's issued form: it
    was recorded as the other municipality's report while its title said Сокольский. Refused at the title."""
    out, folder = forms
    wb = load_workbook(io.BytesIO(_fill((folder / "camps" / "camps-2021-god-sokolsky.xlsx").read_bytes(), {0: 1})))
    other = next(p for p in sorted((folder / "camps").glob("*.xlsx")) if "sokolsky" not in p.name)
    service = load_workbook(other)["_identity"]
    for row in service.iter_rows():
        for cell in row:
            wb["_identity"][cell.coordinate] = cell.value
    text = _refused_text(wb, out, tmp_path)
    assert "Ячейка A3 листа «Отчет»: в заголовке формы указано другое муниципальное образование, чем в ее " \
           "служебных данных" in text, text
    assert "«Сокольский муниципальный район»" in text, text


def test_a_correct_annual_form_is_accepted_late_and_recognised_when_sent_again(forms, tmp_path):
    out, folder = forms
    path = tmp_path / "sokolsky.xlsx"
    path.write_bytes(_fill((folder / "camps" / "camps-2021-god-sokolsky.xlsx").read_bytes(), {0: 0},
                           {0: "ремонт перенесен"}))
    common = ["--data", DATA_DIR, "--out", out, "--registry", tmp_path / "reg", "--protocol-format", "none"]
    first = _cli("quarterly", "import", path, "--received", "2022-01-25", *common)
    assert first.exit_code == 0, first.output
    assert ("sokolsky.xlsx: ПРИНЯТ (версия 1; Сокольский муниципальный район, 2021 год; представлен 25.01.2022, с "
            "опозданием на 5") in normalise(first.output)
    again = _cli("quarterly", "import", path, "--received", "2022-01-26", *common)
    assert again.exit_code == 0
    assert "УЖЕ ПРИНЯТ 25.01.2022, версия 1" in again.output
    with Registry(tmp_path / "reg") as reg:
        (row,) = reg.history()
    assert (row.quarter, row.figures["results"], row.texts["reasons"]) == (0, {"camps": D(0)},
                                                                          {"camps": "ремонт перенесен"})
    with Registry(tmp_path / "reg") as reg:                     # the quarterly queries do not see it
        assert reg.latest("camps", YEAR, 4) == {} and reg.previous_figures("camps", "sokolsky", YEAR, 1) is None


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: the annual form saved by "
                                            "LibreOffice Calc is not checked")
def test_annual_form_saved_by_libreoffice_is_accepted(forms, tmp_path):
    out, folder = forms
    (tmp_path / "in").mkdir()
    filled = _fill((folder / "education" / "education-2021-god-nikolsky.xlsx").read_bytes(),
                   {0: 15, 1: 25, 2: 60, 3: 85, 4: 35.5, 5: 100}, {0: "поздний контракт", 4: "поздний контракт"})
    (tmp_path / "in" / "form.xlsx").write_bytes(filled)
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(tmp_path / "out"), str(tmp_path / "in" / "form.xlsx")],
                   cwd=tmp_path, check=True, capture_output=True, timeout=240)
    saved = tmp_path / "out" / "form.xlsx"
    assert b"sharedStrings" in saved.read_bytes() and saved.read_bytes() != filled
    result = _cli("quarterly", "import", saved, "--data", DATA_DIR, "--out", out, "--registry", tmp_path / "reg",
                  "--received", "2022-01-05", "--protocol-format", "none")
    assert result.exit_code == 0, result.output
    with Registry(tmp_path / "reg") as reg:
        (row,) = reg.history()
    assert row.figures["results"] == {"r531": D(15), "r532": D(25), "r533": D(60), "r534": D(85),
                                      "r535": D("35.5"), "r536": D(100)}
    assert row.texts["reasons"] == {"r531": "поздний контракт", "r535": "поздний контракт"}


def test_the_yaml_keeps_only_what_no_form_carries(year_run, tmp_path):
    """Camps rows of annual/2021.yaml without money and values: `annual` on the year's registry gives the same
    results workbook as with them; without a registry each such row is a located error and nothing is written."""
    base, _, _ = year_run
    program = tmp_path / "program"
    shutil.copytree(DATA_DIR, program)
    facts = program / "annual" / "2021.yaml"
    text, count = re.subn(r"(\{subsidy: camps, municipality: [a-z]+), received: [\d.]+, used: [\d.]+, "
                          r"unused: [\d.]+, values: \{camps: \d\}", r"\1", facts.read_text(encoding="utf-8"))
    assert count == 8
    facts.write_text(text, encoding="utf-8")
    result = _cli("annual", program, "--year", YEAR, "--out", tmp_path / "out", "--registry", base / "submissions",
                  "--format", "xlsx")
    assert result.exit_code == 0, result.output
    assert "замечание" not in result.output
    book = "social-support-vologda/annual/2021/01-rezultaty-subsidiy.xlsx"
    assert _results(tmp_path / "out" / book) == _results(base.parent / book)
    assert _money(tmp_path / "out" / book) == _money(base.parent / book)
    bare = _cli("annual", program, "--year", YEAR, "--out", tmp_path / "bare", "--registry", tmp_path / "none",
                "--format", "xlsx")
    assert bare.exit_code == 1
    errors = [x for x in normalise(bare.output).splitlines() if "не указаны received, used, unused, values" in x]
    assert len(errors) == 8 and all(re.search(r"2021\.yaml:\d+", e) for e in errors), bare.output
    assert not (tmp_path / "bare" / "social-support-vologda" / "annual").exists()


def test_a_form_whose_iv_quarter_money_was_replaced_is_refused(year_run, tmp_path, data):
    """The form carries the money of the IV-quarter report accepted when it was issued; once a corrected
    IV-quarter report with other figures is accepted, the old form is refused (a new form is needed)."""
    import json
    base, _, _ = year_run
    registry = tmp_path / "registry"
    shutil.copytree(base / "submissions", registry, ignore=shutil.ignore_patterns("protocols"))
    with sqlite3.connect(registry / "registry.sqlite") as db:     # Babaevsky's annual form not yet received
        db.execute("DELETE FROM submissions WHERE quarter=0 AND municipality='babaevsky'")
    out = tmp_path / "out"
    made = _cli("quarterly", "annual-forms", "--data", DATA_DIR, "--year", YEAR, "--out", out, "--registry", registry,
                "--subsidy", "camps")
    assert made.exit_code == 0, made.output
    form = (out / "social-support-vologda" / "quarterly" / str(YEAR) / "god" / "forms" / "camps" /
            "camps-2021-god-babaevsky.xlsx").read_bytes()
    ws = load_workbook(io.BytesIO(form))["Отчет"]
    shown = [row for row in ws.iter_rows(values_only=True) if row[0] == "Получено средств субсидии"]
    with Registry(registry) as reg:
        q4 = reg.latest("camps", YEAR, 4)["babaevsky"]
    spec = data.form_of("camps")
    row_r, _, col_r = spec.summary["received"].partition(".")
    assert D(str(shown[0][3])) == q4.figures[row_r][col_r]
    path = tmp_path / "babaevsky.xlsx"
    path.write_bytes(_fill(form, {0: 1}))
    with sqlite3.connect(registry / "registry.sqlite") as db:     # a corrected IV-quarter report, other money
        figures = json.loads(db.execute("SELECT figures FROM submissions WHERE id=?", (q4.id,)).fetchone()[0])
        figures[row_r][col_r] = str(q4.figures[row_r][col_r] - 1000)
        db.execute("INSERT INTO submissions (subsidy, municipality, year, quarter, version, status, received, "
                   "deadline, late_days, sha256, original_name, stored_as, submitted_by, findings, figures, texts) "
                   "SELECT subsidy, municipality, year, quarter, version + 1, status, received, deadline, late_days, "
                   "'0' || sha256, 'fixed.xlsx', stored_as, submitted_by, findings, ?, texts FROM submissions "
                   "WHERE id=?", (json.dumps(figures), q4.id))
    result = _cli("quarterly", "import", path, "--data", DATA_DIR, "--out", out, "--registry", registry,
                  "--received", "2022-01-15", "--protocol-format", "none")
    assert result.exit_code == 1, result.output
    assert ("суммы в форме не совпадают с принятым отчетом за IV квартал (после выдачи формы принят исправленный "
            "отчет). Запросите в департаменте новую форму") in normalise(result.output)


def test_a_percentage_typed_with_its_sign_is_read_as_the_percent_shown(forms, data, tmp_path):
    """Excel keeps "25%" typed into a cell as 0.25 shown in the format 0%: the form's value is 25 (percent),
    not 0,25 (the breaker's finding: a refund demanded for a result met)."""
    out, _folder = forms
    wb, ws, agreement, results = _nikolsky_education(forms, data)
    for i, result in enumerate(results):
        cell = ws[ref("fact", FIRST_RESULT_ROW + i)]
        cell.value = float(Decimal(str(agreement.results[result.id])) / 100)
        cell.number_format = "0%"
    path = tmp_path / "nikolsky.xlsx"
    wb.save(path)
    result = _cli("quarterly", "import", path, "--data", DATA_DIR, "--out", out, "--registry", tmp_path / "reg",
                  "--received", "2022-01-04", "--protocol-format", "none")
    assert result.exit_code == 0 and "ПРИНЯТ" in result.output, result.output
    with Registry(tmp_path / "reg") as reg:
        (accepted,) = reg.history("education", YEAR, 0, "nikolsky")
    values = accepted.figures["results"]
    assert {k: Decimal(str(v)) for k, v in values.items()} == {r.id: Decimal(str(agreement.results[r.id]))
                                                               for r in results}


def test_a_form_whose_locked_money_was_retyped_is_refused(forms, tmp_path):
    """The sheet's protection removed and the pre-filled year's money retyped: refused at that cell (the signed
    figures would be used anyway, but the file would say otherwise to whoever reads it)."""
    from generator.annual.forms import money_row
    out, folder = forms
    wb = load_workbook(folder / "camps" / "camps-2021-god-sokolsky.xlsx")
    ws = wb["Отчет"]
    ws.protection.sheet = False
    ws[ref("fact", FIRST_RESULT_ROW)] = 1
    used = ref("plan", money_row(1, 1))
    ws[used] = 1.0
    path = tmp_path / "sokolsky.xlsx"
    wb.save(path)
    result = _cli("quarterly", "import", path, "--data", DATA_DIR, "--out", out, "--registry", tmp_path / "reg",
                  "--received", "2022-01-10", "--protocol-format", "none")
    assert result.exit_code == 1, result.output
    assert (f"Ячейка {used} листа «Отчет»: изменено предзаполненное значение формы (требуется: -; в файле: 1)"
            in normalise(result.output)), result.output
    assert "Не меняйте закрытые ячейки" in result.output
