"""XLSX writer (openpyxl).

One worksheet per table; the headings and paragraphs that precede a table are
written above it as title rows. Numbers are real numbers (written from their
``Decimal`` text, never through float) with a ``#,##0.0`` format, which Excel
and LibreOffice show as ``15 736 027,0`` in a Russian locale. Rows or columns
that the model declares to be sums hold live ``=SUM(…)`` formulas. Text is
always text: a name starting with ``=`` never becomes a formula.
"""

from __future__ import annotations

import io
import re
import zipfile
from copy import copy
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from .. import model
from ._files import reproducible_zip, write_atomic, zip_time

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
TOTAL_WIDTH_CHARS = {"portrait": 110.0, "landscape": 170.0}


def number_format(value, decimals: int | None, kind: str = "number") -> str:
    if decimals is None:
        exponent = Decimal(value).as_tuple().exponent if isinstance(value, Decimal) else 0
        decimals = max(0, -int(exponent))
    fmt = "#,##0" + ("." + "0" * decimals if decimals else "")
    return fmt + '"%"' if kind == "percent" else fmt


def sheet_title(title: str, taken: set[str]) -> str:
    base = SHEET_FORBIDDEN.sub(" ", title).strip().strip("'")[:28] or "Лист"
    name, n = base, 2
    while name.lower() in taken:
        name = f"{base[:25]} {n}"
        n += 1
    taken.add(name.lower())
    return name


def _refs(letter: str, rows: list[int]) -> str:
    rows = sorted(rows)
    if rows == list(range(rows[0], rows[-1] + 1)):
        return f"{letter}{rows[0]}:{letter}{rows[-1]}" if len(rows) > 1 else f"{letter}{rows[0]}"
    return ",".join(f"{letter}{r}" for r in rows)


class _Sheet:
    def __init__(self, ws, table: model.Table | None, section: model.Section, lead: list, tail: list,
                 notice: str | None):
        self.ws, self.table, self.section, self.lead, self.tail, self.notice = ws, table, section, lead, tail, notice

    def _put(self, row: int, col: int, value, **style):
        cell = self.ws.cell(row=row, column=col)
        if isinstance(value, str):
            cell.value = _ILLEGAL.sub("", value)
            cell.data_type = "s"        # never a formula, whatever the text starts with
        else:
            cell.value = value
        for key, val in style.items():
            setattr(cell, key, val)
        return cell

    def _text_rows(self, lines: list, r: int, width: int) -> int:
        for text, bold, align in lines:
            self._put(r, 1, text, font=Font(bold=bold),
                      alignment=Alignment(horizontal=align, wrap_text=True, vertical="top"))
            if width > 1:
                self.ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
            chars = max(40, int(sum(self.widths) * 1.1)) if self.widths else 110
            self.ws.row_dimensions[r].height = 15 * max(1, len(text) // chars + 1 + text.count("\n"))
            r += 1
        return r

    def render(self) -> None:
        ws, table = self.ws, self.table
        titles = ([(self.notice, True, "right")] if self.notice else []) + self.lead
        if table is None:                     # a text sheet
            self.widths = [120.0]
            ws.column_dimensions["A"].width = 120
            self._text_rows(titles, 1, 1)
            return
        width = table.width
        self.widths = self._column_widths()
        r = self._text_rows(titles, 1, width)
        head = table.head_rows()
        head_start = r
        self._rows(head, head_start, is_head=True)
        body_start = head_start + len(head)
        self._rows(table.body, body_start, is_head=False)
        if self.tail:
            self._text_rows(self.tail, body_start + len(table.body) + 1, width)
        if table.body:
            ws.freeze_panes = ws.cell(row=body_start, column=1)
        if head and table.repeat_header:
            ws.print_title_rows = f"{head_start}:{body_start - 1}"
        for i, width in enumerate(self.widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.page_setup.orientation = self.section.orientation
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.oddFooter.center.text = "стр. &P"

    def _column_widths(self) -> list[float]:
        total = sum(c.width for c in self.table.columns) or 1.0
        return [max(4.0, round(TOTAL_WIDTH_CHARS[self.section.orientation] * c.width / total, 1))
                for c in self.table.columns]

    def _rows(self, rows: list[model.Row], start: int, is_head: bool) -> None:
        ws, table = self.ws, self.table
        size = table.font_size or 12
        lines_needed = [1.0] * len(rows)
        styles: dict[tuple, object] = {}
        for offset, (row, row_slots) in enumerate(zip(rows, table.slots(rows))):
            excel_row = start + offset
            for kind, p in row_slots:
                if kind == "continue":
                    continue
                cell = p.cell
                col = p.col + 1
                bold = cell.bold or (not is_head and row.style in ("total", "group"))
                align = "center" if is_head and cell.align is None else table.cell_align(cell, p.col)
                column = table.columns[p.col]
                value = cell.value
                formula = None if is_head else self._formula(row, p, start)
                if formula is not None:
                    target = self._put(excel_row, col, formula)
                    target.data_type = "f"
                elif cell.is_number:
                    target = self._put(excel_row, col, value)
                else:
                    target = self._put(excel_row, col, table.cell_text(cell, p.col) if value is not None else None)
                fmt = None
                if cell.is_number or formula is not None:
                    decimals = column.decimals if cell.decimals == "column" else cell.decimals
                    fmt = number_format(value, decimals, column.kind)
                indent = row.indent if p.col == 2 and row.indent else 0
                # openpyxl hashes every style object assigned to a cell: a cell without spans whose style
                # was seen before gets a copy of that cell's style record instead (same ids, same bytes)
                key = (fmt, bold, size, align, is_head, indent) if cell.colspan == cell.rowspan == 1 else None
                if key is not None and key in styles:
                    target._style = copy(styles[key])
                    new_style = False
                else:
                    new_style = True
                    if fmt is not None:
                        target.number_format = fmt
                    target.font = Font(bold=bold, size=size)
                    target.alignment = Alignment(horizontal=align if align != "justify" else "left",
                                                 vertical="center" if is_head else "top", wrap_text=True,
                                                 indent=indent)
                text = table.cell_text(cell, p.col)
                if text:
                    chars = sum(self.widths[p.col:p.col + cell.colspan]) * 0.75 * 11 / size
                    need = sum(max(1, -(-len(part) // max(1, int(chars)))) for part in text.split("\n"))
                    for rr in range(offset, min(offset + cell.rowspan, len(rows))):
                        lines_needed[rr] = max(lines_needed[rr], need / cell.rowspan)
                if cell.colspan > 1 or cell.rowspan > 1:
                    ws.merge_cells(start_row=excel_row, start_column=col,
                                   end_row=excel_row + cell.rowspan - 1, end_column=col + cell.colspan - 1)
                if new_style:
                    for rr in range(excel_row, excel_row + cell.rowspan):
                        for cc in range(col, col + cell.colspan):
                            ws.cell(row=rr, column=cc).border = BORDER
                    if key is not None:
                        styles[key] = copy(target._style)
        for offset, need in enumerate(lines_needed):
            ws.row_dimensions[start + offset].height = round(max(1.0, need) * size * 1.25 + 2, 1)

    def _formula(self, row: model.Row, p: model.Placement, body_start: int) -> str | None:
        """A live SUM where the model declares this cell a sum of rows or of columns."""
        if not p.cell.is_number:
            return None
        column = self.table.columns[p.col]
        letter = get_column_letter(p.col + 1)
        if row.sum_of and column.summable:
            return f"=SUM({_refs(letter, [body_start + i for i in row.sum_of])})"
        if column.sum_of and not row.keep_values:
            excel_row = body_start + p.row
            cols = sorted(column.sum_of)
            if cols == list(range(cols[0], cols[-1] + 1)):
                return f"=SUM({get_column_letter(cols[0] + 1)}{excel_row}:{get_column_letter(cols[-1] + 1)}{excel_row})"
            return "=SUM(" + ",".join(f"{get_column_letter(c + 1)}{excel_row}" for c in cols) + ")"
        return None


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
    return []     # images and page breaks have no place in a workbook


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


def render(document: model.Document, **options) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for sheet in list(_sheets(document)):
        table, lead = sheet["table"], sheet["lead"]
        caption = next((text for text, _, _ in reversed(lead) if re.fullmatch(r"Таблица \d+", text.strip())), None)
        heading = next((text for text, bold, _ in lead if bold), None)
        title = caption or (table.id if table is not None else None) or heading or document.title
        ws = wb.create_sheet(sheet_title(title, taken))
        _Sheet(ws, table, sheet["section"], lead, sheet["tail"], document.notice).render()
    if not wb.worksheets:
        ws = wb.create_sheet(sheet_title(document.title, taken))
        _Sheet(ws, None, model.Section(), [(document.title, True, "left")], [], document.notice).render()
    wb.properties.title = document.title[:250]
    wb.properties.creator = "gosprog"
    wb.properties.created = wb.properties.modified = document.date
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    return reproducible_zip(buffer.getvalue(), zip_time(document))


def write(document: model.Document, path: Path, **options) -> None:
    write_atomic(path, render(document, **options))
