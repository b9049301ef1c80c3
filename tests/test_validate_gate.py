"""``validate`` as the gate (issue 20): every file of the data folder, known findings, the publishing gate,
and the loader's refusals of what the writers cannot carry or would silently change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "social-support-vologda"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "tiny-program"
CASES = Path(__file__).resolve().parent / "cases"
DATA_FILES = sorted(p.relative_to(DATA).as_posix() for p in DATA.rglob("*.yaml") if "source" not in p.parts)


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


# --- every file, broken six ways -------------------------------------------------------------------

def _tabs(raw: bytes) -> bytes:
    lines = raw.split(b"\n")
    changed = [b"\t" + line.lstrip(b" ") if line.startswith(b" ") else line for line in lines]
    if changed == lines:                      # nothing indented: indent the second line with a tab
        changed = lines[:1] + [b"\t" + b"x: 1"] + lines[1:]
    return b"\n".join(changed)


def _truncated(raw: bytes) -> bytes:
    """Cut two thirds in, inside a text (as an interrupted copy leaves a file). A cut that falls exactly
    between two complete entries leaves valid, shorter data that no check can tell from a shorter list."""
    cut = len(raw) * 2 // 3
    def quotes(end):                          # unescaped double quotes before ``end``
        return raw.count(b'"', 0, end) - raw.count(b'\\"', 0, end)

    if quotes(cut) % 2:                       # already inside a quoted text
        return raw[:cut]
    quote = raw.find(b'"', cut)
    while quote > 0 and raw[quote - 1:quote] == b"\\":
        quote = raw.find(b'"', quote + 1)
    return raw[: quote + 2] if quote != -1 else raw[:cut]


BREAKERS = {
    "truncated": _truncated,
    "billion-laughs": lambda raw: (b'a: &a ["lol", "lol", "lol", "lol"]\nb: &b [*a, *a, *a, *a]\n'
                                   b"c: &c [*b, *b, *b, *b]\nd: [*c, *c, *c, *c]\n"),
    "binary": lambda raw: bytes(range(256)) * 8,
    "empty": lambda raw: b"",
    "deep-nesting": lambda raw: b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "tabs": _tabs,
}


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data") / "social-support-vologda"
    shutil.copytree(DATA, folder)
    return folder


def test_the_data_files_are_all_listed():
    assert {"program.yaml", "subprograms/sp1.yaml", "subsidies/subsidies.yaml", "subsidies/forms/form-1.yaml",
            "subsidies/sample/agreements-2021.yaml", "subsidies/municipalities.yaml", "annual/2021.yaml",
            "editions/2021-08-17-sample/subprograms/sp7.yaml", "known-findings.yaml"} <= set(DATA_FILES)


@pytest.mark.parametrize("way", sorted(BREAKERS))
@pytest.mark.parametrize("name", DATA_FILES)
def test_any_broken_file_fails_validate_naming_it(data_copy, name, way):
    path = data_copy / name
    raw = path.read_bytes()
    try:
        path.write_bytes(BREAKERS[way](raw))
        result = run("validate", data_copy)
    finally:
        path.write_bytes(raw)
    assert result.exit_code == 1, result.output
    assert str(path) in result.output, result.output[-2000:]


# --- known findings --------------------------------------------------------------------------------

def test_default_data_exits_0_with_the_acts_errors_known():
    result = run("validate", DATA)
    assert result.exit_code == 0, result.output
    assert "Известные ошибки постановления (34" in result.output   # 17 of this edition, 17 of the sample one
    assert result.output.count("\nИЗВЕСТНО  ") == 34
    assert "ИЗВЕСТНО  F01  " in result.output and "59 850 076,9" in result.output
    assert "новых ошибок: 0, предупреждений: 0, пробелов в источнике: 50; известных ошибок постановления: 34" in result.output


def _replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


@pytest.fixture
def own_copy(tmp_path):
    folder = tmp_path / "social-support-vologda"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("editions", "source"))
    return folder


# SP1 table 4, item 1.1.1 (act line 824): its 2021 money 23 609,9 typed as 23 609,8
CHANGED = ("subprograms/sp1.yaml", "values: [23609.9, 23261.9", "values: [23609.8, 23261.9")


def test_a_changed_figure_in_sp1_table_4_is_exactly_one_new_finding(own_copy):
    path, old, new = CHANGED
    _replace(own_copy / path, old, new)
    result = run("validate", own_copy, "--json")
    assert result.exit_code == 1
    verdict = json.loads(result.output)
    assert verdict["counts"]["error"] == 1 and len(verdict["error_groups"]) == 1
    # the one figure breaks its line's total (F01) and its activity's sum of items (F05): one finding
    relations = [verdict["findings"][i] for i in verdict["error_groups"][0]]
    assert sorted(f["rule"] for f in relations) == ["F01", "F05"]
    assert all(f["file"].endswith("subprograms/sp1.yaml") for f in relations)
    assert any(f["numbers"].get("printed") == "3 686 426,7" for f in relations)     # the activity's 2021
    assert verdict["known"] == 17
    text = run("validate", own_copy).output
    assert "новых ошибок: 1, предупреждений: 0, пробелов в источнике: 25; известных ошибок постановления: 17" in text
    assert "Что сделать: сверьте эти цифры с постановлением" in text


def test_a_changed_figure_of_a_known_finding_makes_it_new(own_copy):
    _replace(own_copy / "subprograms/sp7.yaml", "8661.7", "8661.8")
    result = run("validate", own_copy)
    assert result.exit_code == 1
    assert "ОШИБКА    P01" in result.output and "8 661,8" in result.output
    assert "УСТАРЕЛО  P01" in result.output


def test_a_known_figure_typed_with_plain_spaces_still_matches(own_copy):
    text = (own_copy / "known-findings.yaml").read_text(encoding="utf-8")
    assert "59 850 076,9" in text
    result = run("validate", own_copy)
    assert result.exit_code == 0


def test_build_refuses_new_errors_and_force_marks_the_manifest(own_copy, tmp_path):
    path, old, new = CHANGED
    _replace(own_copy / path, old, new)
    out = tmp_path / "out"
    refused = run("build", own_copy, "--out", out, "--format", "xlsx", "--only", "programma-pasport", "-q")
    assert refused.exit_code == 1
    assert "1 новая ошибка" in refused.stderr and "Публикация отменена" in refused.stderr
    assert "--force" in refused.stderr
    assert not out.exists() or not any(out.rglob("*.xlsx"))
    forced = run("build", own_copy, "--out", out, "--format", "xlsx", "--only", "programma-pasport", "-q",
                 "--force")
    assert forced.exit_code == 0, forced.output + forced.stderr
    manifest = json.loads(next(out.rglob("manifest.json")).read_text(encoding="utf-8"))
    assert manifest["forced"]["new_errors"] == 1
    assert "sp1.yaml" in manifest["forced"]["findings"][0]


def test_a_build_refused_while_its_documents_render_leaves_the_previous_package(own_copy, tmp_path):
    """The gate checks the data while the render processes already work (issue 23): a refusal stops them, and the
    previous package and its zip stay byte for byte, with no temporary folder left."""
    out = tmp_path / "out"
    args = ("build", own_copy, "--out", out, "--only", "programma", "-q", "--jobs", "2", "--full")
    assert run(*args).exit_code == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert any(str(p).endswith(".pdf") for p in before) and any(str(p).endswith(".zip") for p in before)
    path, old, new = CHANGED
    _replace(own_copy / path, old, new)
    refused = run(*args)
    assert refused.exit_code == 1 and "Публикация отменена" in refused.stderr
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in out.rglob(".tmp-*")]


def test_a_folder_that_is_no_program_is_refused_without_advising_force(tmp_path):
    """--force publishes data with new errors, not a program that cannot be read: it is not offered then."""
    result = run("build", tmp_path / "nothing-here", "--out", tmp_path / "out", "-q")
    assert result.exit_code == 1
    assert "это не папка программы" in result.stderr
    assert "Публикация отменена: исправьте данные (подробно: gosprog validate)." in result.stderr
    assert "--force" not in result.stderr


def test_annual_refuses_an_unreadable_subsidy_file(own_copy, tmp_path):
    (own_copy / "subsidies" / "subsidies.yaml").write_bytes(b"")
    result = run("annual", own_copy, "--year", "2021", "--out", tmp_path / "out", "--format", "xlsx", "-q")
    assert result.exit_code == 1
    assert "subsidies.yaml" in result.stderr and "файл пуст" in result.stderr


# --- G02: characters the PDF font lacks ------------------------------------------------------------

@pytest.fixture
def private_use(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(FIXTURE, folder)
    shutil.copy(CASES / "private-use-char-program.yaml", folder / "program.yaml")
    return folder


def test_validate_names_the_character_file_and_line(private_use):
    result = run("validate", private_use)
    assert result.exit_code == 1
    assert f"{private_use / 'program.yaml'}:33" in result.output
    assert "G02" in result.output and "U+F0B7" in result.output


def test_forced_pdfa_build_prints_the_code(private_use, tmp_path):
    pytest.importorskip("typst")
    from conftest import pdf_pages_text, squash

    refused = run("build", private_use, "--out", tmp_path / "out", "--format", "pdf", "--pdf-standard", "a-2b",
                  "--only", "programma-pasport", "-q")
    assert refused.exit_code == 1 and "U+F0B7" in refused.stderr
    forced = run("build", private_use, "--out", tmp_path / "out", "--format", "pdf", "--pdf-standard", "a-2b",
                 "--only", "programma-pasport", "-q", "--force")
    assert forced.exit_code == 0, forced.output + forced.stderr
    pdf = next((tmp_path / "out").rglob("*.pdf"))
    text = squash("".join(pdf_pages_text(pdf.read_bytes())))
    assert "[U+F0B7]повышениекачестважизни" in text


@pytest.mark.parametrize("written", ["\\uF0B7", "\\U0001F600", "\\x7F", "\\u2028"])
def test_a_character_the_font_lacks_is_found_when_an_escape_writes_it(tmp_path, written):
    """The check decides from a file's text whether its values need a look (one search); a character written by
    a YAML escape is not in that text, and is still found, with its line. The message says what kind of character
    it is in Russian, beside its Unicode name (English) when it has one."""
    folder = tmp_path / "tiny"
    shutil.copytree(FIXTURE, folder)
    path = folder / "program.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert '"' in lines[32] and "повышение" in lines[32]
    lines[32] = lines[32].replace("повышение", written + "повышение", 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run("validate", folder)
    code, kind = {"\\uF0B7": ("U+F0B7", "(символ из области частного использования)"),
                  "\\U0001F600": ("U+1F600", "(знак или пиктограмма (например, эмодзи), в Юникоде GRINNING FACE)"),
                  "\\x7F": ("U+007F", None),          # refused at reading: no format can write it
                  "\\u2028": ("U+2028", "(разделитель строк, в Юникоде LINE SEPARATOR)")}[written]
    assert result.exit_code == 1 and f"{path}:33" in result.output and code in result.output, result.output
    assert kind is None or f"символ {code} {kind} отсутствует в шрифте PDF" in result.output, result.output


# --- what the loader refuses -----------------------------------------------------------------------

REFUSED = [
    # (id, line, old, new, column, phrases)
    ("octal", 45, "2146.7", "030", 14, ("'030'", "ведущим нулём", "напишите 30", '"030"')),
    ("leading-zero-decimal", 45, "2146.7", "02146.7", 14, ("ведущим нулём", "напишите 2146.7")),
    ("hex", 45, "2146.7", "0x10", 14, ("шестнадцатеричной", "(16)")),
    ("binary", 45, "2146.7", "0b11", 14, ("двоичной", "(3)")),
    ("sexagesimal", 45, "2146.7", "1:30", 14, ("шестидесятеричной", "1:30 читается как 90")),
    ("nan", 45, "2146.7", ".nan", 14, ("не конечное число", "NaN")),
    ("minus-infinity", 45, "2146.7", "-.inf", 14, ("не конечное число",)),
    ("fraction-of-a-kopeck", 45, "2146.7", "2146.700001", 14, ("точнее копейки", "не больше 5 знаков")),
    # libyaml itself refuses a surrogate escape (and a surrogate in UTF-8 bytes is not UTF-8)
    ("lone-surrogate", 33, "повышение", "\\uD800повышение", 12, ("недопустимый код символа (\\u...)",)),
    ("noncharacter-fffe", 33, "повышение", "\\uFFFEповышение", 9, ("U+FFFE", "несимвол")),
    ("noncharacter-plane-16", 33, "повышение", "\\U0010FFFFповышение", 9, ("U+10FFFF", "несимвол")),
    ("noncharacter-fdd0", 33, "повышение", "\\uFDD0повышение", 9, ("U+FDD0",)),
    ("control-character", 33, "повышение", "\\x01повышение", 9, ("U+0001", "управляющий символ")),
    ("carriage-return", 33, "повышение", "\\rповышение", 9, ("U+000D", "управляющий символ")),
    ("c1-control", 33, "повышение", "\\x85повышение", 9, ("U+0085",)),
    ("too-long-text", 33, "повышение", "ж" * 40_000, 9, ("40030 символов", "предел 32767")),
]


@pytest.fixture
def tiny(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(FIXTURE, folder)
    return folder


@pytest.mark.parametrize("case", REFUSED, ids=[c[0] for c in REFUSED])
def test_loader_refuses_with_file_line_column(tiny, case):
    _id, line, old, new, column, phrases = case
    path = tiny / "program.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run("validate", tiny)
    assert result.exit_code == 1
    assert f"{path}:{line}:{column}:" in result.output, result.output
    for phrase in phrases:
        assert phrase in result.output, result.output


@pytest.mark.parametrize("date", ["1979-12-31", "2108-01-01", '"1970-01-01"'])
def test_dates_a_zip_timestamp_cannot_hold_are_refused(tiny, date):
    path = tiny / "program.yaml"
    text = path.read_text(encoding="utf-8")
    first = next(line for line in text.split("\n") if "date:" in line)
    value = first.split("date:")[1].split(",")[0].split("}")[0].strip()
    path.write_text(text.replace(first, first.replace(value, date, 1), 1), encoding="utf-8")
    result = run("validate", tiny)
    assert result.exit_code == 1
    assert "1980-2107" in result.output and str(path) in result.output


def test_agreement_money_is_kept_to_the_kopeck(own_copy):
    path = own_copy / "subsidies" / "sample" / "agreements-2021.yaml"
    _replace(path, "subsidy_amount: 899369.17,", "subsidy_amount: 899369.175,")
    result = run("validate", own_copy)
    assert result.exit_code == 1
    assert f"{path}:8:104:" in result.output
    assert "сумма в руб. точнее копейки: не больше 2 знаков" in result.output
    assert "agreements[0].subsidy_amount" in result.output


def test_money_written_030_never_becomes_24(own_copy):
    """The return of funds once changed from 71 519,45 to 73 897,12 руб. because YAML 1.1 read 030 as 24."""
    path = own_copy / "annual" / "2021.yaml"
    _replace(path, "values: {camps: 1}}", "values: {camps: 010}}")
    result = run("validate", own_copy)
    assert result.exit_code == 1
    assert "'010'" in result.output and "напишите 10" in result.output and str(path) in result.output


# --- cross-table relations, generic over funding sources (the fixture has a third one: municipal) ------

def _findings(folder):
    from generator.validation import validate_folder
    report = validate_folder(folder)
    assert not report.errors, report.errors
    return report.new_errors


def test_subprogram_passport_against_table_4_for_a_third_source(tiny):
    # SP1 passport: municipal 45,0 = 15,0 × 3 in table 4; the passport now says 46,0 (and its years 16,0)
    _replace(tiny / "subprograms" / "sp1.yaml", 'total: 45.0, years: [15.0, 15.0, 15.0]}',
             'total: 46.0, years: [16.0, 15.0, 15.0]}')
    found = _findings(tiny)
    f10 = [f for f in found if f.rule == "F10"]
    assert {(f.numbers["паспорт"], f.numbers["таблица 4"]) for f in f10 if "паспорт" in f.numbers} == \
        {("16,0", "15,0"), ("46,0", "45,0")}
    assert any("общий объем" in f.numbers for f in f10)            # total 663,0 ≠ own + federal + municipal
    assert all(f.file.endswith("sp1.yaml") and f.line == 20 for f in f10 if "паспорт" in f.numbers)


def test_program_passport_parts_for_a_third_source(tiny):
    # the program passport's municipal block 128,1 → 128,2: total = budget + municipal breaks (F07),
    # and the subprograms' municipal lines no longer add up to it (F06, now for every source)
    _replace(tiny / "program.yaml", "total: 128.1", "total: 128.2")
    rules_found = sorted({f.rule for f in _findings(tiny)})
    assert rules_found == ["F06", "F07"], rules_found


def test_source_code_the_footnote_does_not_define(tiny):
    _replace(tiny / "subprograms" / "sp1.yaml", 'source_codes: ["1", "1", "1"]', 'source_codes: ["1", "4", "1"]')
    found = [f for f in _findings(tiny) if f.rule == "C03"]
    assert len(found) == 1 and "код(ы) источника 4" in found[0].message and "определены: 1, 2, 3" in found[0].message
    assert found[0].file.endswith("sp1.yaml") and found[0].line == 64   # the activity (table 3) of the codes


def test_table_4_executor_missing_from_table_3(tiny):
    text = (tiny / "subprograms" / "sp1.yaml").read_text(encoding="utf-8")
    assert text.count('executors: "Департамент образования области"') == 1
    _replace(tiny / "subprograms" / "sp1.yaml", 'executors: "Департамент образования области"',
             'executors: "Департамент культуры области"')
    found = [f for f in _findings(tiny) if f.rule == "C02"]
    assert found and all("Департамент образования области" in f.message for f in found)


def test_the_same_money_printed_differently_in_two_appendices(own_copy):
    # SP7 Приложение 4 "Итого:" 2021 (act line 6304): regional 2 973,2 (= Приложение 3) typed as 2 973,9
    _replace(own_copy / "subprograms" / "sp7.yaml", '"Итого:", 2973.2, 9953.7, 12926.9', '"Итого:", 2973.9, 9953.7, 12926.9')
    found = [f for f in _findings(own_copy) if f.rule == "P02"]
    new = [f for f in found if "2 973,9" in f.message]
    assert len(new) == 1
    assert "sp7-app3-resources, строка 6203, графа 2 - 2 973,2" in new[0].message
    assert "sp7-app4-2021, строка 6304, графа 3 - 2 973,9" in new[0].message


def test_a_same_figure_reference_to_nothing_is_an_error(own_copy):
    _replace(own_copy / "subprograms" / "sp7.yaml", "b: {table: sp7-app4-2021, row: 6304, column: 5}",
             "b: {table: sp7-app4-2021, row: 6305, column: 5}")
    found = [f for f in _findings(own_copy) if f.rule == "P02" and "нет строки 6305" in f.message]
    assert len(found) == 1


def test_cofinancing_share_by_the_amounts_against_level_and_cap(own_copy):
    # vashkinsky (education, district: cap 56,2%): the local money cut so that the region pays 60%
    path = own_copy / "subsidies" / "sample" / "agreements-2021.yaml"
    text = path.read_text(encoding="utf-8")
    line = next(n for n, l in enumerate(text.split("\n"), 1) if "municipality: vashkinsky" in l)
    local = text.split("municipality: vashkinsky")[1].split("local_amount: ")[1].split(",")[0]
    _replace(path, f"local_amount: {local},", "local_amount: 242619.39,")     # 363 929,08 / 0,6 − 363 929,08
    found = [f for f in _findings(own_copy) if f.rule == "K01"]
    assert len(found) == 1
    assert found[0].file == str(path) and found[0].line == line
    assert "по суммам доля области 60,00%, а в соглашении уровень 56,2%" in found[0].message
    assert "выше предельных 56,2%" in found[0].message


def test_a_warning_is_listed_in_russian_with_what_to_do(own_copy):
    # the printed financing paragraph no longer says what its figures say (F09, a warning)
    _replace(own_copy / "program.yaml", "- 82 648 503,6 тыс. рублей, в том числе", "- 82 648 503,7 тыс. рублей, в том числе")
    result = run("validate", own_copy, "--strict")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("ВНИМАНИЕ  F09  "))
    assert "абзац о финансировании, собранный из чисел, расходится с напечатанным" in lines[at + 1]
    assert lines[at + 2].strip() == ("Что сделать: напечатанный абзац о финансировании расходится со своими "
                                     "цифрами: исправьте абзац (financing_text) или цифры")
    assert "предупреждений: 1" in lines[-1]
