"""The quarterly forms are written through the one XLSX layer (generator/writers/xlsxbase.py) the documents use:
reproducible bytes, the workbook structure locked under the forms' password, A4 landscape page setup with the
department's margins and print titles, column widths as the spec gives them, and formulas carrying the values
they compute, so a reader that does not recalculate (pandas, openpyxl ``data_only``) sees the pre-filled totals."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pandas
from openpyxl import load_workbook
from openpyxl.utils.protection import hash_password

from generator.quarterly.forms import PROTECTION_PASSWORD, FormLayout, generate
from generator.writers import xlsxbase

YEAR = 2021
SHEET = "Отчет"


def _form(data, subsidy="camps", municipality="babaevsky", quarter=2, previous=None) -> bytes:
    return generate(data.form_of(subsidy), data.subsidies[subsidy], data.municipalities[municipality],
                    data.agreement(subsidy, municipality, YEAR), YEAR, quarter, previous, sample=True)


def test_same_inputs_give_the_same_bytes(data):
    previous = {"regional": {"received": D("1000.50"), "used": D("200.25")}}
    first = _form(data, previous=previous)
    assert first == _form(data, previous=previous)
    assert first != _form(data)                      # the previous quarter's figures are in the bytes


def test_non_recalculating_readers_see_the_prefilled_totals(data):
    agreement = data.agreement("camps", "babaevsky", YEAR)
    previous = {"regional": {"received": D("1000.50"), "used": D("200.25")},
                "local": {"received": D("10"), "used": D("5")}}
    content = _form(data, previous=previous)
    formulas = load_workbook(io.BytesIO(content))[SHEET]
    cached = load_workbook(io.BytesIO(content), data_only=True)[SHEET]
    assert formulas["B14"].value == "=SUM(B11:B13)" and formulas["E11"].value == "=C11 - D11"
    assert D(str(cached["B14"].value)) == agreement.subsidy_amount + agreement.local_amount == D("977575.18")
    assert [D(str(cached[f"E{r}"].value)) for r in (11, 12, 13, 14)] == [D("800.25"), D("5"), D("0"), D("805.25")]
    assert D(str(cached["C14"].value)) == D("1010.50")
    frame = pandas.read_excel(io.BytesIO(content), sheet_name=SHEET, header=None)
    assert round(D(str(frame.iloc[13, 1])), 2) == D("977575.18")            # row 14, column B
    assert round(D(str(frame.iloc[13, 4])), 2) == D("805.25")


def test_workbook_structure_is_locked_with_the_forms_password(data):
    wb = load_workbook(io.BytesIO(_form(data)))
    assert wb.security.lockStructure
    assert wb.security.workbookPassword == hash_password(PROTECTION_PASSWORD) == \
        xlsxbase.password_hash(PROTECTION_PASSWORD)
    assert wb[SHEET].protection.password == hash_password(PROTECTION_PASSWORD)
    protection = wb[SHEET].protection
    assert (protection.formatCells, protection.formatColumns, protection.insertRows, protection.deleteRows) == \
        (False, False, True, True)                  # formatting allowed, structure not


def test_page_setup_print_titles_and_widths(data):
    spec = data.form_of("education")
    layout = FormLayout(spec)
    wb = load_workbook(io.BytesIO(_form(data, "education", "vashkinsky", 3)))
    ws = wb[SHEET]
    assert (int(ws.page_setup.paperSize), ws.page_setup.orientation) == (9, "landscape")
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
    margins = ws.page_margins
    assert (margins.left, margins.right, margins.top, margins.bottom) == (0.79, 0.39, 0.59, 0.59)
    assert ws.print_title_rows == f"${layout.first_row}:${layout.numbering_row}"
    assert ws.freeze_panes == f"A{layout.body_row}"
    help_ws = wb["Инструкция"]
    assert (int(help_ws.page_setup.paperSize), help_ws.page_setup.orientation) == (9, "portrait")
    assert help_ws.column_dimensions["A"].width == 120
    widths = {}
    for dim in ws.column_dimensions.values():
        for col in range(dim.min, dim.max + 1):
            widths[col] = dim.width
    for column in spec.columns:                     # the spec's width x 9 characters, to the pixel
        assert abs(widths[layout.col_of(column.key)] - column.width * 9) < 1 / 7, column.key
