"""Quarterly subsidy reports: pre-filled XLSX forms, import with checks, the registry, the consolidated
report and the ``gosprog quarterly`` commands, on the sample data of data/social-support-vologda/subsidies.

Forms are filled here the way a municipality would: openpyxl opens the generated file and numbers are
typed into the unlocked input cells (independently of generator.quarterly.sample).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

from conftest import normalise, pdf_pages_text, squash
from generator import model, writers
from generator.cli import main as cli_main
from generator.quarterly import reports
from generator.quarterly.forms import FormLayout, generate, identity_checksum, prefill_values
from generator.quarterly.intake import Expectation, describe, import_bytes
from generator.quarterly.load import load_subsidies
from generator.quarterly.registry import Registry

D = Decimal
ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data" / "social-support-vologda"
YEAR = 2021
SHEET, INSTRUCTIONS, IDENTITY = "Отчет", "Инструкция", "_identity"
NOTICE = "Образец (условные данные)"
KOP = D("0.01")


# --- helpers ----------------------------------------------------------------------------------------------


def make_form(data, subsidy: str, municipality: str, quarter: int = 1, previous=None, spec=None,
              sample: bool = True) -> bytes:
    spec = spec or data.form_of(subsidy)
    return generate(spec, data.subsidies[subsidy], data.municipalities[municipality],
                    data.agreement(subsidy, municipality, YEAR), YEAR, quarter, previous, sample=sample)


def type_into(form: bytes, spec, values: dict | None = None, raw: dict | None = None) -> bytes:
    """Open the form, type ``values`` (row key → column key → number or text) into their cells, save.

    ``raw`` maps a cell coordinate to a value put there as it is (for faulty files)."""
    wb = load_workbook(io.BytesIO(form))
    ws = wb[SHEET]
    layout = FormLayout(spec)
    for row_key, cols in (values or {}).items():
        for col_key, value in cols.items():
            cell = ws[layout.ref(row_key, col_key)]
            if isinstance(value, str):
                cell.value = value
                cell.data_type = "s"
            else:
                cell.value = float(value)
    for ref, value in (raw or {}).items():
        ws[ref].value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def camps_values(agreement, part: str = "0.5", used_part: str = "0.8") -> dict:
    """Figures that pass every control relation of the expense report."""
    received = (agreement.subsidy_amount * D(part)).quantize(KOP)
    used = (received * D(used_part)).quantize(KOP)
    local_used = (used * (100 - agreement.level) / agreement.level).quantize(KOP, rounding=ROUND_CEILING) + KOP
    return {"regional": {"received": received, "used": used},
            "local": {"received": local_used + D("1000.00"), "used": local_used},
            "extra": {"received": D("0"), "used": D("0")}}


def education_values(agreement, rows: int = 2) -> dict:
    """Rows of form 1 that pass F01-F05: the agreement's subsidy split over ``rows`` activities."""
    out = {}
    for i in range(rows):
        planned_reg = (agreement.subsidy_amount / rows).quantize(KOP, rounding="ROUND_DOWN")
        received_reg = (planned_reg * D("0.5")).quantize(KOP)
        used_reg = (received_reg * D("0.5")).quantize(KOP)
        used_mun = (used_reg * (100 - agreement.level) / agreement.level).quantize(KOP, rounding=ROUND_CEILING) + KOP
        out[f"r{i + 1}"] = {
            "activity": f"Мероприятие {i + 1}", "organisation": f"МБОУ \"Школа N {i + 1}\"",
            "planned_fed": D("0"), "planned_reg": planned_reg, "planned_mun": used_mun * 4,
            "received_fed": D("0"), "received_reg": received_reg, "received_mun": used_mun * 2,
            "contract": planned_reg + used_mun * 4,
            "used_fed": D("0"), "used_reg": used_reg, "used_mun": used_mun}
    return out


def ru(value: Decimal) -> str:
    """Russian number style with kopecks: 899369.17 → "899 369,17"."""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def codes(result) -> list[str]:
    return [p.code for p in result.problems]


def submit(data, registry, content: bytes, received=dt.date(2021, 4, 5), expect=None, name="form.xlsx"):
    return import_bytes(content, name, data, registry, received, expect)


# --- (a) form generation ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def camps_form(data) -> bytes:
    return make_form(data, "camps", "babaevsky")


@pytest.fixture(scope="module")
def education_form(data) -> bytes:
    return make_form(data, "education", "vashkinsky")


def _input_refs(spec, roles=("input", "text")) -> set[str]:
    layout = FormLayout(spec)
    return {layout.ref(r, c) for r, c in layout.input_cells() if spec.column(c).role in roles}


@pytest.mark.parametrize("subsidy,municipality", [("camps", "babaevsky"), ("education", "vashkinsky")])
def test_only_input_cells_are_unlocked_and_sheets_are_protected(data, subsidy, municipality):
    spec = data.form_of(subsidy)
    wb = load_workbook(io.BytesIO(make_form(data, subsidy, municipality)))
    ws = wb[SHEET]
    inputs = _input_refs(spec)
    expected_count = {"camps": 6, "education": 8 * 12}[subsidy]
    assert len(inputs) == expected_count
    width = len(spec.columns)
    seen = set()
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row + 3, max_col=width + 2):
        for cell in row:
            if cell.coordinate in inputs:
                seen.add(cell.coordinate)
                assert cell.protection.locked is False, cell.coordinate
            else:
                assert cell.protection.locked is True, cell.coordinate
    assert seen == inputs
    assert ws.protection.sheet is True and ws.protection.password
    assert wb[INSTRUCTIONS].protection.sheet is True
    assert wb[IDENTITY].protection.sheet is True
    assert wb.security.lockStructure


@pytest.mark.parametrize("subsidy,municipality", [("camps", "babaevsky"), ("education", "vashkinsky")])
def test_validation_covers_exactly_the_money_input_cells(data, subsidy, municipality):
    spec = data.form_of(subsidy)
    ws = load_workbook(io.BytesIO(make_form(data, subsidy, municipality)))[SHEET]
    (dv,) = ws.data_validations.dataValidation
    assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert dv.showErrorMessage
    covered = set()
    for rng in dv.sqref.ranges:
        min_col, min_row, max_col, max_row = range_boundaries(rng.coord)
        covered |= {f"{get_column_letter(c)}{r}" for c in range(min_col, max_col + 1)
                    for r in range(min_row, max_row + 1)}
    assert covered == _input_refs(spec, roles=("input",))


def test_agreement_figures_are_prefilled_in_the_planned_column(data, camps_form):
    ws = load_workbook(io.BytesIO(camps_form))[SHEET]
    agreement = data.agreement("camps", "babaevsky", YEAR)
    assert ws["B8"].value == "Предусмотрено соглашением на год"
    assert D(str(ws["B11"].value)) == agreement.subsidy_amount == D("899369.17")
    assert D(str(ws["B12"].value)) == agreement.local_amount == D("78206.01")
    assert ws["B13"].value == 0
    assert ws["B14"].value == "=SUM(B11:B13)"
    assert [ws[f"E{r}"].value for r in (11, 12, 13)] == ["=C11 - D11", "=C12 - D12", "=C13 - D13"]
    assert all(ws[f"{c}{r}"].value is None for c in "CD" for r in (11, 12, 13))   # nothing typed yet


@pytest.mark.parametrize("subsidy,municipality,quarter", [("camps", "babaevsky", 1), ("education", "vashkinsky", 3)])
def test_identity_sheet_is_very_hidden_and_checksummed(data, subsidy, municipality, quarter):
    wb = load_workbook(io.BytesIO(make_form(data, subsidy, municipality, quarter)))
    ws = wb[IDENTITY]
    assert ws.sheet_state == "veryHidden"
    assert [s.sheet_state for s in wb.worksheets if s.title != IDENTITY] == ["visible", "visible"]
    raw = {k: v for k, v in ws.iter_rows(values_only=True)}
    agreement = data.agreement(subsidy, municipality, YEAR)
    spec = data.form_of(subsidy)
    assert raw["subsidy"] == subsidy and raw["municipality"] == municipality
    assert raw["year"] == str(YEAR) and raw["quarter"] == str(quarter)
    assert raw["form"] == spec.id and raw["form_version"] == str(spec.version)
    identity = {"form": spec.id, "form_version": spec.version, "subsidy": subsidy, "municipality": municipality,
                "year": YEAR, "quarter": quarter, "agreement": agreement.number}
    plain = {r: {c: str(v) for c, v in cols.items()} for r, cols in prefill_values(spec, agreement).items()}
    assert raw["checksum"] == identity_checksum(identity, plain)


def test_sample_notice_only_on_sample_forms(data, camps_form):
    assert load_workbook(io.BytesIO(camps_form))[SHEET]["A1"].value == NOTICE
    real = make_form(data, "camps", "babaevsky", sample=False)
    assert load_workbook(io.BytesIO(real))[SHEET]["A1"].value is None


def _header(ws, rows=(8, 9)) -> tuple[dict, set]:
    texts = {c.coordinate: c.value for r in rows for c in ws[r] if c.value is not None}
    merges = {str(m) for m in ws.merged_cells.ranges if m.min_row in rows}
    return texts, merges


def test_expense_report_header(camps_form):
    ws = load_workbook(io.BytesIO(camps_form))[SHEET]
    texts, merges = _header(ws)
    assert texts == {"A8": "Источник средств", "B8": "Предусмотрено соглашением на год",
                     "C8": "По состоянию на отчетную дату (нарастающим итогом с начала года)",
                     "C9": "Поступило", "D9": "Израсходовано", "E9": "Остаток"}
    assert merges == {"A8:A9", "B8:B9", "C8:E8"}
    assert [c.value for c in ws[10]][:5] == [1, 2, 3, 4, 5]
    assert [ws[f"A{r}"].value for r in range(11, 15)] == [
        "Субсидия из областного бюджета", "Средства бюджета муниципального образования (софинансирование)",
        "Внебюджетные средства", "Всего"]
    assert ws["A3"].value == "Бабаевский муниципальный район"
    assert ws["A4"].value.startswith("I квартал 2021 года, по состоянию на 1 апреля 2021 г.")
    assert "Соглашение N CAM-01/2021 от 10 февраля 2021 г." in ws["A5"].value
    assert "Срок представления: до 10 апреля 2021 г." in ws["A6"].value


def test_form_1_has_the_acts_13_columns(education_form):
    ws = load_workbook(io.BytesIO(education_form))[SHEET]
    texts, merges = _header(ws)
    group = ["федеральный бюджет", "областной бюджет", "бюджет муниципального образования"]
    assert texts == {
        "A8": "N п/п", "B8": "Перечень запланированных мероприятий",
        "C8": "Наименование образовательной организации",
        "D8": f"Предусмотрено средств на {YEAR} год (руб.)", "G8": "Получено средств (руб.)",
        "J8": "Стоимость работ по контракту (договору) (руб.)",
        "K8": "Израсходовано средств/оплачено выполненных работ (руб.)",
        **{f"{c}9": t for c, t in zip("DEF", group)}, **{f"{c}9": t for c, t in zip("GHI", group)},
        **{f"{c}9": t for c, t in zip("KLM", group)}}
    assert merges == {"A8:A9", "B8:B9", "C8:C9", "D8:F8", "G8:I8", "J8:J9", "K8:M8"}
    assert [c.value for c in ws[10]] == list(range(1, 14))
    assert [ws[f"A{r}"].value for r in range(11, 20)] == [f"{i}." for i in range(1, 9)] + ["Итого"]
    assert [ws[f"{get_column_letter(c)}19"].value for c in range(4, 14)] == [
        f"=SUM({get_column_letter(c)}11:{get_column_letter(c)}18)" for c in range(4, 14)]
    assert "Срок представления: до 5 апреля 2021 г." in ws["A6"].value


def test_instruction_sheet(education_form):
    wb = load_workbook(io.BytesIO(education_form))
    assert wb.sheetnames == [SHEET, INSTRUCTIONS, IDENTITY]
    text = "\n".join(v for (v,) in wb[INSTRUCTIONS].iter_rows(max_col=1, values_only=True) if v)
    assert "Муниципальное образование: Вашкинский муниципальный район" in text
    assert "Срок представления: до 5 апреля 2021 г." in text
    for check_id in ("F01", "F02", "F03", "F04", "F05"):
        assert f"  {check_id}: " in text


def test_unit_line_has_no_double_period(camps_form):
    ws = load_workbook(io.BytesIO(camps_form))[SHEET]
    assert ".." not in ws["A6"].value


# --- (b) round trip -----------------------------------------------------------------------------------------

CAMPS_FILLED = ["babaevsky", "belozersky", "sokolsky", "cherepovets"]


@pytest.fixture
def camps_round_trip(data, registry):
    """Four municipalities fill in and submit their Q1 camps forms; returns what each typed."""
    typed = {}
    spec = data.form_of("camps")
    for i, code in enumerate(CAMPS_FILLED):
        values = camps_values(data.agreement("camps", code, YEAR), part=f"0.{3 + i}")
        result = submit(data, registry, type_into(make_form(data, "camps", code), spec, values),
                        expect=Expectation(YEAR, 1, "camps"))
        assert result.status == "accepted", describe(result)
        assert result.submission.version == 1 and result.problems == []
        typed[code] = values
    return typed


def test_round_trip_consolidated_figures_equal_what_was_typed(data, registry, camps_round_trip):
    rows, totals = reports.consolidate(data, registry, "camps", YEAR, 1)
    assert [r.municipality for r in rows] == [a.municipality for a in data.agreements_for("camps", YEAR)]
    for row in rows:
        typed = camps_round_trip.get(row.municipality)
        if typed is None:
            assert row.submission is None and row.received is None
            continue
        assert row.received == typed["regional"]["received"]
        assert row.used == typed["regional"]["used"]
        assert row.local_used == typed["local"]["used"]
        assert row.balance == typed["regional"]["received"] - typed["regional"]["used"]
        figures = row.submission.figures
        assert figures["total"]["received"] == typed["regional"]["received"] + typed["local"]["received"]
        assert figures["regional"]["planned"] == data.agreement("camps", row.municipality, YEAR).subsidy_amount
    assert totals["received"] == sum(v["regional"]["received"] for v in camps_round_trip.values())
    assert totals["used"] == sum(v["regional"]["used"] for v in camps_round_trip.values())
    assert totals["local_used"] == sum(v["local"]["used"] for v in camps_round_trip.values())
    assert totals["agreement"] == sum(a.subsidy_amount for a in data.agreements_for("camps", YEAR))


def test_round_trip_education_form_1(data, registry):
    spec = data.form_of("education")
    typed = {}
    for code in ("vashkinsky", "vologda"):
        values = education_values(data.agreement("education", code, YEAR))
        result = submit(data, registry, type_into(make_form(data, "education", code), spec, values))
        assert result.status == "accepted", describe(result)
        assert result.submission.texts["r1"] == {"activity": "Мероприятие 1", "organisation": "МБОУ \"Школа N 1\""}
        typed[code] = values
    rows, totals = reports.consolidate(data, registry, "education", YEAR, 1)
    by_code = {r.municipality: r for r in rows}
    for code, values in typed.items():
        assert by_code[code].received == sum(v["received_reg"] for v in values.values())
        assert by_code[code].used == sum(v["used_reg"] for v in values.values())
        assert by_code[code].local_used == sum(v["used_mun"] for v in values.values())
    assert totals["used"] == sum(v["used_reg"] for vals in typed.values() for v in vals.values())


def test_form_1_issued_with_the_blank_year_is_still_accepted(data, registry):
    """Issue 17: the form says "на 2021 год"; a form issued before that ("на 20__ год") still imports."""
    spec = data.form_of("education")
    values = education_values(data.agreement("education", "vashkinsky", YEAR))
    old = type_into(make_form(data, "education", "vashkinsky"), spec, values,
                    raw={"D8": "Предусмотрено средств на 20__ год (руб.)"})
    result = submit(data, registry, old)
    assert result.status == "accepted", describe(result)
    changed = type_into(make_form(data, "education", "vashkinsky"), spec, values,
                        raw={"D8": "Предусмотрено средств на 2020 год (руб.)"})
    result = submit(data, registry, changed)
    assert result.status == "rejected" and "заголовок формы изменен" in describe(result)


def _sum_formula(ws, formula: str) -> tuple[Decimal, list[int]]:
    """Evaluate =SUM(X9:X16) or =SUM(X9,X11) by adding the numbers in the referenced cells."""
    match = re.fullmatch(r"=SUM\((.+)\)", formula)
    assert match, formula
    total, rows = D(0), []
    for part in match.group(1).split(","):
        min_col, min_row, max_col, max_row = range_boundaries(part)
        for r in range(min_row, max_row + 1):
            rows.append(r)
            value = ws.cell(row=r, column=min_col).value
            if isinstance(value, (int, float)):
                total += D(str(value))
    return total, rows


def test_consolidated_total_in_xlsx_docx_pdf(data, registry, camps_round_trip, tmp_path):
    rows, totals = reports.consolidate(data, registry, "camps", YEAR, 1)
    doc = reports.consolidated_report(data, registry, "camps", YEAR, 1)

    ws = load_workbook(writers.write(doc, tmp_path / "c.xlsx"), data_only=False).worksheets[0]
    names = {ws.cell(r, 2).value: r for r in range(1, ws.max_row + 1)}
    muni_rows = sorted(names[r.name] for r in rows)
    total_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Итого")
    assert total_row == muni_rows[-1] + 1
    for col, key in ((3, "agreement"), (4, "received"), (5, "used"), (6, "balance"), (7, "local_used")):
        value, referenced = _sum_formula(ws, ws.cell(total_row, col).value)
        assert referenced == muni_rows, col
        assert value == totals[key], key
    assert ws.cell(total_row, 11).value == f"{len(camps_round_trip)} из {len(rows)}"
    sokolsky = names["Сокольский муниципальный район"]
    assert D(str(ws.cell(sokolsky, 4).value)) == camps_round_trip["sokolsky"]["regional"]["received"]
    assert ws.cell(names["Тотемский муниципальный район"], 4).value == "-"          # did not submit

    table = docx.Document(str(writers.write(doc, tmp_path / "c.docx"))).tables[0]
    total_cells = [normalise(c.text) for c in table.rows[-1].cells]
    assert total_cells[0] == "Итого"
    for key in ("agreement", "received", "used", "balance", "local_used"):
        assert ru(totals[key]) in total_cells, key
    first = [normalise(c.text) for c in table.rows[-1 - len(rows)].cells]
    assert first[1] == "Бабаевский муниципальный район" and first[2] == "899 369,17"

    text = "\n".join(pdf_pages_text(writers.write(doc, tmp_path / "c.pdf").read_bytes()))
    assert "Итого" in text and NOTICE in text
    for key in ("agreement", "received", "used", "local_used"):
        assert squash(ru(totals[key])) in squash(text), key
    assert "899 369,17" in text


def test_consolidated_xlsx_total_share_is_not_a_sum_of_percentages(data, registry, camps_round_trip, tmp_path):
    rows, totals = reports.consolidate(data, registry, "camps", YEAR, 1)
    expected = (totals["used"] * 100 / totals["agreement"]).quantize(D("0.1"))
    doc = reports.consolidated_report(data, registry, "camps", YEAR, 1)
    ws = load_workbook(writers.write(doc, tmp_path / "c.xlsx")).worksheets[0]
    total_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Итого")
    cell = ws.cell(total_row, 8).value
    value = _sum_formula(ws, cell)[0] if isinstance(cell, str) and cell.startswith("=") else D(str(cell))
    assert value == expected


def test_consolidated_report_reads_the_period_once_with_the_collector_paused(data, registry, camps_round_trip,
                                                                              monkeypatch):
    """The period's submissions are read once for the rows, the refused files and what resolved them (each read
    parses every submission's figures), and the report is made with the cyclic collector paused (with 20,000
    municipalities' data in memory its full collections made the report grow x14 for x10 rows)."""
    import gc
    spec = data.form_of("camps")
    bad = camps_values(data.agreement("camps", "totemsky", YEAR))
    bad["regional"]["used"] = bad["regional"]["received"] + 1
    assert submit(data, registry, type_into(make_form(data, "camps", "totemsky"), spec, bad),
                  name="totemsky-bad.xlsx").status == "rejected"
    reads, enabled = [], []
    history = type(registry).history

    def counted(self, *args, **kwargs):
        reads.append(args)
        enabled.append(gc.isenabled())
        return history(self, *args, **kwargs)
    monkeypatch.setattr(type(registry), "history", counted)
    doc = reports.consolidated_report(data, registry, "camps", YEAR, 1)
    assert reads == [("camps", YEAR, 1)] and enabled == [False]
    text = "\n".join(b.text for s in doc.sections for b in s.blocks if isinstance(b, model.Paragraph))
    assert "totemsky-bad.xlsx" in text and "Статус: не устранено." in text


def test_consolidated_xlsx_keeps_the_sections_after_the_table(data, registry, camps_round_trip, tmp_path):
    spec = data.form_of("camps")
    bad = camps_values(data.agreement("camps", "totemsky", YEAR))
    bad["regional"]["used"] = bad["regional"]["received"] + 1
    assert submit(data, registry, type_into(make_form(data, "camps", "totemsky"), spec, bad),
                  name="totemsky-bad.xlsx").status == "rejected"
    doc = reports.consolidated_report(data, registry, "camps", YEAR, 1)
    docx_text = "\n".join(p.text for p in docx.Document(str(writers.write(doc, tmp_path / "c.docx"))).paragraphs)
    assert "totemsky-bad.xlsx" in docx_text                       # the DOCX has it
    wb = load_workbook(writers.write(doc, tmp_path / "c.xlsx"))
    xlsx_text = "\n".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v)
    assert "Не представили отчет" in xlsx_text
    assert "totemsky-bad.xlsx" in xlsx_text


# --- (c) control relations, each on its own faulty file ---------------------------------------------------------


def _camps_fault(data, change) -> bytes:
    agreement = data.agreement("camps", "babaevsky", YEAR)
    values = camps_values(agreement)
    change(values, agreement)
    return type_into(make_form(data, "camps", "babaevsky"), data.form_of("camps"), values)


def _set(row, col, value):
    def change(values, agreement):
        values[row][col] = value(values, agreement) if callable(value) else value
    return change


CAMPS_FAULTS = [
    # id, change, code, cell, the figures in words the message holds (from the typed values and the agreement)
    ("Q01", _set("regional", "received", lambda v, a: a.subsidy_amount + KOP), "Q01", "C11",
     lambda v, a: f"поступило {ru(a.subsidy_amount + KOP)} руб., сумма субсидии по соглашению "
                  f"{ru(a.subsidy_amount)} руб."),
    ("Q02", _set("regional", "received", lambda v, a: v["regional"]["used"] - KOP), "Q02", "D11",
     lambda v, a: f"израсходовано {ru(v['regional']['used'])} руб., поступило {ru(v['regional']['received'])} руб."),
    ("Q03", _set("local", "received", lambda v, a: v["local"]["used"] - KOP), "Q03", "D12",
     lambda v, a: f"израсходовано {ru(v['local']['used'])} руб., поступило {ru(v['local']['received'])} руб."),
    ("Q04", _set("local", "used", lambda v, a: v["local"]["used"] - D("100")), "Q04", "D12",
     lambda v, a: f"израсходовано из местного бюджета {ru(v['local']['used'])} руб.; при уровне софинансирования из "
                  f"областного бюджета {a.level} % и израсходованной субсидии {ru(v['regional']['used'])} руб. "
                  f"требуется не менее "
                  f"{ru((v['regional']['used'] * (100 - a.level) / a.level).quantize(KOP, rounding=ROUND_CEILING))} руб."),
]


@pytest.mark.parametrize("name,change,code,cell,found", CAMPS_FAULTS, ids=[f[0] for f in CAMPS_FAULTS])
def test_control_relation_fails_alone_with_a_located_message(data, registry, name, change, code, cell, found):
    agreement = data.agreement("camps", "babaevsky", YEAR)
    values = camps_values(agreement)
    change(values, agreement)
    found = found(values, agreement)
    result = submit(data, registry, _camps_fault(data, change))
    assert result.status == "rejected"
    assert codes(result) == [code]
    (problem,) = result.problems
    assert (problem.sheet, problem.cell) == (SHEET, cell)
    text = str(problem)
    assert found in normalise(text), text
    assert f"(ячейка {cell} листа «{SHEET}»)" in text and code not in text
    assert not re.search(r"[a-z_]+\.[a-z_]+|agreement|regional|local\b", text), text    # no internal names
    assert problem.todo and text.endswith(problem.todo)
    assert result.submission.figures is None and result.submission.version is None


CELL_FAULTS = [
    ("text", "сто тысяч", "TEXT", "«сто тысяч»"),
    ("formula", "=1+1", "FORMULA", "«=1+1»"),
    ("negative", -5.0, "NEGATIVE", "-5"),
    ("three-decimals", 1000.125, "KOPECKS", "1\u00a0000,125"),
    ("huge", 1e30, "VALUE", "1e+30"),
]


@pytest.mark.parametrize("name,value,code,found", CELL_FAULTS, ids=[f[0] for f in CELL_FAULTS])
def test_bad_money_cell(data, registry, name, value, code, found):
    values = camps_values(data.agreement("camps", "babaevsky", YEAR))
    values["local"].pop("received")
    content = type_into(make_form(data, "camps", "babaevsky"), data.form_of("camps"), values, raw={"C12": value})
    result = submit(data, registry, content)
    assert result.status == "rejected"
    assert codes(result) == [code]
    (problem,) = result.problems
    assert (problem.sheet, problem.cell, problem.found) == (SHEET, "C12", found)
    assert str(problem).startswith("Строка «Средства бюджета муниципального образования (софинансирование)», "
                                   f"графа «Поступило» (ячейка C12 листа «{SHEET}»): ")
    assert code not in str(problem) and problem.todo in str(problem)


def test_year_to_date_decrease_against_accepted_previous_quarter(data, registry):
    spec = data.form_of("camps")
    agreement = data.agreement("camps", "babaevsky", YEAR)
    q1 = camps_values(agreement, part="0.4")
    assert submit(data, registry, type_into(make_form(data, "camps", "babaevsky", 1), spec, q1)).status == "accepted"
    previous = registry.previous_figures("camps", "babaevsky", YEAR, 2)
    assert previous["regional"]["received"] == q1["regional"]["received"]
    q2 = {row: dict(cols) for row, cols in q1.items()}
    q2["regional"]["received"] = q1["regional"]["received"] - KOP            # year to date went down
    form = make_form(data, "camps", "babaevsky", 2, previous=previous)
    ws = load_workbook(io.BytesIO(form))[SHEET]
    assert D(str(ws["C11"].value)) == q1["regional"]["received"]            # last quarter's figures pre-typed
    result = submit(data, registry, type_into(form, spec, q2), received=dt.date(2021, 7, 1))
    assert codes(result) == ["YTD"]
    (problem,) = result.problems
    assert (problem.sheet, problem.cell) == (SHEET, "C11")
    assert normalise(problem.expected) == f"не меньше {ru(q1['regional']['received'])} руб."
    assert normalise(problem.found) == f"{ru(q2['regional']['received'])} руб."
    assert "сумма с начала года меньше, чем в принятом отчете за предыдущий квартал" in str(problem)
    assert str(problem).startswith("Строка «Субсидия из областного бюджета», графа «Поступило» (ячейка C11")
    ok = submit(data, registry, type_into(form, spec, camps_values(agreement, part="0.6")), received=dt.date(2021, 7, 1))
    assert ok.status == "accepted", describe(ok)


def test_form_1_per_row_checks(data, registry):
    spec = data.form_of("education")
    agreement = data.agreement("education", "vashkinsky", YEAR)
    values = education_values(agreement, rows=3)
    values["r2"]["received_reg"] = values["r2"]["planned_reg"] + KOP       # F01 on row 2 (H12)
    values["r3"]["used_reg"] = values["r3"]["received_reg"] + KOP          # F02 on row 3 (L13)
    result = submit(data, registry, type_into(make_form(data, "education", "vashkinsky"), spec, values))
    assert result.status == "rejected"
    located = {(p.code, p.cell) for p in result.problems}
    assert ("F01", "H12") in located and ("F02", "L13") in located
    assert {p.code for p in result.problems} <= {"F01", "F02", "F05"}
    f01 = next(p for p in result.problems if p.code == "F01")
    assert f01.expected is None and f01.found is None
    assert normalise(str(f01)).startswith(
        f"Строка 2 (ячейка H12 листа «{SHEET}»): Получено из областного бюджета больше, чем предусмотрено: получено "
        f"{ru(values['r2']['received_reg'])} руб., предусмотрено {ru(values['r2']['planned_reg'])} руб.")


def test_form_1_only_f01_on_its_own(data, registry):
    spec = data.form_of("education")
    values = education_values(data.agreement("education", "vashkinsky", YEAR))
    values["r1"]["planned_reg"] = values["r1"]["received_reg"] - KOP
    result = submit(data, registry, type_into(make_form(data, "education", "vashkinsky"), spec, values))
    assert [(p.code, p.cell) for p in result.problems] == [("F01", "H11")]


# --- (d) resubmission -----------------------------------------------------------------------------------------


def test_rejected_then_corrected_then_corrected_again(data, registry):
    spec = data.form_of("camps")
    agreement = data.agreement("camps", "belozersky", YEAR)
    form = make_form(data, "camps", "belozersky")
    bad = camps_values(agreement)
    bad["regional"]["used"] = bad["regional"]["received"] + 1
    v1 = camps_values(agreement, part="0.5")
    v2 = camps_values(agreement, part="0.55")
    files = [type_into(form, spec, bad), type_into(form, spec, v1), type_into(form, spec, v2)]
    statuses = [submit(data, registry, f, received=dt.date(2021, 4, 3 + i), name=f"belozersky-{i}.xlsx").status
                for i, f in enumerate(files)]
    assert statuses == ["rejected", "accepted", "accepted"]
    history = registry.history("camps", YEAR, 1, "belozersky")
    assert [(s.status, s.version) for s in history] == [("rejected", None), ("accepted", 1), ("accepted", 2)]
    assert history[0].findings and "Израсходовано средств субсидии больше, чем поступило" in history[0].findings[0]
    assert [s.original_name for s in history] == [f"belozersky-{i}.xlsx" for i in range(3)]
    for s, content in zip(history, files):
        stored = registry.folder / s.stored_as
        assert stored.is_file() and stored.read_bytes() == content
        assert s.sha256 == hashlib.sha256(content).hexdigest() and s.sha256 in stored.name
    assert len([p for p in (registry.folder / "archive").rglob("*") if p.is_file()]) == 3
    assert registry.latest("camps", YEAR, 1)["belozersky"].version == 2
    rows, totals = reports.consolidate(data, registry, "camps", YEAR, 1)
    row = next(r for r in rows if r.municipality == "belozersky")
    assert row.submission.version == 2 and row.received == v2["regional"]["received"] != v1["regional"]["received"]
    assert totals["received"] == v2["regional"]["received"]
    doc = reports.consolidated_report(data, registry, "camps", YEAR, 1)
    table = next(b for b in doc.sections[0].blocks if isinstance(b, model.Table))
    status = [r.cells[-1].value for r in table.body if r.cells[1].value == "Белозерский муниципальный район"]
    assert status == ["в срок, версия 2"]


def test_byte_identical_reimport_is_recognised_and_changes_nothing(data, registry):
    """Issue 21 point 2: the same file again (days later) is "уже принят <date>, версия N", records nothing,
    and the municipality is not listed as late; the same refused file again is recognised too."""
    spec = data.form_of("camps")
    agreement = data.agreement("camps", "belozersky", YEAR)
    form = make_form(data, "camps", "belozersky")
    good = type_into(form, spec, camps_values(agreement))
    bad_values = camps_values(agreement)
    bad_values["regional"]["used"] = bad_values["regional"]["received"] + 1
    bad = type_into(form, spec, bad_values)
    assert submit(data, registry, bad, received=dt.date(2021, 4, 2), name="a.xlsx").status == "rejected"
    first = submit(data, registry, good, received=dt.date(2021, 4, 5), name="b.xlsx")
    assert first.status == "accepted" and first.submission.version == 1
    before = registry.history()
    again = submit(data, registry, good, received=dt.date(2021, 4, 20), name="b-again.xlsx")
    assert again.status == "duplicate" and again.submission.id == first.submission.id
    assert describe(again, data) == ("b-again.xlsx: УЖЕ ПРИНЯТ 05.04.2021, версия 1 (Белозерский муниципальный "
                                     "район, I квартал 2021 года): тот же файл повторно, ничего не изменено")
    refused = submit(data, registry, bad, received=dt.date(2021, 4, 21), name="a-again.xlsx")
    assert refused.status == "duplicate" and refused.submission.status == "rejected"
    assert describe(refused, data).startswith("a-again.xlsx: УЖЕ ПОЛУЧЕН 02.04.2021 и ОТКЛОНЕН (Белозерский")
    assert registry.history() == before
    latest = registry.latest("camps", YEAR, 1)["belozersky"]
    assert (latest.version, latest.received, latest.on_time) == (1, dt.date(2021, 4, 5), True)
    changed = submit(data, registry, type_into(form, spec, camps_values(agreement, part="0.6")),
                     received=dt.date(2021, 4, 22), name="c.xlsx")
    assert changed.status == "accepted" and changed.submission.version == 2
    assert [(s.original_name, s.status, s.version) for s in registry.history("camps", YEAR, 1, "belozersky")] == [
        ("a.xlsx", "rejected", None), ("b.xlsx", "accepted", 1), ("c.xlsx", "accepted", 2)]


def test_unfilled_form_is_refused(data, registry):
    """Issue 21 point 2: a form sent back with nothing typed in is refused, with what to do."""
    result = submit(data, registry, make_form(data, "camps", "babaevsky"))
    assert result.status == "rejected" and codes(result) == ["EMPTY"]
    text = str(result.problems[0])
    assert text.startswith("форма не заполнена") and "Впишите в желтые ячейки суммы с начала года" in text
    zeros = {"regional": {"received": D("0"), "used": D("0")}}
    typed = submit(data, registry, type_into(make_form(data, "camps", "babaevsky"), data.form_of("camps"), zeros))
    assert typed.status == "accepted", describe(typed)               # a typed 0 is a figure
    education = submit(data, registry, make_form(data, "education", "vashkinsky"))
    assert codes(education) == ["EMPTY"]


# --- (e) wrong period, edited identity, old version ---------------------------------------------------------------


def _good_camps(data, quarter=1, spec=None):
    values = camps_values(data.agreement("camps", "babaevsky", YEAR))
    return type_into(make_form(data, "camps", "babaevsky", quarter, spec=spec), data.form_of("camps"), values)


@pytest.mark.parametrize("expect,expected,found", [
    (Expectation(YEAR, 2, "camps"), "II квартал 2021 года", "I квартал 2021 года"),
    (Expectation(2022, 1, "camps"), "I квартал 2022 года", "I квартал 2021 года"),
    (Expectation(YEAR, 1, "camps", "belozersky"), "Белозерский муниципальный район", "Бабаевский муниципальный район"),
    (Expectation(YEAR, 1, "education"), "Субсидия на проведение работ по повышению уровня доступности",
     "Субсидия на сохранение и развитие сети муниципальных загородных оздоровительных лагерей"),
])
def test_form_for_another_period_or_recipient_is_refused(data, registry, expect, expected, found):
    result = submit(data, registry, _good_camps(data), expect=expect)
    assert result.status == "rejected" and codes(result) == ["PERIOD"]
    assert result.problems[0].expected.startswith(expected) and result.problems[0].found.startswith(found)
    assert f"Заполните и отправьте форму, выданную на {result.problems[0].expected}." in str(result.problems[0])


def _edit_identity(content: bytes, key: str, value: str) -> bytes:
    wb = load_workbook(io.BytesIO(content))
    ws = wb[IDENTITY]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == key)
    ws.cell(row, 2).value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


CHECKSUM = "подпись служебных данных формы не совпадает"   # the HMAC of issue 19 (was an unkeyed checksum)


@pytest.mark.parametrize("key,value,message", [
    ("municipality", "belozersky", CHECKSUM), ("quarter", "2", CHECKSUM), ("agreement", "CAM-02/2021", CHECKSUM),
    ("checksum", "0" * 32, CHECKSUM),
    ("year", "2022", "нет соглашения 2022 года по этой субсидии с муниципальным образованием «Бабаевский "
                     "муниципальный район»"),
    ("municipality", "nowhere", "служебный лист формы изменен"), ("form", "form-1", "не относится к субсидии")])
def test_edited_identity_is_refused(data, registry, key, value, message):
    result = submit(data, registry, _edit_identity(_good_camps(data), key, value))
    assert result.status == "rejected" and codes(result) == ["IDENTITY"]
    assert message in str(result.problems[0])
    assert result.submission.figures is None


def test_form_of_another_version_is_refused(data, registry):
    newer = data.form_of("camps").model_copy(update={"version": 2})
    result = submit(data, registry, _good_camps(data, spec=newer))
    assert result.status == "rejected" and codes(result) == ["VERSION"]
    assert (result.problems[0].expected, result.problems[0].found) == ("1", "2")


# --- (f) deadlines ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("subsidy,municipality,quarter,deadline", [
    ("camps", "babaevsky", 1, dt.date(2021, 4, 10)),
    ("education", "vashkinsky", 1, dt.date(2021, 4, 5)),
    ("camps", "babaevsky", 4, dt.date(2022, 1, 10)),
    ("education", "vashkinsky", 4, dt.date(2022, 1, 5)),
])
def test_deadline_day_is_on_time_and_next_day_is_late_by_one(data, tmp_path, subsidy, municipality, quarter,
                                                             deadline):
    assert data.subsidies[subsidy].deadline(YEAR, quarter) == deadline
    spec = data.form_of(subsidy)
    agreement = data.agreement(subsidy, municipality, YEAR)
    values = camps_values(agreement) if subsidy == "camps" else education_values(agreement)
    content = type_into(make_form(data, subsidy, municipality, quarter), spec, values)
    for offset, folder in ((0, "a"), (1, "b")):
        with Registry(tmp_path / folder) as reg:
            result = import_bytes(content, "f.xlsx", data, reg, deadline + dt.timedelta(days=offset))
            s = result.submission
            assert result.status == "accepted" and s.deadline == deadline
            assert (s.late_days, s.on_time) == ((0, True) if offset == 0 else (1, False))
            assert ("в срок" if offset == 0 else "с опозданием на 1 дн.") in describe(result)


# --- (g) a new form as data only --------------------------------------------------------------------------------

MINI_FORM = """\
id: mini-report
version: 1
title: "Тестовый отчет об исполнении"
columns:
  - {key: label, header: ["Показатель"], role: label, width: 3.0}
  - {key: plan, header: ["План на год"], role: prefill}
  - {key: fact, header: ["Исполнение", "исполнено"], role: input}
  - {key: rest, header: ["Исполнение", "остаток"], role: computed, formula: "plan - fact"}
rows:
  - {key: first, label: "Первая строка", prefill: {plan: agreement.subsidy}}
  - {key: second, label: "Вторая строка", prefill: {plan: 1000}}
checks:
  - {id: M01, expr: "first.fact <= first.plan", message: "Исполнено больше плана"}
summary: {received: first.plan, used: first.fact, local_used: second.fact}
"""

MINI_SUBSIDY = """\
  - id: mini
    name: "Тестовая субсидия"
    department: "Тестовый департамент"
    subprogram: "4"
    activity: "4.1"
    results:
      - {id: things, name: "Количество", unit: "ед."}
    form: mini-report
    quarterly_deadline_day: 15
    annual_deadline: {month: 1, day: 20}
"""

MINI_AGREEMENT = """\
  - {subsidy: mini, municipality: kharovsky, number: "MINI-1", date: 2021-03-01, subsidy_amount: 5000.00, level: 50, local_amount: 5000.00}
"""


@pytest.fixture
def data_copy(tmp_path) -> Path:
    target = tmp_path / "program"
    shutil.copytree(DATA_DIR, target)
    return target


def test_new_form_spec_as_data_renders_and_imports(data_copy, tmp_path):
    folder = data_copy / "subsidies"
    (folder / "forms" / "mini-report.yaml").write_text(MINI_FORM, encoding="utf-8")
    with open(folder / "subsidies.yaml", "a", encoding="utf-8") as f:
        f.write(MINI_SUBSIDY)
    with open(folder / "sample" / "agreements-2021.yaml", "a", encoding="utf-8") as f:
        f.write(MINI_AGREEMENT)
    data = load_subsidies(data_copy)
    spec = data.form_of("mini")
    assert data.subsidies["mini"].deadline(YEAR, 1) == dt.date(2021, 4, 15)
    form = make_form(data, "mini", "kharovsky")
    ws = load_workbook(io.BytesIO(form))[SHEET]
    assert [ws["A8"].value, ws["B8"].value, ws["C8"].value, ws["C9"].value, ws["D9"].value] == [
        "Показатель", "План на год", "Исполнение", "исполнено", "остаток"]
    assert [ws["A11"].value, ws["A12"].value] == ["Первая строка", "Вторая строка"]
    assert (ws["B11"].value, ws["B12"].value) == (5000, 1000)
    assert ws["D11"].value == "=B11 - C11"
    assert [ws[r].protection.locked for r in ("C11", "C12", "B11", "D11")] == [False, False, True, True]
    with Registry(tmp_path / "reg") as reg:
        good = type_into(form, spec, {"first": {"fact": D("1234.56")}, "second": {"fact": D("10")}})
        result = import_bytes(good, "mini.xlsx", data, reg, dt.date(2021, 4, 15))
        assert result.status == "accepted", describe(result)
        assert result.submission.on_time
        figures = result.submission.figures
        assert figures["first"] == {"plan": D("5000.00"), "fact": D("1234.56"), "rest": D("3765.44")}
        assert figures["second"]["rest"] == D("990.00")
        rows, totals = reports.consolidate(data, reg, "mini", YEAR, 1)
        assert (rows[0].received, rows[0].used, rows[0].local_used) == (D("5000.00"), D("1234.56"), D("10.00"))
        bad = type_into(form, spec, {"first": {"fact": D("5000.01")}})
        result = import_bytes(bad, "mini-bad.xlsx", data, reg, dt.date(2021, 4, 16))
        assert [(p.code, p.cell) for p in result.problems] == [("M01", "C11")]
        assert "Исполнено больше плана" in str(result.problems[0])


# --- (h) the command line --------------------------------------------------------------------------------------


def _run(args):
    result = CliRunner().invoke(cli_main, ["quarterly", *map(str, args)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_cli_forms_one_file_per_camps_agreement(data_copy, tmp_path):
    out = tmp_path / "out"
    # --subsidy by a part of its Russian name, in another word form than the act's ("лагеря": "лагерей")
    result = _run(["forms", "--data", data_copy, "--subsidy", "оздоровительные лагеря", "--year", 2021, "--quarter", 1,
                   "--out", out])
    assert result.exit_code == 0, result.output
    folder = out / "social-support-vologda" / "quarterly" / "2021" / "q1" / "forms" / "camps"
    data = load_subsidies(data_copy)
    expected = sorted(f"camps-2021-q1-{a.municipality}.xlsx" for a in data.agreements_for("camps", YEAR))
    assert sorted(p.name for p in folder.iterdir()) == expected and len(expected) == 8
    assert "форм: 8" in result.output
    wb = load_workbook(folder / "camps-2021-q1-sokolsky.xlsx")
    assert wb[IDENTITY]["B4"].value == "sokolsky"


def test_cli_import_good_and_bad(data, tmp_path):
    spec = data.form_of("camps")
    good = tmp_path / "good.xlsx"
    good.write_bytes(_good_camps(data))
    bad_values = camps_values(data.agreement("camps", "babaevsky", YEAR))
    bad_values["regional"]["used"] = bad_values["regional"]["received"] + 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(type_into(make_form(data, "camps", "babaevsky"), spec, bad_values))
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    common = ["--data", DATA_DIR, "--out", tmp_path / "out", "--received", "2021-04-08", "--year", 2021,
              "--quarter", 1]
    ok = _run(["import", good, *common])
    assert ok.exit_code == 0, ok.output
    assert ("good.xlsx: ПРИНЯТ (версия 1; Бабаевский муниципальный район, I квартал 2021 года; представлен "
            "08.04.2021, в срок)") in ok.output
    ko = _run(["import", bad, *common])
    assert ko.exit_code == 1
    assert "bad.xlsx: ОТКЛОНЕН" in ko.output and "(ячейка D11 листа «Отчет»): Израсходовано средств субсидии" in ko.output
    ko = _run(["import", junk, *common])
    assert ko.exit_code == 1 and "не является книгой Excel" in ko.output and "[FILE]" not in ko.output
    registry = tmp_path / "out" / "social-support-vologda" / "submissions"
    with Registry(registry) as reg:
        assert [s.status for s in reg.history()] == ["accepted", "rejected", "rejected"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`gosprog quarterly demo --format xlsx`, run once for the module (about 10 s)."""
    out = tmp_path_factory.mktemp("demo")
    result = _run(["demo", "--data", DATA_DIR, "--out", out, "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    return out / "social-support-vologda" / "quarterly" / "2021", result.output


def test_cli_demo_q3_reports_sokolsky_late(demo):
    base, output = demo
    assert "IV квартал: отчеты в" in output
    assert ("20211007-camps-2021-q2-sokolsky.xlsx: ОТКЛОНЕН:\n  - форма выдана на другой период" in output
            and "требуется: III квартал 2021 года; в файле: II квартал 2021 года" in output)
    ws = load_workbook(base / "q3" / "reports" / "camps-svodnyy-otchet.xlsx").worksheets[0]
    assert ws["A1"].value == NOTICE
    row = next(r for r in ws.iter_rows(values_only=True) if r[1] == "Сокольский муниципальный район")
    assert row[9:] == ("12.10.2021", "с опозданием на 2\u00a0дн.")
    assert D(str(row[3])) == D("440771.92")


def test_cli_demo_q3_report_lists_the_rejected_wrong_period_file(demo, data):
    base, _ = demo
    with Registry(base.parent.parent / "submissions") as reg:
        doc = reports.consolidated_report(data, reg, "camps", YEAR, 3)
    texts = [b.text for s in doc.sections for b in s.blocks if isinstance(b, model.Paragraph)]
    assert any("20211007-camps-2021-q2-sokolsky.xlsx" in t for t in texts), texts[-3:]


def test_municipality_report_names_its_subsidy_and_the_year(demo, data):
    """Issue 17: the report says which subsidy it is about, "на 2021 год" instead of "на 20__ год", and
    never prints "г.." after a date."""
    base, _ = demo
    with Registry(base.parent.parent / "submissions") as reg:
        submission = next(s for s in reg.history() if s.status == "accepted" and s.subsidy == "education")
    doc = reports.municipality_report(data, submission)
    texts = [b.text for s in doc.sections for b in s.blocks if isinstance(b, model.Paragraph)]
    assert data.subsidies["education"].name in texts
    assert not any("г.." in t for t in texts)
    table = next(doc.tables())
    head = [table.cell_text(p.cell, p.col) for placed in table.placements(table.head_rows()) for p in placed]
    assert any("на 2021\u00a0год" in h for h in head) and not any("20__" in h for h in head)


# --- issue 18 point 2 / issue 21: the seven faulty files of the demo, in the accountant's words ---------------

FAULTY = {   # file of the demo → what its message must say
    "20210402-camps-2021-q1-vologodsky.xlsx": "форма не заполнена",
    "20210409-housing-2021-q1-kirillovsky.xlsx": "больше двух знаков после запятой (в файле: 119\u00a0794,527)",
    "20210708-housing-2021-q2-kirillovsky.xlsx": "вместо суммы записан текст (в файле: «сто тысяч»)",
    "20211005-education-2021-q3-kharovsky.xlsx": "(требуется: не меньше 158\u00a0805,42 руб.; в файле: 35\u00a0290,09 руб.)",
    "20211006-housing-2021-q3-nyuksensky.xlsx": "израсходовано 852\u00a0524,46 руб., поступило 837\u00a0524,46 руб.",
    "20211007-camps-2021-q2-sokolsky.xlsx": "требуется: III квартал 2021 года; в файле: II квартал 2021 года",
    "20220109-camps-2021-q4-gryazovetsky.xlsx": "требуется не менее 80\u00a0286,03 руб.",
}
FAULTY_ANNUAL = {   # the annual results form of the demo sent without the reason for a result not achieved
    "20220114-camps-2021-god-sokolsky.xlsx": "результат не достигнут, а причина недостижения не указана (требуется: "
                                             "план 1 ед.; в файле: факт 0 ед.)",
}
DECIMAL_POINT = re.compile(r"(?<![\d.])\d+\.\d+(?![\d.])")          # 100.00, never a date 08.04.2021
INTERNAL = re.compile(r"\b(?:YTD|PERIOD|KOPECKS|TEXT|EMPTY|FORMULA|Q0\d|F0\d|agreement|regional|local|extra|"
                      r"received|used|total|row|_identity)\b|[a-z_]+\.[a-z_]+")


def _rejections(output: str) -> dict[str, str]:
    found, current = {}, None
    for line in output.splitlines():
        if line.endswith(": ОТКЛОНЕН:"):
            current = line[: -len(": ОТКЛОНЕН:")]
            found[current] = ""
        elif current and line.startswith("  - "):
            found[current] += line[4:] + "\n"
        else:
            current = None
    return found


def test_demo_faulty_files_speak_the_accountants_language(demo, data):
    """The seven refused files of `quarterly demo`: each message names the line and column as printed,
    prints amounts Russian style with kopecks, says what to do; no decimal point, no internal name or code,
    no Latin municipality code -- on the console and in the consolidated reports' remarks."""
    base, output = demo
    rejected = _rejections(output)
    assert sorted(rejected) == sorted({**FAULTY, **FAULTY_ANNUAL})
    codes_ = set(data.municipalities)
    for name, text in rejected.items():
        assert normalise({**FAULTY, **FAULTY_ANNUAL}[name]) in normalise(text), (name, text)
        assert not DECIMAL_POINT.search(text), text
        assert not INTERNAL.search(text), text
        assert not any(re.search(rf"\b{c}\b", text) for c in codes_), text
        assert re.search(r"(Впишите|Заполните|Укажите|Израсходовать|Отчет составляется|Суммы)", text), text
    remarks = []
    with Registry(base.parent.parent / "submissions") as reg:
        for sid in sorted(data.subsidies):
            for quarter in (1, 2, 3, 4):
                doc = reports.consolidated_report(data, reg, sid, YEAR, quarter)
                blocks = [b for s in doc.sections for b in s.blocks]
                start = next(i for i, b in enumerate(blocks) if isinstance(b, model.Heading)
                             and b.text.startswith("Замечания проверки"))
                remarks += [b.text for b in blocks[start + 1:] if isinstance(b, model.Paragraph)]
    for name, needle in FAULTY.items():
        (line,) = [r for r in remarks if f"«{name}»" in r]
        assert normalise(needle) in normalise(line), line
        text = line.replace(f"«{name}»", "«…»")               # the file's own name may hold anything
        assert not DECIMAL_POINT.search(text) and not INTERNAL.search(text), text
        assert not any(re.search(rf"\b{c}\b", text) for c in codes_), text


# --- issue 21: one registry, reports that never destroy, protocols, "устранено" ------------------------------


def _docx_text(path: Path) -> str:
    return normalise("\n".join(p.text for p in docx.Document(str(path)).paragraphs))


def test_demo_refused_file_gets_a_protocol_and_its_correction_is_resolved(demo, data):
    """Gryazovetsky's Q4 camps report is refused, gets its protocol (DOCX and PDF, in the registry's
    folder), re-submits; the protocols and the consolidated report say "устранено" with the date."""
    base, output = demo
    folder = base.parent.parent / "submissions" / "protocols" / "2021" / "q4"
    with Registry(base.parent.parent / "submissions") as reg:
        refused, fixed = reg.history("camps", YEAR, 4, "gryazovetsky")
    assert (refused.status, fixed.status, fixed.version) == ("rejected", "accepted", 1)
    name = f"protokol-{refused.id:05d}-camps-gryazovetsky"
    text = _docx_text(folder / f"{name}.docx")
    for needle in ("Протокол проверки отчета N", "Муниципальное образование: Грязовецкий муниципальный район",
                   "Субсидия: " + data.subsidies["camps"].name, "Отчетный период: IV квартал 2021 года",
                   "Дата получения: 9 января 2022 г.", "Файл: «20220109-camps-2021-q4-gryazovetsky.xlsx»",
                   "Результат проверки: ОТКЛОНЕН", "требуется не менее 80 286,03 руб.",
                   "1. Строка «Средства бюджета муниципального образования (софинансирование)»",
                   "Замечания устранены: исправленный отчет получен 12 января 2022 г. и принят"):
        assert needle in text, (needle, text)
    pdf = " ".join(pdf_pages_text((folder / f"{name}.pdf").read_bytes()))
    assert "Результат проверки: ОТКЛОНЕН" in squash(pdf) or "ОТКЛОНЕН" in pdf
    assert "80 286,03" in pdf and "Грязовецкий" in pdf and NOTICE in pdf
    accepted = _docx_text(folder / f"protokol-{fixed.id:05d}-camps-gryazovetsky.docx")
    assert "Результат проверки: ПРИНЯТ (версия 1, с опозданием на 2 дн.)" in accepted
    assert "Замечания по файлу «20220109-camps-2021-q4-gryazovetsky.xlsx», полученному 9 января 2022 г." in accepted
    with Registry(base.parent.parent / "submissions") as reg:            # one protocol for every row
        rows = reg.history(year=YEAR)
    written = {p.name for p in (base.parent.parent / "submissions" / "protocols").rglob("*.docx")}
    assert written == {f"protokol-{s.id:05d}-{s.subsidy}-{s.municipality}.docx" for s in rows}
    ws = load_workbook(base / "q4" / "reports" / "camps-svodnyy-otchet.xlsx").worksheets[0]
    remarks = [str(c) for r in ws.iter_rows(values_only=True) for c in r if c and "gryazovetsky" in str(c)]
    (remark,) = remarks
    assert "Статус: устранено 12.01.2022 (принята версия 1)." in normalise(remark)


def test_report_reads_the_demos_registry_and_an_empty_registry_writes_nothing(demo, tmp_path):
    """Issue 21: after the demo, `quarterly report` with the same --out reads the demo's registry (no
    "не представлен" everywhere); with a registry that has nothing for the period it says so, exits 1 and
    leaves the existing reports byte-identical."""
    base, _ = demo
    out = base.parent.parent.parent
    reports_dir = base / "q4" / "reports"
    before = {p.name: p.read_bytes() for p in reports_dir.iterdir() if p.is_file()}
    empty = _run(["report", "--data", DATA_DIR, "--year", 2021, "--quarter", 4, "--subsidy", "camps", "--out", out,
                  "--registry", tmp_path / "empty", "--format", "xlsx"])
    assert empty.exit_code == 1
    assert "нет отчетов за IV квартал 2021 года: ничего не записано" in normalise(empty.output)
    assert {p.name: p.read_bytes() for p in reports_dir.iterdir() if p.is_file()} == before
    again = _run(["report", "--data", DATA_DIR, "--year", 2021, "--quarter", 4, "--subsidy", "camps", "--out", out,
                  "--format", "xlsx"])
    assert again.exit_code == 0, again.output
    after = {p.name for p in reports_dir.iterdir() if p.is_file()}
    assert after == set(before)                             # the other subsidies' reports are kept
    for name in before:
        if not name.startswith("camps"):
            assert (reports_dir / name).read_bytes() == before[name], name
    ws = load_workbook(reports_dir / "camps-svodnyy-otchet.xlsx").worksheets[0]
    statuses = [r[10] for r in ws.iter_rows(values_only=True) if re.fullmatch(r"\d+\.", str(r[0]))]
    assert len(statuses) == 8 and "не представлен" not in statuses


def test_sample_filling_is_byte_reproducible(data):
    """A re-run of the demo fills byte-identical files, so they are recognised and change nothing."""
    from generator.quarterly.sample import fill
    entry = next(e for e in data.sample_submissions[YEAR].submissions if e.subsidy == "camps")
    form = make_form(data, "camps", entry.municipality, entry.quarter)
    assert fill(form, data.form_of("camps"), entry) == fill(form, data.form_of("camps"), entry)


def _annual_money(path: Path) -> dict[str, list[tuple]]:
    """Per "Расчет объема средств" sheet of the annual workbook: (municipality, received, unused) rows."""
    wb = load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        if ws.title.startswith("Расчет объема средств"):
            out[ws.title] = [(r[1], D(str(r[2])).quantize(KOP), D(str(r[3])).quantize(KOP))
                             for r in ws.iter_rows(min_row=5, values_only=True)
                             if r[0] and re.fullmatch(r"\d+\.", str(r[0]))]
    return out


def test_annual_money_is_the_sum_of_the_accepted_q4_reports(demo, data, data_copy, tmp_path):
    """Issue 21 point 4: `annual` takes each municipality's received and unused money from the accepted
    IV-quarter report of the demo's registry (the corrected Gryazovetsky version, not the refused one); a
    figure of annual/<year>.yaml that differs is a finding and the registry's figure is used."""
    base, _ = demo
    out = base.parent.parent.parent
    registry = base.parent.parent / "submissions"
    result = CliRunner().invoke(cli_main, ["annual", str(DATA_DIR), "--year", "2021", "--out", str(out),
                                           "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    assert "замечание" not in result.output and "взяты из annual" not in result.output
    money = _annual_money(out / "social-support-vologda" / "annual" / "2021" / "01-rezultaty-subsidiy.xlsx")
    with Registry(registry) as reg:
        for sheet, sid in zip(sorted(money), sorted(data.subsidies)):
            spec = data.form_of(sid)
            row_r, _, col_r = spec.summary["received"].partition(".")
            row_u, _, col_u = spec.summary["used"].partition(".")
            latest = reg.latest(sid, YEAR, 4)
            expected = {data.municipalities[c].name: (s.figures[row_r][col_r],
                                                      s.figures[row_r][col_r] - s.figures[row_u][col_u])
                        for c, s in latest.items()}
            assert {name: (rec, unused) for name, rec, unused in money[sheet]} == expected, sid
            assert sum(rec for _, rec, _ in money[sheet]) == sum(v[0] for v in expected.values())
        gryazovetsky = reg.latest("camps", YEAR, 4)["gryazovetsky"]
        assert gryazovetsky.original_name.startswith("20220112")        # the corrected file's figures
    facts = data_copy / "annual" / "2021.yaml"
    facts.write_text(facts.read_text(encoding="utf-8").replace("received: 899369.17", "received: 900000.00", 1),
                     encoding="utf-8")
    changed = CliRunner().invoke(cli_main, ["annual", str(data_copy), "--year", "2021", "--out",
                                            str(tmp_path / "out"), "--registry", str(registry), "--format", "xlsx"])
    assert changed.exit_code == 0, changed.output
    (line,) = [x for x in normalise(changed.output).splitlines() if x.startswith("замечание:")]
    assert line.startswith(f"замечание: Бабаевский муниципальный район, {data.subsidies['camps'].name}: поступило в "
                           "annual/2021.yaml - 900 000,00 руб., в принятом отчете за IV квартал (N ")
    assert line.endswith(" - 899 369,17 руб.; использована сумма отчета")
    again = _annual_money(tmp_path / "out" / "social-support-vologda" / "annual" / "2021" / "01-rezultaty-subsidiy.xlsx")
    assert again == money


# --- issue 21 point 5: a quarterly deadline the rules leave to the agreement is labelled --------------------


def test_housing_quarterly_deadline_is_labelled_as_the_developers_choice(demo, data, tmp_path):
    """The housing rules (п. 7.1, act line 3839) leave the quarterly deadline to the agreement: the consolidated
    report, the protocol (DOCX read back) and the issued form say the 10th is the report developer's choice;
    camps' 10th is its rules' own (section 6) and carries no such label."""
    base, _ = demo
    label = ("срок установлен соглашением (п. 7.1 правил); в расчете принято 10-е число месяца, следующего за "
             "кварталом, - метод выбран разработчиком отчета")
    with Registry(base.parent.parent / "submissions") as reg:
        housing = writers.write(reports.consolidated_report(data, reg, "housing", YEAR, 1), tmp_path / "h.docx")
        camps = writers.write(reports.consolidated_report(data, reg, "camps", YEAR, 1), tmp_path / "c.docx")
        rows = reg.history("housing", YEAR, 1)
    assert f"Срок представления отчетов: до 10 апреля 2021 г. ({label})" in _docx_text(housing)
    assert "Срок представления отчетов: до 10 апреля 2021 г." in _docx_text(camps)
    assert "разработчиком отчета" not in _docx_text(camps)
    protocol = base.parent.parent / "submissions" / "protocols" / "2021" / "q1" / \
        f"protokol-{rows[0].id:05d}-housing-{rows[0].municipality}.docx"
    assert f"Срок представления: до 10 апреля 2021 г. включительно ({label})" in _docx_text(protocol)
    form = make_form(data, "housing", "kirillovsky", 1)
    ws = load_workbook(io.BytesIO(form)).worksheets[0]
    assert any(label in str(c) for r in ws.iter_rows(values_only=True) for c in r if c)


def test_a_file_refused_by_an_import_filter_is_accepted_when_sent_without_it(data, registry):
    """A form refused only because this import collected another period (``--quarter 3``) is checked again
    when it comes again: accepted then, once; sent a third time it is the accepted duplicate."""
    from generator.quarterly.intake import Expectation
    agreement = data.agreement("camps", "belozersky", YEAR)
    good = type_into(make_form(data, "camps", "belozersky"), data.form_of("camps"), camps_values(agreement))
    refused = submit(data, registry, good, received=dt.date(2021, 4, 2), name="a.xlsx",
                     expect=Expectation(YEAR, 3, None))
    assert refused.status == "rejected" and "III квартал 2021 года" in str(refused.problems[0])
    again = submit(data, registry, good, received=dt.date(2021, 4, 3), name="a.xlsx",
                   expect=Expectation(YEAR, 3, None))
    assert again.status == "duplicate" and again.submission.id == refused.submission.id     # same refusal
    accepted = submit(data, registry, good, received=dt.date(2021, 4, 4), name="a.xlsx")
    assert accepted.status == "accepted" and accepted.submission.version == 1
    third = submit(data, registry, good, received=dt.date(2021, 4, 5), name="a.xlsx")
    assert third.status == "duplicate" and third.submission.id == accepted.submission.id


def test_a_typed_text_keeps_its_words_apart_and_its_lines():
    """A reason or comment as read from a form: a tab typed between words is a space (the documents print no tab
    stops, and the PDF joined the words), line breaks of every spreadsheet program are line feeds, other control
    characters are dropped."""
    from generator.quarterly.importer import clean_text
    assert clean_text("не\tдостигнут\r\nиз-за\x0bпогоды\rв июне\x01") == "не достигнут\nиз-за\nпогоды\nв июне"


def test_consolidated_report_names_the_budget_of_the_program(data, registry):
    """The budget the subsidy comes from is the program's wording (templates/wording.yaml), not a word of code: a
    region's program says «областного бюджета», a program of a krai «краевого бюджета»."""
    from generator import wording
    from generator.quarterly.reports import consolidated_report

    def texts(doc):
        return [b.text for s in doc.sections for b in s.blocks if isinstance(b, model.Heading)] + \
            [c.value for t in doc.tables() for r in t.header for c in r.cells]

    regional = texts(consolidated_report(data, registry, "camps", YEAR, 1))
    assert any(t.endswith("предоставлена субсидия из областного бюджета") for t in regional)
    assert "Средства субсидии (областной бюджет)" in regional
    krai = texts(consolidated_report(data, registry, "camps", YEAR, 1, wording.Wording(budget="krai")))
    assert any(t.endswith("предоставлена субсидия из краевого бюджета") for t in krai)
    assert "Средства субсидии (краевой бюджет)" in krai and not any("областн" in t for t in krai)
