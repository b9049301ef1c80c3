"""Every text and figure of the subsidy rules the data carries (subsidies/subsidies.yaml) against the act.

Each subsidy's ``act_lines`` gives the act line of each of its texts and figures, or says why the value is
not printed in the rules. Texts compare without case, spacing and quote style, allowing the first word its
grammatical case (the act writes "значения результата ... - количества лагерей", the data "Количество
лагерей"); figures compare in the act's own writing ("56,2%", "98%", "до 10 числа", "до 20 января").
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from generator.data.loader import read_model
from generator.quarterly.schema import Subsidies

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "social-support-vologda"
ACT = (DATA / "source" / "act.txt").read_text(encoding="utf-8").split("\n")
SUBSIDIES = read_model(Subsidies, DATA / "subsidies" / "subsidies.yaml").items
TRAILER = 6515                # the act's trailer: the amending acts with their dates of force and notes
MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
          "ноября", "декабря"]


def norm(text: str) -> str:
    return " ".join(text.replace("«", '"').replace("»", '"').replace("ё", "е").casefold().split())


def text_in_line(text: str, line: str) -> bool:
    """``text`` is printed in ``line`` as a whole clause: the first word in any case ending, the rest
    verbatim, and the clause ending there (a punctuation mark or the line's end, not more words)."""
    words, line = norm(text).split(" "), norm(line)
    stem, rest = words[0][: max(3, len(words[0]) - 2)], " " + " ".join(words[1:])
    start = line.find(stem)
    while start != -1:
        word_end = line.find(" ", start)
        if word_end != -1 and line.startswith(rest, word_end):
            after = line[word_end + len(rest): word_end + len(rest) + 1]
            if after in ("", ".", ",", ";", ")", '"', ":"):
                return True
        start = line.find(stem, start + 1)
    return False


def figure_forms(value) -> list[str]:
    if isinstance(value, Decimal):
        number = format(value.normalize(), "f").replace(".", ",")
        return [f"{number}%", f"{number} %", f"{number} процент"]
    raise AssertionError(value)


def values(subsidy) -> dict[str, object]:
    """The texts and figures of one subsidy that come from the rules, by field path."""
    out = {"name": subsidy.name, "department": subsidy.department, "rules": subsidy.rules,
           "quarterly_deadline_day": subsidy.quarterly_deadline_day, "annual_deadline": subsidy.annual_deadline,
           "analysis_deadline": subsidy.analysis_deadline, "finance_report_deadline": subsidy.finance_report_deadline,
           "return_deadline": subsidy.return_deadline,
           "unused_return_working_days": subsidy.unused_return_working_days,
           "return_excludes_unused": subsidy.return_excludes_unused,
           "return_coefficient": subsidy.return_coefficient}
    for i, suspension in enumerate(subsidy.suspensions):
        out.update({f"suspensions[{i}].{key}": getattr(suspension, key) for key in ("clause", "basis", "start", "until")})
    for i, result in enumerate(subsidy.results):
        out[f"results[{i}].name"] = result.name
        out[f"results[{i}].unit"] = result.unit
        out[f"results[{i}].direction"] = result.direction
        if result.whole:
            out[f"results[{i}].whole"] = result.whole
        if result.at_most is not None:
            out[f"results[{i}].at_most"] = result.at_most
    level = subsidy.cofinancing.max_level
    if isinstance(level, dict):
        out.update({f"cofinancing.max_level.{k}": v for k, v in level.items()})
    elif level is not None:
        out["cofinancing.max_level"] = level
    out.update({f"cofinancing.fixed.{k}": v for k, v in subsidy.cofinancing.fixed.items()})
    return out


def assert_suspension(key: str, value, line: str, where: int, subprogram: str) -> None:
    """One field of a suspension against its line: the note "действие пункта(ов) 9.2 ... приостановлено до
    1 января 2022 г.", the act "Постановление ... от 26 апреля 2021 г. N 467", "Изменения вступают в силу с ..."."""
    def spoken(day) -> str:
        return f"{day.day} {MONTHS[day.month - 1]} {day.year} г."
    if key == "clause":
        # the rules' own note ("действие пункта 9.2 приостановлено"), or the trailer's naming the rules
        # ("... пунктов 9.2, 9.4 раздела 9 приложения 2 к подпрограмме 5 приостановлено")
        head = line.split("приостановлено")[0]
        found = re.search(rf"пункт\w*( [\d.]+,)* {re.escape(value)}(?![\d])", head)
        assert line.casefold().startswith(("действие", "постановлением")) and found, line
        assert where < TRAILER or f"к подпрограмме {subprogram}" in head[found.end():], line
    elif key == "until":
        assert f"приостановлено до {spoken(value)}" in line, line
    elif key == "start":
        assert line == f"Изменения вступают в силу с {spoken(value)}", line
    else:
        assert value.startswith("Постановление Правительства Вологодской области от ")
        assert line == value or line.startswith(value.replace("Постановление", "Постановлением") + " "), line


def test_the_return_suspensions_are_the_acts():
    """Housing's return clause 9.2 is suspended twice in the act: by N 467 until 1 January 2022 (the rules'
    own note, line 3850, in force from 27 April 2021) and by N 732 until 1 January 2023 (the trailer, lines
    6547-6549, in force from 7 June 2022); the other rules have no suspension."""
    housing = next(s for s in SUBSIDIES if s.id == "housing")
    assert [(s.clause, s.basis[-5:], s.start.isoformat(), s.until.isoformat()) for s in housing.suspensions] == [
        ("9.2", "N 467", "2021-04-27", "2022-01-01"), ("9.2", "N 732", "2022-06-07", "2023-01-01")]
    assert all(not s.suspensions for s in SUBSIDIES if s.id != "housing")


def test_education_rules_set_no_analysis_or_finance_report_deadline():
    """The 20 February / 1 March dates are in the rules of camps (section 6) and housing (7.3) only."""
    education = next(s for s in SUBSIDIES if s.id == "education")
    rules = "\n".join(ACT[education.source.first_line - 1: education.source.last_line])
    assert "20 февраля" not in rules and "1 марта" not in rules
    assert education.analysis_deadline is None and education.finance_report_deadline is None


CASES = [(s.id, path, value) for s in SUBSIDIES for path, value in values(s).items()]


def test_every_text_and_figure_has_its_act_line():
    for subsidy in SUBSIDIES:
        assert set(subsidy.act_lines) == set(values(subsidy)), subsidy.id
        for path, where in subsidy.act_lines.items():
            assert isinstance(where, int) or where.startswith("не в тексте Правил: "), (subsidy.id, path)


@pytest.mark.parametrize("sid, path, value", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_subsidy_value_is_the_acts(sid, path, value):
    subsidy = next(s for s in SUBSIDIES if s.id == sid)
    where = subsidy.act_lines[path]
    if isinstance(where, str):                # not printed in the rules: the data says why
        assert where.startswith("не в тексте Правил: ") and len(where) > 40
        return
    line = ACT[where - 1]
    if path.startswith("suspensions["):      # the rules' own amendment note, or the act's trailer of amending acts
        assert subsidy.source.first_line <= where <= subsidy.source.last_line or where >= TRAILER, where
        assert_suspension(path.rsplit(".", 1)[1], value, line, where, subsidy.subprogram)
        return
    assert subsidy.source.first_line <= where <= subsidy.source.last_line, "the line is outside the subsidy's rules"
    if path.endswith(".unit"):
        assert value in line, (value, line[:200])
    elif path.endswith(".direction"):       # the rules' own case "а)" of the index D: more is better
        assert value == "increase" and line.startswith("а) ")
        assert "большее значение фактически достигнутого значения отражает большую эффективность" in line, line
    elif path == "department":                # a name inside a sentence
        assert norm(value) in norm(line), (value, line[:200])
    elif path == "rules":                     # "Приложение 2" / "к подпрограмме 5" on two lines
        assert norm(f"{line} {ACT[where]}") == value, (value, line, ACT[where])
    elif path == "name":                      # "Субсидия на X": the rules speak of "субсидий бюджетам ... на X"
        assert value.startswith("Субсидия на ")
        assert norm(value.removeprefix("Субсидия ")) in norm(line), (value, line[:300])
    elif isinstance(value, str):
        assert text_in_line(value, line), (value, line[:300])
    elif path == "quarterly_deadline_day":
        assert f"до {value} числа" in line, line[:200]
    elif path == "annual_deadline":
        assert f"до {value.day} {MONTHS[value.month - 1]}" in line or \
            (value.month == 1 and f"до {value.day} числа месяца года, следующего" in line), line[:200]
    elif path in ("analysis_deadline", "finance_report_deadline"):
        # "ежегодно до 20 февраля ... осуществляет анализ ... и представляет в срок до 1 марта ... в Департамент
        # финансов области"
        analysis, _, report = line.partition("представляет в срок")
        assert "анализ" in analysis and "Департамент финансов области" in report, line[:200]
        part = analysis if path == "analysis_deadline" else report
        assert f"до {value.day} {MONTHS[value.month - 1]} текущего финансового года" in part, line[:300]
    elif path == "return_deadline":
        assert f"в срок до {value.day} {MONTHS[value.month - 1]} года, следующего за годом предоставления" in line
        assert "подлежащи" in line and "возврату" in line, line[:200]
    elif path == "return_excludes_unused":
        assert value is True
        assert "не учитывается размер остатка субсидии, не использованного по состоянию на 1 января" in line, line
    elif path == "unused_return_working_days":
        assert line.startswith(("8.", "9.")) and "Не использованные по состоянию на 1 января" in line
        assert f"в течение первых {value} рабочих дней текущего финансового года" in line, line
    else:
        assert any(form in line for form in figure_forms(value)), (value, line[:300])


@pytest.mark.parametrize("sid, line, drifted", [
    ("camps", 2534, "проведены мероприятия"),
    ("housing", 3835, None),
])
def test_the_two_drifted_texts_now_read_as_the_act(sid, line, drifted):
    subsidy = next(s for s in SUBSIDIES if s.id == sid)
    name = subsidy.results[0].name
    assert subsidy.act_lines["results[0].name"] == line
    if drifted:
        assert drifted not in name and "запланированы мероприятия" in name
    else:
        assert name.endswith("в многоквартирном доме к потребностям инвалидов")
    assert text_in_line(name, ACT[line - 1])


CLAUSE_CASES = [(s.id, field, clause) for s in SUBSIDIES for field, clause in s.clauses.items()]


@pytest.mark.parametrize("sid, field, clause", CLAUSE_CASES, ids=[f"{c[0]}-{c[1]}" for c in CLAUSE_CASES])
def test_cited_clause_is_where_the_value_is_printed(sid, field, clause):
    """The documents cite a deadline's clause ("п. 7.3", "раздел 6"): the value's act line is in that clause
    (the nearest numbered clause or section heading above it, or the line itself)."""
    subsidy = next(s for s in SUBSIDIES if s.id == sid)
    where = subsidy.act_lines[field]
    if isinstance(where, str):                 # not printed in the rules: the reason names the clause
        assert clause.removeprefix("п. ") in where, (clause, where)
        return
    kind, number = clause.split(" ")
    pattern = r"^(\d+)\. " if kind == "раздел" else r"^(\d+\.\d+)\. "
    above = (re.match(pattern, ACT[n - 1]) for n in range(where, subsidy.source.first_line - 1, -1))
    assert next(m.group(1) for m in above if m) == number, (clause, ACT[where - 1][:80])


def test_a_quarterly_deadline_not_in_the_rules_carries_its_label():
    """A quarterly day the rules leave to the agreement has the documents' label; a day of the rules has none."""
    for subsidy in SUBSIDIES:
        chosen = isinstance(subsidy.act_lines["quarterly_deadline_day"], str)
        assert bool(subsidy.quarterly_deadline_note) == chosen, subsidy.id
        if chosen:
            assert "соглашением" in subsidy.quarterly_deadline_note
            assert "метод выбран разработчиком отчета" in subsidy.quarterly_deadline_note
            assert subsidy.clauses["quarterly_deadline_day"] in subsidy.quarterly_deadline_note


def test_an_annual_deadline_without_its_month_in_the_rules_carries_its_label():
    """Education's rules say "до 5 числа месяца года, следующего за отчетным" (п. 6.1, act line 3598), camps'
    "до 20 числа ..." (section 6, line 2539), no month: January is the report developer's reading, and the data
    carries the label the documents print; housing's "до 20 января" (п. 7.2) needs none."""
    for subsidy in SUBSIDIES:
        line = ACT[subsidy.act_lines["annual_deadline"] - 1]
        monthless = "числа месяца года, следующего" in line
        assert bool(subsidy.annual_deadline_note) == monthless, subsidy.id
        if monthless:
            day = subsidy.annual_deadline.day
            assert f"«до {day} числа месяца года, следующего за отчетным»" in subsidy.annual_deadline_note
            assert f"({subsidy.clauses['annual_deadline']})" in subsidy.annual_deadline_note
            assert subsidy.annual_deadline_note.endswith("метод выбран разработчиком отчета")
