"""Every text and figure of the subsidy rules the data carries (subsidies/subsidies.yaml) against the act.

Each subsidy's ``act_lines`` gives the act line of each of its texts and figures, or says why the value is
not printed in the rules. Texts compare without case, spacing and quote style, allowing the first word its
grammatical case (the act writes "значения результата ... - количества лагерей", the data "Количество
лагерей"); figures compare in the act's own writing ("56,2%", "98%", "до 10 числа", "до 20 января").
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from generator.data.loader import read_model
from generator.quarterly.schema import Subsidies

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "social-support-vologda"
ACT = (DATA / "source" / "act.txt").read_text(encoding="utf-8").split("\n")
SUBSIDIES = read_model(Subsidies, DATA / "subsidies" / "subsidies.yaml").items
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
    out = {"name": subsidy.name, "department": subsidy.department,
           "quarterly_deadline_day": subsidy.quarterly_deadline_day, "annual_deadline": subsidy.annual_deadline,
           "return_coefficient": subsidy.return_coefficient}
    for i, result in enumerate(subsidy.results):
        out[f"results[{i}].name"] = result.name
        out[f"results[{i}].unit"] = result.unit
    level = subsidy.cofinancing.max_level
    if isinstance(level, dict):
        out.update({f"cofinancing.max_level.{k}": v for k, v in level.items()})
    elif level is not None:
        out["cofinancing.max_level"] = level
    out.update({f"cofinancing.fixed.{k}": v for k, v in subsidy.cofinancing.fixed.items()})
    return out


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
    assert subsidy.source.first_line <= where <= subsidy.source.last_line, "the line is outside the subsidy's rules"
    line = ACT[where - 1]
    if path.endswith(".unit"):
        assert value in line, (value, line[:200])
    elif path == "department":                # a name inside a sentence
        assert norm(value) in norm(line), (value, line[:200])
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
