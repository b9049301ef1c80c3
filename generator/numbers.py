"""Russian number, money, percent and date formatting, in one place.

Every writer prints values through this module so that ``15 736 027,0`` looks
the same in DOCX, XLSX-as-text and PDF.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

NO_VALUE = "-"          # hyphen-minus: no value / no financing
NOT_APPLICABLE = "х"    # Cyrillic х (U+0445): not applicable
MARKERS = (NO_VALUE, NOT_APPLICABLE)

THOUSANDS = "\u00a0"   # no-break space: a number never splits across lines ("15 736 027,0")
NBSP = "\u00a0"
DECIMAL = ","

MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)


def quantize(value: Decimal, decimals: int) -> Decimal:
    """Round half up to ``decimals`` places (kopecks: 2, program tables: 1), exactly however many digits the result
    has (``Decimal.quantize`` raises ``InvalidOperation`` past the context's 28 digits: then it is done again in a
    context as precise as the result; the readers refuse such figures, the Python API may still pass one)."""
    exponent = Decimal(1).scaleb(-decimals)
    try:
        return value.quantize(exponent, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        if not value.is_finite():
            raise
        return value.quantize(exponent, rounding=ROUND_HALF_UP, context=Context(prec=value.adjusted() + decimals + 2))


def format_number(value, decimals: int | None = 1, group: bool = True) -> str:
    """Format a number Russian style: ``15736027`` → ``15 736 027,0``.

    ``decimals=None`` keeps the value's own precision (``50,44``, ``100``).
    Markers (``-``, ``х``) and ``None`` pass through (``None`` → empty).
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, float):
        raise TypeError("floats are not accepted: use decimal.Decimal")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    if decimals is not None:
        number = quantize(number, decimals)
    sign = "-" if number < 0 else ""
    text = format(number.copy_abs(), "f")     # copy_abs: no rounding to the context's 28 digits
    whole, _, frac = text.partition(".")
    if group and len(whole) > 3:
        parts = []
        while len(whole) > 3:
            parts.append(whole[-3:])
            whole = whole[:-3]
        parts.append(whole)
        whole = THOUSANDS.join(reversed(parts))
    return sign + whole + (DECIMAL + frac if frac else "")


# Words that follow a number and must stay on its line: units, "год", the percent sign's words.
_UNITS = (r"тыс\.|млн\.|млрд\.|руб\.|рубл|коп\.|год|году|года|годы|годов|г\.|чел\.|человек|ед\.|дн\.|"
          r"раз|%|процент")
# "тыс. рублей": the pattern starts at the literal ". " (the regex engine jumps from one to the next; led by \b and
# the words, it was tried at every character, half of tie's time on a table's names) and looks back for the word
_UNIT_INSIDE = re.compile(r"\. (?:(?<=\bтыс\. )|(?<=\bмлн\. )|(?<=\bмлрд\. ))(?=руб|чел|ед)")
# The three rules about a space next to a digit, in one pass: between a digit and three more (inside a number),
# between a digit and a unit, after "N" before a digit. The pattern starts with the space itself (the lookbehinds
# follow it), so the regex engine jumps from space to space instead of trying every position (a table's names:
# twice as fast as the three rules one after the other; the act's lines: five times).
_TIED_SPACE = re.compile(r" (?:(?<=\d )(?=\d{3}(?:\D|$)|" + _UNITS + r")|(?<=\bN )(?=\d))")
_DIGIT = re.compile(r"\d")


@functools.lru_cache(maxsize=65536)
def tie(text: str) -> str:
    """Running text with no-break spaces where a line must not break: inside a number ("19 373 980,2"),
    between a number and its unit ("980,2 тыс. рублей", "2022 год", "15 рабочих" stays breakable),
    inside "тыс. рублей" and after "N" ("N 395").

    Only spaces are replaced; the visible text is unchanged. Used wherever prose with figures is
    assembled (generator.texts, memo and explanatory-note templates, report paragraphs).

    A pure function of ``text``, remembered for the last 65,536 texts (a 20,000-row table's
    names, dates and statuses fit): a table's cells are formatted by every writer and at every trial font
    size, each time with the same texts.
    """
    if not text:
        return text
    if ". " in text:
        text = _UNIT_INSIDE.sub("." + NBSP, text)
    if _DIGIT.search(text) is None:       # the other rules tie a space to a digit
        return text
    return _TIED_SPACE.sub(NBSP, text)


def format_money(value, decimals: int = 1) -> str:
    """Money: one decimal in thousand rubles, two (kopecks) in rubles."""
    return format_number(value, decimals)


def money_or_dash(value, decimals: int = 1) -> str:
    """Money in a sentence or a summary line: the formatted number (``format_number``, one decimal in
    thousand rubles), or ``"-"`` (:data:`NO_VALUE`) when there is no number (a marker, ``None``)."""
    if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        return format_number(value, decimals)
    return NO_VALUE


def format_percent(value, decimals: int = 1) -> str:
    """``Decimal('79.2')`` → ``79,2%`` (no space before %, as in the acts)."""
    if value is None or isinstance(value, str):
        return format_number(value)
    return format_number(value, decimals) + "%"


def format_date(value: _dt.date) -> str:
    """``date(2021, 8, 30)`` → ``30 августа 2021 г.``"""
    return f"{value.day} {MONTHS_GENITIVE[value.month - 1]} {value.year} г."


def format_date_numeric(value: _dt.date) -> str:
    """``date(2019, 4, 22)`` → ``22.04.2019``"""
    return value.strftime("%d.%m.%Y")


def parse_number(text: str) -> Decimal:
    """Parse a Russian-printed number: ``"15 736 027,0"`` → ``Decimal('15736027.0')``.

    Accepts a decimal point too (the act has ``42.3``). Raises ``ValueError``.
    """
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite number: {text!r}")
    return number
