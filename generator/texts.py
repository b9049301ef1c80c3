"""Russian prose generated from figures: the passport's financing paragraph.

The paragraph is always generated from structured figures, never copied from
the act's text; ``validate`` compares the generated text with the printed one.
"""

from __future__ import annotations

import re

from . import calc
from .numbers import format_number

def financing_paragraph(blocks, years: list[int], unit: str = "тыс. рублей") -> str:
    """``общий объем … - X тыс. рублей, в том числе по годам реализации: 2021 год - …``.

    ``blocks`` are objects with ``key``, ``label``, ``total`` and ``years`` (per-year amounts; None for a
    year the block does not print), ``parts`` (keys of the blocks it is the sum of) and ``joiner`` (the
    printed text before it, when the act's differs from the rule). ``unit``: the money unit in words.
    Joiners (:func:`joiners`): "; " between blocks, ", из них: " before the first funding source of the
    block just before it, ", " between its further sources.
    """
    parts = []
    for i, (block, joiner) in enumerate(zip(blocks, joiners(blocks))):
        by_year = [f"{year} год - {format_number(value, None)} {unit}"
                   for year, value in zip(years, block.years) if calc.is_number(value)]
        text = f"{block.label} - {format_number(block.total, None)} {unit}"
        if by_year:
            text += ", в том числе по годам реализации: " + "; ".join(by_year)
        if i:
            parts.append(joiner)
        parts.append(text)
    return "".join(parts)


def joiners(blocks) -> list[str]:
    """The text before each block of a financing paragraph (the first: "").

    A block's ``parts`` say what it is the sum of; where no block declares any, a ``total`` block is the sum
    of all the others (as control relation F10 reads a subprogram's passport). A *funding source* (a block
    that is not itself a sum) that is the first part of the block printed just before it follows ", из
    них: "; a source following a sibling part of the same sum follows ", "; every other block "; " (for any
    list of sources: a sum of sums, as "общий объем" = "бюджетные ассигнования" + "налоговые расходы", is
    never "из них", and a source after "; " starts no list). A block's own ``joiner`` wins.
    """
    keys = [b.key for b in blocks]
    declared = {b.key: list(getattr(b, "parts", None) or []) for b in blocks}
    if not any(declared.values()) and "total" in keys:
        declared["total"] = [k for k in keys if k != "total"]
    owner = {part: whole for whole, parts in declared.items() for part in parts}
    out = []
    listing = None                  # the sum whose "из них" list is open
    for i, block in enumerate(blocks):
        joiner = getattr(block, "joiner", None)
        if i == 0:
            out.append("")
            continue
        previous = blocks[i - 1].key
        whole = owner.get(block.key)
        source = not declared.get(block.key)
        rule = "; "
        if whole is not None and source:
            if previous == whole and declared[whole][0] == block.key:
                rule = ", из них: "
            elif listing == whole and owner.get(previous) == whole:
                rule = ", "
        listing = whole if rule != "; " else None
        out.append(joiner if joiner is not None else rule)
    return out


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
