"""Pure calculations on program figures: sums over amounts with markers, differences.

No I/O and no document logic: builders and the control relations call these.
Markers (``-`` no value, ``х`` not applicable) and ``None`` (empty) are not
numbers; ``total`` treats them as absent, and reports whether anything was known.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Sequence

ZERO = Decimal("0")


def is_number(value) -> bool:
    return isinstance(value, (Decimal, int)) and not isinstance(value, bool)


def as_decimal(value) -> Decimal:
    """A number, or 0 for a marker / empty cell ("no money")."""
    return Decimal(value) if is_number(value) else ZERO


def total(values: Iterable) -> Decimal | None:
    """The sum of the numbers among ``values``; None when none of them is a number."""
    numbers = [Decimal(v) for v in values if is_number(v)]
    return sum(numbers, ZERO) if numbers else None


def column_sums(rows: Sequence[Sequence]) -> list[Decimal | None]:
    """Column-wise sums of equally long rows (markers count as absent)."""
    if not rows:
        return []
    return [total(row[i] for row in rows) for i in range(len(rows[0]))]


@dataclass(frozen=True)
class Mismatch:
    position: int            # index within the compared vectors
    expected: Decimal        # the computed sum
    printed: Decimal         # the value in the data

    @property
    def difference(self) -> Decimal:
        return self.printed - self.expected


def compare(printed: Sequence, computed: Sequence) -> list[Mismatch]:
    """Positions where a printed number differs from a computed one (both must be known)."""
    out = []
    for i, (p, c) in enumerate(zip(printed, computed)):
        if c is None or not is_number(p):
            continue
        if Decimal(p) != c:
            out.append(Mismatch(i, c, Decimal(p)))
    return out


def share(part, whole, places: int = 1) -> Decimal | None:
    """``part / whole × 100`` rounded half up; None when the whole is zero or unknown."""
    from .numbers import quantize
    if not is_number(part) or not is_number(whole) or Decimal(whole) == 0:
        return None
    return quantize(Decimal(part) * 100 / Decimal(whole), places)
