"""The one XLSX writing layer (XlsxWriter) under the documents (:mod:`.xlsx`) and the quarterly forms
(:mod:`generator.quarterly.forms`): what a workbook gosprog writes needs whatever it holds.

* :func:`new_workbook` - an in-memory XlsxWriter workbook that never turns text into numbers, formulas
  or links (a name starting with ``=`` stays text);
* :class:`Formats` - one format object per distinct set of properties;
* :func:`page_setup` - A4, orientation, fit to the page width, margins, footer;
* :func:`set_width` - a column width in characters *as stored in the file* (openpyxl's meaning);
* :func:`protect` - sheet protection with a password and what the user may still do;
* :func:`save` - close the workbook with fixed properties and zip entry times (same input, same bytes),
  optionally locking the workbook's structure (sheets cannot be added, removed, renamed or unhidden).

XlsxWriter has no workbook-structure protection (its author declines it: jmcnamara/libxlsxwriter#516);
:func:`save` adds the one ``<workbookProtection>`` element ECMA-376 Part 1, 18.2.29 defines, with the
legacy password hash XlsxWriter uses for sheets (Part 4, 14.7.1).
"""

from __future__ import annotations

import datetime as _dt
import io
import zipfile

import xlsxwriter

from ._files import redate_zip

A4 = 9                               # XlsxWriter's paper index of A4
THIN = 1                             # XlsxWriter's border index of a thin line
PIXELS_PER_CHAR = 7                  # Calibri 11's max digit width, XlsxWriter's unit of column width


def new_workbook(buffer: io.BytesIO, default_format: dict | None = None) -> xlsxwriter.Workbook:
    """An in-memory workbook writing into ``buffer``; text stays text (no number, formula or URL
    guessing); ``default_format`` (XlsxWriter format properties, e.g. ``font_name``) for every cell."""
    options = {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
               "strings_to_urls": False}
    if default_format:
        options["default_format_properties"] = default_format
    return xlsxwriter.Workbook(buffer, options)


class Formats:
    """XlsxWriter formats by their properties: one format object per distinct style.

    ``font`` (a font name) is given to every format, without the theme's font scheme; ``None`` keeps
    the workbook's default font (Calibri 11)."""

    def __init__(self, workbook: xlsxwriter.Workbook, font: str | None = None):
        self.workbook, self.font, self.cache = workbook, font, {}

    def get(self, **props):
        """The format with ``props`` (XlsxWriter format properties: ``bold``, ``border``, ``num_format``,
        ``locked``, ...), created on first use."""
        key = tuple(sorted(props.items()))
        if key not in self.cache:
            base = {"font_name": self.font, "font_scheme": "none"} if self.font else {}
            self.cache[key] = self.workbook.add_format({**base, **props})
        return self.cache[key]


def page_setup(ws, orientation: str, *, fit_width: bool = True, margins: tuple[float, float, float, float] | None
               = None, footer: str | None = None) -> None:
    """A4 paper in ``orientation`` ("portrait" or "landscape"; else ``ValueError``), fitted to one page
    wide (any number of pages high) when ``fit_width``; ``margins`` (left, right, top, bottom) in inches,
    header and footer margins 0.3 inch; ``footer`` in Excel's header/footer codes (``&C``, ``&P``).
    Without a paper size LibreOffice prints on US Letter."""
    if orientation == "landscape":
        ws.set_landscape()
    elif orientation == "portrait":
        ws.set_portrait()
    else:
        raise ValueError(f"unknown page orientation {orientation!r}")
    ws.set_paper(A4)
    if fit_width:
        ws.fit_to_pages(1, 0)
    if margins is not None:
        ws.set_margins(*margins)
    if footer is not None:
        ws.set_footer(footer)


def set_width(ws, col: int, chars: float) -> None:
    """Column ``col`` (0-based) ``chars`` characters wide as the file stores it (``<col width>``, the
    width openpyxl and LibreOffice read), to the pixel: XlsxWriter's ``set_column`` adds Excel's cell
    padding (5 pixels) to the width it is given."""
    ws.set_column_pixels(col, col, round(chars * PIXELS_PER_CHAR))


def protect(ws, password: str = "", *, allow_formatting: bool = False) -> None:
    """Protect sheet ``ws``: locked cells cannot be changed; cells (locked or not) can be selected and
    objects and scenarios edited; with ``allow_formatting`` cells, columns and rows can be formatted
    (widened, coloured), nothing else (no rows or columns inserted or deleted, no sorting)."""
    ws.protect(password, {"objects": True, "scenarios": True, "format_cells": allow_formatting,
                          "format_columns": allow_formatting, "format_rows": allow_formatting})


def password_hash(password: str) -> str:
    """The legacy 16-bit password verifier of sheet and workbook protection, 4 hex digits
    (ECMA-376 Part 4, 14.7.1; the algorithm XlsxWriter uses for sheets)."""
    digest = 0
    for char in password[::-1]:
        digest = ((digest >> 14) & 0x01) | ((digest << 1) & 0x7FFF)
        digest ^= ord(char)
    digest = ((digest >> 14) & 0x01) | ((digest << 1) & 0x7FFF)
    digest ^= len(password)
    digest ^= 0xCE4B
    return f"{digest:X}"


def save(workbook: xlsxwriter.Workbook, buffer: io.BytesIO, *, title: str, author: str, created: _dt.datetime,
         date_time: tuple[int, int, int, int, int, int], structure_password: str | None = None) -> bytes:
    """Close ``workbook`` (written into ``buffer``) and return its bytes, reproducibly: document properties
    ``title``, ``author``, ``created`` (also the modification time), every zip entry dated ``date_time``
    (``(year, month, day, hour, minute, second)``, year 1980 or later). With ``structure_password`` the
    workbook's structure is locked under that password (``<workbookProtection lockStructure>``)."""
    workbook.set_properties({"title": title, "author": author, "created": created})
    workbook.close()
    data = buffer.getvalue()
    if structure_password is not None:
        data = _lock_structure(data, structure_password)
    return redate_zip(data, date_time)


def _lock_structure(data: bytes, password: str) -> bytes:
    """``data`` (an XLSX) with ``<workbookProtection>`` in ``xl/workbook.xml`` before ``<bookViews>``,
    where the schema orders it; raises ``ValueError`` if XlsxWriter's workbook part has no ``<bookViews>``."""
    element = f'<workbookProtection workbookPassword="{password_hash(password)}" lockStructure="1"/>'
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/workbook.xml":
                text = content.decode("utf-8")
                if text.count("<bookViews>") != 1:
                    raise ValueError("xl/workbook.xml: no single <bookViews> to put the workbook protection before")
                content = text.replace("<bookViews>", element + "<bookViews>").encode("utf-8")
            target.writestr(info, content)
    return out.getvalue()
