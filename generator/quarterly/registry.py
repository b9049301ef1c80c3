"""The submissions registry: every received file, stored unchanged, and its history, in SQLite.

A file is written to the archive (atomically, named by its sha256) and its row is
committed before the submission is reported as accepted. A corrected
resubmission becomes a new version; nothing is overwritten or deleted.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ..writers._files import write_atomic

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subsidy TEXT NOT NULL,
    municipality TEXT,
    year INTEGER,
    quarter INTEGER,
    version INTEGER,
    status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
    received TEXT NOT NULL,
    deadline TEXT,
    late_days INTEGER,
    sha256 TEXT NOT NULL,
    original_name TEXT NOT NULL,
    stored_as TEXT NOT NULL,
    submitted_by TEXT,
    findings TEXT NOT NULL,
    figures TEXT,
    texts TEXT
);
CREATE INDEX IF NOT EXISTS submissions_period ON submissions (subsidy, year, quarter, municipality, status);
"""


@dataclass
class Submission:
    id: int
    subsidy: str
    municipality: str | None
    year: int | None
    quarter: int | None
    version: int | None
    status: str
    received: _dt.date
    deadline: _dt.date | None
    late_days: int | None
    sha256: str
    original_name: str
    stored_as: str
    submitted_by: str | None
    findings: list[str]
    figures: dict[str, dict[str, Decimal]] | None
    texts: dict | None

    @property
    def on_time(self) -> bool:
        return (self.late_days or 0) <= 0


class Registry:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "archive").mkdir(exist_ok=True)
        self.db = sqlite3.connect(self.folder / "registry.sqlite", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def store_file(self, data: bytes, suffix: str = ".xlsx") -> tuple[str, str]:
        """Keep the file unchanged in the archive (content-addressed); returns (sha256, relative path)."""
        digest = hashlib.sha256(data).hexdigest()
        relative = f"archive/{digest[:2]}/{digest}{suffix}"
        target = self.folder / relative
        if not target.exists():
            write_atomic(target, data)
        return digest, relative

    def record(self, *, subsidy: str, municipality: str | None, year: int | None, quarter: int | None,
               status: str, received: _dt.date, deadline: _dt.date | None, sha256: str, original_name: str,
               stored_as: str, findings: list[str], figures: dict | None, texts: dict | None = None,
               submitted_by: str | None = None) -> Submission:
        """Insert a submission in one transaction; accepted ones get the next version number."""
        late = (received - deadline).days if deadline else None
        self.db.execute("BEGIN IMMEDIATE")
        try:
            version = None
            if status == "accepted":
                (count,) = self.db.execute(
                    "SELECT COUNT(*) FROM submissions WHERE subsidy=? AND municipality=? AND year=? AND quarter=? "
                    "AND status='accepted'", (subsidy, municipality, year, quarter)).fetchone()
                version = count + 1
            cursor = self.db.execute(
                "INSERT INTO submissions (subsidy, municipality, year, quarter, version, status, received, deadline, "
                "late_days, sha256, original_name, stored_as, submitted_by, findings, figures, texts) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (subsidy, municipality, year, quarter, version, status, received.isoformat(),
                 deadline.isoformat() if deadline else None, late, sha256, original_name, stored_as, submitted_by,
                 json.dumps(findings, ensure_ascii=False), _dump(figures), json.dumps(texts or {}, ensure_ascii=False)))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return self.get(cursor.lastrowid)

    def get(self, submission_id: int) -> Submission:
        row = self.db.execute("SELECT * FROM submissions WHERE id=?", (submission_id,)).fetchone()
        return self._submission(row)

    def history(self, subsidy: str | None = None, year: int | None = None, quarter: int | None = None,
                municipality: str | None = None) -> list[Submission]:
        query, args = "SELECT * FROM submissions WHERE 1=1", []
        for column, value in (("subsidy", subsidy), ("year", year), ("quarter", quarter),
                              ("municipality", municipality)):
            if value is not None:
                query += f" AND {column}=?"
                args.append(value)
        return [self._submission(r) for r in self.db.execute(query + " ORDER BY id", args)]

    def latest(self, subsidy: str, year: int, quarter: int, municipality: str | None = None) -> dict[str, Submission]:
        """The current (highest version) accepted submission of each municipality (or of one) for a period."""
        out: dict[str, Submission] = {}
        for s in self.history(subsidy, year, quarter, municipality):
            if s.status == "accepted" and s.municipality and (
                    s.municipality not in out or s.version > out[s.municipality].version):
                out[s.municipality] = s
        return out

    def previous_figures(self, subsidy: str, municipality: str, year: int, quarter: int) -> dict | None:
        """The accepted figures of the latest earlier quarter of the same year (for year-to-date checks)."""
        for q in range(quarter - 1, 0, -1):
            current = self.latest(subsidy, year, q, municipality).get(municipality)
            if current is not None:
                return current.figures
        return None

    @staticmethod
    def _submission(row) -> Submission:
        (id_, subsidy, municipality, year, quarter, version, status, received, deadline, late, sha, name, stored,
         by, findings, figures, texts) = row
        return Submission(id_, subsidy, municipality, year, quarter, version, status,
                          _dt.date.fromisoformat(received), _dt.date.fromisoformat(deadline) if deadline else None,
                          late, sha, name, stored, by, json.loads(findings), _load(figures),
                          json.loads(texts) if texts else None)


def _dump(figures: dict | None) -> str | None:
    if figures is None:
        return None
    return json.dumps({r: {c: str(v) for c, v in cols.items()} for r, cols in figures.items()}, sort_keys=True)


def _load(text: str | None) -> dict | None:
    if not text:
        return None
    return {r: {c: Decimal(v) for c, v in cols.items()} for r, cols in json.loads(text).items()}
