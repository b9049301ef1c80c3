"""The first portal schema: accounts, login failures, audit log, submissions.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("login", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("municipality", sa.String(64)),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.CheckConstraint("role IN ('municipality', 'department')", name="ck_accounts_role"),
        sa.CheckConstraint("(role = 'municipality') = (municipality IS NOT NULL)", name="ck_accounts_municipality"),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_login_failures_key_at", "login_failures", ["key", "at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("login", sa.String(64)),
        sa.Column("address", sa.String(64)),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(200)),
        sa.Column("sha256", sa.String(64)),
        sa.Column("result", sa.String(400), nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subsidy", sa.String(64), nullable=False),
        sa.Column("municipality", sa.String(64)),
        sa.Column("owner", sa.String(64)),
        sa.Column("year", sa.Integer),
        sa.Column("quarter", sa.Integer),
        sa.Column("version", sa.Integer),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("received", sa.Date, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("deadline", sa.Date),
        sa.Column("late_days", sa.Integer),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("original_name", sa.String(200), nullable=False),
        sa.Column("stored_as", sa.String(200), nullable=False),
        sa.Column("submitted_by", sa.String(64), sa.ForeignKey("accounts.login")),
        sa.Column("findings", sa.Text, nullable=False),
        sa.Column("figures", sa.Text),
        sa.Column("texts", sa.Text),
        sa.CheckConstraint("status IN ('accepted', 'rejected')", name="ck_submissions_status"),
        sa.UniqueConstraint("subsidy", "municipality", "year", "quarter", "version", name="uq_submissions_version"),
    )
    op.create_index("ix_submissions_period", "submissions", ["subsidy", "year", "quarter", "municipality", "status"])
    op.create_index("ix_submissions_owner", "submissions", ["owner"])


def downgrade() -> None:
    op.drop_table("submissions")
    op.drop_table("audit_log")
    op.drop_table("login_failures")
    op.drop_table("accounts")
