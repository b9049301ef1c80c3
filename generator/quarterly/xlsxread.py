"""A lean, read-only XLSX reader for filled-in report forms.

openpyxl builds a full object model of a workbook (styles, every cell) and takes
most of an import's time. A form needs far less: the sheet names, the cells'
values and whether a cell holds a formula, and the merged ranges. This module
reads exactly that from the package's XML with ElementTree (which never fetches
external entities, and whose expat refuses entity-expansion bombs), with the
same small interface the importer uses (``wb.sheetnames``, ``wb[name]``,
``ws.cell(row=, column=)``, ``ws.merged_cells.ranges``, ``ws.max_row``).
Numbers are read from their text as ``Decimal``, never through float.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from xml.etree import ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
_M = "{%s}" % NS["m"]
_ROW, _C, _F, _V, _IS = (_M + name for name in ("row", "c", "f", "v", "is"))
_REF = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")


class ReadError(ValueError):
    """The package is not a readable workbook."""


def column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index


def column_letters(index: int) -> str:
    out = ""
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def split_ref(ref: str) -> tuple[int, int]:
    match = _REF.match(ref)
    if not match:
        raise ReadError(f"bad cell reference {ref[:20]!r}")
    return int(match.group(2)), column_index(match.group(1))


@dataclass(frozen=True)
class Cell:
    row: int
    column: int
    value: object = None          # str, Decimal, bool or None; a formula is "=…"
    data_type: str = "n"          # "n" number/empty, "s" text, "f" formula, "b" boolean, "e" error, "d" date

    @property
    def coordinate(self) -> str:
        return f"{column_letters(self.column)}{self.row}"


@dataclass(frozen=True)
class Range:
    min_row: int
    min_col: int
    max_row: int
    max_col: int

    def __str__(self) -> str:
        return f"{column_letters(self.min_col)}{self.min_row}:{column_letters(self.max_col)}{self.max_row}"


class _Merged:
    def __init__(self, ranges: list[Range]):
        self.ranges = ranges


class Sheet:
    def __init__(self, title: str, cells: dict[tuple[int, int], Cell], merged: list[Range]):
        self.title = title
        self._cells = cells
        self.merged_cells = _Merged(merged)
        self.max_row = max((r for r, _ in cells), default=0)
        self.max_column = max((c for _, c in cells), default=0)

    def cell(self, row: int, column: int) -> Cell:
        return self._cells.get((row, column)) or Cell(row, column)

    def iter_rows(self, min_row: int = 1, max_row: int | None = None, max_col: int | None = None,
                  values_only: bool = True):
        for r in range(min_row, (max_row or self.max_row) + 1):
            yield tuple(self.cell(r, c).value for c in range(1, (max_col or self.max_column) + 1))


class Workbook:
    def __init__(self, archive: zipfile.ZipFile):
        self._archive = archive
        self._names = set(archive.namelist())
        root = self._xml("xl/workbook.xml")
        rels = self._rels("xl/_rels/workbook.xml.rels")
        self._targets: dict[str, str] = {}
        for sheet in root.iterfind("m:sheets/m:sheet", NS):
            target = rels.get(sheet.get(f"{{{NS['r']}}}id"))
            if target:
                self._targets[sheet.get("name")] = target
        self.sheetnames = list(self._targets)
        self._shared = self._shared_strings()
        self._date_styles = self._dates()
        self._sheets: dict[str, Sheet] = {}

    def _xml(self, name: str):
        if name not in self._names:
            raise ReadError(f"the package has no {name}")
        try:
            return ET.fromstring(self._archive.read(name))
        except ET.ParseError as exc:
            raise ReadError(f"{name}: {exc}") from None

    def _rels(self, name: str) -> dict[str, str]:
        out = {}
        for rel in self._xml(name).iterfind("rel:Relationship", NS):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            out[rel.get("Id")] = path
        return out

    def _shared_strings(self) -> list[str]:
        if "xl/sharedStrings.xml" not in self._names:
            return []
        return ["".join(t.text or "" for t in si.iter(f"{_M}t")) for si in
                self._xml("xl/sharedStrings.xml").iterfind("m:si", NS)]

    def _dates(self) -> set[int]:
        """Indexes of cell styles that show a number as a date or time (a date is not money)."""
        if "xl/styles.xml" not in self._names:
            return set()
        raw = self._archive.read("xl/styles.xml")
        codes = re.findall(rb'formatCode="([^"]*)"', raw)
        if not re.search(rb'numFmtId="(1[4-9]|2[0-2]|4[5-7])"', raw) and \
                not any(re.search(rb"[dmyhsDMYHS]", re.sub(rb"&quot;.*?&quot;|\[[^\]]*\]", b"", c)) for c in codes):
            return set()                  # no date or time format at all: nothing to parse
        root = self._xml("xl/styles.xml")
        custom = {int(f.get("numFmtId", -1)): f.get("formatCode", "")
                  for f in root.iterfind("m:numFmts/m:numFmt", NS)}
        out = set()
        for index, xf in enumerate(root.iterfind("m:cellXfs/m:xf", NS)):
            fmt = int(xf.get("numFmtId", 0))
            code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", custom.get(fmt, ""))
            if 14 <= fmt <= 22 or 45 <= fmt <= 47 or re.search(r"[dmyhs]", code, re.I):
                out.add(index)
        return out

    def __getitem__(self, name: str) -> Sheet:
        if name not in self._targets:
            raise KeyError(name)
        if name not in self._sheets:
            self._sheets[name] = self._sheet(name, self._xml(self._targets[name]))
        return self._sheets[name]

    def _sheet(self, title: str, root) -> Sheet:
        cells: dict[tuple[int, int], Cell] = {}
        data = root.find("m:sheetData", NS)
        for r_index, row in enumerate(data if data is not None else [], start=1):
            if row.tag != _ROW:
                continue
            row_number = int(row.get("r", r_index))
            next_col = 1
            for c in row:
                if c.tag != _C:
                    continue
                ref = c.get("r")
                r, col = split_ref(ref) if ref else (row_number, next_col)
                next_col = col + 1
                cells[(r, col)] = self._cell(c, r, col)
        merged = []
        for m in root.iterfind("m:mergeCells/m:mergeCell", NS):
            first, _, last = m.get("ref", "").partition(":")
            (r1, c1), (r2, c2) = split_ref(first), split_ref(last or first)
            merged.append(Range(r1, c1, r2, c2))
        return Sheet(title, cells, merged)

    def _cell(self, c, row: int, col: int) -> Cell:
        kind = c.get("t", "n")
        parts = {child.tag: child for child in c}
        formula = parts.get(_F)
        if formula is not None:
            return Cell(row, col, "=" + (formula.text or ""), "f")
        v = parts.get(_V)
        text = v.text if v is not None else None
        if kind == "inlineStr":
            node = parts.get(_IS)
            value = "".join(t.text or "" for t in node.iter(f"{_M}t")) if node is not None else ""
            return Cell(row, col, value, "s")
        if text is None:
            return Cell(row, col)
        if kind == "s":
            try:
                return Cell(row, col, self._shared[int(text)], "s")
            except (ValueError, IndexError):
                raise ReadError(f"cell {column_letters(col)}{row}: bad shared string index") from None
        if kind == "str":
            return Cell(row, col, text, "s")
        if kind == "b":
            return Cell(row, col, text.strip() == "1", "b")
        if kind == "e":
            return Cell(row, col, text, "e")
        if int(c.get("s", 0) or 0) in self._date_styles:
            return Cell(row, col, f"дата или время ({text})", "d")
        try:
            return Cell(row, col, excel_number(text), "n")
        except InvalidOperation:
            return Cell(row, col, text, "s")


_EXCEL_PRECISION = Context(prec=15)


def excel_number(text: str) -> Decimal:
    """A stored number as the value a person typed: spreadsheets keep doubles and write them with 16-17
    significant digits (82021.9 is saved as 82021.899999999994); they show and mean 15."""
    number = Decimal(text.strip())
    if number.is_finite() and len(number.as_tuple().digits) > 15:
        number = _EXCEL_PRECISION.create_decimal(number)
    return number


def load(archive: zipfile.ZipFile) -> Workbook:
    return Workbook(archive)
