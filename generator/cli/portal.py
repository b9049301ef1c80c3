"""``gosprog serve [DATA_DIR]`` and ``gosprog users add|list|passwd``: the portal from the command line."""

from __future__ import annotations

import secrets
import sys

import click

from .. import i18n
from ..i18n import _, ngettext
from .common import DEFAULT_DATA, UserError


def _settings(data_dir: str, **overrides):
    from ..portal.settings import SettingsError, from_env
    try:
        return from_env(data_dir, **overrides)
    except SettingsError as exc:
        raise UserError(str(exc)) from None


def _database(settings):
    from ..portal.db import make_engine, sessions, upgrade
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    except Exception as exc:                    # unreachable server, wrong password, read-only file …
        raise UserError(_("the portal's database is unavailable ({kind}): {reason}").format(
            kind=settings.database_url.split("://")[0], reason=getattr(exc, "orig", exc))) from None
    return sessions(engine)


def _municipalities(data_dir: str) -> dict:
    from ..data import DataError, DataErrors
    from ..portal.quarterly import municipalities
    try:
        return municipalities(data_dir)
    except (DataError, DataErrors) as exc:
        raise UserError(_("the program's data is not read: {error}").format(error=exc)) from None


def create_demo_accounts(factory, municipalities: dict) -> list[tuple[str, str, str]]:
    """Create a department account and one per municipality with random passwords, when the database has
    no account yet; returns (login, role/municipality, password) of those created (empty otherwise)."""
    from sqlalchemy import func, select
    from ..portal import accounts
    from ..portal.db import Account
    created = []
    with factory.begin() as db:
        if db.scalar(select(func.count()).select_from(Account)):
            return []
        password = secrets.token_urlsafe(12)
        accounts.add(db, "department", password, "department", None)
        created.append(("department", "department", password))
        for code in sorted(municipalities):
            password = secrets.token_urlsafe(12)
            accounts.add(db, f"mo-{code}", password, "municipality", code, municipalities)
            created.append((f"mo-{code}", code, password))
    return created


@click.command("serve", help=_("The municipal intake portal: municipalities submit reports, the department "
                               "follows them."))
@click.argument("data_dir", default=DEFAULT_DATA, type=click.Path())
@click.option("--host", default="127.0.0.1", show_default=True,
              help=_("Address to listen on (keep 127.0.0.1 behind a reverse proxy with TLS)."))
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help=_("Port to listen on."))
@click.option("--demo-accounts", is_flag=True,
              help=_("When there is no account yet, create demo accounts and print their passwords once."))
def serve(data_dir, host, port, demo_accounts) -> None:
    """The municipal intake portal (see the help text above)."""
    import uvicorn
    from ..portal.app import create_app
    demo = demo_accounts
    settings = _settings(data_dir)
    factory = _database(settings)
    if demo:
        created = create_demo_accounts(factory, _municipalities(data_dir))
        if created:
            click.echo(_("Demo accounts (the passwords are shown once):"))
            for login, role, password in created:
                click.echo(f"  {login:32} {role:24} {password}")
    try:
        app = create_app(settings)
    except Exception as exc:
        from ..data import DataError, DataErrors
        if isinstance(exc, (DataError, DataErrors)):
            raise UserError(_("the program's data is not read: {error}").format(error=exc)) from None
        raise
    click.echo(_("Portal: {address}  (database: {kind}, folder: {folder})").format(
        address=f"http://{host}:{port}/", kind=settings.database_url.split("://")[0], folder=settings.portal_dir))
    # The portal's messages: Russian unless --lang or GOSPROG_LANG asks otherwise, whatever the server's locale
    # (the console lines above are the administrator's and follow it, as every command's do).
    from click.core import ParameterSource
    from ..portal.settings import language
    given = click.get_current_context().find_root().get_parameter_source("lang") == ParameterSource.COMMANDLINE
    i18n.activate(language(explicit=i18n.language() if given else None))
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False, server_header=False)


@click.group("users", help=_("Portal accounts: add, list, change a password."))
def users() -> None:
    """Portal accounts (see the help text above)."""


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt(_("Password"), hide_input=True, confirmation_prompt=_("Password again"))


@users.command("add", help=_("Create an account (the password is asked for, never given on the command line)."))
@click.argument("login")
@click.option("--role", type=click.Choice(["municipality", "department"]), required=True,
              help=_("municipality: a municipality's accountant; department: the department's staff."))
@click.option("--municipality", default=None, help=_("The municipality code (municipalities.yaml) for --role municipality."))
@click.option("--data", "data_dir", default=DEFAULT_DATA, show_default=True, type=click.Path())
@click.option("--password-stdin", is_flag=True, help=_("Read the password from the first line of standard input."))
def users_add(login, role, municipality, data_dir, password_stdin) -> None:
    """Create an account (see the help text above)."""
    from ..portal import accounts
    settings = _settings(data_dir)
    known = _municipalities(data_dir) if role == "municipality" else None
    factory = _database(settings)
    password = _password(password_stdin)
    try:
        with factory.begin() as db:
            account = accounts.add(db, login, password, role, municipality, known)
            # the audit line stays a Russian literal: stored data the department reads back (see portal/app.py)
            accounts.audit(db, None, "cli", "user_add", account.login, None,
                           f"создан: {role}{' ' + municipality if municipality else ''}")
    except accounts.AccountError as exc:
        raise UserError(str(exc)) from None
    click.echo(_("user {login} created ({role})").format(
        login=account.login, role=f"{role}, {municipality}" if municipality else role))


@users.command("list", help=_("Every account: login, role, municipality, state."))
@click.option("--data", "data_dir", default=DEFAULT_DATA, show_default=True, type=click.Path())
def users_list(data_dir) -> None:
    """Every account (see the help text above)."""
    from ..portal import accounts
    factory = _database(_settings(data_dir))
    with factory() as db:
        rows = accounts.listing(db)
    for a in rows:
        click.echo(f"{a.login:32} {a.role:13} {a.municipality or '-':28} "
                   f"{_('active') if a.active else _('disabled')}")
    click.echo(ngettext("{count} account", "{count} accounts", len(rows)).format(count=len(rows)))


@users.command("passwd", help=_("Set a new password; the account's open sessions stop working."))
@click.argument("login")
@click.option("--data", "data_dir", default=DEFAULT_DATA, show_default=True, type=click.Path())
@click.option("--password-stdin", is_flag=True, help=_("Read the password from the first line of standard input."))
def users_passwd(login, data_dir, password_stdin) -> None:
    """Set a new password (see the help text above)."""
    from ..portal import accounts
    factory = _database(_settings(data_dir))
    password = _password(password_stdin)
    try:
        with factory.begin() as db:
            account = accounts.set_password(db, login, password)
            # the audit line stays a Russian literal: stored data the department reads back (see portal/app.py)
            accounts.audit(db, None, "cli", "user_passwd", account.login, None, "пароль изменен")
    except accounts.AccountError as exc:
        raise UserError(str(exc)) from None
    click.echo(_("the password of user {login} is changed").format(login=account.login))
