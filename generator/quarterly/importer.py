"""Read a filled-in report form and check it: identity, structure, values and control relations.

Every problem is located (sheet, cell, expected vs found) and worded so that it can
be sent back to the municipality as it is. Nothing in the file is executed: formulas
in input cells are refused, macros are refused, and the file's size, zip directory and
XML element counts are checked before it is opened (:mod:`.xlsxread`). The identity is
accepted only with a valid HMAC under this installation's key (:mod:`.secretkey`).
"""

from __future__ import annotations

import datetime as _dt
import hmac
import math
from dataclasses import dataclass, field
import re
from decimal import ROUND_CEILING, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Optional

from ..i18n import N_, _
from ..numbers import format_number
from . import expr, secretkey, xlsxread
from .forms import IDENTITY, IDENTITY_KEYS, RECIPIENT_ROW, SHEET, FormLayout, identity_payload, prefill_values
from .load import SubsidyData
from .xlsxread import MAX_CELLS, MAX_ENTRIES, MAX_FILE_BYTES, MAX_UNPACKED_BYTES  # noqa: F401  (limits)


@dataclass
class Problem:
    """One problem of a received file. ``code`` is the stable rule id (F01, Q04, TEXT, YTD ...) for programs
    and tests; it is never part of the text. ``message`` says what is wrong in the accountant's words (the
    line and column as printed on the form are in ``place``), ``expected``/``found`` are shown Russian style,
    ``todo`` says what to do. ``str()`` is the whole text as it goes back to the municipality, into the
    protocol and into the consolidated report."""

    code: str
    message: str
    sheet: str | None = None
    cell: str | None = None
    expected: str | None = None
    found: str | None = None
    place: str | None = None
    todo: str | None = None

    def __str__(self) -> str:
        where = self.place or ""
        if self.sheet and self.cell and self.sheet != IDENTITY:
            cell = _("cell {cell} of sheet «{sheet}»").format(cell=self.cell, sheet=self.sheet)
            where = f"{where} ({cell})" if where else cell[:1].upper() + cell[1:]
        text = f"{where}: {self.message}" if where else self.message
        details = []
        if self.expected is not None:
            details.append(_("required: {value}").format(value=self.expected))
        if self.found is not None:
            details.append(_("in the file: {value}").format(value=self.found))
        if details:
            text += " (" + "; ".join(details) + ")"
        text = text.rstrip(".") + "."
        if self.todo:
            text += " " + self.todo + ("" if self.todo.endswith(".") else ".")
        return text

    def as_finding(self, file=None):
        """This problem as a :class:`generator.findings.Finding` of the uploaded ``file`` (rule: the problem's
        code, field: ``sheet!cell``, figures: what was expected and found)."""
        from ..findings import Finding
        field = f"{self.sheet}!{self.cell}" if self.sheet and self.cell else self.sheet
        figures = {k: v for k, v in (("expected", self.expected), ("found", self.found)) if v is not None}
        return Finding(self.message, file, field=field, rule=self.code, figures=figures)


def rubles(value) -> str:
    """An amount as the accountant writes it: ``Decimal('100')`` → ``100,00 руб.`` (Russian digits, kopecks)."""
    return _("{amount} rub.").format(amount=format_number(Decimal(value), 2))


def place(spec, row_key: str | None, col_key: str | None) -> str | None:
    """The line and column of a form as printed on it: «строка «Субсидия из областного бюджета», графа
    «Израсходовано»»; lines of a form with numbered lines are «строка 2»; the total line by its label."""
    if row_key is None and col_key is None:
        return None
    line = None
    if row_key is not None:
        fixed = next((r for r in spec.rows if r.key == row_key), None)
        if fixed is not None:
            line = _("line «{label}»").format(label=fixed.label)
        elif row_key == "total":
            line = _("line «{label}»").format(label=spec.total_label)
        elif row_key.startswith("r") and row_key[1:].isdigit():
            line = _("line {number}").format(number=row_key[1:])
    column = None
    if col_key is not None:
        try:
            column = _("column «{name}»").format(name=spec.column(col_key).name)
        except (KeyError, StopIteration, ValueError):
            column = None
    text = ", ".join(t for t in (line, column) if t)
    return text[:1].upper() + text[1:] if text else None


@dataclass
class Reading:
    """What a form says, once read: its identity and values, and the problems found."""

    identity: dict = field(default_factory=dict)
    values: dict[str, dict[str, Decimal]] = field(default_factory=dict)   # row → column → value
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    kind: str = "quarterly"            # or "annual": the annual results form (generator.annual.intake)

    @property
    def ok(self) -> bool:
        return not self.problems

    def period(self) -> tuple[str, str, int, int] | None:
        try:
            i = self.identity
            return i["subsidy"], i["municipality"], int(i["year"]), int(i["quarter"])
        except (KeyError, ValueError, TypeError):
            return None


class FormRejected(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def read(data: bytes, subsidies: SubsidyData) -> Reading:
    """Read a form's identity and values. Raises :class:`FormRejected` when the file is not a readable form
    of ours (limits, package, identity, structure); cell-level problems are in ``Reading.problems``.
    Never raises anything else for any content of ``data`` (a failure of the reader is a [FILE] refusal)."""
    try:
        return _read(data, subsidies)
    except xlsxread.ReadError as exc:
        raise FormRejected([Problem(exc.code, exc.message)]) from None


def _read(data: bytes, subsidies: SubsidyData) -> Reading:
    xlsxread.inspect(data)                           # limits before anything is built
    wb = xlsxread.load(data)
    try:
        _check_numbers(wb)
        return _read_workbook(wb, subsidies)
    except (FormRejected, secretkey.SecretKeyError):     # the installation's key problem is not the file's
        raise
    except Exception as exc:                         # the workbook object did something unexpected
        raise xlsxread.ReadError(_("the file could not be read as a form; open it in Excel or LibreOffice and "
                                   "{save_as}").format(save_as=xlsxread.save_as())) from None


def _check_numbers(wb) -> None:
    """A number no spreadsheet program can write (1E+1000000 is read as infinity) anywhere in the workbook
    means the file was made or edited by other means: a [FILE] refusal located at the cell, before the
    identity is looked at."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, float) and not math.isfinite(value):
                    raise FormRejected([Problem("FILE", _("the cell holds a number that Excel workbooks never hold "
                                                          "(an overflow): the file was altered"), ws.title,
                                                cell.coordinate, _("a number"), str(value))])


def _identity_problem(message: str) -> FormRejected:
    return FormRejected([Problem("IDENTITY", message, sheet=IDENTITY)])


def _no_agreement(year: int, municipality) -> FormRejected:
    """A form (quarterly or annual) naming a year and municipality without an agreement for its subsidy."""
    return _identity_problem(_("there is no agreement of {year} on this subsidy with the municipality "
                               "«{municipality}»").format(year=year, municipality=municipality.name))


def _outdated(expected, found: str) -> FormRejected:
    """A form (quarterly or annual) of another version than the one issued now."""
    return FormRejected([Problem("VERSION", _("the form is of an outdated version: download the current form"),
                                 expected=str(expected), found=found)])


def _read_workbook(wb, subsidies: SubsidyData) -> Reading:
    reading = Reading()
    if IDENTITY not in wb.sheetnames:
        raise FormRejected([Problem("IDENTITY", _("the file has no service sheet of the form: the file was not made "
                                                  "by gosprog or the sheet was deleted; use the form you were "
                                                  "issued"))])
    ident = wb[IDENTITY]
    raw = {}
    for row in ident.iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
        if len(row) == 2 and row[0] is not None:
            raw[str(row[0])] = "" if row[1] is None else str(row[1])
    reading.identity = raw
    needed = (*IDENTITY_KEYS, "checksum")
    missing = [k for k in needed if k not in raw]
    if missing:
        raise _identity_problem(_("the service sheet of the form is damaged ({keys} missing)").format(
            keys=", ".join(missing)))
    from ..annual.forms import FORM_ID as ANNUAL_FORM
    if raw["form"] == ANNUAL_FORM:
        from ..annual.intake import read_workbook
        return read_workbook(wb, raw, subsidies)
    subsidy = subsidies.subsidies.get(raw["subsidy"])
    municipality = subsidies.municipalities.get(raw["municipality"])
    if subsidy is None or municipality is None or not raw["year"].isdigit() or not raw["quarter"].isdigit():
        raise _identity_problem(_("the service sheet of the form was altered: unknown subsidy, municipality or "
                                  "period"))
    year, quarter = int(raw["year"]), int(raw["quarter"])
    spec = subsidies.forms.get(raw["form"])
    if spec is None or spec.id != subsidy.form:
        raise _identity_problem(_("the form {form} does not belong to the subsidy {subsidy}").format(
            form=xlsxread.quoted(raw["form"]), subsidy=xlsxread.quoted(subsidy.id)))
    if str(spec.version) != raw["form_version"]:
        raise _outdated(spec.version, raw["form_version"])
    agreement = subsidies.agreement(subsidy.id, municipality.code, year)
    if agreement is None:
        raise _no_agreement(year, municipality)
    identity = {k: raw[k] for k in IDENTITY_KEYS}
    identity["form_version"], identity["year"], identity["quarter"] = spec.version, year, quarter
    prefilled = prefill_values(spec, agreement)
    _verify_identity(raw, identity, prefilled, agreement)
    if SHEET not in wb.sheetnames:
        raise FormRejected([Problem("STRUCTURE", _("there is no sheet «{sheet}»").format(sheet=SHEET), sheet=SHEET)])
    ws = wb[SHEET]
    if (ws.max_row or 0) * (ws.max_column or 0) > MAX_CELLS:
        raise FormRejected([Problem("STRUCTURE", _("the sheet declares {rows} rows and {columns} columns: the form "
                                                   "was altered").format(rows=ws.max_row, columns=ws.max_column),
                                    sheet=SHEET)])
    layout = FormLayout(spec)
    _check_structure(ws, layout, reading, year)
    recipient = recipient_problem(ws, municipality)
    if recipient is not None:
        reading.problems.append(recipient)
    if reading.problems:
        raise FormRejected(reading.problems)
    _read_values(ws, layout, reading, prefilled)
    return reading


def recipient_problem(ws, municipality) -> Problem | None:
    """The problem of a form sheet ``ws`` whose title (row :data:`.forms.RECIPIENT_ROW`, as the quarterly and the
    annual forms print it) names another municipality than ``municipality``, the one of its signed service data;
    None when it names that one. A form whose hidden service sheet was copied, signature and all, from the form of
    another municipality was recorded as that municipality's report while every person reading it saw the first
    one's name (found by a tester)."""
    cell = ws.cell(row=RECIPIENT_ROW, column=1)
    if _text(cell.value) == municipality.name:
        return None
    return Problem("IDENTITY", _("the form's title names another municipality than its service data"), sheet=ws.title,
                   cell=cell.coordinate, expected=municipality.name,
                   found=xlsxread.quoted(_text(cell.value)) if cell.value else None,
                   todo=_("Send the form issued to your municipality, without changes."))


#: The refusal of a form whose signed identity does not verify (translated where shown: ``_(SIGNATURE)``).
SIGNATURE = N_("the signature of the form's service data does not match: a form can only be submitted by the "
               "municipality it was issued to, for the period it was issued for; use the form you were issued "
               "without changes")


def _verify_identity(raw: dict, identity: dict, prefilled: dict, agreement) -> None:
    """The identity's HMAC under one of the installation's keys (:mod:`.secretkey`); raises FormRejected."""
    key_id = raw.get("key_id", "")
    if not key_id:
        raise _identity_problem(_("the form was issued before forms were signed (it has no signing key): download "
                                  "and fill in a new form"))
    keys = secretkey.keys(create=False)
    if not keys:
        raise _identity_problem(_("this installation has no signing key for forms ({path}): forms are issued and "
                                  "accepted with one key (see docs/quarterly-key.md)").format(
            path=secretkey.key_path()))
    key = next((k for k in keys if hmac.compare_digest(k.key_id, key_id)), None)
    if key is None:
        raise _identity_problem(_("the form is signed with a key this installation does not have (it was issued by "
                                  "another gosprog installation or before the key was changed): download and fill "
                                  "in a new form"))
    payload = identity_payload(identity, {r: {c: str(v) for c, v in cols.items()} for r, cols in prefilled.items()})
    if not key.verify(payload, raw["checksum"]) or raw["agreement"] != agreement.number:
        raise _identity_problem(_(SIGNATURE))


def _check_structure(ws, layout: FormLayout, reading: Reading, year: int) -> None:
    spec = layout.spec
    # forms issued before the year was printed in their header ("на 20__ год") are still accepted
    blank = {(row, col): text for row, col, _rowspan, _colspan, text in layout.header_cells()}
    for row, col, rowspan, colspan, text in layout.header_cells(year):
        value = ws.cell(row=row, column=col).value
        if _text(value) not in (text, blank[(row, col)]):
            reading.problems.append(Problem("STRUCTURE", _("the form's header was changed"), SHEET,
                                            ws.cell(row=row, column=col).coordinate, text, str(value)))
    body = range(layout.body_row, layout.last_row + 1)
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= body.stop - 1 and merged.max_row >= body.start:
            reading.problems.append(Problem("STRUCTURE", _("cells of the table are merged: the form's lines were "
                                                           "changed"), SHEET, str(merged)))
    label_col = next((c for c in spec.columns if c.role == "label"), None)
    if label_col is not None:
        for row in spec.rows:
            cell = ws.cell(row=layout.row_of(row.key), column=layout.col_of(label_col.key))
            if _text(cell.value) != row.label:
                reading.problems.append(Problem("STRUCTURE", _("a line of the form was deleted, moved or renamed"),
                                                SHEET, cell.coordinate, row.label, str(cell.value)))
    if not spec.rows:
        number_col = next((c for c in spec.columns if c.role == "number"), None)
        if number_col is not None:
            cell = ws.cell(row=layout.last_row, column=layout.col_of(number_col.key))
            if _text(cell.value) != spec.total_label:
                reading.problems.append(Problem("STRUCTURE", _("lines were added to or deleted from the form"), SHEET,
                                                cell.coordinate, spec.total_label, str(cell.value)))


def _shown(value) -> str:
    """A cell's value as the person would read it (1e+30, not 1E+30; a decimal comma)."""
    return (format(value, "g") if isinstance(value, (Decimal, float)) else str(value)[:60]).replace(".", ",")


def _text(value) -> str:
    """A cell's text whatever the cell holds (a number where a label belongs, None)."""
    return "" if value is None else str(value).strip()


_EXCEL_PRECISION = Context(prec=15)
_DATES = (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)


def shown_cell(value) -> str:
    """A cell's value as the accountant saw it in the spreadsheet, for "в файле: «…»": a logical value as
    Excel in the interface language shows it (ИСТИНА, ЛОЖЬ; TRUE, FALSE), a date as 31.12.2021, anything else
    as its text (60 characters)."""
    if isinstance(value, bool):
        return _("TRUE") if value else _("FALSE")
    if isinstance(value, _dt.datetime) and value.time() == _dt.time():
        value = value.date()
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value.strftime("%d.%m.%Y")
    return str(value)[:60]


def _decimal(value) -> Decimal:
    """A number read by openpyxl as the value a person typed: spreadsheets keep doubles and write them with
    up to 17 significant digits (82021.9 may be saved as 82021.899999999994); they show and mean 15."""
    if isinstance(value, bool):
        raise InvalidOperation
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if number.is_finite() and len(number.as_tuple().digits) > 15:
        number = _EXCEL_PRECISION.create_decimal(number)
    return number


def clean_text(text: str) -> str:
    """A text cell as typed: line breaks (LF, CR, CR LF and the vertical tab that spreadsheet programs store
    as ``_x000b_``) become LF; a tab is a space (the documents print no tab stops: the PDF would join the words
    on either side); other control characters, which cannot be printed, are dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n").replace("\t", " ")
    return "".join(ch for ch in text if ch == "\n" or (ord(ch) >= 32 and not 0x7f <= ord(ch) < 0xa0))


def _read_values(ws, layout: FormLayout, reading: Reading, prefilled: dict) -> None:
    spec = layout.spec
    for row_key, col_key in layout.input_cells():
        cell = ws.cell(row=layout.row_of(row_key), column=layout.col_of(col_key))
        column = spec.column(col_key)
        value = cell.value
        where = dict(sheet=SHEET, cell=cell.coordinate, place=place(spec, row_key, col_key))
        if column.role == "text":
            if value is not None:
                text = str(value).strip()
                if cell.data_type == "f" or text.startswith("="):
                    reading.problems.append(Problem(
                        "FORMULA", _("the cell holds a formula instead of text"), found=xlsxread.quoted(text),
                        todo=_("Type the text itself into the cell."), **where))
                    continue
                reading.texts.setdefault(row_key, {})[col_key] = clean_text(text)[:500]
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if cell.data_type == "f" or (isinstance(value, str) and value.strip().startswith("=")):
            reading.problems.append(Problem(
                "FORMULA", _("the cell holds a formula instead of an amount"), found=xlsxread.quoted(str(value)),
                todo=_("Type the amount itself in rubles with kopecks, without a formula."), **where))
            continue
        if isinstance(value, str):
            reading.problems.append(Problem(
                "TEXT", _("text instead of an amount"), found=xlsxread.quoted(value),
                todo=_("Type the amount in figures, in rubles with kopecks (for example 100 000,00); type 0 "
                       "if nothing was received or spent."), **where))
            continue
        if isinstance(value, _DATES):
            reading.problems.append(Problem(
                "TEXT", _("a date or time instead of an amount"), found=xlsxread.quoted(shown_cell(value)),
                todo=_("Type the amount in rubles with kopecks; set the cell's format to «Number»."), **where))
            continue
        try:
            number = _decimal(value)
        except (InvalidOperation, ValueError, TypeError):
            reading.problems.append(Problem(
                "TEXT", _("the value is not a number"), found=xlsxread.quoted(shown_cell(value)),
                todo=_("Type the amount in rubles with kopecks."), **where))
            continue
        if not number.is_finite() or abs(number) >= Decimal("1e13"):
            reading.problems.append(Problem(
                "VALUE", _("the amount is impossibly large"), found=_shown(value),
                todo=_("Type the amount in rubles with kopecks, as in the accounts."), **where))
            continue
        if number < 0:
            reading.problems.append(Problem(
                "NEGATIVE", _("the amount is negative"), found=_ru(number),
                todo=_("Amounts are never negative: type the amount received or spent from the start of the "
                       "year; a refund is reported in the notes to the report."), **where))
            continue
        if number != number.quantize(Decimal("0.01")):
            reading.problems.append(Problem(
                "KOPECKS", _("more than two digits after the decimal comma"), found=_ru(number),
                todo=_("Amounts are in rubles with kopecks: round to two digits after the comma (for example "
                       "{example})."). format(example=rubles(number.quantize(Decimal("0.01")))), **where))
            continue
        reading.values.setdefault(row_key, {})[col_key] = number.quantize(Decimal("0.01"))
    for row_key, cols in prefilled.items():
        for col_key, value in cols.items():
            reading.values.setdefault(row_key, {})[col_key] = value


def _ru(number: Decimal) -> str:
    """A number exactly as found, Russian style (all its digits: 90 000,123)."""
    shown = number.normalize()
    if shown.as_tuple().exponent > 0:
        shown = shown.quantize(Decimal(1))
    return format_number(shown, None)


def complete(reading: Reading, spec) -> dict[str, dict[str, Decimal]]:
    """Values with empty inputs as 0, computed columns and sum rows filled in: the figures of the report."""
    layout = FormLayout(spec)
    values = {r: dict(c) for r, c in reading.values.items()}
    keys = [k for k in layout.row_keys() if not (k == "total" and not spec.rows)]
    money_cols = [c.key for c in spec.columns if c.role in ("input", "prefill", "computed")]
    for row_key in keys:
        row_values = values.setdefault(row_key, {})
        for col in money_cols:
            if spec.column(col).role in ("input", "prefill"):
                row_values.setdefault(col, Decimal("0.00"))
    for row_key in keys:
        for column in spec.columns:
            if column.role == "computed" and column.formula:
                result = expr.evaluate(column.formula, lambda name, rk=row_key: values[rk].get(name))
                if result is not None:
                    values[row_key][column.key] = Decimal(result).quantize(Decimal("0.01"))
    sums = {r.key: r.sum_of for r in spec.rows if r.sum_of}
    if not spec.rows:
        sums["total"] = [k for k in layout.row_keys() if k != "total"]
    for row_key, parts in sums.items():
        values[row_key] = {col: sum((values.get(p, {}).get(col, Decimal(0)) for p in parts), Decimal("0.00"))
                           for col in money_cols}
    return values


def check(reading: Reading, spec, agreement, previous: Optional[dict] = None,
          values: Optional[dict] = None) -> list[Problem]:
    """The form's control relations and the year-to-date rule against the previous quarter
    (``values``: the completed figures, when the caller has them already)."""
    values = values if values is not None else complete(reading, spec)
    layout = FormLayout(spec)
    problems: list[Problem] = []
    fields = {"subsidy": agreement.subsidy_amount, "local": agreement.local_amount, "level": agreement.level}
    row_keys = [k for k in values if k != "total"] if not spec.rows else list(values)
    filled_rows = [k for k in row_keys if k != "total" and (reading.values.get(k) or reading.texts.get(k))]
    for check_ in spec.checks:
        per_row = "row." in check_.expr
        targets = filled_rows if per_row else [None]
        for target in targets:
            def lookup(name: str, target=target):
                head, _sep, tail = name.partition(".")
                if head == "agreement":
                    return fields.get(tail)
                if head == "row":
                    return values.get(target, {}).get(tail)
                return values.get(head, {}).get(tail)
            result = expr.evaluate(check_.expr, lookup)
            if result is False:
                cells = expr.names(check_.expr)
                shown = [n for n in cells if not n.startswith("agreement.")]
                first = shown[0].split(".") if shown else None
                coordinate = where = None
                if first:
                    row_key = target if first[0] == "row" else first[0]
                    if row_key in layout.row_keys():
                        coordinate = layout.ref(row_key, first[1])
                        where = place(spec, row_key, None if per_row or len(shown) > 1 else first[1])
                explain = explain_check(check_, spec, lookup, target)
                problems.append(Problem(check_.id, f"{check_.message}: {explain}", SHEET, coordinate,
                                        place=where, todo=check_.todo))
    if previous:
        inputs = {row for row, _col in layout.input_cells()}
        for row_key, cols in previous.items():
            if row_key not in inputs:
                continue                       # sum rows follow from their parts
            for col_key in spec.cumulative:
                old = cols.get(col_key)
                new = values.get(row_key, {}).get(col_key)
                if old is not None and new is not None and new < old:
                    ref = layout.ref(row_key, col_key) if row_key in layout.row_keys() else None
                    problems.append(Problem(
                        "YTD", _("the amount from the start of the year is less than in the accepted report for "
                                 "the previous quarter"), SHEET, ref,
                        expected=_("not less than {old}").format(old=rubles(old)), found=rubles(new),
                        place=place(spec, row_key, col_key),
                        todo=_("The report is cumulative from the start of the year: type the total from 1 "
                               "January.")))
    return problems


_PLACEHOLDER = re.compile(r"\{([^{}|]+)(?:\|(money|money_up|percent))?\}")
_AGREEMENT = {"agreement.subsidy": N_("the subsidy under the agreement"),
              "agreement.local": N_("the local budget's share under the agreement"),
              "agreement.level": N_("the co-financing level under the agreement")}


def explain_check(check_, spec, lookup, target=None) -> str:
    """The figures of a failed check in words: the check's ``explain`` text with its ``{expression|kind}``
    placeholders evaluated and printed Russian style; without one, each cell the check reads, named by
    its line and column, with its value."""
    def shown(value, kind: str) -> str:
        if value is None:
            return "-"
        if kind == "percent":
            return format_number(Decimal(value).normalize(), None) + " %"
        if kind == "money_up":
            value = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
        return rubles(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    if check_.explain:
        return _PLACEHOLDER.sub(lambda m: shown(expr.evaluate(m.group(1).strip(), lookup), m.group(2) or "money"),
                                check_.explain)
    parts = []
    for name in expr.names(check_.expr):
        if name in _AGREEMENT:
            label = _(_AGREEMENT[name])
        else:
            row_key, _sep, col_key = name.partition(".")
            label = (place(spec, target if row_key == "row" else row_key, col_key) or "").lower()
        kind = "percent" if name == "agreement.level" else "money"
        parts.append(f"{label} {shown(lookup(name), kind)}")
    return "; ".join(parts)
