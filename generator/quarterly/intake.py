"""Import filled forms: store, read, check, record. The one entry point for ``gosprog quarterly import``."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import importer
from .forms import period_label
from .importer import FormRejected, Problem
from .load import SubsidyData
from .registry import Registry, Submission


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


def import_bytes(data: bytes, name: str, subsidies: SubsidyData, registry: Registry, received: _dt.date,
                 expect: Expectation | None = None, submitted_by: str | None = None) -> ImportResult:
    suffix = Path(name.replace("\x00", "")).suffix.lower()
    sha, stored = registry.store_file(data, suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ".bin")
    problems: list[Problem] = []
    reading = None
    try:
        reading = importer.read(data, subsidies)
    except FormRejected as exc:
        problems = exc.problems
    period = reading.period() if reading else None
    subsidy_id, municipality, year, quarter = period if period else ("?", None, None, None)
    figures = None
    deadline = None
    if reading is not None:
        subsidy = subsidies.subsidies[subsidy_id]
        deadline = subsidy.deadline(year, quarter)
        expect = expect or Expectation()
        for key, wanted, found, label in (
                ("year", expect.year, year, "год"), ("quarter", expect.quarter, quarter, "квартал"),
                ("subsidy", expect.subsidy, subsidy_id, "субсидия"),
                ("municipality", expect.municipality, municipality, "муниципальное образование")):
            if wanted is not None and wanted != found:
                problems.append(Problem("PERIOD", f"форма за другой период или другого получателя ({label})",
                                        expected=str(wanted), found=str(found)))
        spec = subsidies.forms[subsidy.form]
        agreement = subsidies.agreement(subsidy_id, municipality, year)
        previous = registry.previous_figures(subsidy_id, municipality, year, quarter)
        problems.extend(reading.problems)          # cell-level problems: text, formulas, negatives, kopecks
        figures = importer.complete(reading, spec)
        if not problems:
            problems.extend(importer.check(reading, spec, agreement, previous, values=figures))
    status = "rejected" if problems else "accepted"
    if status == "rejected" and expect is not None:
        # a refused file belongs to the period being collected (its own period is in the findings)
        year = expect.year if expect.year is not None else year
        quarter = expect.quarter if expect.quarter is not None else quarter
    submission = registry.record(subsidy=subsidy_id, municipality=municipality, year=year, quarter=quarter,
                                 status=status, received=received, deadline=deadline, sha256=sha,
                                 original_name=_printable(Path(name.replace("\x00", "")).name)[:200], stored_as=stored,
                                 findings=[str(p) for p in problems], figures=figures if status == "accepted" else None,
                                 texts=reading.texts if reading else None, submitted_by=submitted_by)
    return ImportResult(_printable(Path(name.replace("\x00", "")).name), status, submission, problems)


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def describe(result: ImportResult) -> str:
    s = result.submission
    head = f"{result.name}: "
    if result.status == "accepted":
        timing = "в срок" if s.on_time else f"с опозданием на {s.late_days} дн."
        return head + (f"ПРИНЯТ (версия {s.version}; {s.municipality}, {period_label(s.year, s.quarter)}; "
                       f"представлен {s.received:%d.%m.%Y}, {timing})")
    return head + "ОТКЛОНЕН:\n" + "\n".join(f"  - {p}" for p in result.problems)
