"""The municipality's annual report on the results of a subsidy (отчет о достижении значений результатов
использования субсидии) as a pre-filled XLSX form, and its reading back.

One form per municipality and subsidy with an agreement in the year. Pre-filled and locked: the subsidy's
results with their units and plan values from the agreement (the rules: the agreement sets the results'
values, the municipality reports their achievement by the subsidy's ``annual_deadline`` of the next year),
and the year's money (received, used, unused) from the accepted report for the IV quarter of the registry
(blank with a note when none is accepted). The municipality types the actual value of each result and, for
a result not achieved, the reason. The identity sheet is the quarterly forms' mechanism
(:mod:`generator.quarterly.forms`): the identity and every pre-filled figure are signed with the
installation key, so a form is accepted only for the municipality, subsidy and year it was issued for.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
from dataclasses import dataclass
from decimal import Decimal

from ..numbers import format_date, format_number
from ..quarterly import secretkey
from ..quarterly.forms import IDENTITY, IDENTITY_KEYS, INPUT_FILL, MARGINS, PROTECTION_PASSWORD, SHEET, \
    identity_checksum
from ..quarterly.schema import Agreement, Municipality, Subsidy
from ..writers import xlsxbase

FORM_ID = "annual-results"
FORM_VERSION = 1
ANNUAL_QUARTER = 0            # the registry's period marker of an annual report (quarters are 1-4)
TITLE = "Отчет о достижении значений результатов использования субсидии"
# the table: one row per result, from this sheet row (1-based); the columns, 1-based
HEADER_ROW = 8
FIRST_RESULT_ROW = HEADER_ROW + 2
COLUMNS = (("number", "N п/п", 5), ("name", "Наименование результата использования субсидии", 48),
           ("unit", "Единица измерения", 11), ("plan", "Плановое значение (по соглашению)", 14),
           ("fact", "Фактическое значение за год", 14),
           ("reason", "Причина недостижения планового значения (заполняется, если результат не достигнут)", 40))
COL = {key: i + 1 for i, (key, _h, _w) in enumerate(COLUMNS)}
MONEY_ROWS = (("received", "Получено средств субсидии"), ("used", "Использовано средств субсидии"),
              ("unused", "Остаток неиспользованных средств субсидии"))
VALUE_FORMAT = "#,##0.###"
MONEY_FORMAT = "#,##0.00"


def annual_deadline(subsidy: Subsidy, year: int) -> _dt.date | None:
    """The day the annual report of ``year`` is due: the subsidy's ``annual_deadline`` (month, day) of the
    next year (subsidies.yaml, with the act's line in ``act_lines``); None when the subsidy has none."""
    day = getattr(subsidy, "annual_deadline", None)
    return _dt.date(year + 1, day.month, day.day) if day is not None else None


def annual_deadline_note(subsidy: Subsidy) -> str:
    """What the documents print after the annual deadline: `` (<note>)`` where the rules do not fully set it
    (``annual_deadline_note`` of subsidies.yaml: the month is the report developer's reading), else ``""``."""
    note = getattr(subsidy, "annual_deadline_note", None)
    return f" ({note})" if note else ""


def money_row(index: int, results: int) -> int:
    """Sheet row (1-based) of money line ``index`` (0-2) under a table of ``results`` rows."""
    return FIRST_RESULT_ROW + results + 2 + index


@dataclass
class Prefill:
    """What the form carries pre-filled: plan value of each result (result id -> value) and the year's money
    (received, used, unused in rubles) from the accepted IV-quarter report ``money_from`` (its registry id);
    ``money`` empty when no IV-quarter report is accepted."""

    plan: dict[str, Decimal]
    money: dict[str, Decimal]
    money_from: int | None = None

    def signed(self) -> dict:
        """The figures as signed: row -> column -> text (the quarterly forms' shape)."""
        out = {"plan": {k: str(v) for k, v in self.plan.items()}}
        if self.money:
            out["money"] = {k: str(v) for k, v in self.money.items()}
            out["money"]["report"] = str(self.money_from)
        return out

    @classmethod
    def from_signed(cls, figures: dict) -> "Prefill":
        money = dict(figures.get("money") or {})
        report = money.pop("report", None)
        return cls({k: Decimal(v) for k, v in figures.get("plan", {}).items()},
                   {k: Decimal(v) for k, v in money.items()}, int(report) if report else None)


def prefill(subsidy: Subsidy, agreement: Agreement, year_money=None) -> Prefill:
    """The pre-filled figures of the form: the agreement's plan values of the subsidy's results (in the
    order of subsidies.yaml; a result the agreement does not set is not on the form) and ``year_money``
    (a :class:`generator.annual.registry.YearMoney`, or None)."""
    plan = {r.id: Decimal(str(agreement.results[r.id])) for r in subsidy.results if r.id in agreement.results}
    if year_money is None:
        return Prefill(plan, {})
    return Prefill(plan, {"received": year_money.received, "used": year_money.used, "unused": year_money.unused},
                   year_money.submission_id)


def form_results(subsidy: Subsidy, plan: dict) -> list:
    """The subsidy's results that are on the form (those with a plan value), in order."""
    return [r for r in subsidy.results if r.id in plan]


def generate(subsidy: Subsidy, municipality: Municipality, agreement: Agreement, year: int, filled: Prefill,
             sample: bool = False) -> bytes:
    """The annual results form of one municipality and subsidy as XLSX bytes (through
    :mod:`generator.writers.xlsxbase`, protected except the cells to fill in, identified and signed).
    Raises :class:`generator.quarterly.secretkey.SecretKeyError` when the installation key cannot be used."""
    buffer = io.BytesIO()
    wb = xlsxbase.new_workbook(buffer)
    formats = xlsxbase.Formats(wb)
    ws = wb.add_worksheet(SHEET)
    width = len(COLUMNS)
    results = form_results(subsidy, filled.plan)
    due = annual_deadline(subsidy, year)
    lines = [
        ("Образец (условные данные)" if sample else None, {"bold": True, "font_color": "#C00000"}),
        (TITLE, {"bold": True, "font_size": 12}),
        (municipality.name, {"bold": True}),           # generator.quarterly.forms.RECIPIENT_ROW, checked on import
        (f"за {year} год", {}),
        (f"{subsidy.name}. Соглашение N {agreement.number} от {format_date(agreement.date)}", {"italic": True}),
        ("Срок представления: до " + format_date(due) + annual_deadline_note(subsidy) if due
         else "Срок представления правилами не установлен", {}),
    ]
    line_chars = int(sum(w for _k, _h, w in COLUMNS) * 1.1)
    for r, (text, font) in enumerate(lines):
        fmt = formats.get(**font, text_wrap=True, valign="top") if text else None
        ws.merge_range(r, 0, r, width - 1, "", fmt)
        if text:
            ws.write_string(r, 0, text, fmt)
            size = font.get("font_size", 11)
            ws.set_row(r, round(size * 1.35 * max(1, -(-len(text) // int(line_chars * 11 / size))), 1))
    header = formats.get(bold=True, font_size=10, align="center", valign="vcenter", text_wrap=True,
                         border=xlsxbase.THIN)
    for c, (_key, text, _w) in enumerate(COLUMNS):
        ws.write_string(HEADER_ROW - 1, c, text, header)
        ws.write_number(HEADER_ROW, c, c + 1, formats.get(align="center", border=xlsxbase.THIN))
    ws.set_row(HEADER_ROW - 1, 68)
    cell = dict(border=xlsxbase.THIN, text_wrap=True, valign="top")
    inputs = []
    for i, result in enumerate(results):
        r = FIRST_RESULT_ROW - 1 + i
        ws.write_string(r, COL["number"] - 1, f"{i + 1}.", formats.get(**cell, align="center"))
        ws.write_string(r, COL["name"] - 1, result.name, formats.get(**cell))
        ws.write_string(r, COL["unit"] - 1, result.unit, formats.get(**cell, align="center"))
        ws.write_number(r, COL["plan"] - 1, filled.plan[result.id], formats.get(**cell, num_format=VALUE_FORMAT))
        ws.write_blank(r, COL["fact"] - 1, None, formats.get(**cell, num_format=VALUE_FORMAT, locked=False,
                                                             bg_color=INPUT_FILL))
        ws.write_blank(r, COL["reason"] - 1, None, formats.get(**cell, locked=False, bg_color=INPUT_FILL))
        ws.set_row(r, round(15.5 * max(2, -(-len(result.name) // 44)), 1))
        inputs.append(f"{_letter('fact')}{r + 1}")
    if inputs:
        ws.data_validation(inputs[0], {
            "validate": "decimal", "criteria": ">=", "value": 0, "ignore_blank": True, "show_input": False,
            "show_error": True, "error_title": "Неверное значение",
            "error_message": "Введите неотрицательное число: фактическое значение результата в единицах графы 3.",
            "multi_range": " ".join(inputs)})
    top = money_row(0, len(results)) - 2
    money_title = (f"Средства субсидии за {year} год по принятому отчету за IV квартал, руб."
                   if filled.money else
                   f"Средства субсидии за {year} год, руб.: отчет за IV квартал {year} года еще не принят; "
                   "суммы будут взяты из принятого отчета за IV квартал")
    bold = formats.get(bold=True, text_wrap=True, valign="top")
    ws.merge_range(top, 0, top, width - 1, "", bold)
    ws.write_string(top, 0, money_title, bold)
    ws.set_row(top, 15 if filled.money else 30)
    for i, (key, label) in enumerate(MONEY_ROWS):
        r = money_row(i, len(results)) - 1
        ws.merge_range(r, 0, r, COL["plan"] - 2, "", formats.get(**cell))
        ws.write_string(r, 0, label, formats.get(**cell))
        value = filled.money.get(key)
        fmt = formats.get(**cell, num_format=MONEY_FORMAT)
        if value is None:
            ws.write_string(r, COL["plan"] - 1, "-", formats.get(**cell, align="center"))
        else:
            ws.write_number(r, COL["plan"] - 1, value, fmt)
    sig = money_row(len(MONEY_ROWS), len(results))
    for i, text in enumerate(["Руководитель уполномоченного органа    ______________ / ____________________",
                              "Исполнитель, телефон    ____________________",
                              "«____» ____________ 20__ г."]):
        ws.merge_range(sig + i, 0, sig + i, width - 1, "", None)
        ws.write_string(sig + i, 0, text)
    for c, (_key, _text, w) in enumerate(COLUMNS):
        xlsxbase.set_width(ws, c, w)
    xlsxbase.protect(ws, PROTECTION_PASSWORD, allow_formatting=True)
    xlsxbase.page_setup(ws, "landscape", margins=MARGINS)

    help_ws = wb.add_worksheet("Инструкция")
    xlsxbase.set_width(help_ws, 0, 120)
    wrapped = formats.get(text_wrap=True, valign="top")
    for r, text in enumerate([
            f"Форма: {TITLE} за {year} год",
            f"Муниципальное образование: {municipality.name}",
            ("Срок представления: до " + format_date(due) + annual_deadline_note(subsidy)) if due
            else "Срок представления правилами не установлен",
            "Заполняются только ячейки, выделенные цветом: фактическое значение каждого результата (число в "
            "единицах графы 3, без текста и формул) и, если оно меньше планового (для результата, который "
            "должен уменьшаться, - больше), причина недостижения.",
            "Плановые значения и суммы средств заполнены по соглашению и принятому отчету за IV квартал; "
            "их изменить нельзя.",
            "Не изменяйте строки и скрытые листы: файл с измененной структурой не будет принят."]):
        help_ws.write_string(r, 0, text, wrapped)
        help_ws.set_row(r, 15 * max(1, -(-len(text) // 110)))
    xlsxbase.page_setup(help_ws, "portrait", margins=MARGINS)
    xlsxbase.protect(help_ws, PROTECTION_PASSWORD)

    identity = identity_of(subsidy, municipality.code, agreement, year)
    signed = filled.signed()
    id_ws = wb.add_worksheet(IDENTITY)
    key = secretkey.signing_key()
    rows = list(identity.items()) + [("prefilled", json.dumps(signed, sort_keys=True)), ("key_id", key.key_id),
                                     ("checksum", identity_checksum(identity, signed, key))]
    for r, (name, value) in enumerate(rows):
        id_ws.write_string(r, 0, name)
        id_ws.write_string(r, 1, str(value))
    id_ws.very_hidden()
    xlsxbase.protect(id_ws, PROTECTION_PASSWORD)
    stamp = _dt.datetime(year + 1, 1, 1)
    return xlsxbase.save(wb, buffer, title=TITLE, author="gosprog", created=stamp,
                         date_time=(stamp.year, stamp.month, stamp.day, 0, 0, 0),
                         structure_password=PROTECTION_PASSWORD)


def identity_of(subsidy: Subsidy, municipality: str, agreement: Agreement, year: int) -> dict:
    """The signed identity (the quarterly forms' keys, ``quarter`` 0: the year)."""
    identity = {"form": FORM_ID, "form_version": FORM_VERSION, "subsidy": subsidy.id, "municipality": municipality,
                "year": year, "quarter": ANNUAL_QUARTER, "agreement": agreement.number}
    assert tuple(identity) == IDENTITY_KEYS
    return identity


def _letter(key: str) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(COL[key])


def ref(key: str, row: int) -> str:
    """The cell reference of column ``key`` in sheet row ``row`` (1-based)."""
    return f"{_letter(key)}{row}"


def shown_value(value: Decimal) -> str:
    """A result's value Russian style, with the digits it has (12,5; 30); a value of 10^15 or more (beyond a
    spreadsheet's 15 digits) in powers of ten, as a spreadsheet shows it (1,0E+300)."""
    value = Decimal(value).normalize()
    if value.is_finite() and abs(value) >= Decimal("1e15"):
        return f"{value:.1E}".replace(".", ",")
    if value.as_tuple().exponent > 0:
        value = value.quantize(Decimal(1))
    return format_number(value, None)


def form_filename(subsidy: str, municipality: str, year: int) -> str:
    """``<subsidy>-<year>-god-<municipality>.xlsx``: the annual results form's file name."""
    return f"{subsidy}-{year}-god-{municipality}.xlsx"
