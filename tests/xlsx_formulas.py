"""A small evaluator for exactly the formulas gosprog's XLSX writer emits, for the tests.

Grammar: ``=expr``; ``expr := term (("+"|"-") term)*``; ``term := factor (("*"|"/") factor)*``;
``factor := number | cell | "SUM(" args ")" | "(" expr ")" | "-" factor``; ``args`` are cells,
ranges (``F10:F12``) or expressions separated by commas. SUM ignores text and empty cells, like
Excel. Anything else raises ``ValueError``: a formula the writer starts to emit must be added here.

Values are ``Decimal`` (computed from the cells' stored numbers), so a test compares them with
the DOCX/PDF text exactly.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.utils import column_index_from_string, range_boundaries

_TOKEN = re.compile(r"\s*(?:(?P<range>\$?[A-Z]{1,3}\$?\d+:\$?[A-Z]{1,3}\$?\d+)|(?P<cell>\$?[A-Z]{1,3}\$?\d+)"
                    r"|(?P<number>\d+(?:\.\d+)?)|(?P<sum>SUM\()|(?P<op>[-+*/(),]))")


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"formula not understood at {text[pos:]!r}: {text!r}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _number(value) -> Decimal | None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, (int, float, Decimal)):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return None


class Sheet:
    """One worksheet's cells with every formula computed (recursively, cycles refused)."""

    def __init__(self, ws):
        self.raw = {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}
        self.cache: dict[tuple[int, int], object] = {}
        self.active: set[tuple[int, int]] = set()

    def formulas(self) -> dict[tuple[int, int], str]:
        return {k: v for k, v in self.raw.items() if isinstance(v, str) and v.startswith("=")}

    def value(self, row: int, col: int):
        key = (row, col)
        raw = self.raw.get(key)
        if not (isinstance(raw, str) and raw.startswith("=")):
            return _number(raw) if _number(raw) is not None else raw
        if key in self.cache:
            return self.cache[key]
        if key in self.active:
            raise ValueError(f"circular reference at {key}")
        self.active.add(key)
        try:
            result = self.evaluate(raw[1:])
        finally:
            self.active.discard(key)
        self.cache[key] = result
        return result

    def evaluate(self, text: str) -> Decimal:
        tokens = _tokens(text)
        pos = 0

        def peek():
            return tokens[pos] if pos < len(tokens) else (None, None)

        def take():
            nonlocal pos
            pos += 1
            return tokens[pos - 1]

        def cell(ref: str):
            m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", ref)
            return self.value(int(m.group(2)), column_index_from_string(m.group(1)))

        def strict(value) -> Decimal:
            number = _number(value)
            return number if number is not None else Decimal(0)

        def factor() -> Decimal:
            kind, tok = take()
            if kind == "number":
                return Decimal(tok)
            if kind == "cell":
                return strict(cell(tok))
            if kind == "op" and tok == "-":
                return -factor()
            if kind == "op" and tok == "(":
                result = expr()
                if take() != ("op", ")"):
                    raise ValueError(f"missing ) in {text!r}")
                return result
            if kind == "sum":
                total = Decimal(0)
                while True:
                    k, t = peek()
                    if k == "range":
                        take()
                        min_col, min_row, max_col, max_row = range_boundaries(t.replace("$", ""))
                        for r in range(min_row, max_row + 1):
                            for c in range(min_col, max_col + 1):
                                total += _number(self.value(r, c)) or Decimal(0)
                    elif k == "cell" and tokens[pos + 1:pos + 2] in ([("op", ",")], [("op", ")")]):
                        take()
                        total += _number(cell(t)) or Decimal(0)
                    else:
                        total += expr()
                    k, t = take()
                    if (k, t) == ("op", ")"):
                        return total
                    if (k, t) != ("op", ","):
                        raise ValueError(f"unexpected {t!r} in {text!r}")
            raise ValueError(f"unexpected {tok!r} in {text!r}")

        def term() -> Decimal:
            result = factor()
            while peek() in (("op", "*"), ("op", "/")):
                _, op = take()
                right = factor()
                result = result * right if op == "*" else result / right
            return result

        def expr() -> Decimal:
            result = term()
            while peek() in (("op", "+"), ("op", "-")):
                _, op = take()
                right = term()
                result = result + right if op == "+" else result - right
            return result

        result = expr()
        if pos != len(tokens):
            raise ValueError(f"trailing tokens in {text!r}")
        return result


def computed_workbook(path: Path) -> dict[str, Sheet]:
    """Every sheet of the workbook at ``path`` with its formulas evaluable."""
    wb = openpyxl.load_workbook(path)
    return {ws.title: Sheet(ws) for ws in wb.worksheets}


def cached_values(path: Path) -> dict[str, dict[tuple[int, int], object]]:
    """The values the file stores for each cell (a formula's cached ``<v>``), as a non-recalculating reader sees."""
    wb = openpyxl.load_workbook(path, data_only=True)
    return {ws.title: {(c.row, c.column): c.value for row in ws.iter_rows() for c in row} for ws in wb.worksheets}
