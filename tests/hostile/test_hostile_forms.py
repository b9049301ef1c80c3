"""Hostile and broken files given to the import: each is refused with a human-readable Problem and
recorded as rejected; import_bytes never raises, and refuses quickly.

The files are made from a genuine generated form (so that the identity checks pass and the hostile part
is what is tested) or built from scratch with zipfile.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import re
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from generator.quarterly.forms import FormLayout, generate
from generator.quarterly.importer import MAX_FILE_BYTES, MAX_UNPACKED_BYTES
from generator.quarterly.intake import import_bytes

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data" / "social-support-vologda"
YEAR = 2021
SHEET = "Отчет"
SHEET_XML = "xl/worksheets/sheet1.xml"
RECEIVED = dt.date(2021, 4, 5)
CYRILLIC = re.compile(r"[а-яА-ЯёЁ]{3,}")


@pytest.fixture(scope="module")
def camps_form(data) -> bytes:
    return generate(data.form_of("camps"), data.subsidies["camps"], data.municipalities["babaevsky"],
                    data.agreement("camps", "babaevsky", YEAR), YEAR, 1, sample=True)


@pytest.fixture(scope="module")
def education_form(data) -> bytes:
    return generate(data.form_of("education"), data.subsidies["education"], data.municipalities["vashkinsky"],
                    data.agreement("education", "vashkinsky", YEAR), YEAR, 1, sample=True)


GOOD = {"C11": 100000.0, "D11": 80000.0, "C12": 10000.0, "D12": 8000.0}   # passes Q01-Q04 for babaevsky


def edit(form: bytes, change, sheet: str = SHEET) -> bytes:
    wb = load_workbook(io.BytesIO(form))
    change(wb[sheet], wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def fill(form: bytes, cells: dict = GOOD) -> bytes:
    def change(ws, wb):
        for ref, value in cells.items():
            ws[ref].value = value
    return edit(form, change)


def rezip(form: bytes, replace: dict[str, bytes | str] | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(form))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = (replace or {}).get(info.filename, source.read(info.filename))
            target.writestr(info.filename, content)
        for name, content in (extra or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def sheet_xml(form: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(form)).read(SHEET_XML).decode("utf-8")


_BASELINE: list[float] = []


def baseline_import(data, registry) -> float:
    """Seconds to import one genuine filled form here and now (measured once per module, in the same run):
    hostile files are bounded in multiples of it, so a loaded machine slows both sides alike."""
    if not _BASELINE:
        form = fill(generate(data.form_of("camps"), data.subsidies["camps"], data.municipalities["babaevsky"],
                             data.agreement("camps", "babaevsky", YEAR), YEAR, 1, sample=True))
        times = []
        for _ in range(3):
            start = time.perf_counter()
            import_bytes(form, "baseline.xlsx", data, registry, RECEIVED)
            times.append(time.perf_counter() - start)
        _BASELINE.append(sorted(times)[1])
    return _BASELINE[0]


def refused(data, registry, content: bytes, code: str | tuple[str, ...], *, name: str = "hostile.xlsx",
            limit: float = 2.0):
    """Import ``content``: must not raise, must be rejected, quickly, with a readable problem of ``code``
    (or of one of the ``code`` tuple). "Quickly": within ``limit`` seconds or 40 genuine imports measured in
    the same run, whichever is more (a ratio, not a wall-clock promise; speed targets live in bench/)."""
    limit = max(limit, 40 * baseline_import(data, registry))
    start = time.perf_counter()
    result = import_bytes(content, name, data, registry, RECEIVED)
    elapsed = time.perf_counter() - start
    assert result.status == "rejected"
    assert result.problems, "a rejected file needs a reason"
    wanted = (code,) if isinstance(code, str) else code
    assert set(wanted) & {p.code for p in result.problems}, [str(p) for p in result.problems]
    for problem in result.problems:
        text = str(problem)
        # the accountant's words (issue 18): Russian, no rule code, no traceback, one line
        assert CYRILLIC.search(problem.message) and f"[{problem.code}]" not in text, text
        assert "Traceback" not in text and "\n" not in text
    s = result.submission
    assert s.status == "rejected" and s.figures is None and s.findings == [str(p) for p in result.problems]
    if s.stored_as:                     # a readable form refused for its values is kept as received
        assert (registry.folder / s.stored_as).read_bytes() == content
    else:                               # a file that is not a readable form of ours is not archived (issue 19)
        assert s.sha256 == hashlib.sha256(content).hexdigest()
        assert not list((registry.folder / "archive").rglob(f"{s.sha256}*"))
    assert elapsed < limit, f"took {elapsed:.1f} s"
    return result


# --- not a workbook at all ------------------------------------------------------------------------------------


def test_plain_text_renamed_xlsx(data, registry):
    result = refused(data, registry, "Отчет за I квартал: всё в порядке\n".encode("utf-8"), "FILE")
    assert "не является книгой Excel" in result.problems[0].message


def test_empty_file(data, registry):
    refused(data, registry, b"", "FILE")


def test_truncated_zip(data, registry, camps_form):
    refused(data, registry, camps_form[: len(camps_form) // 2], "FILE")
    refused(data, registry, camps_form[:-30], "FILE")


def test_corrupted_entry_inside_a_valid_zip(data, registry, camps_form):
    archive = zipfile.ZipFile(io.BytesIO(camps_form))
    info = archive.getinfo(SHEET_XML)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    broken = bytearray(camps_form)
    for i in range(start + 20, start + 60):
        broken[i] ^= 0x5A
    result = refused(data, registry, bytes(broken), "FILE")
    assert "не удалось прочитать" in result.problems[0].message or "поврежден" in result.problems[0].message


def test_zip_bomb_refused_by_declared_unpacked_size(data, registry, camps_form, monkeypatch):
    bomb = rezip(camps_form, extra={"xl/media/padding.bin": b"0" * (60 * 1024 * 1024)})
    assert len(bomb) < MAX_FILE_BYTES
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(bomb)).infolist()) > MAX_UNPACKED_BYTES
    import openpyxl

    def must_not_open(*args, **kwargs):
        raise AssertionError("openpyxl opened a zip bomb")
    monkeypatch.setattr(openpyxl, "load_workbook", must_not_open)
    from generator.quarterly import xlsxread                  # the reader opens workbooks through this (issue 19)
    monkeypatch.setattr(xlsxread, "_Reader", must_not_open)
    result = refused(data, registry, bomb, "FILE")
    assert "архивную бомбу" in result.problems[0].message


def test_too_many_entries(data, registry, camps_form):
    many = rezip(camps_form, extra={f"customXml/item{i}.xml": b"<a/>" for i in range(250)})
    refused(data, registry, many, "FILE")


def test_huge_file_refused_by_size(data, registry, camps_form, monkeypatch):
    padding = random.Random(0).randbytes(MAX_FILE_BYTES + 512 * 1024)        # incompressible
    huge = rezip(camps_form, extra={"docProps/padding.bin": padding})
    assert len(huge) > MAX_FILE_BYTES
    import openpyxl
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("opened a file over the size limit"))
    from generator.quarterly import xlsxread                  # the reader opens workbooks through this (issue 19)
    monkeypatch.setattr(xlsxread, "_Reader", lambda *a, **k: pytest.fail("opened a file over the size limit"))
    result = refused(data, registry, huge, "FILE")
    assert "слишком большой" in result.problems[0].message


def test_macro_workbook(data, registry, camps_form):
    xlsm = rezip(camps_form, extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 512})
    result = refused(data, registry, xlsm, "FILE", name="report.xlsm")
    assert "макрос" in result.problems[0].message
    assert result.submission.stored_as == ""            # refused before reading: not archived (issue 19)


def test_zip_that_is_not_a_workbook(data, registry):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "hello")
    refused(data, registry, out.getvalue(), "FILE")


def test_xml_entity_expansion(data, registry, camps_form):
    xml = sheet_xml(camps_form)
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    xml = xml.replace("<worksheet", f"<!DOCTYPE worksheet [{entities}]><worksheet", 1)
    xml = re.sub(r'(<c r="A3"[^>]*><is><t>)', r"\1&i;", xml, count=1)
    refused(data, registry, rezip(camps_form, {SHEET_XML: xml}), "FILE")


def test_external_entity_is_not_resolved(data, registry, education_form, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    xml = sheet_xml(fill(education_form, {}))
    xml = xml.replace("<worksheet", f'<!DOCTYPE worksheet [<!ENTITY e SYSTEM "{secret.as_uri()}">]><worksheet', 1)
    xml = xml.replace('<c r="B11" s=', '<c r="B11" t="inlineStr" s=', 1)
    xml = re.sub(r'<c r="B11"([^>]*)/>', r'<c r="B11"\1><is><t>&e;</t></is></c>', xml, count=1)
    result = import_bytes(rezip(education_form, {SHEET_XML: xml}), "x.xlsx", data, registry, RECEIVED)
    assert "TOP-SECRET" not in repr(result.submission.texts) and "TOP-SECRET" not in repr(result.problems)


# --- a workbook, but not our form -----------------------------------------------------------------------------


def test_workbook_without_identity_sheet(data, registry):
    wb = Workbook()
    wb.active.title = SHEET
    wb.active["C11"] = 100
    out = io.BytesIO()
    wb.save(out)
    result = refused(data, registry, out.getvalue(), "IDENTITY")
    assert "служебного листа" in result.problems[0].message


def test_identity_sheet_deleted(data, registry, camps_form):
    def drop(ws, wb):
        del wb["_identity"]
    refused(data, registry, edit(fill(camps_form), drop), "IDENTITY")


def test_report_sheet_renamed(data, registry, camps_form):
    def rename(ws, wb):
        ws.title = "Лист1"
    refused(data, registry, edit(fill(camps_form), rename), "STRUCTURE")


# --- a million rows ---------------------------------------------------------------------------------------------


def test_sheet_declaring_a_million_rows_is_read_safely(data, registry, camps_form):
    xml = sheet_xml(fill(camps_form))
    xml = re.sub(r'<dimension ref="[^"]+"/>', '<dimension ref="A1:XFD1048576"/>', xml)
    content = rezip(fill(camps_form), {SHEET_XML: xml})
    start = time.perf_counter()
    result = import_bytes(content, "dim.xlsx", data, registry, RECEIVED)
    assert time.perf_counter() - start < 2
    if result.status == "accepted":          # the declaration alone is harmless if it is ignored
        assert result.submission.figures["regional"]["received"] == Decimal("100000.00")
    else:
        assert [p.code for p in result.problems] == ["STRUCTURE"]


def test_cell_far_away_is_refused(data, registry, camps_form):
    def far(ws, wb):
        ws["XFD1048576"] = 1
    result = refused(data, registry, edit(fill(camps_form), far), "STRUCTURE")
    assert "1048576 строк" in result.problems[0].message


def _dense(form: bytes, rows: int) -> bytes:
    xml = sheet_xml(form)
    cells = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>1</v></c>' for c in "FGHIJKLMNO") + "</row>"
                    for r in range(30, 30 + rows))
    return rezip(form, {SHEET_XML: xml.replace("</sheetData>", cells + "</sheetData>")})


def test_many_real_cells_are_refused(data, registry, camps_form):
    result = refused(data, registry, _dense(fill(camps_form), 14_000), "STRUCTURE", limit=5.0)  # 14 029 x 15 cells
    # refused by the streaming pass at the row where rows x columns passes the cap (issue 19: before openpyxl)
    assert re.fullmatch(r"лист объявляет не менее 1\d{4} строк и 15 столбцов: форма изменена",
                        result.problems[0].message), result.problems[0].message


def test_many_real_cells_are_refused_quickly(data, registry, camps_form):
    content = _dense(fill(camps_form), 60_000)                                        # 600 000 cells
    assert len(content) < 2 * 1024 * 1024
    start = time.perf_counter()
    import_bytes(fill(camps_form), "baseline.xlsx", data, registry, RECEIVED)
    baseline = time.perf_counter() - start
    refused(data, registry, content, "STRUCTURE", limit=max(1.0, 20 * baseline))


# --- the form's structure changed ---------------------------------------------------------------------------------


def test_merged_cells_in_the_body(data, registry, camps_form):
    def merge(ws, wb):
        ws.merge_cells("C11:D11")
    result = refused(data, registry, edit(fill(camps_form), merge), "STRUCTURE")
    assert result.problems[0].cell == "C11:D11"


def test_merged_label_cells(data, registry, camps_form):
    def merge(ws, wb):
        ws.merge_cells("A12:A13")
    refused(data, registry, edit(fill(camps_form), merge), "STRUCTURE")


def test_merged_range_spanning_the_whole_body(data, registry, camps_form):
    def merge(ws, wb):
        ws.merge_cells("C10:D15")
    refused(data, registry, edit(fill(camps_form), merge), "STRUCTURE")


def test_renamed_row_label(data, registry, camps_form):
    def rename(ws, wb):
        ws["A12"] = "Прочие средства"
    result = refused(data, registry, edit(fill(camps_form), rename), "STRUCTURE")
    problem = result.problems[0]
    assert (problem.cell, problem.found) == ("A12", "Прочие средства")
    assert problem.expected == "Средства бюджета муниципального образования (софинансирование)"


def test_deleted_body_row(data, registry, camps_form):
    def delete(ws, wb):
        ws.delete_rows(12)
    result = refused(data, registry, edit(fill(camps_form), delete), "STRUCTURE")
    assert any(p.cell == "A12" and p.found == "Внебюджетные средства" for p in result.problems)


def test_deleted_row_of_form_1(data, registry, education_form):
    def delete(ws, wb):
        ws.delete_rows(15)
    refused(data, registry, edit(education_form, delete), "STRUCTURE")


def test_inserted_row_of_form_1(data, registry, education_form):
    def insert(ws, wb):
        ws.insert_rows(15)
    refused(data, registry, edit(education_form, insert), "STRUCTURE")


def test_edited_header_text(data, registry, camps_form):
    def change(ws, wb):
        ws["C9"] = "Получено"
    result = refused(data, registry, edit(fill(camps_form), change), "STRUCTURE")
    problem = result.problems[0]
    assert (problem.cell, problem.expected, problem.found) == ("C9", "Поступило", "Получено")
    assert str(problem).startswith("Ячейка C9 листа «Отчет»: заголовок формы изменен (требуется: Поступило; "
                                   "в файле: Получено).")


NON_TEXT_LABEL = ("BUG: generator/quarterly/importer.py:161 (and :173, :180) compares `(value or \"\").strip()`, "
                  "which raises AttributeError when the header/label cell holds a number, so import_bytes raises "
                  "instead of rejecting the file")


def test_header_cell_holding_a_number(data, registry, camps_form):
    def change(ws, wb):
        ws["C9"] = 5
    refused(data, registry, edit(fill(camps_form), change), "STRUCTURE")


def test_row_label_replaced_by_a_number(data, registry, camps_form):
    def change(ws, wb):
        ws["A12"] = 2
    refused(data, registry, edit(fill(camps_form), change), "STRUCTURE")


def test_deleted_header_row(data, registry, camps_form):
    def delete(ws, wb):
        ws.delete_rows(8)
    refused(data, registry, edit(fill(camps_form), delete), "STRUCTURE")


# --- hostile values -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "=cmd|' /C calc'!A0", '=WEBSERVICE("http://x/")'])
@pytest.mark.parametrize("as_formula", [True, False], ids=["formula", "string"])
def test_formula_in_a_text_column_of_form_1(data, registry, education_form, text, as_formula):
    layout = FormLayout(data.form_of("education"))
    ref = layout.ref("r1", "activity")

    def change(ws, wb):
        ws[ref] = text
        if not as_formula:
            ws[ref].data_type = "s"
        ws[layout.ref("r1", "organisation")] = "МБОУ \"Школа N 1\""
    result = refused(data, registry, edit(education_form, change), "FORMULA")
    problem = next(p for p in result.problems if p.code == "FORMULA")
    assert problem.cell == ref == "B11" and "формула вместо текста" in problem.message
    assert problem.todo == "Впишите в ячейку сам текст."
    assert result.submission.texts is None or "activity" not in (result.submission.texts.get("r1") or {})


@pytest.mark.parametrize("value,code", [(1e30, "VALUE"), (-1e30, "VALUE"), (1e13, "VALUE"), ("1e30", "TEXT"),
                                        (True, "TEXT"), (dt.datetime(2021, 4, 1), "TEXT")])
def test_absurd_values(data, registry, camps_form, value, code):
    result = refused(data, registry, fill(camps_form, {**GOOD, "C11": value}), code)
    assert result.problems[0].cell == "C11"


@pytest.mark.parametrize("raw", ["INF", "NaN", "1e400"])
def test_non_finite_numbers_in_the_xml(data, registry, camps_form, raw):
    xml = sheet_xml(fill(camps_form))
    xml, n = re.subn(r'(<c r="C11"[^>]*>)<v>[^<]*</v>', rf"\1<v>{raw}</v>", xml)
    assert n == 1
    refused(data, registry, rezip(fill(camps_form), {SHEET_XML: xml}), ("VALUE", "FILE"))
