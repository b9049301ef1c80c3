"""Reading and checking a filled annual results form (:mod:`.forms`), for ``gosprog quarterly import``.

The quarterly importer recognises the form by its identity (form ``annual-results``) and hands the workbook
here (:func:`read_workbook`); :func:`check` then applies the checks that need the registry. Problems are
:class:`generator.quarterly.importer.Problem` in the accountant's words, like the quarterly forms'.
Recorded in the same registry with ``quarter`` 0 (:data:`.forms.ANNUAL_QUARTER`), so that the quarterly
queries (which always name a quarter 1-4) never see them.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal, InvalidOperation

from ..i18n import N_, _
from ..quarterly.importer import FormRejected, Problem, Reading, _identity_problem, _no_agreement, _outdated, \
    _verify_identity, clean_text, recipient_problem, shown_cell
from ..quarterly.forms import IDENTITY_KEYS, SHEET
from .forms import COL, COLUMNS, FIRST_RESULT_ROW, FORM_VERSION, HEADER_ROW, Prefill, form_results, identity_of, \
    ref, shown_value

MAX_VALUE = Decimal("1e12")
#: The longest reason of non-achievement kept (characters): about half a page of the analytic note.
MAX_REASON = 1000


def read_workbook(wb, raw: dict, subsidies) -> Reading:
    """A filled annual form's identity, values and cell-level problems (``raw``: its identity sheet as
    name -> text). Raises FormRejected for a form that is not ours, not signed by this installation,
    issued under another agreement, or whose structure was changed."""
    reading = Reading(identity=raw, kind="annual")
    if "prefilled" not in raw:
        raise _identity_problem(_("the service sheet of the form is damaged ({keys} missing)").format(keys="prefilled"))
    subsidy = subsidies.subsidies.get(raw["subsidy"])
    municipality = subsidies.municipalities.get(raw["municipality"])
    if subsidy is None or municipality is None or not raw["year"].isdigit():
        raise _identity_problem(_("the service sheet of the form was altered: unknown subsidy, municipality or "
                                  "period"))
    if raw["form_version"] != str(FORM_VERSION):
        raise _outdated(FORM_VERSION, raw["form_version"])
    year = int(raw["year"])
    agreement = subsidies.agreement(subsidy.id, municipality.code, year)
    if agreement is None:
        raise _no_agreement(year, municipality)
    try:
        signed = json.loads(raw["prefilled"])
        filled = Prefill.from_signed(signed)
    except (ValueError, TypeError, AttributeError, InvalidOperation):
        raise _identity_problem(_("the service sheet of the form was altered")) from None
    identity = identity_of(subsidy, municipality.code, agreement, year)
    if {k: str(v) for k, v in identity.items()} != {k: raw[k] for k in IDENTITY_KEYS}:
        raise _identity_problem(_("the service sheet of the form was altered: the form was issued under another "
                                  "agreement"))
    _verify_identity(raw, identity, signed, agreement)
    plan = {r.id: Decimal(str(agreement.results[r.id])) for r in subsidy.results if r.id in agreement.results}
    if plan != filled.plan:
        raise _identity_problem(_("the agreement's planned values were changed after the form was issued: download "
                                  "a new form"))
    if SHEET not in wb.sheetnames:
        raise FormRejected([Problem("STRUCTURE", _("there is no sheet «{sheet}»").format(sheet=SHEET), sheet=SHEET)])
    ws = wb[SHEET]
    results = form_results(subsidy, plan)
    problems = []
    # a column deleted or inserted shifts every value under it; a row, the results
    column_moved = N_("a column of the form was deleted, moved or renamed")
    line_moved = N_("a line of the form was deleted, moved or renamed")
    headers = [(ws.cell(row=HEADER_ROW, column=COL[key]), title, column_moved) for key, title, _width in COLUMNS]
    names = [(ws[ref("name", FIRST_RESULT_ROW + i)], result.name, line_moved) for i, result in enumerate(results)]
    for cell, expected, message in headers + names:
        if " ".join(_text(cell.value).split()) != " ".join(expected.split()):
            problems.append(Problem("STRUCTURE", _(message), SHEET,
                                    cell.coordinate, expected,
                                    str(cell.value)[:60] if cell.value is not None else _("an empty cell")))
    problems.extend(_changed_prefill(ws, results, filled))
    recipient = recipient_problem(ws, municipality)
    if recipient is not None:
        problems.append(recipient)
    if problems:
        raise FormRejected(problems)
    reading.values = {"money": dict(filled.money)}
    for i, result in enumerate(results):
        row = FIRST_RESULT_ROW + i
        place = _("line {number} «{name}»").format(number=i + 1, name=_short(result.name))
        where = dict(sheet=SHEET, place=place)
        reason = ws[ref("reason", row)]
        if reason.value is not None and str(reason.value).strip():
            text = str(reason.value).strip()
            if reason.data_type == "f" or text.startswith("="):
                reading.problems.append(Problem("FORMULA", _("the cell holds a formula instead of text"),
                                                cell=reason.coordinate, found=f"«{text[:60]}»",
                                                todo=_("Type the text itself into the cell."), **where))
            elif len(clean_text(text)) > MAX_REASON:
                reading.problems.append(Problem(
                    "LONG", _("the reason is {length} characters long; at most {limit} are kept").format(
                        length=len(clean_text(text)), limit=MAX_REASON), cell=reason.coordinate,
                    todo=_("Shorten the reason to {limit} characters (about half a page).").format(
                        limit=MAX_REASON), **where))
            else:
                reading.texts.setdefault("reasons", {})[result.id] = clean_text(text)
        cell = ws[ref("fact", row)]
        value = cell.value
        where["cell"] = cell.coordinate
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if cell.data_type == "f" or (isinstance(value, str) and value.strip().startswith("=")):
            reading.problems.append(Problem(
                "FORMULA", _("the cell holds a formula instead of the value of the result"),
                found=f"«{shown_cell(value)}»", todo=_("Type the value itself, without a formula."), **where))
            continue
        try:
            if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
                raise InvalidOperation
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
            if isinstance(value, float) and not math.isfinite(value):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            reading.problems.append(Problem(
                "TEXT", _("the value of the result is not a number"), found=f"«{shown_cell(value)}»",
                todo=_("Type the actual value as a number in the unit of column 3 ({unit}), for example "
                       "{example}.").format(unit=result.unit, example=shown_value(filled.plan[result.id])),
                **where))
            continue
        if number.is_finite() and len(number.as_tuple().digits) > 15:     # a spreadsheet's double, as shown
            from decimal import Context
            number = Context(prec=15).create_decimal(number)
        if result.unit == "%" and "%" in (cell.number_format or ""):
            number = number * 100        # "25%" typed into the cell: the spreadsheet keeps 0.25 shown as 25 %
        if number < 0:
            reading.problems.append(Problem(
                "NEGATIVE", _("the value of the result is negative"), found=shown_value(number),
                todo=_("Type the actual value reached in the year: 0 or more."), **where))
            continue
        if number >= MAX_VALUE:
            reading.problems.append(Problem(
                "VALUE", _("the value of the result is impossibly large"), found=shown_value(number),
                todo=_("Type the actual value in the unit of column 3 ({unit}).").format(unit=result.unit),
                **where))
            continue
        if result.whole and number != number.to_integral_value():
            # a count of camps, dwellings (subsidies.yaml: whole, with why where the act does not say it)
            reading.problems.append(Problem(
                "VALUE", _("the result is counted in whole units ({unit}), the value is not a whole number").format(
                    unit=result.unit), found=shown_value(number),
                todo=_("Type how many were reached, a whole number."), **where))
            continue
        if result.at_most is not None and number > result.at_most:
            # a share of a whole cannot exceed all of it (subsidies.yaml: at_most 100, with why)
            reading.problems.append(Problem(
                "VALUE", _("the result cannot be more than {most} {unit}").format(
                    most=shown_value(result.at_most), unit=result.unit), found=shown_value(number),
                todo=_("Type the value reached, from 0 to {most} {unit}.").format(
                    most=shown_value(result.at_most), unit=result.unit), **where))
            continue
        reading.values.setdefault("results", {})[result.id] = number.normalize() if number else Decimal(0)
    return reading


def _changed_prefill(ws, results, filled: Prefill) -> list[Problem]:
    """The locked cells whose shown value is no longer the signed one (the sheet's protection removed and a
    plan value or the year's money retyped): each a STRUCTURE problem at its cell. The signed values are the
    ones used; a changed cell would mislead whoever reads the file, so the form is refused."""
    from .forms import MONEY_ROWS, money_row
    cells = [(ref("plan", FIRST_RESULT_ROW + i), filled.plan[r.id]) for i, r in enumerate(results)]
    cells += [(f"{ref('plan', money_row(i, len(results)))}", filled.money.get(key))
              for i, (key, _label) in enumerate(MONEY_ROWS)]
    problems = []
    for coordinate, signed in cells:
        shown = ws[coordinate].value
        if signed is None:              # no accepted IV-quarter report when the form was issued: "-" printed
            same = isinstance(shown, str) and shown.strip() == "-"
        else:
            try:
                same = not isinstance(shown, bool) and Decimal(str(shown)) == Decimal(signed)
            except (InvalidOperation, ValueError, TypeError):
                same = False
        if not same:
            problems.append(Problem(
                "STRUCTURE", _("a pre-filled value of the form was changed"), SHEET, coordinate,
                shown_value(Decimal(signed)) if signed is not None else "-",
                str(shown)[:60] if shown is not None else _("an empty cell"),
                todo=_("Do not change the locked cells: ask the department for a new form if its figures are "
                       "wrong.")))
    return problems


def achieved(result, plan: Decimal, fact: Decimal) -> bool:
    """Whether ``fact`` reaches ``plan`` for a result whose value should rise (``direction`` increase: fact
    not below plan) or fall (decrease: fact not above plan)."""
    return fact <= plan if result.direction == "decrease" else fact >= plan


def check(reading: Reading, subsidies, registry) -> list[Problem]:
    """The checks of a read annual form that need the data or the registry: nothing typed (EMPTY), a result
    without its actual value (MISSING), a result not achieved without its reason (REASON), and money
    pre-filled from an IV-quarter report that is no longer the accepted one (STALE)."""
    from .registry import year_money
    subsidy_id, municipality, year, _q = reading.period()
    subsidy = subsidies.subsidies[subsidy_id]
    filled = Prefill.from_signed(json.loads(reading.identity["prefilled"]))
    results = form_results(subsidy, filled.plan)
    values = reading.values.get("results", {})
    reasons = reading.texts.get("reasons", {})
    if not values and not reasons:
        return [Problem("EMPTY", _("the form is not filled in: no actual value of a result is typed in the cells "
                                   "to fill in (the yellow ones)"),
                        todo=_("Type the actual value of each result into the yellow cells (and, for a result not "
                               "achieved, its reason), save the file and send it again."))]
    problems = []
    for i, result in enumerate(results):
        row = FIRST_RESULT_ROW + i
        where = dict(sheet=SHEET, place=_("line {number} «{name}»").format(number=i + 1, name=_short(result.name)))
        fact = values.get(result.id)
        if fact is None:
            problems.append(Problem("MISSING", _("the actual value of the result is not given"),
                                    cell=ref("fact", row),
                                    todo=_("Type the actual value reached in the year (0 if the result was not "
                                           "reached at all)."), **where))
            continue
        plan = filled.plan[result.id]
        if not achieved(result, plan, fact) and not reasons.get(result.id):
            problems.append(Problem(
                "REASON", _("the result is not achieved, but the reason is not given"), cell=ref("reason", row),
                expected=_("plan {plan} {unit}").format(plan=shown_value(plan), unit=result.unit),
                found=_("actual {fact} {unit}").format(fact=shown_value(fact), unit=result.unit),
                todo=_("Write in column 6 why the planned value was not reached."), **where))
    current = year_money(subsidies, registry, subsidy_id, year).get(municipality)
    if filled.money and (current is None or (current.received, current.used) !=
                         (filled.money.get("received"), filled.money.get("used"))):
        problems.append(Problem(
            "STALE", _("the money on the form is not that of the accepted report for the IV quarter (a corrected "
                       "report was accepted after the form was issued)"),
            todo=_("Ask the department for a new form, copy the values into it and send it again.")))
    return problems


def figures(reading: Reading) -> dict:
    """What the registry keeps of an accepted annual form: ``results`` (result id -> actual value) and
    ``money`` (the pre-filled received/used/unused, rubles; empty without an accepted IV-quarter report)."""
    return {"results": dict(reading.values.get("results", {})), "money": dict(reading.values.get("money", {}))}


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _short(name: str, limit: int = 60) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"
