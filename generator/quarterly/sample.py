"""The demonstration loop on sample data: municipalities "fill in" their forms from the sample
submissions (``subsidies/sample/submissions-YEAR.yaml``), as a person would in Excel, and the
department imports them. Used by ``gosprog quarterly demo`` and the tests; the figures are sample data."""

from __future__ import annotations

import io

from openpyxl import load_workbook

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
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
