"""The portal's web application (FastAPI, server-rendered Jinja2 pages in Russian, no JavaScript needed).

Routes (``CODE`` a municipality code, ``ID`` a submission number):

====================================================  ===========================  ===========================
route                                                 who                          what
====================================================  ===========================  ===========================
GET /health                                           anyone                       ``{"status": "ok"}``
GET, POST /login; POST /logout                        anyone; logged in
GET /mo/CODE                                          CODE's accounts, department  open periods, statuses
GET /mo/CODE/forms/SUBSIDY/YEAR/QUARTER               CODE's accounts, department  the pre-filled XLSX form
GET, POST /mo/CODE/submit/SUBSIDY/YEAR/QUARTER        CODE's accounts only         upload, the result at once
GET /mo/CODE/history                                  CODE's accounts, department  every file received
GET /mo/CODE/submissions/ID[/file|/protocol.FMT]      CODE's accounts, department  result, original, protocol
GET /department                                       department                   subsidies and quarters
GET /department/SUBSIDY/YEAR/QUARTER[/report.FMT]     department                   status table; consolidated
GET /department/audit                                 department                   the audit log
====================================================  ===========================  ===========================

Every POST carries the session's CSRF token. Request bodies are limited from Content-Length and while
they stream in (upload limit + 64 KiB for an upload, 64 KiB otherwise), before any form is parsed.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import asdict
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select, text
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.middleware.sessions import SessionMiddleware

from .. import wording
from ..i18n import N_, _, ngettext
from ..quarterly.forms import period_label
from . import accounts
from . import quarterly as q
from .db import AuditEntry, make_engine, sessions, upgrade
from .settings import Settings

TEMPLATES = Path(__file__).resolve().parent / "templates"
FORM_OVERHEAD = 64 * 1024
#: The largest key a submission can have: the ``Integer`` column of generator/portal/db.py is PostgreSQL's 32-bit
#: INTEGER (SQLite's takes 64 bits); a larger number in an address is refused by the database with an error.
MAX_ID = 2 ** 31 - 1
# The error pages' (title, message) per HTTP status: message ids, translated with _() where a page is made
# (translated here, at import, they would keep the language of that moment).
STATUS_TEXT = {
    400: (N_("Bad request"),
          N_("The request could not be processed. Go back to the previous page and try again.")),
    403: (N_("Access denied"), N_("Your account has no access to this page or action.")),
    404: (N_("Page not found"), N_("There is no such page. Check the address or go back to the home page.")),
    405: (N_("Action not available"), N_("This action cannot be done this way.")),
    413: (N_("File too large"),
          N_("The file is larger than allowed. A report form takes at most a few hundred kilobytes: check that "
             "the right file is chosen.")),
    429: (N_("Too many login attempts"),
          N_("Logging in is blocked for a while after several failed attempts.")),   # + when (_http_error)
    500: (N_("Internal error"),
          N_("An error occurred on the server. Try again later; if the error repeats, tell the department the "
             "time and the page's address.")),
    503: (N_("Service unavailable"), N_("The service is temporarily unavailable. Try again later.")),
}


def status_text(code: int) -> tuple[str, str]:
    """(title, message) of the error page of HTTP status ``code`` in the active interface language;
    a status without its own text gets "Error CODE" and no message."""
    if code in STATUS_TEXT:
        title, message = STATUS_TEXT[code]
        return _(title), _(message)
    return _("Error {code}").format(code=code), ""


class BodyTooLarge(Exception):
    pass


class NotLoggedIn(Exception):
    pass


class BodyLimit:
    """ASGI middleware: refuse a request body over the limit from its Content-Length, and stop reading one
    that grows past it while streaming (chunked or lying Content-Length), before any parser sees it."""

    def __init__(self, app, upload_limit: int):
        self.app = app
        self.upload_limit = upload_limit

    def limit_for(self, path: str) -> int:
        return self.upload_limit + FORM_OVERHEAD if "/submit/" in path else FORM_OVERHEAD

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope["path"])
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = limit + 1
            if declared > limit:
                scope.setdefault("state", {})["body_too_large"] = declared
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge()
            return message

        if scope.get("state", {}).get("body_too_large"):
            async def refuse():
                raise BodyTooLarge()
            return await self.app(scope, refuse, send)
        return await self.app(scope, counted, send)


class SecurityHeaders:
    """ASGI middleware: no framing, no MIME sniffing, same-origin forms, no caching of pages."""

    HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
               (b"referrer-policy", b"same-origin"),
               (b"content-security-policy", b"default-src 'self'; style-src 'self' 'unsafe-inline'; "
                                            b"form-action 'self'; frame-ancestors 'none'")]

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _value in headers}
                headers += [(k, v) for k, v in self.HEADERS if k not in names]
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)
        return await self.app(scope, receive, with_headers)


def create_app(settings: Settings, data=None) -> FastAPI:
    """The application for ``settings``; upgrades the database schema first. ``data``: an already loaded
    (program, SubsidyData) pair (default: loaded from ``settings.data_dir``)."""
    engine = make_engine(settings.database_url)
    upgrade(engine)
    factory = sessions(engine)
    program, subsidies = data if data is not None else q.load(settings.data_dir)
    registry = q.SqlRegistry(factory, settings.archive_dir)
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.globals["program_title"] = program.title
    # «I квартал 2021 года», as the forms, the protocols and the reports name a period (a page said «1 квартал»)
    templates.env.globals["period_label"] = period_label

    app = FastAPI(title="gosprog", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings, app.state.engine, app.state.factory = settings, engine, factory
    app.state.registry, app.state.subsidies = registry, subsidies
    program_wording = wording.of(program)       # the budget the subsidies come from, in the consolidated report

    # --- helpers -------------------------------------------------------------------------------------

    def address(request: Request) -> str:
        return request.client.host if request.client else "?"

    def principal(request: Request) -> accounts.Principal | None:
        user = request.session.get("user")
        if not user:
            return None
        try:
            p = accounts.Principal(**user)
        except TypeError:             # a cookie of another version: no session
            request.session.clear()
            return None
        with factory() as db:
            if not accounts.still_valid(db, p):
                request.session.clear()
                return None
        return p

    def require(request: Request) -> accounts.Principal:
        p = principal(request)
        if p is None:
            raise NotLoggedIn()
        return p

    # The audit log's result texts (audit(..., result)) stay Russian literals, not catalog messages: they are
    # stored data the department reads back, and one log must not mix the languages of different requests.
    def audit(request: Request, who, action: str, target: str | None, result: str, sha: str | None = None):
        with factory.begin() as db:
            accounts.audit(db, who.login if who else None, address(request), action, target, sha, result)

    def deny(request: Request, who, target: str):
        audit(request, who, "denied", target, f"отказ в доступе: {request.method} {request.url.path}")
        raise HTTPException(403)

    def csrf_token(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = request.session["csrf"] = secrets.token_urlsafe(32)
        return token

    def check_csrf(request: Request, form) -> None:
        sent = form.get("csrf_token") if form is not None else None
        token = request.session.get("csrf")
        if not token or not isinstance(sent, str) or not hmac.compare_digest(sent, token):
            audit(request, principal(request), "csrf", request.url.path, "отказ: нет или неверный CSRF-токен")
            raise HTTPException(403, "csrf")

    async def read_form(request: Request, **limits):
        try:
            return await request.form(**limits)
        except BodyTooLarge:
            raise HTTPException(413) from None
        except MultiPartException:
            raise HTTPException(400) from None

    def page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
        context.setdefault("user", principal(request))
        context["csrf_token"] = csrf_token(request)
        context["upload_limit_mb"] = f"{settings.upload_limit / 1024 / 1024:.1f}".replace(".", ",")
        return templates.TemplateResponse(request, name, context, status_code=status)

    def municipality_or_404(code: str):
        m = subsidies.municipalities.get(code)
        if m is None:
            raise HTTPException(404)
        return m

    def can_view(request: Request, who: accounts.Principal, code: str) -> None:
        if who.is_department:
            return
        if who.municipality != code:
            deny(request, who, code)

    def own_submission(request: Request, who, code: str, submission_id: int):
        can_view(request, who, code)
        # a number no database key can be (/submissions/99999999999999999999) is no page either; the database
        # refused it with an error (a 500 page)
        if not 0 < submission_id <= MAX_ID or registry.owner_of(submission_id) != code:
            raise HTTPException(404)
        return registry.get(submission_id)

    def download(content: bytes, filename: str, fmt: str) -> Response:
        return Response(content, media_type=q.FORMATS[fmt], headers={
            "Content-Disposition": f"attachment; filename=\"{quote(filename)}\"; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "no-store"})

    def status_of(subsidy: str, year: int, quarter: int, code: str) -> dict:
        history = [s for s in registry.history(subsidy, year, quarter, code)]
        accepted = [s for s in history if s.status == "accepted"]
        if accepted:
            last = max(accepted, key=lambda s: s.version)
            label = _("accepted") if last.on_time else ngettext(
                "accepted, {days} day late", "accepted, {days} days late", last.late_days).format(days=last.late_days)
            return {"key": "accepted" if last.on_time else "late", "label": label, "submission": last,
                    "count": len(history)}
        if history:
            return {"key": "rejected", "label": _("rejected"), "submission": history[-1], "count": len(history)}
        return {"key": "missing", "label": _("not submitted"), "submission": None, "count": 0}

    # --- errors --------------------------------------------------------------------------------------

    @app.exception_handler(NotLoggedIn)
    async def _login_first(request: Request, exc):
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException):
        title, message = status_text(exc.status_code)
        if exc.status_code == 403 and exc.detail == "csrf":
            message = _("The form is out of date or open in another window. Reload the page and repeat the action.")
        if exc.status_code == 413:
            message += " " + _("At most {limit} bytes are allowed.").format(limit=settings.upload_limit)
        if exc.status_code == 429:
            # the portal's own window (the page said «15 minutes» whatever the settings said)
            minutes = settings.login_window_minutes
            message += " " + ngettext("Try again in {minutes} minute or contact the department.",
                                      "Try again in {minutes} minutes or contact the department.",
                                      minutes).format(minutes=minutes)
        try:
            return page(request, "error.html", exc.status_code, title=title, message=message, code=exc.status_code)
        except Exception:                 # the session may be unusable on this path
            return HTMLResponse(f"<h1>{title}</h1><p>{message}</p>", status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _bad_address(request: Request, exc):
        # a path part that must be a number and is not (/mo/CODE/submissions/abc): there is no such page, said as
        # the 404 page says it (FastAPI's own answer is a JSON list of English validation errors)
        return await _http_error(request, HTTPException(404))

    @app.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception):
        title, message = status_text(500)
        return HTMLResponse(templates.get_template("error.html").render(
            request=request, title=title, message=message, code=500, user=None, csrf_token=""), status_code=500)

    # --- public --------------------------------------------------------------------------------------

    @app.get("/health")
    def health():
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse({"status": "error", "database": _("unavailable")}, status_code=503)
        return {"status": "ok", "database": "ok"}

    @app.get("/login")
    def login_page(request: Request):
        if principal(request) is not None:
            return RedirectResponse("/", status_code=303)
        return page(request, "login.html", user=None, error=None)

    @app.post("/login")
    async def login(request: Request):
        form = await read_form(request, max_files=0, max_fields=5)
        check_csrf(request, form)
        name, password = str(form.get("login") or ""), str(form.get("password") or "")
        try:
            who = await run_in_threadpool(
                accounts.authenticate, factory, name, password, address(request),
                window_minutes=settings.login_window_minutes, max_per_login=settings.max_failures_per_login,
                max_per_address=settings.max_failures_per_address)
        except accounts.RateLimited:
            raise HTTPException(429) from None
        if who is None:
            return page(request, "login.html", 401, user=None, error=_("Wrong user name or password."),
                        login=name[:64])
        request.session.clear()
        request.session["user"] = asdict(who)
        request.session["csrf"] = secrets.token_urlsafe(32)
        return RedirectResponse("/", status_code=303)

    @app.post("/logout")
    async def logout(request: Request):
        form = await read_form(request, max_files=0, max_fields=2)
        check_csrf(request, form)
        who = principal(request)
        if who:
            audit(request, who, "logout", None, "успешно")
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/")
    def home(request: Request):
        who = require(request)
        return RedirectResponse("/department" if who.is_department else f"/mo/{who.municipality}", status_code=303)

    # --- municipality pages ----------------------------------------------------------------------------

    @app.get("/mo/{code}")
    def municipality_home(request: Request, code: str):
        who = require(request)
        can_view(request, who, code)
        municipality = municipality_or_404(code)
        rows = [(p, status_of(p.subsidy, p.year, p.quarter, code))
                for p in q.periods(subsidies, settings.today(), code)]
        return page(request, "municipality.html", municipality=municipality, rows=rows, today=settings.today())

    def period_or_404(code: str, subsidy: str, year: int, quarter: int) -> q.Period:
        period = q.find_period(subsidies, settings.today(), code, subsidy, year, quarter)
        if period is None:
            raise HTTPException(404)
        return period

    @app.get("/mo/{code}/forms/{subsidy}/{year}/{quarter}")
    def form_download(request: Request, code: str, subsidy: str, year: int, quarter: int):
        who = require(request)
        can_view(request, who, code)
        period = period_or_404(code, subsidy, year, quarter)
        name, content = q.issue_form(subsidies, registry, period)
        audit(request, who, "form_download", f"{subsidy}/{year}/q{quarter}/{code}", "выдана форма")
        return download(content, name, "xlsx")

    def can_submit(request: Request, who: accounts.Principal, code: str) -> None:
        if who.is_department or who.municipality != code:
            deny(request, who, code)

    @app.get("/mo/{code}/submit/{subsidy}/{year}/{quarter}")
    def upload_page(request: Request, code: str, subsidy: str, year: int, quarter: int):
        who = require(request)
        can_submit(request, who, code)
        period = period_or_404(code, subsidy, year, quarter)
        return page(request, "upload.html", period=period, municipality=municipality_or_404(code))

    @app.post("/mo/{code}/submit/{subsidy}/{year}/{quarter}")
    async def upload(request: Request, code: str, subsidy: str, year: int, quarter: int):
        who = require(request)
        can_submit(request, who, code)
        target = f"{subsidy}/{year}/q{quarter}/{code}"
        try:
            form = await read_form(request, max_files=1, max_fields=3)
        except HTTPException as exc:
            if exc.status_code == 413:
                audit(request, who, "upload", target, "отказ: превышен размер файла")
            raise
        check_csrf(request, form)
        period = period_or_404(code, subsidy, year, quarter)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return page(request, "upload.html", 400, period=period, municipality=municipality_or_404(code),
                        error=_("Choose the form's file (.xlsx)."))
        content = await upload.read(settings.upload_limit + 1)
        if len(content) > settings.upload_limit:
            audit(request, who, "upload", target, "отказ: превышен размер файла")
            raise HTTPException(413)
        outcome = await run_in_threadpool(q.submit, content, upload.filename, subsidies, registry, period, code,
                                          who.login, settings.today())
        result = {"accepted": "принят", "rejected": "отклонен", "refused": "отказ: форма другого МО",
                  "duplicate": "повторно тот же файл"}[outcome.status]
        if outcome.status == "refused" and outcome.findings[0].code != "ACCOUNT":
            result = "отказ: файл не прочитан"
        if outcome.submission is not None:
            result += f" (N {outcome.submission.id}"
            result += f", версия {outcome.submission.version})" if outcome.submission.version else ")"
        audit(request, who, "upload", target, result, outcome.sha256)
        return page(request, "result.html", 422 if outcome.status == "refused" else 200, outcome=outcome,
                    period=period, municipality=municipality_or_404(code), filename=upload.filename)

    @app.get("/mo/{code}/history")
    def history(request: Request, code: str):
        who = require(request)
        can_view(request, who, code)
        municipality = municipality_or_404(code)
        return page(request, "history.html", municipality=municipality, submissions=registry.owned(code),
                    subsidies=subsidies.subsidies)

    @app.get("/mo/{code}/submissions/{submission_id}")
    def submission_page(request: Request, code: str, submission_id: int):
        who = require(request)
        s = own_submission(request, who, code, submission_id)
        return page(request, "submission.html", s=s, municipality=municipality_or_404(code),
                    subsidy=subsidies.subsidies.get(s.subsidy))

    @app.get("/mo/{code}/submissions/{submission_id}/file")
    def submission_file(request: Request, code: str, submission_id: int):
        who = require(request)
        s = own_submission(request, who, code, submission_id)
        if not s.stored_as:            # a refused file that was not a form is not kept (its page says so)
            raise HTTPException(404)
        audit(request, who, "file_download", f"N {s.id}", "выдан исходный файл", s.sha256)
        return download(q.archived_file(registry, s), s.original_name, "xlsx")

    @app.get("/mo/{code}/submissions/{submission_id}/protocol.{fmt}")
    def submission_protocol(request: Request, code: str, submission_id: int, fmt: str):
        who = require(request)
        s = own_submission(request, who, code, submission_id)
        if fmt not in ("docx", "pdf"):
            raise HTTPException(404)
        name, content = q.protocol(subsidies, s, fmt, registry)
        audit(request, who, "protocol_download", f"N {s.id}", f"выдан протокол {fmt}", s.sha256)
        return download(content, name, fmt)

    # --- department pages ------------------------------------------------------------------------------

    def department(request: Request) -> accounts.Principal:
        who = require(request)
        if not who.is_department:
            deny(request, who, "department")
        return who

    @app.get("/department")
    def department_home(request: Request):
        department(request)
        seen, quarters = set(), []
        for p in q.periods(subsidies, settings.today()):
            key = (p.subsidy, p.year, p.quarter)
            if key not in seen:
                seen.add(key)
                quarters.append(p)
        return page(request, "department.html", quarters=quarters)

    @app.get("/department/audit")
    def audit_page(request: Request):
        department(request)
        with factory() as db:
            entries = list(db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(500)))
        return page(request, "audit.html", entries=entries)

    def quarter_or_404(subsidy: str, year: int, quarter: int) -> list[q.Period]:
        found = [p for p in q.periods(subsidies, settings.today())
                 if (p.subsidy, p.year, p.quarter) == (subsidy, year, quarter)]
        if not found:
            raise HTTPException(404)
        return found

    @app.get("/department/{subsidy}/{year}/{quarter}")
    def status_table(request: Request, subsidy: str, year: int, quarter: int):
        department(request)
        found = quarter_or_404(subsidy, year, quarter)
        rows = [(subsidies.municipalities[p.municipality], status_of(subsidy, year, quarter, p.municipality))
                for p in sorted(found, key=lambda p: subsidies.municipalities[p.municipality].name)]
        counts = {}
        for _municipality, st in rows:
            counts[st["key"]] = counts.get(st["key"], 0) + 1
        return page(request, "status.html", period=found[0], rows=rows, counts=counts)

    @app.get("/department/{subsidy}/{year}/{quarter}/report.{fmt}")
    async def consolidated(request: Request, subsidy: str, year: int, quarter: int, fmt: str):
        who = department(request)
        quarter_or_404(subsidy, year, quarter)
        if fmt not in q.FORMATS:
            raise HTTPException(404)
        name, content = await run_in_threadpool(q.consolidated, subsidies, registry, subsidy, year, quarter, fmt,
                                                program_wording)
        audit(request, who, "report_download", f"{subsidy}/{year}/q{quarter}", f"выдан сводный отчет {fmt}")
        return download(content, name, fmt)

    # --- middleware (the last added runs first) ----------------------------------------------------------

    app.add_middleware(SecurityHeaders)
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="gosprog_session",
                       max_age=settings.session_hours * 3600, same_site="lax", https_only=settings.cookie_secure)
    app.add_middleware(BodyLimit, upload_limit=settings.upload_limit)
    return app
