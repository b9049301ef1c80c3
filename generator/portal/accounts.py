"""Accounts, passwords (Argon2id through argon2-cffi), login rate limits and the audit log."""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from ..i18n import _
from .db import Account, AuditEntry, LoginFailure, utcnow

HASHER = PasswordHasher()        # argon2-cffi's RFC 9106 low-memory profile (Argon2id, 64 MiB, t=3)
MIN_PASSWORD = 10
LOGIN_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,63}$"
_DUMMY = {}


def _dummy_hash() -> str:
    """A hash (of the current hasher's profile) verified when the login does not exist, so that an
    unknown login and a wrong password take the same time."""
    key = (HASHER.time_cost, HASHER.memory_cost, HASHER.parallelism)
    if key not in _DUMMY:
        _DUMMY[key] = HASHER.hash("gosprog-no-such-account")
    return _DUMMY[key]


class AccountError(ValueError):
    """A refused account operation; the message is in the interface language (Russian by default)."""


@dataclass(frozen=True)
class Principal:
    """Who is logged in, as kept in the session cookie."""

    login: str
    role: str
    municipality: str | None
    stamp: str                    # changes when the password changes: older sessions stop working

    @property
    def is_department(self) -> bool:
        return self.role == "department"


def password_stamp(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def check_password_rules(password: str, login: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(_("the password is shorter than {length} characters").format(length=MIN_PASSWORD))
    if login.lower() in password.lower():
        raise AccountError(_("the password must not contain the user name"))


def add(db: Session, login: str, password: str, role: str, municipality: str | None,
        known_municipalities: dict | None = None) -> Account:
    """Create an account. Raises :class:`AccountError` for a bad login, role, municipality or password."""
    login = login.strip().lower()
    if not re.fullmatch(LOGIN_PATTERN, login):
        raise AccountError(_("user name {login}: lowercase Latin letters, digits, dot, hyphen, underscore; "
                             "2 to 64 characters").format(login=repr(login)))
    if role not in ("municipality", "department"):
        raise AccountError(_("role {role}: municipality and department are allowed").format(role=repr(role)))
    if role == "municipality":
        if not municipality:
            raise AccountError(_("for the role municipality give --municipality CODE"))
        if known_municipalities is not None and municipality not in known_municipalities:
            raise AccountError(_("municipality {code} is not found in municipalities.yaml").format(
                code=repr(municipality)))
    elif municipality:
        raise AccountError(_("a department account never has a municipality"))
    check_password_rules(password, login)
    if db.scalar(select(Account).where(Account.login == login)) is not None:
        raise AccountError(_("user {login} already exists").format(login=login))
    account = Account(login=login, password_hash=HASHER.hash(password), role=role,
                      municipality=municipality if role == "municipality" else None, active=True)
    db.add(account)
    db.flush()
    return account


def set_password(db: Session, login: str, password: str) -> Account:
    account = db.scalar(select(Account).where(Account.login == login.strip().lower()))
    if account is None:
        raise AccountError(_("there is no user {login}").format(login=login))
    check_password_rules(password, account.login)
    account.password_hash = HASHER.hash(password)
    db.query(LoginFailure).filter(LoginFailure.key == f"login:{account.login}").delete()
    return account


def listing(db: Session) -> list[Account]:
    return list(db.scalars(select(Account).order_by(Account.role, Account.municipality, Account.login)))


def principal_of(account: Account) -> Principal:
    return Principal(account.login, account.role, account.municipality, password_stamp(account.password_hash))


def still_valid(db: Session, principal: Principal) -> bool:
    account = db.scalar(select(Account).where(Account.login == principal.login))
    return bool(account and account.active and password_stamp(account.password_hash) == principal.stamp
                and account.role == principal.role and account.municipality == principal.municipality)


class RateLimited(Exception):
    pass


def authenticate(factory: sessionmaker, login: str, password: str, address: str, *, window_minutes: int,
                 max_per_login: int, max_per_address: int) -> Principal | None:
    """The account for ``login``/``password``, or None. Raises :class:`RateLimited` (before any password is
    checked) when the login or the client address had too many failures in the last ``window_minutes``.
    Every attempt goes to the audit log (its result texts stay Russian literals: stored data the department
    reads back, not messages of one request's language)."""
    login = (login or "").strip().lower()[:64]
    keys = (f"login:{login}", f"addr:{address}")
    since = utcnow() - _dt.timedelta(minutes=window_minutes)
    with factory.begin() as db:
        counts = [db.scalar(select(func.count()).select_from(LoginFailure)
                            .where(LoginFailure.key == k, LoginFailure.at >= since)) for k in keys]
        limited = counts[0] >= max_per_login or counts[1] >= max_per_address
        if limited:
            audit(db, login, address, "login", None, None, "отказ: слишком много неудачных попыток")
    if limited:                      # raised after the commit, so the audit line stays
        raise RateLimited()
    account = None
    with factory() as db:
        account = db.scalar(select(Account).where(Account.login == login))
    ok = False
    try:
        ok = HASHER.verify(account.password_hash if account else _dummy_hash(), password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    ok = ok and account is not None and account.active
    with factory.begin() as db:
        if not ok:
            db.add_all([LoginFailure(key=k) for k in keys])
            audit(db, login, address, "login", None, None, "отказ: неверное имя или пароль")
            return None
        db.execute(delete(LoginFailure).where(LoginFailure.key == keys[0]))
        if HASHER.check_needs_rehash(account.password_hash):
            fresh = db.get(Account, account.id)
            fresh.password_hash = HASHER.hash(password)
            account = fresh
        audit(db, login, address, "login", None, None, "успешно")
        return principal_of(account)


def audit(db: Session, login: str | None, address: str | None, action: str, target: str | None,
          sha256: str | None, result: str) -> None:
    """One audit line (committed with the caller's transaction)."""
    db.add(AuditEntry(login=login, address=(address or "")[:64], action=action[:40],
                      target=target[:200] if target else None, sha256=sha256, result=result[:400]))
