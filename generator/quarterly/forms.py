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
from dataclasses import dataclass
from decimal import Decimal

from openpyxl.utils import get_column_letter

from ..numbers import format_date
from ..paths import form_filename  # noqa: F401  (file names have one home: generator.paths)
from ..writers import xlsxbase
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
INPUT_FILL = "#FFF2CC"
MARGINS = (0.79, 0.39, 0.59, 0.59)   # the department's page margins (left, right, top, bottom), inches


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


#: The row (1-based, column A) of the form's title that names the municipality it is issued to: the import refuses a
#: form whose title names another municipality than its signed service data (:mod:`.importer`).
RECIPIENT_ROW = 3


def generate(spec: FormSpec, subsidy: Subsidy, municipality: Municipality, agreement: Agreement, year: int,
             quarter: int, previous: dict[str, dict[str, Decimal]] | None = None,
             sample: bool = False) -> bytes:
    """The XLSX form for one municipality and quarter, pre-filled, protected and identified (written
    through :mod:`generator.writers.xlsxbase`, like the documents). Formulas carry the values they compute
    from the pre-filled figures, so a reader that does not recalculate sees them."""
    layout = FormLayout(spec)
    buffer = io.BytesIO()
    wb = xlsxbase.new_workbook(buffer)
    formats = xlsxbase.Formats(wb)
    ws = wb.add_worksheet(SHEET)
    width = len(spec.columns)
    as_of = as_of_date(year, quarter)
    lines = [
        ("Образец (условные данные)" if sample else None, {"bold": True, "font_color": "#C00000"}),
        (spec.title, {"bold": True, "font_size": 12}),
        (municipality.name, {"bold": True}),                # RECIPIENT_ROW
        (f"{QUARTER_NAMES[quarter]} квартал {year} года, по состоянию на {format_date(as_of)} "
         "(нарастающим итогом с начала года)", {}),
        (f"{subsidy.name}. Соглашение N {agreement.number} от {format_date(agreement.date)}", {"italic": True}),
        (f"Единица измерения: {spec.unit}{'' if spec.unit.endswith('.') else '.'} Срок представления: до "
         f"{format_date(subsidy.deadline(year, quarter))}{subsidy.deadline_note()}",
         {}),
    ]
    for r, (text, font) in enumerate(lines):
        fmt = formats.get(**font, text_wrap=True, valign="top") if text else None
        _merge_row(ws, r, width, text, fmt)
    # row heights from the text and the merged width, so no header line is clipped
    line_chars = max(20, int(sum(c.width * 9 for c in spec.columns) * 0.95))
    for r, (text, font) in enumerate(lines):
        if text:
            size = font.get("font_size", 11)
            chars = max(1, int(line_chars * 11 / size))
            ws.set_row(r, round(size * 1.35 * max(1, -(-len(text) // chars)), 1))
    bordered = formats.get(border=xlsxbase.THIN)
    header_format = formats.get(bold=True, font_size=10, align="center", valign="vcenter", text_wrap=True,
                                border=xlsxbase.THIN)
    covered: set[tuple[int, int]] = set()
    for row, col, rowspan, colspan, text in layout.header_cells(year):
        if rowspan > 1 or colspan > 1:
            ws.merge_range(row - 1, col - 1, row + rowspan - 2, col + colspan - 2, "", header_format)
        ws.write_string(row - 1, col - 1, text, header_format)
        covered |= {(r, c) for r in range(row, row + rowspan) for c in range(col, col + colspan)}
    for r in range(layout.first_row, layout.numbering_row):
        for c in range(1, width + 1):
            if (r, c) not in covered:
                ws.write_blank(r - 1, c - 1, None, bordered)
    for c in range(1, width + 1):
        ws.write_number(layout.numbering_row - 1, c - 1, c, formats.get(align="center", border=xlsxbase.THIN))
    widths = {layout.col_of(c.key): c.width * 9 for c in spec.columns}
    heights: dict[int, float] = {}
    for row, col, rowspan, colspan, text in layout.header_cells(year):
        chars = sum(widths[c] for c in range(col, col + colspan)) * 0.85
        need = 13.5 * (-(-len(text) // max(1, int(chars)))) / rowspan + 4
        heights[row] = max(heights.get(row, 15), need)
    for r in range(layout.first_row, layout.numbering_row + 1):
        ws.set_row(r - 1, round(heights.get(r, 15), 1))
    prefilled = prefill_values(spec, agreement)
    values = _cell_values(spec, layout, prefilled, previous)
    inputs = set(layout.input_cells())
    money_inputs: list[str] = []
    for index, row_key in enumerate(layout.row_keys()):
        r = layout.row_of(row_key) - 1
        fixed = next((x for x in spec.rows if x.key == row_key), None)
        sum_row = bool(fixed and fixed.sum_of) or (row_key == "total" and not spec.rows)
        for column in spec.columns:
            c = layout.col_of(column.key) - 1
            props = {"border": xlsxbase.THIN, "text_wrap": True, "valign": "top",
                     "align": "left" if column.role in ("label", "text") else "right"}
            value = formula = None
            if (row_key, column.key) in inputs:
                props.update(locked=False, bg_color=INPUT_FILL)
                if column.role == "input":
                    value = (previous or {}).get(row_key, {}).get(column.key)
                    props["num_format"] = MONEY_FORMAT
                    money_inputs.append(layout.ref(row_key, column.key))
            elif sum_row and column.role in ("prefill", "input", "computed"):
                parts = fixed.sum_of if fixed else [k for k in layout.row_keys() if k != "total"]
                letter = get_column_letter(c + 1)
                refs = [f"{letter}{layout.row_of(k)}" for k in parts]
                formula = f"=SUM({refs[0]}:{refs[-1]})" if _contiguous(layout, parts) else \
                    "=SUM(" + ",".join(refs) + ")"
                props.update(num_format=MONEY_FORMAT, bold=True)
            elif column.role == "label":
                value = fixed.label if fixed else spec.total_label
                lines_needed = -(-len(value) // max(1, int(column.width * 9 * 0.9)))
                ws.set_row(r, 15 * max(1, lines_needed))
                if sum_row or row_key == "total":
                    props["bold"] = True
            elif column.role == "number":
                value = f"{index + 1}." if row_key != "total" else spec.total_label
            elif column.role == "prefill":
                value = prefilled.get(row_key, {}).get(column.key)
                props["num_format"] = MONEY_FORMAT
            elif column.role == "computed" and column.formula:
                formula = "=" + _excel_formula(column.formula, layout, row_key)
                props["num_format"] = MONEY_FORMAT
            fmt = formats.get(**props)
            if formula is not None:
                cached = values.get((row_key, column.key))
                ws.write_formula(r, c, formula, fmt, "" if cached is None else cached)
            elif isinstance(value, str):
                ws.write_string(r, c, value, fmt)
            elif value is not None:
                ws.write_number(r, c, value, fmt)
            else:
                ws.write_blank(r, c, None, fmt)
    if money_inputs:
        ws.data_validation(money_inputs[0], {
            "validate": "decimal", "criteria": ">=", "value": 0, "ignore_blank": True, "show_input": False,
            "show_error": True, "error_title": "Неверное значение",
            "error_message": "Введите неотрицательную сумму в рублях с копейками (не более двух знаков после "
                             "запятой).",
            "multi_range": " ".join(money_inputs)})
    for column in spec.columns:
        xlsxbase.set_width(ws, layout.col_of(column.key) - 1, round(column.width * 9, 1))
    sig = layout.last_row + 1
    for i, text in enumerate(["Руководитель уполномоченного органа    ______________ / ____________________",
                              "Главный бухгалтер    ______________ / ____________________",
                              "Исполнитель, телефон    ____________________",
                              "«____» ____________ 20__ г."]):
        _merge_row(ws, sig + i, width, text, None)
    xlsxbase.protect(ws, PROTECTION_PASSWORD, allow_formatting=True)
    ws.freeze_panes(layout.body_row - 1, 0)
    xlsxbase.page_setup(ws, "landscape", margins=MARGINS)
    ws.repeat_rows(layout.first_row - 1, layout.numbering_row - 1)

    help_ws = wb.add_worksheet(INSTRUCTIONS)
    xlsxbase.set_width(help_ws, 0, 120)
    instructions = [
        f"Форма: {spec.title}",
        f"Муниципальное образование: {municipality.name}",
        f"Период: {QUARTER_NAMES[quarter]} квартал {year} года; данные по состоянию на {format_date(as_of)}, "
        "нарастающим итогом с начала года.",
        f"Срок представления: до {format_date(subsidy.deadline(year, quarter))}{subsidy.deadline_note()}",
        "Заполняются только ячейки, выделенные цветом. Суммы указываются в рублях с копейками (не более двух "
        "знаков после запятой), без формул и текста.",
        "Значения нарастающим итогом не могут быть меньше значений предыдущего квартала.",
        "Не изменяйте заголовки, строки и скрытые листы: файл с измененной структурой не будет принят.",
        "Проверки при приеме отчета:",
        *[f"  {c.id}: {c.message}" for c in spec.checks],
    ]
    wrapped = formats.get(text_wrap=True, valign="top")
    for r, text in enumerate(instructions):
        help_ws.write_string(r, 0, text, wrapped)
        help_ws.set_row(r, 15 * max(1, -(-len(text) // 110)))
    xlsxbase.page_setup(help_ws, "portrait", margins=MARGINS)
    xlsxbase.protect(help_ws, PROTECTION_PASSWORD)

    identity = {"form": spec.id, "form_version": spec.version, "subsidy": subsidy.id,
                "municipality": municipality.code, "year": year, "quarter": quarter,
                "agreement": agreement.number}
    id_ws = wb.add_worksheet(IDENTITY)
    key = secretkey.signing_key()
    for r, (name, value) in enumerate(list(identity.items()) +
                                      [("key_id", key.key_id),
                                       ("checksum", identity_checksum(identity, _plain(prefilled), key))]):
        id_ws.write_string(r, 0, name)
        id_ws.write_string(r, 1, str(value))
    id_ws.very_hidden()
    xlsxbase.protect(id_ws, PROTECTION_PASSWORD)
    stamp = _dt.datetime(as_of.year, as_of.month, as_of.day)
    return xlsxbase.save(wb, buffer, title=spec.title[:200], author="gosprog", created=stamp,
                         date_time=(stamp.year, stamp.month, stamp.day, 0, 0, 0),
                         structure_password=PROTECTION_PASSWORD)


def _merge_row(ws, r: int, width: int, text: str | None, fmt) -> None:
    """Sheet row ``r`` (0-based) merged across the form's ``width`` columns, holding ``text``."""
    if width > 1:
        ws.merge_range(r, 0, r, width - 1, "", fmt)
    if text:
        ws.write_string(r, 0, text, fmt)


def _cell_values(spec: FormSpec, layout: FormLayout, prefilled: dict, previous: dict | None
                 ) -> dict[tuple[str, str], Decimal]:
    """(row key, column key) -> the value a spreadsheet computes for each formula cell of a new form (blank
    cells count as 0, as in Excel); a computed column whose expression cannot be evaluated (division by zero)
    has none."""
    entered = {(r, c): Decimal(str(v)) for r, c in layout.input_cells() if spec.column(c).role == "input"
               for v in [(previous or {}).get(r, {}).get(c)]
               if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)}
    entered.update({(r, c): v for r, cols in prefilled.items() for c, v in cols.items()})
    out: dict[tuple[str, str], Decimal] = {}

    def value(row_key: str, col_key: str, depth: int = 0) -> Decimal | None:
        if (row_key, col_key) in out:
            return out[(row_key, col_key)]
        fixed = next((x for x in spec.rows if x.key == row_key), None)
        column = spec.column(col_key)
        result: Decimal | None
        if depth > 50:
            return None
        if (fixed and fixed.sum_of) or (row_key == "total" and not spec.rows):
            parts = fixed.sum_of if fixed else [k for k in layout.row_keys() if k != "total"]
            summed = [value(k, col_key, depth + 1) for k in parts]
            result = sum((v for v in summed if v is not None), Decimal(0))
        elif column.role == "computed" and column.formula:
            try:
                result = expr.evaluate(column.formula,
                                       lambda name: value(row_key, name, depth + 1) or Decimal(0))
            except (ArithmeticError, LookupError, expr.ExpressionError):
                result = None
        else:
            return entered.get((row_key, col_key))
        out[(row_key, col_key)] = result
        return result

    for row_key in layout.row_keys():
        for column in spec.columns:
            if column.role in ("prefill", "input", "computed"):
                value(row_key, column.key)
    return out


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


def period_label(year: int, quarter: int) -> str:
    """«IV квартал 2021 года»; quarter 0 (the annual results report, :mod:`generator.annual.forms`): «2021 год»."""
    if quarter == 0:
        return f"{year} год"
    return f"{QUARTER_NAMES[quarter]} квартал {year} года"


__all__ = ["FormLayout", "generate", "as_of_date", "identity_checksum", "identity_payload", "prefill_values",
           "form_filename",
           "period_label"]
