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


def row_money(row, key: str = "total") -> list | None:
    """A financing row's money for one source: its per-year amounts followed by the all-years total
    (тыс. руб., as printed: numbers, ``"-"``/``"х"`` markers or ``None``), or ``None`` when the row has no
    money of that source. The one answer every reader of financing tables uses (control relations, the
    editions' comparison, the annual evaluation, the quarterly limits).

    ``row`` is a :class:`generator.data.schema.FinancingRow`; ``key`` a source key (``"total"``, ``"own"``,
    ``"federal"``, ... of ``program.sources``). The row's line of that source is its money. A row printed
    without a "всего" line (act tables 3-4: a single source line is not repeated as "всего") has as its
    total the column sums of its source lines (markers count as absent).
    """
    line = row.source(key)
    if line is not None:
        return [*line.values, line.total]
    if key == "total" and row.sources:
        return column_sums([[*s.values, s.total] for s in row.sources])
    return None


def row_money_in(row, key: str, years: Sequence[int], year: int):
    """The money of ``row`` (:func:`row_money`) for source ``key`` in ``year`` of the table's ``years``;
    ``None`` when the row has no such money or the table no such year."""
    money = row_money(row, key)
    if money is None or year not in years:
        return None
    return money[list(years).index(year)]


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
