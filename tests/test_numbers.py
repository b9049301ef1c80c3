"""Russian number, percent and date formatting (generator/numbers.py)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import numbers
from generator.numbers import (format_date, format_date_numeric, format_money, format_number,
                               format_percent, parse_number)


@pytest.mark.parametrize("value, expected", [
    (15736027, "15 736 027,0"),
    (D("15736027.0"), "15 736 027,0"),
    (D("59850076.9"), "59 850 076,9"),
    (D("6162840.3"), "6 162 840,3"),
    (D("999.9"), "999,9"),
    (D("1000"), "1 000,0"),
    (D("1234567890.12"), "1 234 567 890,1"),
    (0, "0,0"),
    (D("0.0"), "0,0"),
    (D("0"), "0,0"),
])
def test_format_number_groups_thousands_with_one_decimal(value, expected):
    assert format_number(value).replace("\u00a0", " ") == expected


def test_thousands_separator_is_a_no_break_space():
    """A number never splits across lines (issue 17): the separator is U+00A0."""
    text = format_number(D("15736027.0"))
    assert text == "15\u00a0736\u00a0027,0" and " " not in text
    assert numbers.THOUSANDS == "\u00a0" and numbers.DECIMAL == ","


def test_tie_binds_numbers_and_units_in_running_text():
    text = numbers.tie("2022 год - 19 373 980,2 тыс. рублей; от 22.04.2019 N 395; 79,2 % и 15 рабочих дней")
    assert text == ("2022\u00a0год - 19\u00a0373\u00a0980,2\u00a0тыс.\u00a0рублей; от 22.04.2019 N\u00a0395; "
                    "79,2\u00a0% и 15 рабочих дней")
    assert numbers.tie(text) == text


def _tie_by_the_rules(text: str) -> str:
    """The four rules of :func:`numbers.tie`, one after the other, as its docstring states them."""
    nbsp = "\u00a0"
    text = re.sub(r"(?<=\d) (?=\d{3}(?:\D|$))", nbsp, text)                    # inside a number
    text = re.sub(r"(?<=\d) (?=(?:" + numbers._UNITS + "))", nbsp, text)         # a number and its unit
    text = re.sub(r"\b(тыс|млн|млрд)\. (?=руб|чел|ед)", r"\1." + nbsp, text)    # "тыс. рублей"
    return re.sub(r"(?<=\bN) (?=\d)", nbsp, text)                              # "N 395"


_TIE_PIECES = st.sampled_from(["1", "23", "456", "7 890", " ", "  ", "N", "N ", "тыс.", "тыс. ", "руб", "рублей",
                               "млн. чел", "млрд. ", "атыс. ", "чел", "год", "году", "г.", "%", "процент", "ед.", "а", "Б", ".", ",", "\u00a0",
                               "-", "\n", "2022 год", "15 736 027,0", "x"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_TIE_PIECES, max_size=12).map("".join))
def test_tie_in_one_pass_equals_the_rules_one_after_the_other(text):
    """``tie`` applies its digit rules in one expression that starts at the space (twice to five times as fast):
    on any text built of numbers, units, "N", spaces and letters it gives what the rules applied in turn give."""
    assert numbers.tie.__wrapped__(text) == _tie_by_the_rules(text)


def test_tie_equals_the_rules_on_every_line_of_the_act():
    act = (Path(__file__).resolve().parent.parent / "data" / "social-support-vologda" / "source" / "act.txt")
    lines = act.read_text(encoding="utf-8").splitlines()
    assert len(lines) > 1000
    changed = 0
    for line in lines:
        tied = numbers.tie.__wrapped__(line)
        assert tied == _tie_by_the_rules(line), line
        changed += tied != line
    assert changed > 100          # the act's figures and units are tied, not left alone


@pytest.mark.parametrize("value, decimals, expected", [
    (D("0.05"), 1, "0,1"),          # half up, not banker's rounding
    (D("2.25"), 1, "2,3"),
    (D("2.35"), 1, "2,4"),
    (D("0.04"), 1, "0,0"),
    (D("1234.5"), 2, "1 234,50"),   # kopecks
    (D("1234.567"), 2, "1 234,57"),
    (D("1234.5"), 0, "1 235"),
    (D("50.44"), None, "50,44"),    # None keeps the value's own precision
    (100, None, "100"),
    (24459, None, "24 459"),
    (D("42.3"), None, "42,3"),
])
def test_format_number_decimals(value, decimals, expected):
    assert format_number(value, decimals) == expected.replace(" ", "\u00a0")


@pytest.mark.parametrize("value, expected", [
    (D("-1234567.89"), "-1 234 567,9"),
    (D("-0.5"), "-0,5"),
    (-15736027, "-15 736 027,0"),
    (D("-0.04"), "0,0"),            # rounds to zero: no "-0,0"
    (D("-0.0"), "0,0"),
])
def test_format_number_negatives(value, expected):
    assert format_number(value).replace("\u00a0", " ") == expected


def test_format_number_without_grouping():
    assert format_number(D("15736027.0"), group=False) == "15736027,0"


@pytest.mark.parametrize("marker", ["-", "х", "", "н/д"])
def test_markers_and_texts_pass_through(marker):
    assert format_number(marker) == marker
    assert format_percent(marker) == marker


def test_markers_are_hyphen_minus_and_cyrillic_kha():
    assert numbers.NO_VALUE == "\u002d"
    assert numbers.NOT_APPLICABLE == "\u0445"
    assert numbers.MARKERS == ("-", "х")


def test_none_is_empty():
    assert format_number(None) == ""
    assert format_percent(None) == ""


@pytest.mark.parametrize("bad", [0.1, 15736027.0, float("nan")])
def test_floats_are_refused(bad):
    with pytest.raises(TypeError, match="float"):
        format_number(bad)
    with pytest.raises(TypeError):
        format_percent(bad)
    with pytest.raises(TypeError):
        format_money(bad)


def test_booleans_are_refused():
    with pytest.raises(TypeError, match="boolean"):
        format_number(True)


@pytest.mark.parametrize("bad", [D("NaN"), D("Infinity"), D("-Infinity")])
def test_non_finite_decimals_are_refused(bad):
    with pytest.raises(ValueError, match="finite"):
        format_number(bad)


@pytest.mark.parametrize("value, decimals, expected", [
    (D("79.2"), 1, "79,2%"),
    (D("100"), 1, "100,0%"),
    (D("5.55"), 1, "5,6%"),
    (D("12.345"), 2, "12,35%"),
    (D("-3.5"), 1, "-3,5%"),
])
def test_format_percent(value, decimals, expected):
    assert format_percent(value, decimals) == expected
    assert " %" not in format_percent(value, decimals)


def test_format_money():
    assert format_money(D("2441409.8")) == "2\u00a0441\u00a0409,8"
    assert format_money(D("2441409.8"), 2) == "2\u00a0441\u00a0409,80"


@pytest.mark.parametrize("date, expected", [
    (dt.date(2021, 8, 30), "30 августа 2021 г."),
    (dt.date(2019, 4, 22), "22 апреля 2019 г."),
    (dt.date(2021, 1, 1), "1 января 2021 г."),
    (dt.date(2020, 5, 9), "9 мая 2020 г."),
    (dt.date(2025, 12, 31), "31 декабря 2025 г."),
])
def test_format_date(date, expected):
    assert format_date(date) == expected


def test_every_month_is_genitive():
    months = [format_date(dt.date(2021, m, 1)).split()[1] for m in range(1, 13)]
    assert months == ["января", "февраля", "марта", "апреля", "мая", "июня",
                      "июля", "августа", "сентября", "октября", "ноября", "декабря"]


def test_format_date_numeric():
    assert format_date_numeric(dt.date(2019, 4, 22)) == "22.04.2019"
    assert format_date_numeric(dt.date(2021, 8, 30)) == "30.08.2021"


@pytest.mark.parametrize("text, expected", [
    ("15 736 027,0", D("15736027.0")),
    ("15\u00a0736\u00a0027,0", D("15736027.0")),
    ("  59 850 076,9 ", D("59850076.9")),
    ("42.3", D("42.3")),
    ("0,0", D("0.0")),
    ("-1 234,5", D("-1234.5")),
    ("79,2%", D("79.2")),
    ("100", D("100")),
])
def test_parse_number(text, expected):
    result = parse_number(text)
    assert result == expected
    assert isinstance(result, D)
    assert str(result) == str(expected)      # precision kept: "15736027.0", not "15736027"


@pytest.mark.parametrize("bad", ["", "-", "х", "abc", "1,2,3", "NaN", "Infinity", "1 2 3 x"])
def test_parse_number_rejects_non_numbers(bad):
    with pytest.raises(ValueError):
        parse_number(bad)


@pytest.mark.parametrize("value", [D("15736027.0"), D("0.0"), D("-7291599.6"), D("14741030.9"), D("1.0")])
def test_round_trip_examples(value):
    assert parse_number(format_number(value)) == value
    assert format_number(parse_number(format_number(value))) == format_number(value)


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=D("-1e15"), max_value=D("1e15"), places=1,
                   allow_nan=False, allow_infinity=False))
def test_round_trip_property(value):
    text = format_number(value)
    assert parse_number(text) == value
    whole = text.lstrip("-").split(",")[0]
    assert all(len(group) == 3 for group in whole.split("\u00a0")[1:])
    assert 1 <= len(whole.split("\u00a0")[0]) <= 3


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=D("0"), max_value=D("1000"), places=1,
                   allow_nan=False, allow_infinity=False))
def test_percent_round_trip_property(value):
    assert parse_number(format_percent(value)) == value


def test_money_or_dash_is_the_one_money_in_prose_helper():
    from decimal import Decimal

    from generator.builders import editions
    from generator.cli import diff as cli_diff
    from generator.numbers import money_or_dash
    assert money_or_dash(Decimal("15736027")) == "15\u00a0736\u00a0027,0"
    assert money_or_dash(Decimal("-2.25")) == "-2,3" and money_or_dash(0) == "0,0"
    assert money_or_dash(None) == money_or_dash("х") == money_or_dash("-") == "-"
    for value in (Decimal("1234.56"), None, "х"):
        assert editions.money(value) == cli_diff._money(value) == money_or_dash(value)


@pytest.mark.parametrize("value, decimals, expected", [
    (D("1" * 30), 1, " ".join(["111"] * 10) + ",0"),
    (D("-" + "9" * 30 + ".96"), 1, "-1" + " 000" * 10 + ",0"),
    (D("1e40"), 2, "10" + " 000" * 13 + ",00"),
])
def test_numbers_past_the_decimal_context_are_formatted_exactly(value, decimals, expected):
    """``Decimal.quantize`` raises past the context's 28 digits; a figure that long (the readers refuse one, the Python
    API may pass it) is still rounded half up and printed, not a bare ``decimal.InvalidOperation``."""
    assert numbers.format_number(value, decimals) == expected.replace(" ", "\u00a0")
