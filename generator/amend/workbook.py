"""The editing workbook: export the program's figure tables to XLSX, import the edited figures back.

Export (XlsxWriter, because openpyxl cannot store a formula's cached value, and a
workbook opened in a viewer or read back by a program must show the totals): one
sheet per table of :func:`generator.amend.layout.sheets`, the caption in row 1 and the
header below it; figures unlocked, everything else locked under sheet protection
(no password: it guards against slips, not against the user); totals as live
``=SUM(…)`` formulas with their values cached; every font Times New Roman. A very
hidden sheet ``_edition`` holds the identity of the edition: program code, edition
date and number, and the SHA-256 of the exported layout (labels and figures).

Import (openpyxl) re-derives the layout from the data folder and compares the
workbook with it cell by cell: a workbook of another program or edition, or one
exported before the data's figures changed, is refused; a changed label, an added
row or column, a removed sheet or a replaced formula is a structural change and is
not applied (the message names the sheet and cell); an unreadable figure is refused
with its cell. Nothing is written unless every sheet is clean. Totals are then
recomputed from their parts, and every changed figure is written into its YAML file
in place (:mod:`generator.amend.yamledit`).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Optional

from .. import calc
from ..numbers import format_number, parse_number
from .layout import Sheet, Slot, sheets

IDENTITY_SHEET = "_edition"
FONT = "Times New Roman"
MARKERS = {"-": "-", "х": "х", "x": "х", "Х": "х", "X": "х", "–": "-", "—": "-"}


class WorkbookError(Exception):
    """Bad input: the message is Russian and names the file, sheet and cell."""


# --- shared -------------------------------------------------------------------------


def col_letter(c: int) -> str:
    out = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_name(sheet: Sheet, r: int, c: int) -> str:
    return f"{col_letter(c)}{first_body_row(sheet) + r + 1}"


def first_body_row(sheet: Sheet) -> int:
    """0-based sheet row of the first body row: the caption row, then the header rows."""
    return 1 + len(sheet.header)


def _value_key(value) -> str:
    if calc.is_number(value):
        return "n:" + format(Decimal(value).normalize() if value else Decimal(0), "f")
    return "v:" + json.dumps(value, ensure_ascii=False)


def fingerprint(program, layout: list[Sheet]) -> str:
    """SHA-256 of the program's identity and every sheet's labels and figures (hex)."""
    h = hashlib.sha256()
    h.update(json.dumps([program.code, program.edition.date.isoformat(), program.edition.number]).encode())
    for sheet in layout:
        h.update(json.dumps(["sheet", sheet.name, sheet.header], ensure_ascii=False).encode())
        for r, c, slot in sheet.slots():
            h.update(json.dumps([r, c, slot.kind, _value_key(slot.value)], ensure_ascii=False).encode())
    return h.hexdigest()


def _formula(sheet: Sheet, slot: Slot) -> str:
    """``=SUM(F5:J5)`` for a run of cells in one row or column, else ``=F5+F9+F12``."""
    parts = slot.parts
    rows = {r for r, _ in parts}
    cols = {c for _, c in parts}
    first, last = cell_name(sheet, *parts[0]), cell_name(sheet, *parts[-1])
    if len(parts) > 2 and len(rows) == 1 and sorted(cols) == list(range(parts[0][1], parts[0][1] + len(parts))):
        return f"=SUM({first}:{last})"
    if len(parts) > 2 and len(cols) == 1 and sorted(rows) == list(range(parts[0][0], parts[0][0] + len(parts))):
        return f"=SUM({first}:{last})"
    return "=" + "+".join(cell_name(sheet, r, c) for r, c in parts)


def _norm_formula(text: str) -> str:
    return str(text).lstrip("=").replace(" ", "").replace("$", "").replace(";", ",").upper()


def _decimals(slot: Slot) -> int:
    if slot.decimals is not None:
        return slot.decimals
    if calc.is_number(slot.value):
        return max(0, -int(Decimal(slot.value).as_tuple().exponent))
    return 0


# --- export -------------------------------------------------------------------------


def export(program, path: Path) -> dict:
    """Write the editing workbook of ``program`` to ``path`` (atomically). Returns a summary
    ``{"sheets": [names], "figures": n, "totals": n, "hash": hex}``."""
    import xlsxwriter
    from ..writers._files import redate_zip, write_atomic, zip_date_time

    layout = sheets(program)
    digest = fingerprint(program, layout)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False,
                                        "default_format_properties": {"font_name": FONT, "font_size": 11}})
    stamp = _dt.datetime.combine(program.edition.date, _dt.time(0, 0))
    book.set_properties({"title": f"Таблицы государственной программы \"{program.title}\"",
                         "subject": f"редакция от {program.edition.date:%d.%m.%Y} N {program.edition.number}",
                         "author": "gosprog", "created": stamp,
                         "comments": "Измените цифры в незащищенных ячейках и загрузите книгу командой "
                                     "gosprog tables import"})
    base = {"font_name": FONT, "font_size": 11, "border": 1, "valign": "top", "text_wrap": True}
    fmt_label = book.add_format({**base})
    fmt_head = book.add_format({**base, "bold": True, "align": "center", "valign": "vcenter"})
    fmt_title = book.add_format({"font_name": FONT, "font_size": 12, "bold": True, "text_wrap": False})
    number_formats: dict[tuple, object] = {}

    def fmt_number(decimals: int, editable: bool):
        key = (decimals, editable)
        if key not in number_formats:
            props = {**base, "align": "right", "text_wrap": False,
                     "num_format": "#,##0" + ("." + "0" * decimals if decimals else "")}
            if editable:
                props.update({"locked": False, "bg_color": "#FFF2CC"})
            else:
                props.update({"bold": True})
            number_formats[key] = book.add_format(props)
        return number_formats[key]

    fmt_marker = book.add_format({**base, "align": "right", "locked": False, "bg_color": "#FFF2CC"})
    figures = totals = 0
    for sheet in layout:
        ws = book.add_worksheet(sheet.name)
        ws.write_string(0, 0, sheet.title, fmt_title)
        for h, header in enumerate(sheet.header):
            for c, text in enumerate(header):
                ws.write_string(1 + h, c, text, fmt_head)
        top = first_body_row(sheet)
        for c, width in enumerate(sheet.widths):
            ws.set_column(c, c, width)
        for r, c, slot in sheet.slots():
            row = top + r
            if slot.kind == "label":
                ws.write_string(row, c, slot.value, fmt_label)
            elif slot.kind == "total":
                totals += 1
                ws.write_formula(row, c, _formula(sheet, slot), fmt_number(_decimals(slot), False),
                                 float(slot.value))
            else:
                figures += 1
                if calc.is_number(slot.value):
                    ws.write_number(row, c, float(slot.value), fmt_number(_decimals(slot), True))
                elif slot.value is None:
                    ws.write_blank(row, c, None, fmt_marker)
                else:
                    ws.write_string(row, c, str(slot.value), fmt_marker)
        for r, row in enumerate(sheet.rows):           # wrapped labels: the row grows with its longest text
            lines = max([_lines(slot.value, sheet.widths[c]) for c, slot in enumerate(row)
                         if slot is not None and slot.kind == "label"] or [1])
            ws.set_row(top + r, 15 * lines)
        for h, header in enumerate(sheet.header):
            ws.set_row(1 + h, 15 * max(_lines(t, sheet.widths[c]) for c, t in enumerate(header)))
        ws.freeze_panes(top, 1 if sheet.kind in ("passport", "tax", "forecast") else 3)
        ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True,
                        "format_columns": True, "format_rows": True})
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
    ident = book.add_worksheet(IDENTITY_SHEET)
    for r, (key, value) in enumerate([("program", program.code), ("edition_date", program.edition.date.isoformat()),
                                      ("edition_number", program.edition.number), ("sha256", digest),
                                      ("sheets", json.dumps([s.name for s in layout], ensure_ascii=False))]):
        ident.write_string(r, 0, key)
        ident.write_string(r, 1, value)
    ident.very_hidden()
    ident.protect()
    book.close()
    # every zip entry dated with the edition, as in the package's workbooks (the same edition, the same bytes)
    write_atomic(Path(path), redate_zip(buffer.getvalue(), zip_date_time(program.edition.date)))
    return {"sheets": [s.name for s in layout], "figures": figures, "totals": totals, "hash": digest}


def _lines(text, width: float) -> int:
    """Lines a wrapped text takes in a column ``width`` characters wide (an estimate, words kept whole)."""
    lines, used = 1, 0
    for word in str(text or "").split():
        if used and used + 1 + len(word) > width * 1.15:
            lines, used = lines + 1, len(word)
        else:
            used += (1 if used else 0) + len(word)
    return min(lines, 40)


# --- import -------------------------------------------------------------------------


@dataclass
class Change:
    sheet: str
    table: str
    row: str
    column: str
    cell: str
    unit: str
    path: tuple
    old: object
    new: object
    total: bool = False          # a recomputed total


@dataclass
class ImportResult:
    changes: list[Change] = field(default_factory=list)
    structural: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _read_identity(book, file: Path) -> dict:
    if IDENTITY_SHEET not in book.sheetnames:
        raise WorkbookError(f"{file}: это не книга для правки таблиц gosprog (нет скрытого листа с данными "
                            "о редакции); выгрузите таблицы командой gosprog tables export")
    ws = book[IDENTITY_SHEET]
    out = {}
    for row in ws.iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
        if row[0]:
            out[str(row[0])] = "" if row[1] is None else str(row[1])
    return out


def _figure_value(raw, where: str):
    """A workbook cell as a data value: Decimal, a marker, or None. Raises WorkbookError."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise WorkbookError(f"{where}: ожидалось число, «-» или «х», получено логическое значение")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))
    if isinstance(raw, Decimal):
        return raw
    text = str(raw).strip()
    if not text:
        return None
    if text in MARKERS:
        return MARKERS[text]
    if text.startswith("="):
        raise WorkbookError(f"{where}: в ячейке формула «{text}»; здесь должно быть число")
    try:
        return parse_number(text)
    except ValueError:
        raise WorkbookError(f"{where}: ожидалось число, «-» или «х», получено «{text}»") from None


def _same(a, b) -> bool:
    if calc.is_number(a) and calc.is_number(b):
        return Decimal(a) == Decimal(b)
    return a == b


def _text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return " ".join(str(raw).split())


def read_changes(program, file: Path) -> ImportResult:
    """Compare the workbook ``file`` with ``program`` (its data folder's current figures).
    Raises :class:`WorkbookError` for a workbook that is not this edition's."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException
    import zipfile

    file = Path(file)
    if not file.is_file():
        raise WorkbookError(f"{file}: файл не найден")
    try:
        book = load_workbook(file, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise WorkbookError(f"{file}: файл не читается как книга Excel (.xlsx): выберите книгу, выгруженную "
                            f"командой gosprog tables export, сохраненную как «Книга Excel (.xlsx)»") from None
    ident = _read_identity(book, file)
    if ident.get("program") != program.code:
        raise WorkbookError(f"{file}: книга выгружена из другой программы («{ident.get('program')}»), "
                            f"а папка данных - программа «{program.code}»")
    if ident.get("edition_date") != program.edition.date.isoformat() or \
            ident.get("edition_number") != program.edition.number:
        raise WorkbookError(f"{file}: книга выгружена из редакции от {_ru_date(ident.get('edition_date'))} "
                            f"N {ident.get('edition_number')}, а в папке данных редакция от "
                            f"{program.edition.date:%d.%m.%Y} N {program.edition.number}; выгрузите таблицы "
                            "из этой редакции заново")
    layout = sheets(program)
    if ident.get("sha256") != fingerprint(program, layout):
        raise WorkbookError(f"{file}: цифры или строки таблиц в папке данных изменились после выгрузки книги; "
                            "загрузка перезаписала бы их. Выгрузите таблицы заново и перенесите правки")
    result = ImportResult()
    for sheet in layout:
        if sheet.name not in book.sheetnames:
            result.structural.append(f"лист «{sheet.name}» удален из книги")
            continue
        _compare_sheet(sheet, book[sheet.name], result)
    for name in book.sheetnames:
        if name != IDENTITY_SHEET and name not in {s.name for s in layout}:
            result.structural.append(f"лист «{name}»: новый лист; новые таблицы вносятся в YAML-файлы")
    return result


def _ru_date(iso: str | None) -> str:
    try:
        return _dt.date.fromisoformat(iso or "").strftime("%d.%m.%Y")
    except ValueError:
        return str(iso)


def _compare_sheet(sheet: Sheet, ws, result: ImportResult) -> None:
    top = first_body_row(sheet)
    width = len(sheet.header[0])

    def where(r0: int, c: int) -> str:
        return f"лист «{sheet.name}», ячейка {col_letter(c)}{r0 + 1}"

    def structural(r0: int, c: int, what: str) -> None:
        result.structural.append(f"{where(r0, c)}: {what}")

    for h, header in enumerate(sheet.header):
        for c, text in enumerate(header):
            got = _text(ws.cell(row=2 + h, column=c + 1).value)
            if got != _text(text):
                structural(1 + h, c, f"заголовок изменен («{text}» → «{got}»)")
    new_values: dict[tuple[int, int], object] = {}
    for r, row in enumerate(sheet.rows):
        for c in range(max(width, len(row))):
            slot = row[c] if c < len(row) else None
            raw = ws.cell(row=top + r + 1, column=c + 1).value
            if slot is None:
                if _text(raw):
                    structural(top + r, c, f"заполнена ячейка вне таблицы («{_text(raw)}»)")
                continue
            if slot.kind == "label":
                if _text(raw) != _text(slot.value):
                    structural(top + r, c, f"подпись изменена («{_short(slot.value)}» → «{_short(_text(raw))}»)")
            elif slot.kind == "total":
                if not (isinstance(raw, str) and raw.startswith("=")) or \
                        _norm_formula(raw) != _norm_formula(_formula(sheet, slot)):
                    structural(top + r, c, f"итог по формуле {_formula(sheet, slot)} заменен на «{_text(raw)}»; "
                               "итоги пересчитываются, меняйте слагаемые")
            else:
                try:
                    new_values[(r, c)] = _figure_value(raw, where(top + r, c))
                except WorkbookError as exc:
                    result.errors.append(str(exc))
    last_row = top + len(sheet.rows)
    for row in ws.iter_rows(min_row=last_row + 1, max_row=max(ws.max_row, last_row)):
        for cell in row:
            if _text(cell.value):
                structural(cell.row - 1, cell.column - 1, f"новая строка («{_short(_text(cell.value))}»)")
                break
        else:
            continue
        break
    if ws.max_column > width:
        for row in ws.iter_rows(min_row=1, max_row=ws.max_row, min_col=width + 1, max_col=ws.max_column):
            cell = next((x for x in row if _text(x.value)), None)
            if cell is not None:
                structural(cell.row - 1, cell.column - 1, f"новый столбец («{_short(_text(cell.value))}»)")
                break
    if result.errors or result.structural:
        return
    computed: dict[tuple[int, int], object] = {}

    def value(r: int, c: int):
        slot = sheet.rows[r][c]
        if slot.kind == "figure":
            return new_values[(r, c)]
        if (r, c) not in computed:
            parts = [value(pr, pc) for pr, pc in slot.parts]
            if all(_same(p, sheet.rows[pr][pc].value) for p, (pr, pc) in zip(parts, slot.parts)):
                computed[(r, c)] = slot.value        # nothing under it changed: keep the data's figure
            else:
                total = calc.total(parts)
                computed[(r, c)] = total if total is not None else slot.value
        return computed[(r, c)]

    for r, c, slot in sheet.slots():
        if slot.kind == "label":
            continue
        new = value(r, c)
        if not _same(slot.value, new):
            result.changes.append(Change(sheet.name, sheet.table, sheet.row_names[r], sheet.column_names[c],
                                         cell_name(sheet, r, c), slot.unit, slot.path, slot.value, _as_data(new, slot),
                                         slot.kind == "total"))


def _as_data(value, slot: Slot):
    """The new value as it goes into YAML: money keeps one decimal place at least, as the data writes it."""
    if not calc.is_number(value):
        return value
    number = Decimal(value)
    if slot.decimals is None:
        return number
    step = Decimal(1).scaleb(-slot.decimals)
    rounded = number.quantize(step)
    places = -number.as_tuple().exponent
    if places < slot.decimals or abs(rounded - number) < Decimal("1e-6"):   # 1500 → 1500.0; float noise
        return rounded                                                         # (119931.29999999999) → 119931.3
    return number


def _short(text, n: int = 50) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def shown(value) -> str:
    """A value for the user: Russian number style, "-" / "х" as they are, "пусто" for no value."""
    if value is None:
        return "пусто"
    if calc.is_number(value):
        return format_number(value, None)
    return str(value)


# --- writing the changes back -----------------------------------------------------------


def planned_edits(program, located, changes: list[Change]) -> dict[Path, dict[tuple, object]]:
    """The YAML edits per file: every changed figure, and a passport's printed financing paragraph
    regenerated from the new figures where it was the generated one before (rule F09)."""
    from ..texts import financing_paragraph, first_difference
    from ..wording import of
    unit_words = of(program).forms["unit_long"]
    edits: dict[Path, dict[tuple, object]] = {}
    for ch in changes:
        edits.setdefault(Path(located.files[ch.unit]), {})[ch.path] = ch.new
    passports = [("program", program.passport, program.years)]
    passports += [(f"sp{s.code}", s.passport, program.subprogram_years(s)) for s in program.subprograms if s.passport]
    for unit, passport, years in passports:
        touched = [ch for ch in changes if ch.unit == unit and ch.path[:2] == ("passport", "financing")]
        if not touched or not passport.financing_text:
            continue
        if first_difference(financing_paragraph(passport.financing, years, unit_words), passport.financing_text):
            continue                        # the printed paragraph was not the generated one: leave it
        blocks = [b.model_copy(deep=True) for b in passport.financing]
        for ch in touched:
            b, field_name = ch.path[2], ch.path[3]
            if field_name == "total":
                blocks[b].total = ch.new
            else:
                blocks[b].years[ch.path[4]] = ch.new
        edits[Path(located.files[unit])][("passport", "financing_text")] = financing_paragraph(blocks, years, unit_words)
    return edits


def history_appends(program, located, changes: list[Change]) -> dict[Path, list[str]]:
    """Per file, the ``history`` lines naming the current edition's act for the parts the changes touch."""
    from .history import history_items
    out: dict[Path, list[str]] = {}
    units: dict[str, list[tuple]] = {}
    for ch in changes:
        units.setdefault(ch.unit, []).append(ch.path)
    for unit, paths in units.items():
        items = history_items(program, unit, paths)
        if items:
            out[Path(located.files[unit])] = items
    return out


def write_edits(edits: dict[Path, dict[tuple, object]], appends: dict[Path, list[str]] | None = None) -> list[Path]:
    """Prepare and verify every file first, then write each atomically. Raises WorkbookError
    before anything is written if one file cannot be changed safely."""
    from .yamledit import EditError, append_items, has_bom, rewrite, verify_appended, write_text
    prepared = []
    for path, changes in edits.items():
        try:
            _, new = rewrite(path, changes)
            items = (appends or {}).get(path, [])
            if items:
                appended = append_items(new, "history", items)
                verify_appended(new, appended, "history", len(items), path)
                new = appended
        except (EditError, OSError) as exc:
            raise WorkbookError(f"{path}: изменения не внесены: {exc}") from None
        prepared.append((path, new, has_bom(path)))
    for path, new, bom in prepared:
        write_text(path, new, bom)
    return [p for p, _, _ in prepared]
