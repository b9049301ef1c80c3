"""Portal settings from environment variables (documented in docs/portal.md).

=========================  ==========================================================  =====================
variable                   meaning                                                     default
=========================  ==========================================================  =====================
GOSPROG_PORTAL_DIR         the portal's own folder: database (SQLite), archive, key    ``output/portal``
GOSPROG_DATABASE_URL       SQLAlchemy URL; ``postgresql+psycopg://user:pw@host/db``    SQLite file in the dir
GOSPROG_SESSION_KEY         the key that signs session cookies (at least 32 chars)      read from the key file
GOSPROG_SESSION_KEY_FILE    a file holding the key (created 0600 when missing)          ``DIR/session.key``
GOSPROG_UPLOAD_LIMIT       largest accepted upload, bytes (suffixes K, M allowed)      5M (the importer's)
GOSPROG_COOKIE_SECURE      ``1``: cookies only over HTTPS (behind a TLS proxy)         ``0``
GOSPROG_TODAY              the date the portal takes as today (demonstrations, tests)  the system date
GOSPROG_LANG               the language of the portal's messages (``ru``, ``en``)      ``ru``
=========================  ==========================================================  =====================

The pages are Russian (their Jinja2 templates); the messages the code adds to them (error pages, statuses,
login and upload errors) come from the message catalog in the language :func:`language` gives.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from ..i18n import DEFAULT_LANGUAGE, LANGUAGES, _, detect

DEFAULT_DIR = "output/portal"
DEFAULT_UPLOAD_LIMIT = 5 * 1024 * 1024
MIN_KEY_LENGTH = 32


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the variable and is in the interface language
    (Russian by default)."""


@dataclass
class Settings:
    data_dir: Path
    portal_dir: Path
    database_url: str
    secret_key: str
    upload_limit: int = DEFAULT_UPLOAD_LIMIT
    cookie_secure: bool = False
    session_hours: int = 8
    login_window_minutes: int = 15
    max_failures_per_login: int = 5
    max_failures_per_address: int = 20
    today: Callable[[], _dt.date] = field(default=_dt.date.today)

    @property
    def archive_dir(self) -> Path:
        return self.portal_dir / "archive"


def language(env: Mapping[str, str] | None = None, explicit: str | None = None) -> str:
    """The language of the portal's messages: ``explicit`` (``gosprog --lang``), else ``GOSPROG_LANG`` of
    ``env`` (default ``os.environ``) when it names a language of :data:`generator.i18n.LANGUAGES`, else
    Russian. Unlike the command line, the server's locale (``LANG``, ``LC_ALL``, ``LANGUAGE``) is not read:
    it is the administrator's, and an ``en_US.UTF-8`` server would otherwise put English messages into the
    Russian pages the municipalities read."""
    env = os.environ if env is None else env
    if explicit:
        return explicit if explicit in LANGUAGES else DEFAULT_LANGUAGE
    # GOSPROG_LANG read as the command line reads it (en, en_US.UTF-8, en:ru): it gave an English command line
    # and a Russian portal for GOSPROG_LANG=en_US.UTF-8
    return detect({"GOSPROG_LANG": env.get("GOSPROG_LANG") or ""})


def parse_size(text: str, variable: str = "GOSPROG_UPLOAD_LIMIT") -> int:
    """``"5242880"``, ``"512K"``, ``"5M"`` → bytes; raises :class:`SettingsError` otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*([KkMm]?)[Bb]?\s*", text or "")
    if not match:
        raise SettingsError(_("{variable}={value}: give the size in bytes, for example 5242880 or 5M").format(
            variable=variable, value=repr(text)))
    value = int(match.group(1)) * {"": 1, "k": 1024, "m": 1024 * 1024}[match.group(2).lower()]
    if value < 1024:
        raise SettingsError(_("{variable}={value}: the limit is under 1 KB, a form does not fit in it").format(
            variable=variable, value=repr(text)))
    return value


def _secret_key(env: Mapping[str, str], portal_dir: Path) -> str:
    key = env.get("GOSPROG_SESSION_KEY")
    if key:
        if len(key) < MIN_KEY_LENGTH:
            raise SettingsError(_("GOSPROG_SESSION_KEY is too short: at least {length} characters are needed").format(
                length=MIN_KEY_LENGTH))
        return key
    path = Path(env.get("GOSPROG_SESSION_KEY_FILE") or portal_dir / "session.key")
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if len(key) < MIN_KEY_LENGTH:
            raise SettingsError(_("{path}: the key is too short (at least {length} characters are needed)").format(
                path=path, length=MIN_KEY_LENGTH))
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)   # never world-readable, never overwritten
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def from_env(data_dir: str | Path, env: Mapping[str, str] | None = None, **overrides) -> Settings:
    """Settings for DATA_DIR from ``env`` (default ``os.environ``); ``overrides`` win (tests, CLI options).

    Raises :class:`SettingsError` for an unusable value."""
    env = os.environ if env is None else env
    portal_dir = Path(overrides.pop("portal_dir", None) or env.get("GOSPROG_PORTAL_DIR") or DEFAULT_DIR)
    portal_dir.mkdir(parents=True, exist_ok=True)
    url = overrides.pop("database_url", None) or env.get("GOSPROG_DATABASE_URL") or \
        f"sqlite:///{(portal_dir / 'portal.sqlite').resolve()}"
    if not re.match(r"^(sqlite|postgresql(\+psycopg)?)://", url):
        raise SettingsError(_("GOSPROG_DATABASE_URL: sqlite:///FILE and postgresql+psycopg://… are supported, "
                              "but {scheme}:… is given").format(scheme=url.split(':', 1)[0]))
    limit = parse_size(env["GOSPROG_UPLOAD_LIMIT"]) if env.get("GOSPROG_UPLOAD_LIMIT") else DEFAULT_UPLOAD_LIMIT
    today = _dt.date.today
    if env.get("GOSPROG_TODAY"):
        try:
            fixed = _dt.date.fromisoformat(env["GOSPROG_TODAY"])
        except ValueError:
            raise SettingsError(_("GOSPROG_TODAY={value}: give the date as YYYY-MM-DD").format(
                value=repr(env["GOSPROG_TODAY"]))) from None
        today = lambda: fixed  # noqa: E731
    values = dict(data_dir=Path(data_dir), portal_dir=portal_dir, database_url=url,
                  secret_key=overrides.pop("secret_key", None) or _secret_key(env, portal_dir),
                  upload_limit=limit, cookie_secure=env.get("GOSPROG_COOKIE_SECURE", "0") == "1", today=today)
    values.update(overrides)
    return Settings(**values)
