"""Import filled forms: read, check, store, record. The one entry point for ``gosprog quarterly import``.

Each file on its own: whatever a file holds, it ends as one registry row (accepted or rejected with
located problems) and the next file is imported. A file that cannot be read as one of our forms (limits,
package, identity, structure: a FormRejected) is recorded as rejected and not archived; a readable form
is archived durably before its row is committed. Only the registry's own disk failing raises
(:class:`.registry.RegistryError`, nothing recorded for that file).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import importer
from ..i18n import _
from .forms import QUARTER_NAMES, FormLayout
from .importer import FormRejected, Problem
from .load import SubsidyData
from .registry import Registry, RegistryError, Submission
from .xlsxread import MAX_FILE_BYTES


def period_named(year: int, quarter: int) -> str:
    """A reporting period as a message names it, in the interface language: «I квартал 2021 года» / "quarter I of
    2021"; quarter 0 (the annual results report): «2021 год» / "year 2021". The documents print
    :func:`.forms.period_label` (Russian, document text)."""
    if not quarter:
        return _("year {year}").format(year=year)
    return _("quarter {quarter} of {year}").format(quarter=QUARTER_NAMES[quarter], year=year)


@dataclass
class Expectation:
    """What the department is collecting now; a form for anything else is refused."""

    year: int | None = None
    quarter: int | None = None
    subsidy: str | None = None
    municipality: str | None = None


@dataclass
class ImportResult:
    name: str
    status: str
    submission: Submission
    problems: list[Problem] = field(default_factory=list)


def read_upload(path: str | os.PathLike) -> bytes:
    """The bytes of an uploaded file, checked by ``lstat`` before reading: a symbolic link, a device, a pipe
    or a folder is refused (FormRejected [FILE]), as is a file over ``MAX_FILE_BYTES``; the file is opened
    without following links and checked again on the open descriptor. OSError (no such file) passes."""
    info = os.lstat(path)
    _check_upload(info)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        opened = os.fstat(handle.fileno())
        if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            raise FormRejected([Problem("FILE", _("the file was replaced while it was being received: receive it "
                                                  "again"))])
        _check_upload(opened)
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise FormRejected([Problem("FILE", _("the file is too large: more than {limit} bytes").format(
            limit=MAX_FILE_BYTES))])
    return data


def _check_upload(info: os.stat_result) -> None:
    if stat.S_ISLNK(info.st_mode):
        raise FormRejected([Problem("FILE", _("a symbolic link was given, not a file: give the form's file "
                                              "itself"))])
    if not stat.S_ISREG(info.st_mode):
        raise FormRejected([Problem("FILE", _("this is not a regular file (a folder, a device or a pipe): give the "
                                              "form's .xlsx file"))])
    if info.st_size > MAX_FILE_BYTES:
        raise FormRejected([Problem("FILE", _("the file is too large: {size} bytes, at most {limit} are "
                                              "accepted").format(size=info.st_size, limit=MAX_FILE_BYTES))])


def import_path(path: str | os.PathLike, subsidies: SubsidyData, registry: Registry, received: _dt.date,
                expect: Expectation | None = None, submitted_by: str | None = None) -> ImportResult:
    """Import the file at ``path`` (see :func:`read_upload`); a refused upload is a rejected row."""
    try:
        data = read_upload(path)
    except FormRejected as exc:
        return _record(registry, str(path), None, b"", exc.problems, None, received, expect, submitted_by, None)
    return import_bytes(data, str(path), subsidies, registry, received, expect, submitted_by)


def read_form(data: bytes, subsidies: SubsidyData) -> tuple[importer.Reading | None, list[Problem]]:
    """:func:`.importer.read` as a value (picklable, for worker processes): (reading, []) or (None, problems)."""
    try:
        return importer.read(data, subsidies), []
    except FormRejected as exc:
        return None, exc.problems


_WORKER_SUBSIDIES: SubsidyData | None = None


def _worker_init(subsidies: SubsidyData) -> None:
    global _WORKER_SUBSIDIES
    _WORKER_SUBSIDIES = subsidies


def _worker_read(data: bytes):
    return read_form(data, _WORKER_SUBSIDIES)


def read_many(items: Iterable[tuple[object, bytes | None]], subsidies: SubsidyData, jobs: int = 1,
              chunk: int = 64) -> Iterator[tuple[object, bytes | None, tuple | None]]:
    """For each (tag, content) in order: (tag, content, :func:`read_form` of content), or (tag, None, None)
    for an item without content. With ``jobs`` > 1 the reading (the CPU-bound part: limits, openpyxl,
    identity, values) runs in that many worker processes, ``chunk`` files at a time so that memory stays
    bounded; recording stays with the caller, one file after another. If a worker process dies (killed by
    the system, out of memory), the files still in flight and the rest are read in this process, so no file
    is lost or reported twice (``concurrent.futures`` marks the whole pool broken; nothing else is reused)."""
    if jobs <= 1:
        for tag, data in items:
            yield tag, data, (read_form(data, subsidies) if data is not None else None)
        return
    import collections
    import concurrent.futures
    import multiprocessing
    from concurrent.futures.process import BrokenProcessPool
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    iterator = iter(items)
    window: collections.deque = collections.deque()          # (tag, content, future or None), in order
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_init,
                                                initargs=(subsidies,)) as pool:

        def top_up() -> None:                   # keep ``chunk`` files in flight while the caller records
            for tag, data in iterator:
                window.append((tag, data, None))
                if data is not None:
                    window[-1] = (tag, data, pool.submit(_worker_read, data))
                if len(window) >= chunk:
                    return
        try:
            top_up()
            while window:
                tag, data, future = window[0]
                result = future.result() if future is not None else None
                window.popleft()
                yield tag, data, result
                top_up()
            return
        except BrokenProcessPool:
            pass
    # a worker died: the files in flight and every later one are read here, in order
    for tag, data, _future in window:
        yield tag, data, (read_form(data, subsidies) if data is not None else None)
    for tag, data in iterator:
        yield tag, data, (read_form(data, subsidies) if data is not None else None)


def import_many(items: Iterable[tuple[str, bytes | None, list[Problem]]], subsidies: SubsidyData,
                registry: Registry, received: _dt.date | Callable[[str], _dt.date],
                expect: Expectation | None = None, jobs: int = 1,
                batch: int = 32) -> Iterator[tuple[str, ImportResult | Exception]]:
    """Import many files: for each (name, content or None, the upload's own problems) in order, yields
    (name, its ImportResult) or (name, RegistryError) when the registry's disk failed for it. Files are read
    by ``jobs`` worker processes (:func:`read_many`) and recorded ``batch`` at a time in one transaction
    (:meth:`.registry.Registry.batch`); if a batch fails, its files are redone one by one so that each gets
    its own outcome. ``received``: a date, or a function of the name."""
    group: list = []
    source = (((name, problems), content) for name, content, problems in items)
    for (name, problems), content, read in read_many(source, subsidies, jobs):
        group.append((name, content, read if content is not None else (None, problems)))
        if len(group) >= batch:
            yield from _import_group(group, subsidies, registry, received, expect)
            group = []
    if group:
        yield from _import_group(group, subsidies, registry, received, expect)


def _import_group(group, subsidies, registry, received, expect):
    def one(name, content, read):
        when = received(name) if callable(received) else received
        return import_bytes(content or b"", name, subsidies, registry, when, expect, read=read)
    if len(group) > 1:
        try:
            with registry.batch():
                results = [(name, one(name, content, read)) for name, content, read in group]
            yield from results
            return
        except RegistryError:
            pass                               # redo one by one below: each file its own outcome
    for name, content, read in group:
        try:
            yield name, one(name, content, read)
        except RegistryError as exc:
            yield name, exc


def import_bytes(data: bytes, name: str, subsidies: SubsidyData, registry: Registry, received: _dt.date,
                 expect: Expectation | None = None, submitted_by: str | None = None,
                 read: tuple[importer.Reading | None, list[Problem]] | None = None) -> ImportResult:
    """Read, check and record one file (``read``: the result of :func:`read_form` of ``data``, when it was
    read elsewhere, e.g. by :func:`read_many`). Never raises for any ``data``; raises RegistryError (or
    SecretKeyError) only when the registry or the installation key cannot be used."""
    reading, problems = read if read is not None else read_form(data, subsidies)
    problems = list(problems)
    figures = None
    deadline = None
    if reading is not None:
        subsidy_id, municipality, year, quarter = reading.period()
        subsidy = subsidies.subsidies[subsidy_id]
        earlier = registry.same_file(subsidy_id, municipality, hashlib.sha256(data).hexdigest())
        if earlier is not None and earlier.status == "accepted":     # the same bytes again: nothing recorded
            return _duplicate(registry, name, data, earlier)
        mismatch = period_mismatch(subsidies, expect or Expectation(), subsidy_id, municipality, year, quarter)
        if mismatch is not None:
            problems.append(mismatch)
        if reading.kind == "annual":               # the annual results form (generator.annual.intake)
            from ..annual import intake as annual_intake
            from ..annual.forms import annual_deadline
            deadline = annual_deadline(subsidy, year)
            if received < _dt.date(year + 1, 1, 1):
                # the year's results are not known before it ends: a wrong --received, or a form of another year
                problems.append(Problem(
                    "PERIOD", _("the annual report for {year} is dated as received on {date}, before the year "
                                "ended").format(year=year, date=f"{received:%d.%m.%Y}"),
                    todo=_("Check the date the file arrived (--received) and the year of the form.")))
            problems.extend(reading.problems)
            if not problems:
                problems.extend(annual_intake.check(reading, subsidies, registry))
            figures = annual_intake.figures(reading)
        else:
            deadline = subsidy.deadline(year, quarter)
            spec = subsidies.forms[subsidy.form]
            agreement = subsidies.agreement(subsidy_id, municipality, year)
            previous = registry.previous_figures(subsidy_id, municipality, year, quarter)
            problems.extend(reading.problems)          # cell-level problems: text, formulas, negatives, kopecks
            if not problems and not _filled(reading, spec):
                problems.append(Problem("EMPTY", _("the form is not filled in: no amount is typed in the cells to "
                                                   "fill in (the yellow ones)"),
                                        todo=_("Type the amounts from the start of the year into the yellow cells "
                                               "(0 where nothing was received or spent), save the file and send it "
                                               "again.")))
            figures = importer.complete(reading, spec)
            if not problems:
                problems.extend(importer.check(reading, spec, agreement, previous, values=figures))
        if _same_refusal(earlier, problems):
            return _duplicate(registry, name, data, earlier)
    return _record(registry, name, reading, data, problems, figures, received, expect, submitted_by, deadline)


def _duplicate(registry: Registry, name: str, data: bytes, earlier) -> ImportResult:
    """The same bytes again, with the same outcome: recognised ("уже принят" / "уже получен и отклонен"),
    nothing recorded; a damaged archived copy is rewritten."""
    if earlier.stored_as:
        registry.keep(data, Path(earlier.stored_as).suffix)
    return ImportResult(_printable(Path(name.replace("\x00", "")).name), "duplicate", earlier, [])


def _same_refusal(earlier, problems: list[Problem]) -> bool:
    """Whether a file refused before is refused again for the same problems. A refused file is always checked
    again: its refusal may have come from this import's options (``--year``, ``--quarter``, ``--subsidy``) or
    from the registry of that day, and the same file can be right now."""
    return earlier is not None and bool(problems) and [str(p) for p in problems] == list(earlier.findings or [])


def _filled(reading: importer.Reading, spec) -> bool:
    """Whether anything was typed into the form's cells to fill in (a typed 0 counts; pre-filled cells not)."""
    layout = FormLayout(spec)
    typed = any(reading.values.get(row, {}).get(col) is not None
                for row, col in layout.input_cells() if spec.column(col).role == "input")
    return typed or any(any(cols.values()) for cols in reading.texts.values())


def period_mismatch(subsidies: SubsidyData, wanted: Expectation, subsidy_id: str, municipality: str, year: int,
                    quarter: int) -> Problem | None:
    """A form of another period, subsidy or recipient than the one being collected, in words: which
    period, subsidy and municipality the form was issued for and which are being collected (None: it fits)."""
    def named(s, m, y, q) -> list[str]:
        out = []
        if wanted.subsidy is not None and wanted.subsidy != subsidy_id:
            out.append(subsidies.subsidies[s].name if s in subsidies.subsidies else s)
        if wanted.municipality is not None and wanted.municipality != municipality:
            out.append(subsidies.municipalities[m].name if m in subsidies.municipalities else m)
        if (wanted.year is not None and wanted.year != year) or (wanted.quarter is not None and wanted.quarter != quarter):
            out.append(period_named(y, q))
        return out
    found = named(subsidy_id, municipality, year, quarter)
    if not found:
        return None
    expected = named(wanted.subsidy or subsidy_id, wanted.municipality or municipality,
                     wanted.year or year, wanted.quarter if wanted.quarter is not None else quarter)
    return Problem("PERIOD", _("the form was issued for another period or recipient"),
                   expected=", ".join(expected), found=", ".join(found),
                   todo=_("Fill in and send the form issued for {wanted}.").format(wanted=", ".join(expected)))


def _record(registry: Registry, name: str, reading, data: bytes, problems: list[Problem], figures,
            received: _dt.date, expect: Expectation | None, submitted_by: str | None, deadline) -> ImportResult:
    period = reading.period() if reading is not None else None
    subsidy_id, municipality, year, quarter = period if period else ("?", None, None, None)
    status = "rejected" if problems else "accepted"
    if status == "rejected" and expect is not None:
        # a refused file belongs to the period being collected (its own period is in the findings)
        year = expect.year if expect.year is not None else year
        quarter = expect.quarter if expect.quarter is not None else quarter
    clean = Path(name.replace("\x00", "")).name
    if reading is not None:                        # a readable form is kept; a refused file is not
        suffix = Path(name.replace("\x00", "")).suffix.lower()
        sha, stored, created = registry.keep(data, suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ".bin")
    else:
        sha, stored, created = hashlib.sha256(data).hexdigest(), "", False
    try:
        submission = registry.record(subsidy=subsidy_id, municipality=municipality, year=year, quarter=quarter,
                                     status=status, received=received, deadline=deadline, sha256=sha,
                                     original_name=_printable(clean)[:200], stored_as=stored,
                                     findings=[str(p) for p in problems],
                                     figures=figures if status == "accepted" else None,
                                     texts=reading.texts if reading else None, submitted_by=submitted_by)
    except BaseException:
        if created:
            registry.discard(stored)
        raise
    return ImportResult(_printable(clean), status, submission, problems)


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def describe(result: ImportResult, data: SubsidyData | None = None) -> str:
    """One line (and the problems) of an import as printed for the department: the municipality and the
    subsidy by their names when ``data`` is given."""
    s = result.submission
    head = f"{result.name}: "
    who = s.municipality
    if data is not None and s.municipality in data.municipalities:
        who = data.municipalities[s.municipality].name
    if result.status == "duplicate":
        if s.status == "accepted":
            return head + _("ALREADY ACCEPTED on {date}, version {version} ({who}, {period}): the same file "
                            "again, nothing changed").format(date=f"{s.received:%d.%m.%Y}", version=s.version,
                                                            who=who, period=period_named(s.year, s.quarter))
        return head + _("ALREADY RECEIVED on {date} and REJECTED ({who}): the same file again, nothing changed; "
                        "correct it as the protocol says and send the corrected file").format(
                            date=f"{s.received:%d.%m.%Y}", who=who)
    if result.status == "accepted":
        timing = _("on time") if s.on_time else _("{days} days late").format(days=s.late_days)
        return head + _("ACCEPTED (version {version}; {who}, {period}; received {date}, {timing})").format(
            version=s.version, who=who, period=period_named(s.year, s.quarter), date=f"{s.received:%d.%m.%Y}",
            timing=timing)
    return head + _("REJECTED:") + "\n" + "\n".join(f"  - {p}" for p in result.problems)
