"""The portal's database: SQLAlchemy 2 models and the Alembic migrations shipped in ``migrations/``.

Tables: ``accounts`` (logins, Argon2 hashes, role, municipality), ``login_failures`` (for the rate limit),
``audit_log`` (who, when, action, file sha256, result) and ``submissions`` (the registry of received files,
the same columns as ``generator.quarterly.registry`` plus ``owner``: the municipality whose page received
the file). SQLite by default; PostgreSQL through ``postgresql+psycopg://`` URLs.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from sqlalchemy import (Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, create_engine, event)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    municipality: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created: Mapped[_dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    __table_args__ = (
        CheckConstraint("role IN ('municipality', 'department')", name="ck_accounts_role"),
        CheckConstraint("(role = 'municipality') = (municipality IS NOT NULL)", name="ck_accounts_municipality"),
    )


class LoginFailure(Base):
    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(160), nullable=False)      # "login:NAME" or "addr:IP"
    at: Mapped[_dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[_dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    login: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    target: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(400), nullable=False)
    __table_args__ = (Index("ix_audit_log_at", "at"),)


class SubmissionRow(Base):
    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subsidy: Mapped[str] = mapped_column(String(64), nullable=False)
    municipality: Mapped[str | None] = mapped_column(String(64))
    owner: Mapped[str | None] = mapped_column(String(64))
    year: Mapped[int | None] = mapped_column(Integer)
    quarter: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    received: Mapped[_dt.date] = mapped_column(Date, nullable=False)
    received_at: Mapped[_dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    deadline: Mapped[_dt.date | None] = mapped_column(Date)
    late_days: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    original_name: Mapped[str] = mapped_column(String(200), nullable=False)
    stored_as: Mapped[str] = mapped_column(String(200), nullable=False)
    submitted_by: Mapped[str | None] = mapped_column(String(64), ForeignKey("accounts.login"))
    findings: Mapped[str] = mapped_column(Text, nullable=False)
    figures: Mapped[str | None] = mapped_column(Text)
    texts: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint("status IN ('accepted', 'rejected')", name="ck_submissions_status"),
        UniqueConstraint("subsidy", "municipality", "year", "quarter", "version", name="uq_submissions_version"),
        Index("ix_submissions_period", "subsidy", "year", "quarter", "municipality", "status"),
        Index("ix_submissions_owner", "owner"),
    )


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, full sync, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema with the shipped Alembic migrations (idempotent)."""
    from alembic import command
    from alembic.config import Config
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def sessions(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)
