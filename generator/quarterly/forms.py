"""Pre-filled XLSX report forms for municipalities, generated from a form spec (data, not code).

The same :class:`FormLayout` places cells when a form is written and when a filled
form is read back, so generation and import can never disagree about where a
figure lives. Input cells are unlocked and validated (non-negative, kopecks);
everything else is locked. A very hidden sheet carries the form's identity
(subsidy, municipality, period, form version), the id of the installation key that
signed it and an HMAC-SHA256 over the identity and the pre-filled figures under that
secret key (:mod:`.secretkey`), so a file cannot be imported under another
municipality or period: the procedure is public, the key is not.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from ..numbers import format_date
from ..paths import form_filename  # noqa: F401  (file names have one home: generator.paths)
from ..writers._files import reproducible_zip
from . import expr, secretkey
from .schema import Agreement, FormSpec, Municipality, Subsidy

SHEET = "Отчет"
INSTRUCTIONS = "Инструкция"
IDENTITY = "_identity"
SIGNATURE_VERSION = "gosprog-form-identity-v2"
IDENTITY_KEYS = ("form", "form_version", "subsidy", "municipality", "year", "quarter", "agreement")
PROTECTION_PASSWORD = "gosprog"
MONEY_FORMAT = "#,##0.00"
QUARTER_NAMES = {1: "I", 2: "II", 3: "III", 4: "IV"}
_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")


def as_of_date(year: int, quarter: int) -> _dt.date:
    """Reports are made as of the 1st day of the month after the quarter."""
    month = quarter * 3 + 1
    return _dt.date(year + 1, 1, 1) if month > 12 else _dt.date(year, month, 1)


@dataclass
class FormLayout:
    spec: FormSpec
    first_row: int = 8           # first header row

    def __post_init__(self):
        self._rows = self._row_keys()
        self._row_index = {key: i for i, key in enumerate(self._rows)}
        self._col_index = {c.key: i + 1 for i, c in enumerate(self.spec.columns)}
        self._depth = max(len(c.header) for c in self.spec.columns)

    @property
    def header_depth(self) -> int:
        return self._depth

    @property
    def numbering_row(self) -> int:
        return self.first_row + self.header_depth

    @property
    def body_row(self) -> int:
        return self.numbering_row + 1

    def row_keys(self) -> list[str]:
        return list(self._rows)

    def _row_keys(self) -> list[str]:
        if self.spec.rows:
            return [r.key for r in self.spec.rows]
        return [f"r{i + 1}" for i in range(self.spec.repeat or 0)] + ["total"]

    def row_of(self, key: str) -> int:
        return self.body_row + self._row_index[key]

    def col_of(self, key: str) -> int:
        return self._col_index[key]

    def ref(self, row_key: str, col_key: str) -> str:
        return f"{get_column_letter(self.col_of(col_key))}{self.row_of(row_key)}"

    @property
    def last_row(self) -> int:
        return self.body_row + len(self._rows) - 1

    def header_cells(self, year: int | None = None) -> list[tuple[int, int, int, int, str]]:
        """(row, col, rowspan, colspan, text) for the header, spans from repeated header prefixes;
        with ``year``, the act's blank "20__" of a header says that year ("на 2021 год")."""
        cols, depth = self.spec.columns, self.header_depth
        out = []
        for level in range(depth):
            c = 0
            while c < len(cols):
                header = cols[c].header
                if level >= len(header):
                    c += 1
                    continue
                prefix = header[: level + 1]
                span = 1
                while c + span < len(cols) and cols[c + span].header[: level + 1] == prefix:
                    span += 1
                rowspan = depth - level if level == len(header) - 1 else 1
                text = header[level] if year is None else header[level].replace("20__", str(year))
                out.append((self.first_row + level, c + 1, rowspan, span, text))
                c += span
        return out

    def input_cells(self) -> list[tuple[str, str]]:
        """(row key, column key) of every cell the municipality fills in."""
        out = []
        for row_key in self.row_keys():
            if row_key == "total" and not self.spec.rows:
                continue
            fixed = next((r for r in self.spec.rows if r.key == row_key), None)
            if fixed is not None and fixed.sum_of:
                continue
            for column in self.spec.columns:
                if column.role == "input" or (column.role == "text" and not self.spec.rows):
                    out.append((row_key, column.key))
        return out


def identity_payload(identity: dict, prefilled: dict) -> bytes:
    """The bytes that are signed: the identity (``IDENTITY_KEYS``) and the pre-filled figures as text
    (row key -> column key -> str), canonical JSON."""
    return json.dumps({"identity": identity, "prefilled": prefilled, "v": SIGNATURE_VERSION}, sort_keys=True,
                      ensure_ascii=False, default=str).encode("utf-8")


def identity_checksum(identity: dict, prefilled: dict, key: secretkey.Key | None = None) -> str:
    """HMAC-SHA256 (64 hex digits) of the identity and pre-filled figures under ``key`` (default: the
    installation's signing key, created on first use; raises :class:`.secretkey.SecretKeyError`)."""
    return (key or secretkey.signing_key()).sign(identity_payload(identity, prefilled))


def prefill_values(spec: FormSpec, agreement: Agreement) -> dict[str, dict[str, Decimal]]:
    """Agreement figures placed in prefill cells: row key → column key → value."""
    fields = {"subsidy": agreement.subsidy_amount, "local": agreement.local_amount, "level": agreement.level}
    out: dict[str, dict[str, Decimal]] = {}
    for row in spec.rows:
        for col_key, source in row.prefill.items():
            if isinstance(source, str) and source.startswith("agreement."):
                value = fields[source.split(".", 1)[1]]
            else:
                value = Decimal(str(source))
            out.setdefault(row.key, {})[col_key] = value
    return out


def generate(spec: FormSpec, subsidy: Subsidy, municipality: Municipality, agreement: Agreement, year: int,
             quarter: int, previous: dict[str, dict[str, Decimal]] | None = None,
             sample: bool = False) -> bytes:
    """The XLSX form for one municipality and quarter, pre-filled, protected and identified."""
    layout = FormLayout(spec)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    width = len(spec.columns)
    as_of = as_of_date(year, quarter)
    lines = [
        ("Образец (условные данные)" if sample else None, Font(bold=True, color="C00000")),
        (spec.title, Font(bold=True, size=12)),
        (municipality.name, Font(bold=True)),
        (f"{QUARTER_NAMES[quarter]} квартал {year} года, по состоянию на {format_date(as_of)} "
         "(нарастающим итогом с начала года)", Font()),
        (f"{subsidy.name}. Соглашение N {agreement.number} от {format_date(agreement.date)}", Font(italic=True)),
        (f"Единица измерения: {spec.unit}{'' if spec.unit.endswith('.') else '.'} Срок представления: до "
         f"{format_date(subsidy.deadline(year, quarter))}",
         Font()),
    ]
    for r, (text, font) in enumerate(lines, start=1):
        if text:
            cell = ws.cell(row=r, column=1, value=text)
            cell.data_type = "s"
            cell.font = font
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    # row heights from the text and the merged width, so no header line is clipped
    line_chars = max(20, int(sum(c.width * 9 for c in spec.columns) * 0.95))
    for r, (text, font) in enumerate(lines, start=1):
        if text:
            size = font.sz or 11
            chars = max(1, int(line_chars * 11 / size))
            ws.row_dimensions[r].height = round(size * 1.35 * max(1, -(-len(text) // chars)), 1)
    for row, col, rowspan, colspan, text in layout.header_cells(year):
        cell = ws.cell(row=row, column=col, value=text)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.font = Font(bold=True, size=10)
        if rowspan > 1 or colspan > 1:
            ws.merge_cells(start_row=row, start_column=col, end_row=row + rowspan - 1, end_column=col + colspan - 1)
    for c in range(1, width + 1):
        cell = ws.cell(row=layout.numbering_row, column=c, value=c)
        cell.alignment = Alignment(horizontal="center")
    widths = {layout.col_of(c.key): c.width * 9 for c in spec.columns}
    heights: dict[int, float] = {}
    for row, col, rowspan, colspan, text in layout.header_cells(year):
        chars = sum(widths[c] for c in range(col, col + colspan)) * 0.85
        need = 13.5 * (-(-len(text) // max(1, int(chars)))) / rowspan + 4
        heights[row] = max(heights.get(row, 15), need)
    for r in range(layout.first_row, layout.numbering_row + 1):
        ws.row_dimensions[r].height = round(heights.get(r, 15), 1)
        for c in range(1, width + 1):
            ws.cell(row=r, column=c).border = BORDER
    prefilled = prefill_values(spec, agreement)
    inputs = set(layout.input_cells())
    money_validation = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                                      allow_blank=True, showErrorMessage=True, errorTitle="Неверное значение",
                                      error="Введите неотрицательную сумму в рублях с копейками (не более двух "
                                            "знаков после запятой).")
    ws.add_data_validation(money_validation)
    for index, row_key in enumerate(layout.row_keys()):
        r = layout.row_of(row_key)
        fixed = next((x for x in spec.rows if x.key == row_key), None)
        for column in spec.columns:
            c = layout.col_of(column.key)
            cell = ws.cell(row=r, column=c)
            cell.border = BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top",
                                       horizontal="left" if column.role in ("label", "text") else "right")
            if (row_key, column.key) in inputs:
                cell.protection = Protection(locked=False)
                cell.fill = INPUT_FILL
                if column.role == "input":
                    value = (previous or {}).get(row_key, {}).get(column.key)
                    cell.value = value if value is not None else None
                    cell.number_format = MONEY_FORMAT
                    money_validation.add(cell)
                continue
            if column.role == "label":
                cell.value = fixed.label if fixed else spec.total_label
                lines = -(-len(cell.value) // max(1, int(column.width * 9 * 0.9)))
                ws.row_dimensions[r].height = 15 * max(1, lines)
                cell.data_type = "s"
                if fixed and fixed.sum_of or row_key == "total":
                    cell.font = Font(bold=True)
            elif column.role == "number":
                cell.value = f"{index + 1}." if row_key != "total" else spec.total_label
                cell.data_type = "s"
            elif column.role == "prefill":
                cell.value = prefilled.get(row_key, {}).get(column.key)
                cell.number_format = MONEY_FORMAT
            elif column.role == "computed" and column.formula:
                cell.value = "=" + _excel_formula(column.formula, layout, row_key)
                cell.number_format = MONEY_FORMAT
            if (fixed and fixed.sum_of) or (row_key == "total" and not spec.rows):
                if column.role in ("prefill", "input", "computed"):
                    parts = fixed.sum_of if fixed else [k for k in layout.row_keys() if k != "total"]
                    letter = get_column_letter(c)
                    refs = [f"{letter}{layout.row_of(k)}" for k in parts]
                    cell.value = f"=SUM({refs[0]}:{refs[-1]})" if _contiguous(layout, parts) else \
                        "=SUM(" + ",".join(refs) + ")"
                    cell.number_format = MONEY_FORMAT
                    cell.font = Font(bold=True)
                    cell.protection = Protection(locked=True)
    for column in spec.columns:
        ws.column_dimensions[get_column_letter(layout.col_of(column.key))].width = round(column.width * 9, 1)
    sig = layout.last_row + 2
    for i, text in enumerate(["Руководитель уполномоченного органа    ______________ / ____________________",
                              "Главный бухгалтер    ______________ / ____________________",
                              "Исполнитель, телефон    ____________________",
                              "«____» ____________ 20__ г."]):
        cell = ws.cell(row=sig + i, column=1, value=text)
        cell.data_type = "s"
        ws.merge_cells(start_row=sig + i, start_column=1, end_row=sig + i, end_column=width)
    ws.protection.sheet = True
    ws.protection.password = PROTECTION_PASSWORD
    ws.protection.formatCells = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.freeze_panes = ws.cell(row=layout.body_row, column=1)
    _page_setup(ws, "landscape")
    ws.print_title_rows = f"{layout.first_row}:{layout.numbering_row}"

    help_ws = wb.create_sheet(INSTRUCTIONS)
    help_ws.column_dimensions["A"].width = 120
    instructions = [
        f"Форма: {spec.title}",
        f"Муниципальное образование: {municipality.name}",
        f"Период: {QUARTER_NAMES[quarter]} квартал {year} года; данные по состоянию на {format_date(as_of)}, "
        "нарастающим итогом с начала года.",
        f"Срок представления: до {format_date(subsidy.deadline(year, quarter))}",
        "Заполняются только ячейки, выделенные цветом. Суммы указываются в рублях с копейками (не более двух "
        "знаков после запятой), без формул и текста.",
        "Значения нарастающим итогом не могут быть меньше значений предыдущего квартала.",
        "Не изменяйте заголовки, строки и скрытые листы: файл с измененной структурой не будет принят.",
        "Проверки при приеме отчета:",
        *[f"  {c.id}: {c.message}" for c in spec.checks],
    ]
    for r, text in enumerate(instructions, start=1):
        cell = help_ws.cell(row=r, column=1, value=text)
        cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        help_ws.row_dimensions[r].height = 15 * max(1, -(-len(text) // 110))
    _page_setup(help_ws, "portrait")
    help_ws.protection.sheet = True
    help_ws.protection.password = PROTECTION_PASSWORD

    identity = {"form": spec.id, "form_version": spec.version, "subsidy": subsidy.id,
                "municipality": municipality.code, "year": year, "quarter": quarter,
                "agreement": agreement.number}
    id_ws = wb.create_sheet(IDENTITY)
    key = secretkey.signing_key()
    for r, (name, value) in enumerate(list(identity.items()) +
                                      [("key_id", key.key_id),
                                       ("checksum", identity_checksum(identity, _plain(prefilled), key))], start=1):
        id_ws.cell(row=r, column=1, value=name).data_type = "s"
        cell = id_ws.cell(row=r, column=2, value=str(value))
        cell.data_type = "s"
    id_ws.sheet_state = "veryHidden"
    id_ws.protection.sheet = True
    id_ws.protection.password = PROTECTION_PASSWORD
    wb.security = WorkbookProtection(workbookPassword=PROTECTION_PASSWORD, lockStructure=True)
    wb.active = 0
    stamp = _dt.datetime(as_of.year, as_of.month, as_of.day)
    wb.properties.creator = "gosprog"
    wb.properties.title = spec.title[:200]
    wb.properties.created = wb.properties.modified = stamp
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    return reproducible_zip(buffer.getvalue(), (stamp.year, stamp.month, stamp.day, 0, 0, 0))


def _plain(values: dict) -> dict:
    return {r: {c: str(v) for c, v in cols.items()} for r, cols in values.items()}


def _contiguous(layout: FormLayout, keys: list[str]) -> bool:
    rows = [layout.row_of(k) for k in keys]
    return rows == list(range(rows[0], rows[0] + len(rows)))


def _excel_formula(text: str, layout: FormLayout, row_key: str) -> str:
    """A computed column's expression (over this row's columns) as an Excel formula."""
    formula = text
    for name in sorted(expr.names(text), key=len, reverse=True):
        formula = formula.replace(name, layout.ref(row_key, name))
    return formula


def _page_setup(ws, orientation: str) -> None:
    """A4 paper, the department's margins and fit to one page wide, on every printed sheet
    (without a paper size LibreOffice prints on US Letter)."""
    from openpyxl.worksheet.page import PageMargins
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = orientation
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.79, right=0.39, top=0.59, bottom=0.59, header=0.3, footer=0.3)


def period_label(year: int, quarter: int) -> str:
    return f"{QUARTER_NAMES[quarter]} квартал {year} года"


__all__ = ["FormLayout", "generate", "as_of_date", "identity_checksum", "identity_payload", "prefill_values",
           "form_filename",
           "period_label"]
