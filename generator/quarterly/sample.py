"""The demonstration loop on sample data: municipalities "fill in" their forms from the sample
submissions (``subsidies/sample/submissions-YEAR.yaml``), as a person would in Excel, and the
department imports them. Used by ``gosprog quarterly demo`` and the tests; the figures are sample data."""

from __future__ import annotations

import datetime as _dt
import io
import zipfile

from openpyxl import load_workbook
from openpyxl.writer.excel import ExcelWriter

from ..writers._files import reproducible_zip

from .forms import SHEET, FormLayout
from .schema import FormSpec, SampleSubmission


def fill(form: bytes, spec: FormSpec, entry: SampleSubmission) -> bytes:
    """Type the entry's values into the form's input cells and save, as a municipality would."""
    wb = load_workbook(io.BytesIO(form))
    ws = wb[SHEET]
    layout = FormLayout(spec)
    if spec.rows:
        for row_key, cols in entry.values.items():
            for col_key, value in cols.items():
                ws[layout.ref(row_key, col_key)].value = value if isinstance(value, str) else float(value)
    else:
        for index, row in enumerate(entry.rows[: spec.repeat]):
            row_key = f"r{index + 1}"
            for col_key, value in row.items():
                cell = ws[layout.ref(row_key, col_key)]
                if spec.column(col_key).role == "text":
                    cell.value = str(value)
                    cell.data_type = "s"
                else:
                    cell.value = float(value)
    # the same entry gives the same bytes (a re-run of the demo re-imports identical files: nothing changes)
    stamp = _dt.datetime(entry.submitted.year, entry.submitted.month, entry.submitted.day)
    wb.properties.created = wb.properties.modified = stamp
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    return reproducible_zip(out.getvalue(), (stamp.year, stamp.month, stamp.day, 0, 0, 0))


def fill_annual(form: bytes, subsidy, plan: dict, values: dict, reasons: dict, submitted: _dt.date) -> bytes:
    """Type the actual values (result id → number) and reasons (result id → text) into an annual results
    form (:mod:`generator.annual.forms`), as a municipality would, and save reproducibly (same input, same
    bytes)."""
    from ..annual.forms import FIRST_RESULT_ROW, form_results, ref
    wb = load_workbook(io.BytesIO(form))
    ws = wb[SHEET]
    for i, result in enumerate(form_results(subsidy, plan)):
        row = FIRST_RESULT_ROW + i
        if result.id in values:
            value = values[result.id]
            ws[ref("fact", row)].value = int(value) if value == int(value) else float(value)
        if reasons.get(result.id):
            ws[ref("reason", row)].value = reasons[result.id]
            ws[ref("reason", row)].data_type = "s"
    stamp = _dt.datetime(submitted.year, submitted.month, submitted.day)
    wb.properties.created = wb.properties.modified = stamp
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    return reproducible_zip(out.getvalue(), (stamp.year, stamp.month, stamp.day, 0, 0, 0))
