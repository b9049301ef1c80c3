"""Russian prose generated from figures: the passport's financing paragraph.

The paragraph is always generated from structured figures, never copied from
the act's text; ``validate`` compares the generated text with the printed one.
"""

from __future__ import annotations

import re

from . import calc
from .numbers import format_number

# What joins a block to the one before it, as the act writes it (seed line 33).
JOINERS = {"own": ", из них: ", "federal": ", "}


def financing_paragraph(blocks, years: list[int], unit: str = "тыс. рублей") -> str:
    """``общий объем … - X тыс. рублей, в том числе по годам реализации: 2021 год - …``.

    ``blocks`` are objects with ``key``, ``label``, ``total`` and ``years``
    (per-year amounts; None for a year the block does not print).
    """
    parts = []
    for i, block in enumerate(blocks):
        by_year = [f"{year} год - {format_number(value, None)} {unit}"
                   for year, value in zip(years, block.years) if calc.is_number(value)]
        text = f"{block.label} - {format_number(block.total, None)} {unit}"
        if by_year:
            text += ", в том числе по годам реализации: " + "; ".join(by_year)
        if i:
            joiner = getattr(block, "joiner", None)
            parts.append(joiner if joiner is not None else JOINERS.get(block.key, "; "))
        parts.append(text)
    return "".join(parts)


def same_figures_text(a: str, b: str) -> str:
    """Fold the thousands separator, which acts print inconsistently ("27575,2" / "27 575,2")."""
    return re.sub(r"(?<=\d) (?=\d{3}\b)", "", a.replace("\u00a0", " "))


def first_difference(a: str, b: str) -> tuple[int, str, str] | None:
    """Where two texts first differ, thousands separators aside:
    (position, excerpt of a, excerpt of b); None when equal."""
    a, b = same_figures_text(a, b), same_figures_text(b, a)
    if a == b:
        return None
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return i, a[max(0, i - 30): i + 40], b[max(0, i - 30): i + 40]
