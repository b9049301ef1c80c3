"""A municipality downloads its form, fills it with openpyxl, uploads it and sees the result at once;
the department sees the status table and downloads the consolidated report (TestClient, SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import Decimal

import docx
import pytest
from openpyxl import load_workbook

from generator.portal.db import AuditEntry, SubmissionRow
from .portalkit import make_portal, XLSX, camps_values, ru, token_of, type_into, upload


def download_form(client, code="babaevsky", subsidy="camps"):
    response = client.get(f"/mo/{code}/forms/{subsidy}/2021/1")
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert f"{subsidy}-2021-q1-{code}.xlsx" in response.headers["content-disposition"]
    return response.content


def test_municipality_page_lists_open_period_with_deadline(portal):
    client = portal.logged_in("mo-babaevsky")
    page = client.get("/")
    assert page.url.path == "/mo/babaevsky"
    assert "Бабаевский муниципальный район" in page.text
    assert "I квартал 2021 года" in page.text and "до 10.04.2021" in page.text
    assert "не представлен" in page.text
    assert "II квартал" not in page.text           # the second quarter's reporting date has not come


def test_download_fill_upload_accepted_then_history_status_and_report(portal, subsidies):
    client = portal.logged_in("mo-babaevsky")
    form = download_form(client)
    wb = load_workbook(io.BytesIO(form))
    assert wb["Отчет"]["A3"].value == "Бабаевский муниципальный район"
    agreement = subsidies.agreement("camps", "babaevsky", 2021)
    values = camps_values(agreement)
    filled = type_into(form, subsidies.form_of("camps"), values)
    result = upload(client, "babaevsky", filled)
    assert result.status_code == 200
    assert "Принят" in result.text and "версия 1" in result.text and "Отклонен" not in result.text
    (row,) = portal.rows(SubmissionRow)
    assert (row.status, row.municipality, row.owner, row.version, row.submitted_by) == \
        ("accepted", "babaevsky", "babaevsky", 1, "mo-babaevsky")
    assert row.sha256 == hashlib.sha256(filled).hexdigest()
    stored = portal.settings.portal_dir / row.stored_as
    assert stored.read_bytes() == filled and oct(stored.stat().st_mode & 0o777) == "0o600"

    history = client.get("/mo/babaevsky/history")
    assert "otchet.xlsx" in history.text and "принят, версия 1" in history.text
    home = client.get("/mo/babaevsky")
    assert "status-accepted" in home.text and "не представлен" not in home.text
    page = client.get(f"/mo/babaevsky/submissions/{row.id}").text
    assert "I квартал 2021 года" in page and "1 квартал" not in page      # as the form and the protocol name it
    original = client.get(f"/mo/babaevsky/submissions/{row.id}/file")
    assert original.content == filled
    protocol = client.get(f"/mo/babaevsky/submissions/{row.id}/protocol.docx")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(protocol.content)).paragraphs)
    assert "Результат проверки: ПРИНЯТ (версия 1, в срок)" in text and "Бабаевский муниципальный район" in text

    department = portal.logged_in("department")
    table = department.get("/department/camps/2021/1")
    assert table.status_code == 200
    assert "Принято: 1 (с опозданием: 0), отклонено: 0, не представлено: 7" in table.text
    babaevsky_row = table.text.split("Бабаевский муниципальный район")[1].split("</tr>")[0]
    assert "принят" in babaevsky_row and f"N {row.id}" in babaevsky_row
    belozersky_row = table.text.split("Белозерский муниципальный район")[1].split("</tr>")[0]
    assert "не представлен" in belozersky_row
    report = department.get("/department/camps/2021/1/report.xlsx")
    assert report.status_code == 200 and report.headers["content-type"] == XLSX
    ws = load_workbook(io.BytesIO(report.content)).active
    cells = [c for r in ws.iter_rows() for c in r if c.value is not None]
    texts = " ".join(str(c.value) for c in cells)
    assert "Бабаевский муниципальный район" in texts and "не представлен" in texts
    numbers = {Decimal(str(c.value)).quantize(Decimal("0.01")) for c in cells if isinstance(c.value, (int, float))}
    assert values["regional"]["used"] in numbers and values["regional"]["received"] in numbers
    docx_report = department.get("/department/camps/2021/1/report.docx")
    doc = docx.Document(io.BytesIO(docx_report.content))
    cell_texts = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert ru(values["regional"]["used"]).replace(" ", "\u00a0") in cell_texts or \
        ru(values["regional"]["used"]) in cell_texts


def test_faulty_upload_shows_problems_with_cells_then_correction_is_version_one(portal, subsidies):
    client = portal.logged_in("mo-babaevsky")
    form = download_form(client)
    values = camps_values(subsidies.agreement("camps", "babaevsky", 2021))
    values["regional"]["used"] = values["regional"]["received"] + Decimal("100.00")      # spent more than came
    result = upload(client, "babaevsky", type_into(form, subsidies.form_of("camps"), values), name="oshibka.xlsx")
    assert result.status_code == 200
    assert "Отклонен" in result.text and "Принят" not in result.text
    assert "Израсходовано средств субсидии больше, чем поступило" in result.text
    assert "(ячейка D11 листа «Отчет»)" in result.text and "Q02" not in result.text
    (rejected,) = portal.rows(SubmissionRow)
    assert rejected.status == "rejected" and rejected.version is None
    detail = client.get(f"/mo/babaevsky/submissions/{rejected.id}")
    assert ("Строка «Субсидия из областного бюджета» (ячейка D11 листа «Отчет»): Израсходовано средств субсидии "
            "больше, чем поступило") in detail.text

    values = camps_values(subsidies.agreement("camps", "babaevsky", 2021))
    fixed = upload(client, "babaevsky", type_into(form, subsidies.form_of("camps"), values))
    assert "Принят" in fixed.text and "версия 1" in fixed.text
    department = portal.logged_in("department")
    table = department.get("/department/camps/2021/1")
    assert "Принято: 1 (с опозданием: 0), отклонено: 0, не представлено: 7" in table.text


def test_not_a_workbook_is_rejected_on_the_uploaders_page(portal):
    client = portal.logged_in("mo-babaevsky")
    result = upload(client, "babaevsky", b"this is not a spreadsheet", name="notes.xlsx")
    assert "Отклонен" in result.text and "это не ZIP-архив" in result.text
    (row,) = portal.rows(SubmissionRow)
    assert (row.owner, row.municipality, row.subsidy, row.year, row.quarter) == \
        ("babaevsky", "babaevsky", "camps", 2021, 1)
    assert "notes.xlsx" in portal.logged_in("mo-babaevsky").get("/mo/babaevsky/history").text
    assert "notes.xlsx" not in portal.logged_in("mo-belozersky").get("/mo/belozersky/history").text
    # the file was not kept (it is no form): its page says so instead of linking to it, and the link's address is
    # the Russian 404 page (it was a server error: the registry's folder read as the file; found by the tester)
    page = client.get(f"/mo/babaevsky/submissions/{row.id}")
    assert "Исходный файл не сохранен: он не прочитан как форма" in page.text
    assert f"/submissions/{row.id}/file" not in page.text
    missing = client.get(f"/mo/babaevsky/submissions/{row.id}/file")
    assert missing.status_code == 404 and "Страница не найдена" in missing.text


@pytest.mark.parametrize("number", ["2147483648", "99999999999999999999999999"])
def test_a_submission_number_no_database_key_can_be_is_the_russian_404(portal, number):
    """Found by the tester: /mo/…/submissions/99999999999999999999999999 was a server error (SQLite: «Python int
    too large to convert to SQLite INTEGER»; PostgreSQL's INTEGER ends at 2 147 483 647)."""
    client = portal.logged_in("mo-babaevsky")
    for tail in ("", "/file", "/protocol.pdf"):
        response = client.get(f"/mo/babaevsky/submissions/{number}{tail}")
        assert response.status_code == 404 and "Страница не найдена" in response.text, tail


def test_late_upload_is_accepted_with_delay(tmp_path, database_url, program_data):
    portal = make_portal(tmp_path, database_url, program_data, today=dt.date(2021, 4, 12))
    subsidies = program_data[1]
    client = portal.logged_in("mo-babaevsky")
    form = download_form(client)
    values = camps_values(subsidies.agreement("camps", "babaevsky", 2021))
    result = upload(client, "babaevsky", type_into(form, subsidies.form_of("camps"), values))
    assert "Принят с опозданием на 2 дн." in result.text
    table = portal.logged_in("department").get("/department/camps/2021/1")
    assert "принят с опозданием (2 дн.)" in table.text


def test_audit_log_records_who_what_file_and_result(portal, subsidies):
    client = portal.logged_in("mo-babaevsky")
    form = download_form(client)
    filled = type_into(form, subsidies.form_of("camps"), camps_values(subsidies.agreement("camps", "babaevsky", 2021)))
    upload(client, "babaevsky", filled)
    entries = [(e.login, e.action, e.target, e.sha256, e.result) for e in portal.rows(AuditEntry)]
    assert ("mo-babaevsky", "login", None, None, "успешно") in entries
    assert ("mo-babaevsky", "form_download", "camps/2021/q1/babaevsky", None, "выдана форма") in entries
    uploads = [e for e in entries if e[1] == "upload"]
    assert len(uploads) == 1
    assert uploads[0][2] == "camps/2021/q1/babaevsky" and uploads[0][3] == hashlib.sha256(filled).hexdigest()
    assert uploads[0][4].startswith("принят (N ")
    page = portal.logged_in("department").get("/department/audit")
    assert "form_download" in page.text and hashlib.sha256(filled).hexdigest()[:16] in page.text


def test_health_and_russian_error_pages(portal):
    client = portal.client()
    assert client.get("/health").json() == {"status": "ok", "database": "ok"}
    client = portal.logged_in("mo-babaevsky")
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "Страница не найдена" in missing.text
    unknown_period = client.get("/mo/babaevsky/forms/camps/2021/3")
    assert unknown_period.status_code == 404 and "Страница не найдена" in unknown_period.text
    foreign = client.get("/department")
    assert foreign.status_code == 403 and "Доступ запрещен" in foreign.text


def test_migrations_run_at_start_and_are_idempotent(portal):
    from generator.portal.db import current_revision, upgrade
    engine = portal.app.state.engine
    assert current_revision(engine) == "0001"
    upgrade(engine)
    assert current_revision(engine) == "0001"


def test_session_cookie_is_signed_httponly_samesite(portal):
    client = portal.client()
    page = client.get("/login")
    response = client.post("/login", data={"login": "mo-babaevsky", "password": "Babaevo-pass-2021",
                                           "csrf_token": token_of(page.text)}, follow_redirects=False)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("gosprog_session=") and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    value = cookie.split(";")[0].split("=", 1)[1]
    client.cookies.clear()
    client.cookies.set("gosprog_session", value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB"))
    assert client.get("/mo/babaevsky").url.path == "/login"          # a tampered cookie is no session


def test_rejection_protocol_pdf_lists_the_problems(portal, subsidies):
    from pypdf import PdfReader
    client = portal.logged_in("mo-babaevsky")
    form = download_form(client)
    values = camps_values(subsidies.agreement("camps", "babaevsky", 2021))
    values["regional"]["used"] = values["regional"]["received"] + Decimal("100.00")
    upload(client, "babaevsky", type_into(form, subsidies.form_of("camps"), values))
    (row,) = portal.rows(SubmissionRow)
    response = client.get(f"/mo/babaevsky/submissions/{row.id}/protocol.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Результат проверки: ОТКЛОНЕН" in text and "Q02" not in text and "(ячейка D11 листа «Отчет»)" in text


def test_server_error_page_is_russian_and_hides_the_trace(portal, monkeypatch):
    from fastapi.testclient import TestClient
    from generator.portal import quarterly
    client = portal.logged_in("department")
    client = TestClient(portal.app, raise_server_exceptions=False, cookies=client.cookies)

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")
    monkeypatch.setattr(quarterly, "consolidated", broken)
    response = client.get("/department/camps/2021/1/report.xlsx")
    assert response.status_code == 500
    assert "Внутренняя ошибка" in response.text and "secret internal detail" not in response.text


def test_department_page_labels_housings_agreement_deadline(portal):
    """Issue 21 point 5: the housing rules leave the quarterly deadline to the agreement; the portal says the
    10th is the report developer's choice, and camps' deadline (its rules' own) carries no label."""
    page = portal.logged_in("department").get("/")
    rows = page.text.split("<tr>")
    housing = next(r for r in rows if "приспособлению жилого помещения" in r and "I квартал 2021" in r)
    camps = next(r for r in rows if "загородных оздоровительных лагерей" in r and "I квартал 2021" in r)
    assert ("до 10.04.2021 (срок установлен соглашением (п. 7.1 правил); в расчете принято 10-е число месяца, "
            "следующего за кварталом, - метод выбран разработчиком отчета)") in housing
    assert "до 10.04.2021</td>" in camps
