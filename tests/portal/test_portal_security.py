"""Isolation between municipalities on every route, CSRF, anonymous access, login rate limits, forged and
foreign forms, upload size limits, and the ``gosprog users`` commands (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from generator.portal.db import Account, AuditEntry, SubmissionRow
from .portalkit import DATA_DIR, PASSWORDS, make_portal, XLSX, camps_values, log_in, token_of, type_into, upload

OWN, FOREIGN = "babaevsky", "belozersky"


def accepted_upload(portal, subsidies, login, code):
    client = portal.logged_in(login)
    form = client.get(f"/mo/{code}/forms/camps/2021/1").content
    result = upload(client, code, type_into(form, subsidies.form_of("camps"),
                                            camps_values(subsidies.agreement("camps", code, 2021))))
    assert "Принят" in result.text
    return [r for r in portal.rows(SubmissionRow) if r.owner == code][-1]


def app_routes(app) -> set[tuple[str, str]]:
    out = set()
    for route in app.routes:
        for method in sorted(getattr(route, "methods", None) or []):
            if method != "HEAD":
                out.add((method, route.path))
    return out


# Every route of the application, with what a municipality account gets when it names another municipality,
# another municipality's submission, or a department page. A route added without a line here fails the test.
def foreign_requests(foreign_id: int, own_id: int):
    return {
        ("GET", "/health"): None,
        ("GET", "/login"): None,
        ("POST", "/login"): None,
        ("POST", "/logout"): None,
        ("GET", "/"): None,
        ("GET", "/mo/{code}"): [("GET", f"/mo/{FOREIGN}", 403)],
        ("GET", "/mo/{code}/forms/{subsidy}/{year}/{quarter}"): [("GET", f"/mo/{FOREIGN}/forms/camps/2021/1", 403)],
        ("GET", "/mo/{code}/submit/{subsidy}/{year}/{quarter}"): [("GET", f"/mo/{FOREIGN}/submit/camps/2021/1", 403)],
        ("POST", "/mo/{code}/submit/{subsidy}/{year}/{quarter}"): [("POST", f"/mo/{FOREIGN}/submit/camps/2021/1", 403)],
        ("GET", "/mo/{code}/history"): [("GET", f"/mo/{FOREIGN}/history", 403)],
        ("GET", "/mo/{code}/submissions/{submission_id}"): [
            ("GET", f"/mo/{FOREIGN}/submissions/{foreign_id}", 403),
            ("GET", f"/mo/{OWN}/submissions/{foreign_id}", 404),
            ("GET", f"/mo/{FOREIGN}/submissions/{own_id}", 403)],
        ("GET", "/mo/{code}/submissions/{submission_id}/file"): [
            ("GET", f"/mo/{FOREIGN}/submissions/{foreign_id}/file", 403),
            ("GET", f"/mo/{OWN}/submissions/{foreign_id}/file", 404)],
        ("GET", "/mo/{code}/submissions/{submission_id}/protocol.{fmt}"): [
            ("GET", f"/mo/{FOREIGN}/submissions/{foreign_id}/protocol.pdf", 403),
            ("GET", f"/mo/{OWN}/submissions/{foreign_id}/protocol.docx", 404),
            ("GET", f"/mo/{OWN}/submissions/{foreign_id}/protocol.pdf", 404)],
        ("GET", "/department"): [("GET", "/department", 403)],
        ("GET", "/department/audit"): [("GET", "/department/audit", 403)],
        ("GET", "/department/{subsidy}/{year}/{quarter}"): [("GET", "/department/camps/2021/1", 403)],
        ("GET", "/department/{subsidy}/{year}/{quarter}/report.{fmt}"): [
            ("GET", "/department/camps/2021/1/report.xlsx", 403)],
    }


def test_municipality_cannot_reach_another_municipalitys_report_through_any_route(portal, subsidies):
    foreign = accepted_upload(portal, subsidies, "mo-belozersky", FOREIGN)
    own = accepted_upload(portal, subsidies, "mo-babaevsky", OWN)
    table = foreign_requests(foreign.id, own.id)
    assert set(table) == app_routes(portal.app), "a route has no isolation case"
    client = portal.logged_in("mo-babaevsky")
    token = token_of(client.get(f"/mo/{OWN}").text)
    before = len(portal.rows(SubmissionRow))
    for cases in filter(None, table.values()):
        for method, url, status in cases:
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token},
                                       files={"file": ("x.xlsx", b"PK\x03\x04", XLSX)})
            assert response.status_code == status, (method, url, response.status_code)
            assert foreign.sha256 not in response.text and "Белозерский" not in response.text
            assert response.headers["content-type"].startswith("text/html")
    assert len(portal.rows(SubmissionRow)) == before
    denied = [e for e in portal.rows(AuditEntry) if e.action == "denied"]
    assert {e.login for e in denied} == {"mo-babaevsky"} and len(denied) >= 10


def test_department_reads_everything_but_cannot_submit(portal, subsidies):
    row = accepted_upload(portal, subsidies, "mo-belozersky", FOREIGN)
    client = portal.logged_in("department")
    assert client.get(f"/mo/{FOREIGN}/submissions/{row.id}/file").content == \
        (portal.settings.portal_dir / row.stored_as).read_bytes()
    assert client.get(f"/mo/{FOREIGN}/history").status_code == 200
    assert client.get(f"/mo/{FOREIGN}/submit/camps/2021/1").status_code == 403


def test_anonymous_reaches_only_login_and_health(portal, subsidies):
    row = accepted_upload(portal, subsidies, "mo-babaevsky", OWN)
    client = portal.client()
    for (method, path) in app_routes(portal.app):
        url = (path.replace("{code}", OWN).replace("{subsidy}", "camps").replace("{year}", "2021")
               .replace("{quarter}", "1").replace("{submission_id}", str(row.id)).replace("{fmt}", "xlsx"))
        response = client.request(method, url, follow_redirects=False)
        if (method, path) in {("GET", "/login"), ("GET", "/health")}:
            assert response.status_code == 200
        elif method == "POST" and path in ("/login", "/logout") or "/submit/" in path and method == "POST":
            assert response.status_code in (303, 403), (method, url)      # no session: no CSRF token, no login
            assert row.sha256 not in response.text
        else:
            assert response.status_code == 303 and response.headers["location"] == "/login", (method, url)
    assert len(portal.rows(SubmissionRow)) == 1


def test_posts_without_or_with_a_wrong_csrf_token_are_refused(portal, subsidies):
    client = portal.client()
    client.get("/login")
    no_token = client.post("/login", data={"login": "mo-babaevsky", "password": PASSWORDS["mo-babaevsky"]})
    assert no_token.status_code == 403 and "Форма устарела" in no_token.text
    assert client.get("/mo/babaevsky").url.path == "/login"

    client = portal.logged_in("mo-babaevsky")
    form = client.get("/mo/babaevsky/forms/camps/2021/1").content
    filled = type_into(form, subsidies.form_of("camps"), camps_values(subsidies.agreement("camps", "babaevsky", 2021)))
    for token in ("", "forged-token"):
        response = upload(client, "babaevsky", filled, token=token)
        assert response.status_code == 403 and "Форма устарела" in response.text
    assert portal.rows(SubmissionRow) == []
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/mo/babaevsky").url.path == "/mo/babaevsky"          # still logged in
    # a token of another session is no good either
    other = portal.logged_in("mo-babaevsky")
    other_token = token_of(other.get("/mo/babaevsky").text)
    assert upload(client, "babaevsky", filled, token=other_token).status_code == 403
    assert len([e for e in portal.rows(AuditEntry) if e.action == "csrf"]) == 5


def test_login_is_rate_limited_per_login_and_per_address(tmp_path, database_url, program_data):
    portal = make_portal(tmp_path, database_url, program_data, max_failures_per_login=3, max_failures_per_address=5)
    client = portal.client()
    for _ in range(3):
        assert log_in(client, "mo-babaevsky", "wrong-password-x").status_code == 401
    limited = log_in(client, "mo-babaevsky", PASSWORDS["mo-babaevsky"])      # even the right password
    assert limited.status_code == 429 and "Слишком много попыток входа" in limited.text
    assert "Вход временно заблокирован после нескольких неудачных попыток. Повторите через 15 минут или обратитесь " \
           "в департамент." in limited.text
    assert log_in(client, "mo-belozersky", PASSWORDS["mo-belozersky"]).status_code == 200
    client.post("/logout", data={"csrf_token": token_of(client.get("/mo/belozersky").text)})
    for name in ("nobody-1", "nobody-2"):
        assert log_in(client, name, "whatever-password").status_code == 401
    # five failures from this address: every login is refused from here now
    limited = log_in(client, "mo-vashkinsky", PASSWORDS["mo-vashkinsky"])
    assert limited.status_code == 429
    results = [(e.login, e.result) for e in portal.rows(AuditEntry) if e.action == "login"]
    assert results.count(("mo-babaevsky", "отказ: неверное имя или пароль")) == 3
    assert ("mo-babaevsky", "отказ: слишком много неудачных попыток") in results
    assert ("mo-vashkinsky", "отказ: слишком много неудачных попыток") in results


def test_wrong_password_and_unknown_login_read_the_same(portal):
    client = portal.client()
    wrong = log_in(client, "mo-babaevsky", "not-the-password")
    unknown = log_in(client, "no-such-user", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Неверное имя пользователя или пароль." in wrong.text and "Неверное имя пользователя или пароль." in unknown.text


def test_form_of_another_municipality_is_refused_before_anything_is_recorded(portal, subsidies):
    belozersky = portal.logged_in("mo-belozersky")
    their_form = belozersky.get("/mo/belozersky/forms/camps/2021/1").content
    filled = type_into(their_form, subsidies.form_of("camps"),
                       camps_values(subsidies.agreement("camps", "belozersky", 2021)))
    client = portal.logged_in("mo-babaevsky")
    result = upload(client, "babaevsky", filled)
    assert result.status_code == 422
    assert "форма другого муниципального образования" in result.text.replace("является ", "") or \
        "другого муниципального образования" in result.text
    assert "Белозерский муниципальный район" in result.text and "Принят" not in result.text
    assert portal.rows(SubmissionRow) == []
    assert not (portal.settings.portal_dir / "archive").exists() or \
        not any(p.is_file() for p in (portal.settings.portal_dir / "archive").rglob("*"))
    (entry,) = [e for e in portal.rows(AuditEntry) if e.action == "upload"]
    assert entry.login == "mo-babaevsky" and entry.result == "отказ: форма другого МО"


def test_forged_identity_is_refused_and_stays_with_the_uploader(portal, subsidies):
    client = portal.logged_in("mo-babaevsky")
    form = client.get("/mo/babaevsky/forms/camps/2021/1").content
    wb = load_workbook(io.BytesIO(form))
    ident = wb["_identity"]
    for row in ident.iter_rows():
        if row[0].value == "municipality":
            row[1].value = "belozersky"
    layout_values = camps_values(subsidies.agreement("camps", "babaevsky", 2021))
    out = io.BytesIO()
    wb.save(out)
    forged = type_into(out.getvalue(), subsidies.form_of("camps"), layout_values)
    result = upload(client, "babaevsky", forged)
    assert "Отклонен" in result.text and "подпись служебных данных формы не совпадает" in result.text
    assert "IDENTITY" not in result.text                   # the rule code never reaches the municipality
    (row,) = portal.rows(SubmissionRow)
    assert row.status == "rejected" and row.owner == "babaevsky"
    assert "belozersky" not in (row.municipality or "")
    belozersky = portal.logged_in("mo-belozersky")
    assert "Файлы еще не отправлялись" in belozersky.get("/mo/belozersky/history").text
    table = portal.logged_in("department").get("/department/camps/2021/1").text
    assert "не представлен" in table.split("Белозерский муниципальный район")[1].split("</tr>")[0]


def test_upload_size_limit_from_content_length_and_while_streaming(tmp_path, database_url, program_data):
    portal = make_portal(tmp_path, database_url, program_data, upload_limit=20_000)
    client = portal.logged_in("mo-babaevsky")
    url = "/mo/babaevsky/submit/camps/2021/1"
    token = token_of(client.get(url).text)
    big = upload(client, "babaevsky", b"PK" + b"\0" * 200_000, token=token)
    assert big.status_code == 413 and "Файл слишком большой" in big.text and "не более 20000 байт" in big.text

    def chunks():                             # no Content-Length: the body is counted as it arrives
        yield (f"--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n--b\r\n"
               "Content-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\n\r\n").encode()
        for _ in range(200):
            yield b"\0" * 1024
        yield b"\r\n--b--\r\n"
    streamed = client.post(url, content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"})
    assert streamed.status_code == 413 and "Файл слишком большой" in streamed.text
    # a file just over the limit inside a body under limit + form overhead
    over = upload(client, "babaevsky", b"PK" + b"\0" * 20_000, token=token)
    assert over.status_code == 413
    assert portal.rows(SubmissionRow) == []
    assert [e.result for e in portal.rows(AuditEntry) if e.action == "upload"] == ["отказ: превышен размер файла"] * 3


def test_password_change_ends_open_sessions(portal, monkeypatch):
    from generator.portal import accounts
    client = portal.logged_in("mo-babaevsky")
    assert client.get("/mo/babaevsky").url.path == "/mo/babaevsky"
    with portal.app.state.factory.begin() as db:
        accounts.set_password(db, "mo-babaevsky", "A-brand-new-password")
    assert client.get("/mo/babaevsky").url.path == "/login"
    assert log_in(portal.client(), "mo-babaevsky", "A-brand-new-password").url.path == "/mo/babaevsky"


def test_users_cli_add_list_passwd(tmp_path, monkeypatch):
    from generator.cli import main
    monkeypatch.setenv("GOSPROG_PORTAL_DIR", str(tmp_path / "portal"))
    monkeypatch.delenv("GOSPROG_DATABASE_URL", raising=False)
    monkeypatch.delenv("GOSPROG_SESSION_KEY", raising=False)
    runner = CliRunner()
    data = ["--data", str(DATA_DIR), "--password-stdin"]
    added = runner.invoke(main, ["users", "add", "mo-kaduy", "--role", "municipality", "--municipality", "kaduysky",
                                 *data], input="Kaduy-password-1\n")
    assert added.exit_code == 0, added.output
    assert "пользователь mo-kaduy создан (municipality, kaduysky)" in added.output
    bad = runner.invoke(main, ["users", "add", "mo-x", "--role", "municipality", "--municipality", "atlantida",
                               *data], input="Some-password-1\n")
    assert bad.exit_code == 1 and "муниципальное образование 'atlantida' не найдено" in bad.output
    short = runner.invoke(main, ["users", "add", "otdel", "--role", "department", *data], input="short\n")
    assert short.exit_code == 1 and "пароль короче 10 символов" in short.output
    named = runner.invoke(main, ["users", "add", "otdel", "--role", "department", *data], input="Otdel-password-1\n")
    assert named.exit_code == 1 and "пароль не должен содержать имя пользователя" in named.output
    dept = runner.invoke(main, ["users", "add", "otdel", "--role", "department", *data], input="Department-pw-1\n")
    assert dept.exit_code == 0, dept.output
    listing = runner.invoke(main, ["users", "list", "--data", str(DATA_DIR)])
    assert re.search(r"mo-kaduy\s+municipality\s+kaduysky\s+активна", listing.output)
    assert re.search(r"otdel\s+department\s+-\s+активна", listing.output) and "2 учетные записи" in listing.output
    changed = runner.invoke(main, ["users", "passwd", "mo-kaduy", *data], input="Kaduy-password-2\n")
    assert changed.exit_code == 0 and "пароль пользователя mo-kaduy изменен" in changed.output
    from generator.portal.db import make_engine, sessions
    from generator.portal.accounts import HASHER
    factory = sessions(make_engine(f"sqlite:///{tmp_path / 'portal' / 'portal.sqlite'}"))
    with factory() as db:
        account = db.query(Account).filter_by(login="mo-kaduy").one()
        assert account.password_hash.startswith("$argon2id$") and HASHER.verify(account.password_hash,
                                                                               "Kaduy-password-2")
    key = tmp_path / "portal" / "session.key"
    assert key.exists() and oct(key.stat().st_mode & 0o777) == "0o600"


def test_production_argon2_profile():
    from argon2 import PasswordHasher
    from generator.portal import accounts
    hashed = PasswordHasher().hash("Some-password-1")           # what accounts.HASHER is outside the tests
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert accounts.HASHER.verify(hashed, "Some-password-1")    # any profile verifies any other's hashes


CASES = __import__("pathlib").Path(__file__).resolve().parent / "cases"     # copied from ../shared/cases/forms


def _vologodsky(portal, subsidies):
    from generator.portal import accounts
    with portal.app.state.factory.begin() as db:
        accounts.add(db, "mo-vologodsky", "Vologda-pass-2021", "municipality", "vologodsky", subsidies.municipalities)
    client = portal.client()
    assert log_in(client, "mo-vologodsky", "Vologda-pass-2021").url.path == "/mo/vologodsky"
    return client


def test_shared_case_forged_babaevsky_is_refused_for_the_vologodsky_account(portal, subsidies):
    """forged-babaevsky.xlsx: vologodsky's form with the identity rewritten to babaevsky and the public
    checksum recomputed. The keyed identity (issue 19) refuses it; nothing is archived."""
    client = _vologodsky(portal, subsidies)
    result = upload(client, "vologodsky", (CASES / "forged-babaevsky.xlsx").read_bytes())
    assert "Принят" not in result.text and "Отклонен" in result.text
    rows = portal.rows(SubmissionRow)
    assert [(r.status, r.stored_as) for r in rows] == [("rejected", "")]
    archive = portal.settings.portal_dir / "archive"
    assert not archive.exists() or not [p for p in archive.rglob("*") if p.is_file()]


def test_form_issued_to_another_municipality_is_refused_for_the_account(portal, subsidies):
    """A genuine form of this installation, issued to babaevsky, uploaded from the vologodsky account: the
    portal's account check refuses it before anything is recorded; vologodsky's own form is accepted."""
    from test_forms_cases import resign

    client = _vologodsky(portal, subsidies)
    from generator.quarterly.forms import generate
    other = generate(subsidies.form_of("camps"), subsidies.subsidies["camps"], subsidies.municipalities["babaevsky"],
                     subsidies.agreement("camps", "babaevsky", 2021), 2021, 1, sample=True)
    result = upload(client, "vologodsky", other)
    assert result.status_code == 422 and "Бабаевский муниципальный район" in result.text
    assert "другого муниципального образования" in result.text
    assert portal.rows(SubmissionRow) == []
    own = resign((CASES / "genuine-vologodsky-camps-q1.xlsx").read_bytes(), subsidies)
    genuine = upload(client, "vologodsky", own)
    assert "Принят" in genuine.text
    (row,) = portal.rows(SubmissionRow)
    assert (row.municipality, row.owner, row.status) == ("vologodsky", "vologodsky", "accepted")


@pytest.mark.parametrize("name", ["row_r_not_int", "huge_exponent", "encrypted_flag_workbook", "deflate64_workbook"])
def test_shared_case_malformed_workbook_is_a_russian_refusal_not_a_server_error(portal, subsidies, name):
    client = _vologodsky(portal, subsidies)
    result = upload(client, "vologodsky", (CASES / f"{name}.xlsx").read_bytes(), name=f"{name}.xlsx")
    assert result.status_code in (200, 422), result.text[:300]
    assert "Принят" not in result.text
    assert "файл не удалось прочитать" in result.text or "Отклонен" in result.text
    archive = portal.settings.portal_dir / "archive"
    rows = portal.rows(SubmissionRow)
    archived = [p for p in archive.rglob("*") if p.is_file()] if archive.exists() else []
    assert archived == []                    # a file that is not a readable form is refused, never archived
    assert rows and all(r.status == "rejected" and r.owner == "vologodsky" and r.stored_as == "" for r in rows)


def test_file_names_are_escaped_in_pages(portal):
    client = portal.logged_in("mo-babaevsky")
    name = '<script>alert("x")</script>.xlsx'
    result = upload(client, "babaevsky", b"not a workbook", name=name)
    assert "<script>alert" not in result.text and "&lt;script&gt;alert" in result.text
    history = client.get("/mo/babaevsky/history")          # the registry keeps the name after the last "/"
    assert "<script" not in history.text.lower() and "script&gt;.xlsx" in history.text


@pytest.mark.parametrize("minutes, said", [(1, "через 1 минуту"), (3, "через 3 минуты"), (30, "через 30 минут")])
def test_the_rate_limit_page_names_the_portals_own_window(tmp_path, database_url, program_data, minutes, said):
    """The page said «Повторите через 15 минут» whatever the portal's window was."""
    portal = make_portal(tmp_path, database_url, program_data, max_failures_per_login=1,
                         login_window_minutes=minutes)
    client = portal.client()
    assert log_in(client, "mo-babaevsky", "wrong-password-x").status_code == 401
    limited = log_in(client, "mo-babaevsky", PASSWORDS["mo-babaevsky"])
    assert limited.status_code == 429
    assert f"Повторите {said} или обратитесь в департамент." in limited.text
