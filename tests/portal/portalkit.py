"""Helpers of the portal tests: log in through the page, read CSRF tokens, fill forms with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

from openpyxl import load_workbook

from generator.quarterly.forms import SHEET, FormLayout

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

DATA_DIR = ROOT / "data" / "social-support-vologda"
TODAY = dt.date(2021, 4, 5)
PASSWORDS = {"mo-babaevsky": "Babaevo-pass-2021", "mo-belozersky": "Belozersk-pass-2021",
             "mo-vashkinsky": "Vashki-pass-2021", "department": "Dept-secret-2021"}
ACCOUNTS = {"mo-babaevsky": ("municipality", "babaevsky"), "mo-belozersky": ("municipality", "belozersky"),
            "mo-vashkinsky": ("municipality", "vashkinsky"), "department": ("department", None)}
SECRET = "test-secret-key-0123456789-abcdefghijklmnop"

KOP = Decimal("0.01")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def token_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def log_in(client, login: str, password: str):
    page = client.get("/login")
    return client.post("/login", data={"login": login, "password": password, "csrf_token": token_of(page.text)})


def camps_values(agreement, part: str = "0.5", used_part: str = "0.8") -> dict:
    """Figures that pass every control relation of the expense report (as the accountant would type)."""
    received = (agreement.subsidy_amount * Decimal(part)).quantize(KOP)
    used = (received * Decimal(used_part)).quantize(KOP)
    local_used = (used * (100 - agreement.level) / agreement.level).quantize(KOP, rounding=ROUND_CEILING) + KOP
    return {"regional": {"received": received, "used": used},
            "local": {"received": local_used + Decimal("1000.00"), "used": local_used},
            "extra": {"received": Decimal("0"), "used": Decimal("0")}}


def type_into(form: bytes, spec, values: dict) -> bytes:
    """Open the downloaded form with openpyxl, type the numbers into their input cells, save."""
    wb = load_workbook(io.BytesIO(form))
    ws = wb[SHEET]
    layout = FormLayout(spec)
    for row_key, cols in values.items():
        for col_key, value in cols.items():
            ws[layout.ref(row_key, col_key)].value = float(value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, code: str, content: bytes, subsidy="camps", year=2021, quarter=1, name="otchet.xlsx",
           token: str | None = None):
    url = f"/mo/{code}/submit/{subsidy}/{year}/{quarter}"
    if token is None:
        page = client.get(url)
        token = token_of(page.text) if page.status_code == 200 else ""
    data = {"csrf_token": token} if token != "" else {}
    return client.post(url, data=data, files={"file": (name, content, XLSX)})


def ru(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


class Portal:
    def __init__(self, app, settings):
        self.app, self.settings = app, settings

    def client(self):
        from fastapi.testclient import TestClient
        return TestClient(self.app, follow_redirects=True)

    def logged_in(self, login: str):
        client = self.client()
        response = log_in(client, login, PASSWORDS[login])
        assert response.status_code == 200, response.text[:500]
        return client

    def rows(self, table):
        from sqlalchemy import select
        with self.app.state.factory() as db:
            return list(db.scalars(select(table).order_by(table.id)))


def make_portal(tmp_path, database_url, program_data, today=TODAY, **overrides) -> Portal:
    from generator.portal import accounts
    from generator.portal.app import create_app
    from generator.portal.settings import from_env
    settings = from_env(DATA_DIR, env={}, portal_dir=tmp_path / "portal", database_url=database_url,
                        secret_key=SECRET, today=lambda: today, **overrides)
    app = create_app(settings, data=program_data)
    with app.state.factory.begin() as db:
        for login, (role, code) in ACCOUNTS.items():
            accounts.add(db, login, PASSWORDS[login], role, code, program_data[1].municipalities)
    return Portal(app, settings)
