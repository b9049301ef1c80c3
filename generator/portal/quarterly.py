"""The ONE adapter between the portal and ``generator.quarterly``: forms, import, registry, reports.

Everything the portal knows about the quarterly machinery goes through here, so when the importer's
internals change (keyed form identity, a new reader, a new registry) only this module needs touching.

* :class:`SqlRegistry` - the submissions registry on the portal's SQLAlchemy database, with the same
  methods as ``generator.quarterly.registry.Registry`` (``store_file``, ``record``, ``get``, ``history``,
  ``latest``, ``previous_figures``), so ``intake.import_bytes`` and ``reports.consolidated_report`` run
  on it unchanged. Files stay in the content-addressed archive (``archive/ab/<sha256>.xlsx``, 0600,
  fsynced before the row is committed).
* :func:`issue_form` - the pre-filled XLSX of ``forms.generate``.
* :func:`submit` - the portal's account check (a form naming another municipality is refused before
  anything is archived or recorded), then ``intake.import_bytes`` with the page's expectation.
* :func:`consolidated` and :func:`protocol` - documents rendered through ``generator.writers``.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import sessionmaker

from .. import model
from ..i18n import _
from ..quarterly import forms as _forms
from ..quarterly import intake as _intake
from ..quarterly import reports as _reports
from ..quarterly.load import SubsidyData, load_subsidies
from ..quarterly.registry import PeriodQueries, Submission
from .db import SubmissionRow

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "pdf": "application/pdf"}
MAX_RETRIES = 20


class RegistryError(RuntimeError):
    """The registry could not record a submission (database busy for too long, disk full …)."""


# --- data --------------------------------------------------------------------------------------------


def load(data_dir: str | Path):
    """(program, SubsidyData) of a program folder; raises ``generator.data.DataError(s)``."""
    from ..data import load_program
    program, _located = load_program(str(data_dir), with_locations=True)
    return program, load_subsidies(data_dir, program)


def municipalities(data_dir: str | Path) -> dict:
    """Municipality code → ``Municipality`` (name, kind) of a program folder's subsidy data."""
    return load_subsidies(data_dir).municipalities


@dataclass(frozen=True)
class Period:
    subsidy: str
    subsidy_name: str
    municipality: str
    year: int
    quarter: int
    deadline: _dt.date
    opens: _dt.date
    deadline_note: str = ""           # " (срок установлен соглашением ...)" where the rules leave it to the agreement

    @property
    def label(self) -> str:
        return _forms.period_label(self.year, self.quarter)


def periods(data: SubsidyData, today: _dt.date, municipality: str | None = None) -> list[Period]:
    """Reporting periods open on ``today``: every quarter whose reporting date (the 1st day after the
    quarter, ``forms.as_of_date``) has come, for each agreement of that year; newest first. A period
    stays open after its deadline: late reports are accepted and marked late (act: reports are due by the
    subsidy's ``quarterly_deadline_day``)."""
    out = []
    for year in sorted(data.agreements, reverse=True):
        for quarter in (4, 3, 2, 1):
            opens = _forms.as_of_date(year, quarter)
            if opens > today:
                continue
            for sid in sorted(data.subsidies):
                for agreement in data.agreements_for(sid, year):
                    if municipality is None or agreement.municipality == municipality:
                        subsidy = data.subsidies[sid]
                        out.append(Period(sid, subsidy.name, agreement.municipality, year, quarter,
                                          subsidy.deadline(year, quarter), opens, subsidy.deadline_note()))
    return out


def find_period(data: SubsidyData, today: _dt.date, municipality: str, subsidy: str, year: int,
                quarter: int) -> Period | None:
    return next((p for p in periods(data, today, municipality)
                 if (p.subsidy, p.year, p.quarter) == (subsidy, year, quarter)), None)


# --- the registry on SQLAlchemy ----------------------------------------------------------------------


class SqlRegistry(PeriodQueries):
    """``Registry``'s interface on the portal database. ``owner`` (the municipality of the page that
    received a file) and ``period`` (subsidy, year, quarter of that page) fill what an unreadable file
    cannot tell, so every row belongs to the municipality that sent it."""

    def __init__(self, factory: sessionmaker, archive: Path, owner: str | None = None,
                 period: tuple[str, int, int] | None = None):
        self.factory = factory
        self.folder = Path(archive).parent
        self.archive = Path(archive)
        self.owner = owner
        self.period = period

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def close(self) -> None:
        return None

    def store_file(self, data: bytes, suffix: str = ".xlsx") -> tuple[str, str]:
        """Keep the file unchanged (content-addressed); returns (sha256, path relative to the portal folder)."""
        digest, relative, _ = self.keep(data, suffix)
        return digest, relative

    def keep(self, data: bytes, suffix: str = ".xlsx") -> tuple[str, str, bool]:
        """``Registry.keep`` on the portal's archive: (sha256, relative path, whether the file is new). The copy
        is a 0600 file in a 0700 folder, fsynced with its folder before the row is committed; a stored copy
        whose content does not match its name is rewritten."""
        digest = hashlib.sha256(data).hexdigest()
        relative = f"{self.archive.name}/{digest[:2]}/{digest}{suffix}"
        target = self.folder / relative
        existed = target.exists()
        if existed and hashlib.sha256(target.read_bytes()).hexdigest() == digest:
            return digest, relative, False
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return digest, relative, not existed

    def discard(self, relative: str) -> None:
        """Remove a copy :meth:`keep` wrote when its row could not be committed (nothing half-recorded)."""
        try:
            os.unlink(self.folder / relative)
        except OSError:
            pass

    @contextlib.contextmanager
    def batch(self):
        """``Registry.batch``: here every row is its own transaction (the portal imports one file a request)."""
        yield self

    def record(self, *, subsidy: str, municipality: str | None, year: int | None, quarter: int | None,
               status: str, received: _dt.date, deadline: _dt.date | None, sha256: str, original_name: str,
               stored_as: str, findings: list[str], figures: dict | None, texts: dict | None = None,
               submitted_by: str | None = None) -> Submission:
        """Insert one submission; accepted ones get the next version number. Concurrent inserts for the
        same period are serialised by the unique (period, version) constraint and retried."""
        if self.period is not None:
            if subsidy in (None, "?"):
                subsidy = self.period[0]
            year = self.period[1] if year is None else year
            quarter = self.period[2] if quarter is None else quarter
        if municipality is None:
            municipality = self.owner
        late = (received - deadline).days if deadline else None
        for attempt in range(MAX_RETRIES):
            try:
                with self.factory.begin() as db:
                    version = None
                    if status == "accepted":
                        count = db.scalar(select(func.count()).select_from(SubmissionRow).where(
                            SubmissionRow.subsidy == subsidy, SubmissionRow.municipality == municipality,
                            SubmissionRow.year == year, SubmissionRow.quarter == quarter,
                            SubmissionRow.status == "accepted"))
                        version = count + 1
                    row = SubmissionRow(
                        subsidy=subsidy, municipality=municipality, owner=self.owner or municipality, year=year,
                        quarter=quarter, version=version, status=status, received=received, deadline=deadline,
                        late_days=late, sha256=sha256, original_name=original_name, stored_as=stored_as,
                        submitted_by=submitted_by, findings=json.dumps(findings, ensure_ascii=False),
                        figures=_dump(figures), texts=json.dumps(texts or {}, ensure_ascii=False))
                    db.add(row)
                    db.flush()
                    new_id = row.id
                return self.get(new_id)
            except (IntegrityError, OperationalError) as exc:
                if attempt == MAX_RETRIES - 1:
                    raise RegistryError(_("the registry could not record the file: {reason}").format(
                        reason=exc.orig)) from None
                time.sleep(0.02 * (attempt + 1))
        raise AssertionError("unreachable")

    def get(self, submission_id: int) -> Submission:
        with self.factory() as db:
            row = db.get(SubmissionRow, submission_id)
            if row is None:
                raise KeyError(submission_id)
            return _submission(row)

    def history(self, subsidy: str | None = None, year: int | None = None, quarter: int | None = None,
                municipality: str | None = None) -> list[Submission]:
        query = select(SubmissionRow).order_by(SubmissionRow.id)
        for column, value in ((SubmissionRow.subsidy, subsidy), (SubmissionRow.year, year),
                              (SubmissionRow.quarter, quarter), (SubmissionRow.municipality, municipality)):
            if value is not None:
                query = query.where(column == value)
        with self.factory() as db:
            return [_submission(r) for r in db.scalars(query)]

    # the portal's own queries ------------------------------------------------------------------------

    def owned(self, owner: str) -> list[Submission]:
        """Every submission received on ``owner``'s pages, newest first."""
        with self.factory() as db:
            rows = db.scalars(select(SubmissionRow).where(SubmissionRow.owner == owner)
                              .order_by(SubmissionRow.id.desc()))
            return [_submission(r) for r in rows]

    def owner_of(self, submission_id: int) -> str | None:
        with self.factory() as db:
            row = db.get(SubmissionRow, submission_id)
            return row.owner if row is not None else None


def _submission(row: SubmissionRow) -> Submission:
    return Submission(row.id, row.subsidy, row.municipality, row.year, row.quarter, row.version, row.status,
                      row.received, row.deadline, row.late_days, row.sha256, row.original_name, row.stored_as,
                      row.submitted_by, json.loads(row.findings), _load(row.figures),
                      json.loads(row.texts) if row.texts else None)


# figures stored as text exactly as the file registry stores them (one encoding for both registries)
from ..quarterly.registry import _dump, _load  # noqa: E402


# --- forms and import --------------------------------------------------------------------------------


def issue_form(data: SubsidyData, registry: SqlRegistry, period: Period) -> tuple[str, bytes]:
    """(file name, XLSX bytes) of the pre-filled form of ``period`` (last quarter's accepted values in)."""
    agreement = data.agreement(period.subsidy, period.municipality, period.year)
    previous = registry.previous_figures(period.subsidy, period.municipality, period.year, period.quarter)
    content = _forms.generate(data.form_of(period.subsidy), data.subsidies[period.subsidy],
                              data.municipalities[period.municipality], agreement, period.year, period.quarter,
                              previous, sample=data.is_sample(period.year))
    return _forms.form_filename(period.subsidy, period.municipality, period.year, period.quarter), content


@dataclass
class Finding:
    """One problem of a submitted file, as the accountant reads it."""

    code: str
    message: str
    cell: str | None = None          # "Отчет!D12"
    expected: str | None = None
    found: str | None = None
    text: str = ""                   # the whole problem as the accountant reads it (place, figures, what to do)

    def __post_init__(self):
        if not self.text:
            self.text = self.message


@dataclass
class Outcome:
    status: str       # "accepted", "rejected", "duplicate" (the same file again: nothing recorded) or "refused"
    sha256: str
    findings: list[Finding] = field(default_factory=list)
    submission: Submission | None = None


def _finding(problem) -> Finding:
    cell = f"{problem.sheet}!{problem.cell}" if problem.sheet and problem.cell else problem.sheet
    return Finding(problem.code, problem.message, cell, problem.expected, problem.found, str(problem))


def submit(content: bytes, name: str, data: SubsidyData, registry: SqlRegistry, period: Period,
           account_municipality: str, login: str, received: _dt.date) -> Outcome:
    """Check and record one uploaded file for ``period`` on the page of ``account_municipality``.

    A file whose form identity names another municipality is refused here, before anything is archived
    or recorded (the form's own keyed identity check in the reader refuses edited identities). Anything else
    goes through ``intake.import_bytes`` expecting exactly this subsidy, year, quarter and municipality."""
    sha = hashlib.sha256(content).hexdigest()
    # read once, never raising: a file that is not a readable form of ours (malformed, forged identity) comes
    # back as problems, and import_bytes records that refusal without archiving the file
    read = _intake.read_form(content, data)
    reading = read[0]
    claimed = reading.period() if reading is not None else None
    if claimed is not None and claimed[1] != account_municipality:
        other = data.municipalities.get(claimed[1])
        return Outcome("refused", sha, [Finding(
            "ACCOUNT", _("the file is a form of another municipality ({municipality}); upload the form issued "
                         "to your municipality on this page").format(
                municipality=other.name if other else claimed[1]), None, data.municipalities[account_municipality].name,
            other.name if other else claimed[1])])
    registry = SqlRegistry(registry.factory, registry.archive, owner=account_municipality,
                           period=(period.subsidy, period.year, period.quarter))
    result = _intake.import_bytes(content, name, data, registry, received,
                                  _intake.Expectation(period.year, period.quarter, period.subsidy,
                                                      account_municipality), submitted_by=login, read=read)
    return Outcome(result.status, result.submission.sha256, [_finding(p) for p in result.problems],
                   result.submission)


def archived_file(registry: SqlRegistry, submission: Submission) -> bytes:
    return (registry.folder / submission.stored_as).read_bytes()


# --- documents -----------------------------------------------------------------------------------------


def _render(document: model.Document, fmt: str) -> bytes:
    from .. import writers
    with tempfile.TemporaryDirectory(prefix="gosprog-portal-") as folder:
        path = Path(folder) / f"document.{fmt}"
        writers.write(document, path, fmt)
        return path.read_bytes()


def consolidated(data: SubsidyData, registry: SqlRegistry, subsidy: str, year: int, quarter: int,
                 fmt: str, w=None) -> tuple[str, bytes]:
    """(file name, bytes) of the consolidated report of a subsidy and quarter in ``fmt`` (xlsx/docx/pdf);
    ``w``: the program's wording (:func:`generator.wording.of`)."""
    document = _reports.consolidated_report(data, registry, subsidy, year, quarter, w)
    return f"{subsidy}-{year}-q{quarter}-svodnyy-otchet.{fmt}", _render(document, fmt)


def protocol(data: SubsidyData, submission: Submission, fmt: str, registry=None) -> tuple[str, bytes]:
    """(file name, bytes) of the check protocol of one received file (:mod:`generator.quarterly.protocol`):
    accepted, or its problems and what to do; with ``registry``, a refusal resolved by a later accepted
    version says so ("устранены")."""
    from ..quarterly import protocol as _protocol
    resolved = _protocol.resolution(registry, submission) if registry is not None else None
    doc = _protocol.protocol_document(data, submission, resolved)
    return f"protokol-{submission.id}.{fmt}", _render(doc, fmt)
