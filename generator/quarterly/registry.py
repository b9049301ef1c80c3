"""The submissions registry: every received file, stored unchanged, and its history, in SQLite.

A file is written to the archive (atomically, named by its sha256, mode 0600 in 0700
folders, the file and its folder fsynced) before its row is committed, and the row is
committed before the submission is reported. An archived copy whose hash does not
match (damaged on disk) is written again. A corrected resubmission becomes a new
version; nothing is overwritten or deleted. A full, read-only or forbidden disk is a
:class:`RegistryError` with a Russian message, and leaves no row and no new file.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import hashlib
import json
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ..i18n import _


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


class RegistryError(Exception):
    """The registry cannot be written or read (full or read-only disk, no permission); the message is in the
    interface language and names the folder. Nothing was recorded by the call that raised it."""


def disk_message(exc: BaseException, where: Path) -> str:
    """A sentence in the interface language for an OSError or sqlite3 error met while writing under ``where``."""
    text = str(exc).lower()
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in text or "no space" in text:
        what = _("there is no free space on the disk")
    elif code == errno.EROFS or "readonly" in text or "read-only" in text:
        what = _("the disk or the folder is read-only")
    elif code in (errno.EACCES, errno.EPERM) or "permission" in text:
        what = _("no permission to write")
    else:
        what = _("write error ({reason})").format(reason=getattr(exc, "strerror", None) or type(exc).__name__)
    return _("the report registry in the folder {folder} could not be written: {reason}. Nothing was recorded; free "
             "some space or choose another folder (--registry) and import again").format(folder=where, reason=what)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _private_dir(folder: Path) -> None:
    """Create ``folder`` (and missing parents) with mode 0700, fsyncing each parent that got a new entry."""
    if folder.is_dir():
        return
    _private_dir(folder.parent)
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        return
    _fsync_dir(folder.parent)


def current(submissions) -> dict[str, Submission]:
    """Of ``submissions`` (one period's, as ``history`` gives them), the highest accepted version of each
    municipality, by its code."""
    out: dict[str, Submission] = {}
    for s in submissions:
        if s.status == "accepted" and s.municipality and (
                s.municipality not in out or s.version > out[s.municipality].version):
            out[s.municipality] = s
    return out


class PeriodQueries:
    """What every registry answers from its own ``history(subsidy, year, quarter, municipality)``: the file
    registry below and the portal's database (``generator.portal.quarterly.SqlRegistry``)."""

    def latest(self, subsidy: str, year: int, quarter: int, municipality: str | None = None) -> dict[str, Submission]:
        """The current (highest version) accepted submission of each municipality (or of one) for a period."""
        return current(self.history(subsidy, year, quarter, municipality))

    def same_file(self, subsidy: str, municipality: str, sha256: str) -> Submission | None:
        """The submission of exactly these bytes (by sha256) for this subsidy and municipality, whatever
        period it was recorded under (a refused file may carry the period being collected): the accepted one
        if they were accepted, else the latest refusal; None if new."""
        same = [s for s in self.history(subsidy, None, None, municipality) if s.sha256 == sha256]
        accepted = [s for s in same if s.status == "accepted"]
        return accepted[0] if accepted else (same[-1] if same else None)

    def previous_figures(self, subsidy: str, municipality: str, year: int, quarter: int) -> dict | None:
        """The accepted figures of the latest earlier quarter of the same year (for year-to-date checks)."""
        for q in range(quarter - 1, 0, -1):
            current = self.latest(subsidy, year, q, municipality).get(municipality)
            if current is not None:
                return current.figures
        return None


class Registry(PeriodQueries):
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._batch: list[tuple[Path, bool]] | None = None     # files kept in the open batch: (path, new)
        try:
            _private_dir(self.folder / "archive")
            database = self.folder / "registry.sqlite"
            if not database.exists():                 # private like the archive (SQLite gives -wal/-shm its mode)
                os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600))
            self.db = sqlite3.connect(database, isolation_level=None)
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=FULL")
                self.db.executescript(SCHEMA)
            except BaseException:
                self.db.close()
                raise
        except (OSError, sqlite3.Error) as exc:
            raise RegistryError(disk_message(exc, self.folder)) from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def store_file(self, data: bytes, suffix: str = ".xlsx") -> tuple[str, str]:
        """Keep the file unchanged in the archive (content-addressed); returns (sha256, relative path)."""
        digest, relative, _ = self.keep(data, suffix)
        return digest, relative

    @contextlib.contextmanager
    def batch(self):
        """Record many submissions in one transaction, for speed: the archived copies written inside are
        fsynced together at the end (in threads, so that the file system can merge the flushes), then their
        folders, then the rows are committed at once -- every file is still stored before it is recorded.
        Any failure records none of the batch and removes the copies it created; a disk failure is a
        RegistryError (callers may then redo the files one by one)."""
        if self._batch is not None:
            yield self
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise RegistryError(disk_message(exc, self.folder)) from None
        self._batch = kept = []
        try:
            yield self
            self._batch = None
            _sync_files([path for path, _ in kept])
            self.db.execute("COMMIT")
        except BaseException as exc:
            self._batch = None
            if self.db.in_transaction:
                try:
                    self.db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            for path, new in kept:
                if new:
                    self.discard(str(path.relative_to(self.folder)))
            if isinstance(exc, (sqlite3.Error, OSError)):
                raise RegistryError(disk_message(exc, self.folder)) from None
            raise

    def keep(self, data: bytes, suffix: str = ".xlsx") -> tuple[str, str, bool]:
        """Store ``data`` durably: (sha256, path relative to the folder, whether the file is new).
        An archived copy that is missing or whose content no longer has its hash is (re)written: a temporary
        0600 file in the 0700 folder, fsynced, renamed into place, the folder fsynced (inside :meth:`batch`
        the two fsyncs happen at the batch's end, before its commit). Raises RegistryError."""
        digest = hashlib.sha256(data).hexdigest()
        relative = f"archive/{digest[:2]}/{digest}{suffix}"
        target = self.folder / relative
        try:
            found = _hash_of(target)
            if found == digest:
                return digest, relative, False
            _private_dir(target.parent)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    if self._batch is None:
                        os.fsync(handle.fileno())
                os.chmod(tmp, 0o600)
                os.replace(tmp, target)
            except BaseException:
                try:
                    os.unlink(tmp)
                except FileNotFoundError:
                    pass
                raise
            if self._batch is None:
                _fsync_dir(target.parent)
            else:
                self._batch.append((target, found is None))
        except OSError as exc:
            raise RegistryError(disk_message(exc, self.folder)) from None
        return digest, relative, found is None

    def discard(self, relative: str) -> None:
        """Remove a file :meth:`keep` wrote when its row could not be committed (nothing half-recorded)."""
        try:
            os.unlink(self.folder / relative)
        except OSError:
            pass

    def record(self, *, subsidy: str, municipality: str | None, year: int | None, quarter: int | None,
               status: str, received: _dt.date, deadline: _dt.date | None, sha256: str, original_name: str,
               stored_as: str, findings: list[str], figures: dict | None, texts: dict | None = None,
               submitted_by: str | None = None) -> Submission:
        """Insert a submission in one transaction; accepted ones get the next version number."""
        late = (received - deadline).days if deadline else None
        single = self._batch is None
        try:
            if single:
                self.db.execute("BEGIN IMMEDIATE")
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
            if single:
                self.db.execute("COMMIT")
        except BaseException as exc:
            if single and self.db.in_transaction:         # SQLite may have rolled back already (full disk): never a 2nd error
                try:
                    self.db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            if isinstance(exc, (sqlite3.Error, OSError)):
                raise RegistryError(disk_message(exc, self.folder)) from None
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

    @staticmethod
    def _submission(row) -> Submission:
        (id_, subsidy, municipality, year, quarter, version, status, received, deadline, late, sha, name, stored,
         by, findings, figures, texts) = row
        return Submission(id_, subsidy, municipality, year, quarter, version, status,
                          _dt.date.fromisoformat(received), _dt.date.fromisoformat(deadline) if deadline else None,
                          late, sha, name, stored, by, json.loads(findings), _load(figures),
                          json.loads(texts) if texts else None)


def _sync_files(paths: list[Path]) -> None:
    """fsync the files (from a few threads: the journal merges concurrent flushes), then their folders."""
    if not paths:
        return

    def sync(path: Path) -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    if len(paths) == 1:
        sync(paths[0])
    else:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(min(8, len(paths))) as pool:
            list(pool.map(sync, paths))
    for folder in sorted({p.parent for p in paths}):
        _fsync_dir(folder)


def _hash_of(path: Path) -> str | None:
    """sha256 of a file, None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except FileNotFoundError:
        return None


def _dump(figures: dict | None) -> str | None:
    if figures is None:
        return None
    return json.dumps({r: {c: str(v) for c, v in cols.items()} for r, cols in figures.items()}, sort_keys=True)


def _load(text: str | None) -> dict | None:
    if not text:
        return None
    return {r: {c: Decimal(v) for c, v in cols.items()} for r, cols in json.loads(text).items()}
