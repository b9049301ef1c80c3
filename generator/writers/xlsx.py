"""XLSX writer (XlsxWriter; openpyxl stays the reader of workbooks).

The workbook, formats, page setup and reproducible save come from :mod:`.xlsxbase`, the XLSX layer the
quarterly forms (:mod:`generator.quarterly.forms`) write through too.

One worksheet per table, named by the document's own caption ("Таблица 4",
"Приложение 2 к подпрограмме 7", "Паспорт"): unique, at most 31 characters.
The headings and paragraphs that precede a table are written above it as title
rows, those after the section's last table below it.

Numbers are real numbers, written from their ``Decimal`` digits (XlsxWriter
formats the value with ``{:.16G}``, which a ``Decimal`` keeps exact), with a
``#,##0.0`` format that Excel and LibreOffice show as ``15 736 027,0`` in a
Russian locale. A figure the act prints with a mark ("3 900,9*") is a number
whose format shows the mark (``#,##0.0"*"``). Text is always text: a name
starting with ``=`` never becomes a formula.

Formulas and cached values. Where the model declares a cell a sum (``Row.sum_of``,
``Column.sum_of``) the cell holds a live ``=SUM(…)`` *and* the value it computes
(``<f>`` with ``<v>``, what Excel itself writes), so readers that do not
recalculate (pandas, previews, import tools) see the total. The value is
computed here from the model the DOCX and PDF print, and must equal the printed
figure: a declared sum that does not give it is a builder bug and raises
``ValueError``. Where the act prints a total its parts do not give, the builders
do not declare a sum; the cell keeps the printed figure and the builder's
``Cell.note`` (the failing control relation) becomes a cell comment.

Why XlsxWriter. openpyxl cannot write a formula's cached value; the alternative
was to keep openpyxl and post-process its sheet XML (insert ``<v>`` after each
``<f>``, with values the writer would have to carry to the pass by cell address).
Measured with ``bench/xlsx_writers.py`` (the 18 workbooks of the default package,
in memory, best of 3, same run, on the shared 2-core machine): openpyxl writer
4.15 s, openpyxl writer + the ``<v>`` pass 3.98 s (the pass itself is lost in the
noise), XlsxWriter writer 1.06 s, i.e. about 3.8 times faster. Beyond speed, the
pass would be our own code editing OOXML with regular expressions, outside the
product's domain; XlsxWriter writes ``<v>`` natively, names the workbook's default
font (styles.xml font 0, no theme scheme), writes cell comments and merged ranges,
and is well kept. openpyxl stays the reader (forms import, tests).

Excel's limits are kept, never silently: a row taller than 409 pt is laid out
over several physical rows with every cell of it merged across them; a text
longer than 32 767 characters in a title line is split over continuation rows,
and in a table cell refused with :class:`CellTooLong` (a located Russian message).
"""

from __future__ import annotations

import io
import math
import re
from decimal import Decimal
from pathlib import Path

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from .. import calc, model
from . import xlsxbase
from ._files import write_atomic, zip_time

SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
TOTAL_WIDTH_CHARS = {"portrait": 110.0, "landscape": 170.0}
#: A text sheet's one column (a section with no table: an absent table's title and note), in characters: no wider
#: than the printed page (A4 less XlsxWriter's 0.7-inch side margins) at 2.2 mm a character, the widest LibreOffice
#: draws one (where the workbook's font is missing it measures in a wider one). LibreOffice fits a sheet to the
#: page width only by moving columns to further pages: a single column wider than the page is printed cut at the
#: right edge, not scaled (seen: 120 characters, portrait, the title and note cut mid-word).
TEXT_WIDTH_CHARS = {"portrait": 78.0, "landscape": 117.0}      # as set: XlsxWriter stores 0.71 more
MAX_ROW_PT = 409.0            # Excel's highest row
MAX_CELL_CHARS = 32767        # Excel's longest cell text
MAX_SHEET_NAME = 31
_CAPTION = re.compile(r"^(Таблица|Приложение|Форма)\b", re.IGNORECASE)


class CellTooLong(ValueError):
    """A table cell's text exceeds Excel's 32 767 characters (the message is located, in Russian)."""


def number_format(value, decimals: int | None, kind: str = "number", mark: str = "") -> str:
    """The Excel number format of a figure: ``#,##0.0``, ``#,##0.00"%"``, ``#,##0.0"*"``."""
    if decimals is None:
        exponent = Decimal(value).as_tuple().exponent if isinstance(value, Decimal) else 0
        decimals = max(0, -int(exponent))
    fmt = "#,##0" + ("." + "0" * decimals if decimals else "")
    suffix = ("%" if kind == "percent" else "") + mark
    return fmt + '"' + suffix.replace('"', "") + '"' if suffix else fmt


def sheet_title(title: str, taken: set[str]) -> str:
    """A sheet name from a caption: forbidden characters dropped, at most 31 characters (cut at a
    word), unique within the workbook (``… (2)``)."""
    base = " ".join(SHEET_FORBIDDEN.sub(" ", title).split()).strip("'") or "Лист"
    if len(base) > MAX_SHEET_NAME:
        cut = base[:MAX_SHEET_NAME]
        base = (cut.rsplit(" ", 1)[0] if " " in cut[10:] else cut).rstrip(",;:-–— ")
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name = base[:MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
        n += 1
    taken.add(name.lower())
    return name


def _refs(col: int, rows: list[int]) -> str:
    rows = sorted(rows)
    letter = xl_col_to_name(col)
    if len(rows) > 1 and rows == list(range(rows[0], rows[-1] + 1)):
        return f"{letter}{rows[0] + 1}:{letter}{rows[-1] + 1}"
    return ",".join(f"{letter}{r + 1}" for r in rows)


def _lines(text: str, chars: int) -> int:
    """The lines ``text`` takes at ``chars`` characters a line: each of its own lines, at least one, wrapped."""
    return sum(max(1, -(-len(part) // chars)) for part in text.split("\n"))


def _split_text(text: str, limit: int = MAX_CELL_CHARS) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at a space or line end where possible."""
    parts = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        parts.append(text[:cut])
        text = text[cut:].lstrip(" \n")
    parts.append(text)
    return parts


class _Sheet:
    def __init__(self, ws, name: str, formats: xlsxbase.Formats, document: model.Document, table: model.Table | None,
                 section: model.Section, lead: list, tail: list):
        self.ws, self.name, self.formats, self.document = ws, name, formats, document
        self.table, self.section, self.lead, self.tail = table, section, lead, tail
        self.widths: list[float] = []
        self._cell_formats: dict[tuple, object] = {}     # (cell look, number format) -> its format
        self._by_look: dict = {}                         # look identity (number: with column, decimals, mark) -> format
        self._checked: set[str] = set()                  # texts a cell holds as they are (:meth:`_text`)
        self.index: dict[int, int] = {}                  # id of a body row -> its position (for row sums)
        self.values: dict[tuple[int, int], object] = {}  # (body row, column) -> value of the cell starting there

    # --- text rows ----------------------------------------------------------

    def _text_rows(self, lines: list, r: int, width: int) -> int:
        size = self.document.style.table_size
        for text, bold, align in lines:
            for piece in _split_text(_ILLEGAL.sub("", text)):
                fmt = self.formats.get(bold=bold, font_size=size, text_wrap=True, valign="top",
                                       align=align if align != "justify" else "left")
                if width > 1:
                    self.ws.merge_range(r, 0, r, width - 1, "", fmt)
                self.ws.write_string(r, 0, piece, fmt)
                # the characters a line holds: 1.1 per unit of width (what LibreOffice fits of Liberation Serif
                # over a table's columns: the rows above and below tables fit their text exactly); on a text sheet's
                # one narrower column fewer in a text larger than 11 points (a bold title of 86 characters in its
                # 78 units, counted as one line, was set on two, the second over the note; counted as a table
                # cell's text, every title row came out a third too tall, and pages were added)
                scale = min(1.0, 11 / size) if self.table is None else 1.0
                chars = max(40, int(sum(self.widths) * 1.1 * scale)) if self.widths else 110
                lines_needed = _lines(piece, chars)
                self.ws.set_row(r, min(MAX_ROW_PT, 15.0 * lines_needed))
                r += 1
        return r

    # --- the sheet ----------------------------------------------------------

    def render(self) -> None:
        ws, table = self.ws, self.table
        titles = ([(self.document.notice, True, "right")] if self.document.notice else []) + self.lead
        self._page_setup()
        if table is None:                     # a text sheet
            self.widths = [TEXT_WIDTH_CHARS[self.section.orientation]]
            ws.set_column(0, 0, self.widths[0])
            self._text_rows(titles, 0, 1)
            return
        self.widths = self._column_widths()
        for i, w in enumerate(self.widths):
            ws.set_column(i, i, w)
        r = self._text_rows(titles, 0, table.width)
        head = table.head_rows()
        head_start = r
        r = self._rows(head, head_start, is_head=True)
        body_start = r
        r = self._rows(table.body, body_start, is_head=False)
        if self.tail:
            self._text_rows(self.tail, r + 1, table.width)
        if table.body:
            ws.freeze_panes(body_start, 0)
        if head and table.repeat_header:
            ws.repeat_rows(head_start, body_start - 1)
        if len(self._parts()) > 1:
            # too wide for one page legibly: printed across pages, the identifying columns on each (print titles)
            ws.repeat_columns(0, table.identifying_columns() - 1)

    def _parts(self) -> list[list[int]]:
        """The columns of each printed part of the table (:meth:`model.Table.print_layout`)."""
        table = self.table
        return table.print_layout(model.usable_width_mm(self.section),
                                  table.font_size or self.document.style.table_size)[1]

    def _page_setup(self) -> None:
        label = self.document.style.page_label.replace("&", "&&")
        # fitted to the page width unless printed across pages at 100 % (see render)
        xlsxbase.page_setup(self.ws, "landscape" if self.section.orientation == "landscape" else "portrait",
                            fit_width=self.table is None or len(self._parts()) == 1, footer=f"&C{label} &P")

    def _column_widths(self) -> list[float]:
        """Character widths from the model's widths fitted to the content (:meth:`model.Table.print_layout`):
        of the whole table when it fits the page, else of each printed part (its identifying columns
        as in the first part) -- the sheet then prints across pages with those columns repeated."""
        table, usable = self.table, model.usable_width_mm(self.section)
        size, parts = table.print_layout(usable, table.font_size or self.document.style.table_size)
        mm = [0.0] * table.width
        for columns in parts:
            fitted = table.part(columns).fitted_widths(usable, size) if len(parts) > 1 else \
                table.fitted_widths(usable, size)
            for c, w in zip(columns, fitted):
                mm[c] = mm[c] or w
        per_mm = TOTAL_WIDTH_CHARS[self.section.orientation] / usable
        return [max(4.0, round(w * per_mm, 1)) for w in mm]

    def _heights(self, rows: list[model.Row], size: float, looks: list[list[model.CellLook | None]]) -> list[float]:
        """The height each model row needs (points) for its wrapped texts (``looks``: :meth:`model.Table.looks` of
        ``rows``; the texts are the placements' printed ones)."""
        table, widths = self.table, self.widths
        lines_needed = [1.0] * len(rows)
        # the characters a line holds: of each column, and of (column, colspan) for wider cells
        chars_of = [max(1, int(w * 0.75 * 11 / size)) for w in widths]
        line_chars: dict[tuple[int, int], int] = {}
        for offset, (row_slots, row_looks) in enumerate(zip(table.slots(rows), looks)):
            for (kind, p), look in zip(row_slots, row_looks):
                if look is None or look.nowrap:           # a cell from above spans down here; a number
                    continue                              # (never wrapped: Excel shows ### where it cannot fit)
                text = p.text
                if not text:
                    continue
                colspan = p.cell.colspan
                if colspan == 1:
                    chars = chars_of[p.col]
                else:
                    chars = line_chars.get((p.col, colspan))
                    if chars is None:
                        chars = line_chars[p.col, colspan] = \
                            max(1, int(sum(widths[p.col:p.col + colspan]) * 0.75 * 11 / size))
                if "\n" in text:
                    need = _lines(text, chars)
                elif len(text) > chars:
                    need = -(-len(text) // chars)
                else:
                    continue                              # one line: every row has room for one
                rowspan = p.cell.rowspan
                if rowspan == 1:
                    if need > lines_needed[offset]:
                        lines_needed[offset] = need
                    continue
                for rr in range(offset, min(offset + rowspan, len(rows))):
                    lines_needed[rr] = max(lines_needed[rr], need / rowspan)
        return [round(max(1.0, need) * size * 1.25 + 2, 1) for need in lines_needed]

    def _rows(self, rows: list[model.Row], start: int, is_head: bool) -> int:
        """Write ``rows`` from sheet row ``start`` (0-based); return the next free sheet row.

        A model row needing more than 409 pt takes several sheet rows, its cells merged over them."""
        ws, table = self.ws, self.table
        size = table.font_size or self.document.style.table_size
        looks = table.looks(rows, is_head, size)
        heights = self._heights(rows, size, looks)
        spans = [max(1, math.ceil(h / MAX_ROW_PT)) for h in heights]
        first: list[int] = []                 # model row -> its first sheet row
        r = start
        for h, k in zip(heights, spans):
            first.append(r)
            for i in range(k):
                ws.set_row(r + i, round(h / k, 1))
            r += k
        end = r
        slots = table.slots(rows)
        # the sums the model declares (none in a header): live formulas, checked against the printed figures
        sums = not is_head and (any(row.sum_of for row in rows) or any(c.sum_of for c in table.columns))
        if sums:
            self.index = {id(row): i for i, row in enumerate(rows)}
            self.values = {(offset, p.col): p.cell.value
                           for offset, row_slots in enumerate(slots) for kind, p in row_slots if kind == "cell"}
        # a cell's format by its look's identity (cells that set nothing of their own share their column's look,
        # :meth:`model.Table.looks`; ``looks`` holds them while this runs), a number's with its column, decimals and
        # mark (its number format); the texts already checked for what a cell cannot hold
        by_look, checked = self._by_look, self._checked
        by_look.clear()
        number_types = model.NUMBER_TYPES
        # the loop meets every cell of the table: XlsxWriter's methods bound once
        write_number, write_string, write_blank = ws.write_number, ws.write_string, ws.write_blank
        for offset, (row, row_slots, row_looks) in enumerate(zip(rows, slots, looks)):
            top, tall = first[offset], spans[offset] > 1
            for (kind, p), look in zip(row_slots, row_looks):
                if look is None:              # a cell from above spans down here
                    continue
                cell = p.cell
                value = cell.value
                left = p.col
                is_number = isinstance(value, number_types) and value.__class__ is not bool  # Cell.is_number
                if is_number:
                    key = (id(look), left, cell.decimals, cell.mark)
                    fmt = by_look.get(key) or self._cell_format(look, cell, left, key)
                else:
                    fmt = by_look.get(id(look)) or self._cell_format(look, cell, left, id(look))
                if tall or cell.rowspan > 1 or cell.colspan > 1:
                    last_model = min(offset + cell.rowspan, len(rows)) - 1
                    bottom = first[last_model] + spans[last_model] - 1
                    right = left + cell.colspan - 1
                    if bottom > top or right > left:
                        ws.merge_range(top, left, bottom, right, "", fmt)
                if is_number:
                    formula = self._formula(row, p, first, rows) if sums else None
                    if formula is None:
                        write_number(top, left, value, fmt)
                    else:
                        ws.write_formula(top, left, formula, fmt, value)
                        continue              # (a formula's cell keeps no note: the sum is checked instead)
                elif value is None:
                    write_blank(top, left, None, fmt)
                else:
                    text = p.text
                    if text not in checked:
                        text = self._text(text, top, left)
                    write_string(top, left, text, fmt)
                if cell.note:
                    ws.write_comment(top, left, cell.note, {"author": self.document.author, "x_scale": 3,
                                                            "y_scale": 2})
        return end

    def _format(self, look: model.CellLook, num_format: str | None):
        """The XlsxWriter format of a table cell's ``look`` with ``num_format``."""
        props = dict(bold=look.bold, italic=look.italic, font_size=look.size, border=1, text_wrap=True,
                     align=look.align if look.align != "justify" else "left",
                     valign="vcenter" if look.vertical == "center" else "top")
        if look.indent:
            props["indent"] = look.indent
        if num_format is not None:
            props["num_format"] = num_format
        return self.formats.get(**props)

    def _cell_format(self, look: model.CellLook, cell: model.Cell, col: int, key):
        """The format of a cell of ``look`` in column ``col``, with its number format (:func:`number_format`) where it
        is a number; kept for the cells of the same ``key`` (:meth:`_rows`) unless the number's own precision sets
        its decimals (no decimals given)."""
        num_format, kept = None, True
        if cell.is_number:
            column = self.table.columns[col]
            decimals = column.decimals if cell.decimals == "column" else cell.decimals
            num_format, kept = number_format(cell.value, decimals, column.kind, cell.mark), decimals is not None
        fmt = self._cell_formats.get((look, num_format))
        if fmt is None:
            fmt = self._cell_formats[look, num_format] = self._format(look, num_format)
        if kept:
            self._by_look[key] = fmt
        return fmt

    def _text(self, text: str, top: int, left: int) -> str:
        """A text cell's text as stored: without the control characters XML cannot hold; raises
        :class:`CellTooLong` over Excel's 32 767 characters. A text that needs neither is kept as checked."""
        if len(text) <= MAX_CELL_CHARS and not _ILLEGAL.search(text):
            self._checked.add(text)
            return text
        text = _ILLEGAL.sub("", text)
        if len(text) > MAX_CELL_CHARS:
            raise CellTooLong(
                f"лист «{self.name}», ячейка {xl_rowcol_to_cell(top, left)}: текст длиной {len(text)} знаков "
                f"больше предела Excel ({MAX_CELL_CHARS} знаков) и был бы обрезан; сократите текст в данных "
                f"(начало: «{text[:60]}…»)")
        return text

    def _formula(self, row: model.Row, p: model.Placement, first: list[int], rows: list[model.Row]) -> str | None:
        """A live SUM where the model declares this number cell a sum of rows or of columns; raises
        ``ValueError`` when the declared sum does not give the printed figure."""
        cell, table, index = p.cell, self.table, self.index
        column = table.columns[p.col]
        if row.sum_of and column.summable:
            parts = []
            for part in row.sum_of:
                if id(part) not in index:
                    raise ValueError(f"table {table.id}: row sum refers to a row outside the table body")
                parts.append(index[id(part)])
            values = [self._value_at(rows, i, p.col) for i in parts]
            formula = f"=SUM({_refs(p.col, [first[i] for i in parts])})"
        elif column.sum_of and not row.keep_values:
            values = [self._value_at(rows, p.row, c) for c in column.sum_of]
            cols = sorted(column.sum_of)
            r = first[p.row]
            if len(cols) > 1 and cols == list(range(cols[0], cols[-1] + 1)):
                formula = f"=SUM({xl_rowcol_to_cell(r, cols[0])}:{xl_rowcol_to_cell(r, cols[-1])})"
            else:
                formula = "=SUM(" + ",".join(xl_rowcol_to_cell(r, c) for c in cols) + ")"
        else:
            return None
        computed = calc.total(values) or Decimal(0)
        if computed != Decimal(cell.value):
            raise ValueError(f"table {table.id}: the sum declared for column {p.col + 1} of body row {p.row + 1} "
                             f"gives {computed}, the printed figure is {cell.value}")
        return formula

    def _value_at(self, rows: list[model.Row], r: int, col: int):
        """The value of the cell starting at body row ``r``, column ``col`` (None where none starts)."""
        return self.values.get((r, col))


def _text_lines(block) -> list[tuple[str, bool, str]]:
    """Text blocks as (text, bold, alignment) lines for a sheet."""
    if isinstance(block, model.Heading):
        return [(block.text, True, "center" if block.align == "center" else "left")]
    if isinstance(block, model.Paragraph):
        bold = bool(block.runs) and all(run.bold for run in block.runs)
        return [(block.text, bold, block.align if block.align != "justify" else "left")]
    if isinstance(block, model.Footnotes):
        return [(item, False, "left") for item in block.items]
    if isinstance(block, model.Signature):
        lines = [(f"{position}    ______________    {name}", False, "left") for position, name in block.lines]
        return lines + ([(block.date_label, False, "left")] if block.date_label else [])
    if isinstance(block, (model.Image, model.PageBreak)):
        return []     # images and page breaks have no place in a workbook
    raise TypeError(f"unknown block {type(block).__name__}")


def _sheets(document: model.Document):
    """Split each section into sheets: the text before a table, the table, and the text after the
    section's last table; a section without tables is one text sheet."""
    for section in document.sections:
        pending: list = []
        current = None
        for block in section.blocks:
            if isinstance(block, model.Table):
                current = {"section": section, "lead": pending, "table": block, "tail": []}
                pending = []
                yield current
            else:
                pending.extend(_text_lines(block))
        if pending:
            if current is not None:
                current["tail"].extend(pending)
            else:
                yield {"section": section, "lead": pending, "table": None, "tail": []}


def caption_of(lead: list, document: model.Document, previous: str | None = None) -> str:
    """The sheet's name as the document captions it: "Таблица N", else the appendix or form caption
    ("Приложение 2 к подпрограмме 7"), else the first heading; a table with no text of its own before
    it goes on under the caption of the sheet before it; the document's title comes last."""
    lines = [text.split("\n")[0].strip() for text, _, _ in lead if text.strip()]
    table_no = next((line for line in reversed(lines) if re.fullmatch(r"Таблица \d+(\.\d+)?", line)), None)
    if table_no:
        return table_no
    caption = next((line for line in lines if _CAPTION.match(line)), None)
    if caption:
        return caption
    heading = next((text for text, bold, _ in lead if bold and text != document.notice), None)
    if heading:
        return heading
    return previous if previous and not lines else document.title


def render(document: model.Document, **options) -> bytes:
    """The XLSX bytes of ``document`` (XlsxWriter): one sheet per table, numbers as numbers with the column's
    format (Russian display), declared sums as live formulas, repeated header rows, page setup from the
    section; saved reproducibly (fixed zip times from the document's date). Raises :class:`CellTooLong` for a
    text over Excel's 32 767 characters, ``ValueError`` for a declared sum that refers outside the table and
    ``TypeError`` for a block it does not know. Each table's layout is computed once for all the sheet's
    questions (:func:`generator.model.layout_once`)."""
    with model.layout_once():
        return _render(document)


def _render(document: model.Document) -> bytes:
    buffer = io.BytesIO()
    font = document.style.font
    workbook = xlsxbase.new_workbook(buffer, {"font_name": font, "font_size": document.style.table_size,
                                              "font_scheme": "none"})
    formats = xlsxbase.Formats(workbook, font)
    taken: set[str] = set()
    sheets = list(_sheets(document))
    if not sheets:
        sheets = [{"section": model.Section(), "lead": [(document.title, True, "left")], "table": None, "tail": []}]
    previous = None
    for sheet in sheets:
        previous = caption_of(sheet["lead"], document, previous)
        name = sheet_title(previous, taken)
        ws = workbook.add_worksheet(name)
        _Sheet(ws, name, formats, document, sheet["table"], sheet["section"], sheet["lead"], sheet["tail"]).render()
    return xlsxbase.save(workbook, buffer, title=document.title[:250], author=document.author,
                         created=document.date, date_time=zip_time(document))


def write(document: model.Document, path: Path, **options) -> None:
    """Render ``document`` to ``path`` (:func:`render`), atomically: the file is whole or absent (previous one kept)."""
    write_atomic(path, render(document, **options))
