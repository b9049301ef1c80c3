"""Control relations on the default data set: the act's real inconsistencies are found, located,
with their numbers, and nothing else is reported as an error.

Expected findings come from reading the act (data/social-support-vologda/source/act.txt):
* SP1 Таблица 4, row 2 (executor, act line 786) prints "всего" 11 560 898,2 / 11 600 468,6 for
  2022 / 2023 although its own + federal lines give 14 741 030,9 / 14 789 819,8, and its all-years
  total 59 850 076,9 although its years add up to 53 480 593,0;
* program Таблица 5, row 1 (act line 185): 9,62 thousand payers every year, total column 9,26;
* SP7 Приложение 2, "Итого 2021" / "Итого 2022" of 7.4 (act lines 5261, 5269): federal 8 661,7 and
  regional 2 587,2, but the executor rows add up to 8 661,6 and 2 587,3;
* tables that were images are absent (G01), and the passport's money of subprograms 2, 3, 6 is
  known only as a remainder (F06 gap).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from generator import rules
from generator.data import load_program

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "social-support-vologda"


@pytest.fixture(scope="module")
def loaded():
    return load_program(DATA, with_locations=True)


@pytest.fixture(scope="module")
def findings(loaded):
    return rules.check(*loaded)


def _yaml_lines(name: str) -> list[str]:
    path = DATA / name if name == "program.yaml" else DATA / "subprograms" / name
    return path.read_text(encoding="utf-8").splitlines()


def yaml_line(name: str, needle: str, after: str | None = None) -> int:
    """1-based line of the first line holding ``needle`` (after the first line holding ``after``)."""
    lines = _yaml_lines(name)
    start = 0
    if after is not None:
        start = next(i for i, text in enumerate(lines) if after in text) + 1
    return next(i + 1 for i in range(start, len(lines)) if needle in lines[i])


def absent_item_line(name: str, act_line: int) -> int:
    """The line where the `absent:` entry naming ``act_line`` starts (its "- " line)."""
    lines = _yaml_lines(name)
    start = next(i for i, text in enumerate(lines) if text.startswith("absent:"))
    at = next(i for i in range(start, len(lines))
              if f"line: {act_line}}}" in lines[i] or lines[i].strip() == f"line: {act_line}")
    while not lines[at].lstrip().startswith("- "):
        at -= 1
    return at + 1


def _sp(program, code):
    return next(s for s in program.subprograms if s.code == code)


def _where(f):
    return (f.rule, Path(f.file).name, f.line)


def select(findings, rule, source_line=None):
    return [f for f in findings if f.rule == rule and (source_line is None or f.source_line == source_line)]


# --- SP1 table 4, executor row ------------------------------------------------------------------


def test_sp1_executor_row_f02_for_2022_and_2023(findings):
    found = select(findings, "F02", 786)
    assert len(found) == 2
    want = {("2022", "14 741 030,9", "11 560 898,2", "-3 180 132,7"),
            ("2023", "14 789 819,8", "11 600 468,6", "-3 189 351,2")}
    got = set()
    for f in found:
        assert f.severity == "error"
        assert Path(f.file).name == "sp1.yaml"
        assert f.line == yaml_line("sp1.yaml", "values: [15736027.0, 11560898.2, 11600468.6", after="line: 786")
        assert f.codes == ["1", "2."]
        year = "2022" if "2022 год" in f.message else "2023"
        assert f"{year} год" in f.message
        got.add((year, f.numbers["sources sum"], f.numbers["printed"], f.difference))
    assert got == want


def test_sp1_executor_row_f01_years_against_total(findings):
    found = select(findings, "F01", 786)
    assert len(found) == 1
    f = found[0]
    assert f.severity == "error" and Path(f.file).name == "sp1.yaml"
    assert f.line == yaml_line("sp1.yaml", "total: 59850076.9", after="line: 786")
    assert f.numbers == {"years sum": "53 480 593,0", "printed total": "59 850 076,9"}
    assert f.difference == "6 369 483,9"
    assert "всего, в том числе" in f.message


def test_sp1_executor_row_figures_recomputed(loaded):
    """The same facts computed here from the data, without rules.py."""
    program, _ = loaded
    row = next(r for r in _sp(program, "1").financing.rows if r.line == 786)
    total, own, federal = (row.source(k) for k in ("total", "own", "federal"))
    sums = [o + f for o, f in zip(own.values, federal.values)]
    assert sums[1:3] == [Decimal("14741030.9"), Decimal("14789819.8")]
    assert total.values[1:3] == [Decimal("11560898.2"), Decimal("11600468.6")]
    assert sum(total.values) == Decimal("53480593.0") != total.total == Decimal("59850076.9")


def test_sp1_subprogram_row_f03_for_2022_and_2023(findings):
    found = select(findings, "F03")
    assert len(found) == 2
    for f in found:
        assert f.severity == "error" and f.source_line == 759
        assert Path(f.file).name == "sp1.yaml"
        assert f.line == yaml_line("sp1.yaml", '- source: "total"', after="line: 759")
        assert f.codes == ["1", "1."]
    got = {(f.numbers["executors sum"], f.numbers["printed"], f.difference) for f in found}
    assert got == {("11 560 898,2", "14 741 030,9", "3 180 132,7"),
                   ("11 600 468,6", "14 789 819,8", "3 189 351,2")}
    assert {"2022 год" in f.message for f in found} == {True, False}


# --- program table 5 (tax expenditures) ---------------------------------------------------------


def test_tax_expenditure_row1_payers_total(findings):
    found = select(findings, "T01")
    assert len(found) == 1
    f = found[0]
    assert f.severity == "error" and Path(f.file).name == "program.yaml"
    assert f.source_line == 185
    assert f.line == yaml_line("program.yaml", "payers_total: 9.26", after="line: 185")
    assert f.numbers == {"per year": "9,62", "printed": "9,26"}
    assert f.difference == "-0,36"
    assert f.codes == ["1."]


# --- SP7 Приложение 2 -----------------------------------------------------------------------------


def test_sp7_appendix2_p01(findings):
    found = select(findings, "P01")
    assert len(found) == 4
    got = Counter()
    for f in found:
        assert f.severity == "error" and Path(f.file).name == "sp7.yaml"
        assert f.codes == ["sp7-app2-activities"]
        assert f.source_line in (5261, 5269)
        assert f.line == yaml_line("sp7.yaml", f"- line: {f.source_line}")
        got[(f.source_line, f.numbers["sum"], f.numbers["printed"], f.difference)] += 1
    assert got == Counter({(5261, "8 661,6", "8 661,7", "0,1"): 1, (5261, "2 587,3", "2 587,2", "-0,1"): 1,
                           (5269, "8 661,6", "8 661,7", "0,1"): 1, (5269, "2 587,3", "2 587,2", "-0,1"): 1})


def test_sp7_appendix2_printed_totals(loaded):
    """The two "Итого" rows print 8 661,7 / 2 587,2 (act lines 5261, 5269), as transcribed."""
    program, _ = loaded
    table = next(t for t in _sp(program, "7").tables if t.id == "sp7-app2-activities")
    rows = {r.line: r for r in table.rows}
    for line in (5261, 5269):
        assert rows[line].cells[3:5] == [Decimal("8661.7"), Decimal("2587.2")]


# --- gaps -----------------------------------------------------------------------------------------


def test_f06_remainder_attributed_to_subprograms_2_3_6(findings, loaded):
    program, _ = loaded
    found = select(findings, "F06")
    assert [f.severity for f in found] == ["gap", "gap"]
    own = next(f for f in found if "собственные доходы" in f.message)
    assert own.codes == ["2", "3", "6"]
    assert own.difference == "20 273 810,5"
    assert own.numbers == {"passport": "62 454 741,6", "known": "42 180 931,1"}
    assert Path(own.file).name == "program.yaml"
    assert own.line == yaml_line("program.yaml", '- key: "own"', after="  financing:")
    assert "подпрограммы 2, 3, 6, таблиц финансирования которых в тексте акта нет" in own.message
    federal = next(f for f in found if f is not own)
    assert federal.codes == ["2", "3", "6"]
    assert federal.difference == "91 415,2"
    assert federal.line == yaml_line("program.yaml", '- key: "federal"', after="  financing:")
    # the subprograms without table 4 (and without a printed passport) are exactly 2, 3, 6
    unknown = [s.code for s in program.subprograms if not s.financing and not (s.passport and s.passport.financing)]
    assert unknown == ["2", "3", "6"]


def test_g01_for_every_absent_table(findings, loaded):
    program, _ = loaded
    expected = [("program.yaml", a.table, a.line) for a in program.absent]
    for sub in program.subprograms:
        expected += [(f"sp{sub.code}.yaml", a.table, a.line) for a in sub.absent]
    found = select(findings, "G01")
    assert len(found) == len(expected) == 23
    assert sorted((Path(f.file).name, f.codes[-1], f.source_line) for f in found) == sorted(expected)
    for f in found:
        assert f.severity == "gap"
        name = Path(f.file).name
        assert f.line == absent_item_line(name, f.source_line)
        assert f"строка акта {f.source_line}" in f.message


# --- nothing else ----------------------------------------------------------------------------------


def test_exact_set_of_errors(findings):
    def sp1(needle, after):
        return yaml_line("sp1.yaml", needle, after=after)

    executor_values = sp1("values: [15736027.0, 11560898.2", "line: 786")
    expected = Counter({
        ("T01", "program.yaml", yaml_line("program.yaml", "payers_total: 9.26", after="line: 185")): 1,
        ("F01", "sp1.yaml", sp1("total: 59850076.9", "line: 786")): 1,
        ("F02", "sp1.yaml", executor_values): 2,
        ("F03", "sp1.yaml", sp1('- source: "total"', "line: 759")): 2,
        ("P01", "sp7.yaml", yaml_line("sp7.yaml", "- line: 5261")): 2,
        ("P01", "sp7.yaml", yaml_line("sp7.yaml", "- line: 5269")): 2,
        # table 3 of SP2 prints the source code "-1" for 2.7 (act line 1578); the footnote defines 1, 2, 6
        ("C03", "sp2.yaml", yaml_line("sp2.yaml", 'code: "2.7"') - 1): 1,
        # table 4 of SP5 names Департамент строительства области for 5.4 (act line 3380); table 3 does not
        ("C02", "sp5.yaml", yaml_line("sp5.yaml", 'executor: "Департамент строительства области"', after="line: 3372")): 1,
        # table 3 of SP7 prints the code 1" (a stray quote) for 7.5 (act line 4586)
        ("C03", "sp7.yaml", yaml_line("sp7.yaml", 'code: "7.5"') - 1): 1,
        # SP7 passport against its Приложение 3 (act lines 6199, 6203): 0,1 moved between own and federal
        # money in 2021 and 2022 (9 953,6 / 9 953,7; 9 853,9 / 9 854,0; 2 973,3 / 2 973,2; 2 943,5 / 2 943,4)
        ("P02", "sp7.yaml", yaml_line("sp7.yaml", "{a: {passport: federal, year: 2021}")): 1,
        ("P02", "sp7.yaml", yaml_line("sp7.yaml", "{a: {passport: federal, year: 2022}")): 1,
        ("P02", "sp7.yaml", yaml_line("sp7.yaml", "{a: {passport: own, year: 2021}")): 1,
        ("P02", "sp7.yaml", yaml_line("sp7.yaml", "{a: {passport: own, year: 2022}")): 1,
    })
    errors = [f for f in findings if f.severity == "error"]
    assert Counter(_where(f) for f in errors) == expected, [f.message for f in errors]
    assert rules.counts(findings)["error"] == 17
    # every error carries the act line of the figures and the compared numbers (arithmetic: the difference)
    assert all(f.source_line and f.numbers for f in errors)
    assert all(f.difference for f in errors if f.rule[0] in "FTP")


def test_findings_serialise(findings):
    for f in findings:
        d = f.to_dict()
        assert set(d) >= {"rule", "severity", "message", "file", "line", "codes", "numbers", "difference"}
        assert f.location().startswith(f.file)
