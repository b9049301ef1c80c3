"""The check protocol (протокол проверки) of one received file: the notice sent back to the municipality.

One document per registry row, built in the document model and rendered by the writers (DOCX and PDF):
the municipality and the subsidy by their names, the period, the file and the date it was received, the
result (accepted, with its version and timing, or refused) and, for a refused file, each problem in the
accountant's words with what to do, then the deadline to send the corrected report. A later accepted
version of the same period says that the earlier refusal is resolved ("устранено"). Used by
``gosprog quarterly import`` and ``demo`` (files in the registry's ``protocols`` folder) and by the portal.
"""

from __future__ import annotations

import datetime as _dt
import re
import tempfile
from pathlib import Path

from .. import model
from ..builders.common import SAMPLE_NOTICE
from ..numbers import format_date
from .forms import period_label
from .load import SubsidyData
from .registry import Submission

FORMATS = ("docx", "pdf")


def resolution(registry, submission: Submission) -> Submission | None:
    """The first accepted submission of the same subsidy, municipality and period received after the refused
    ``submission`` (it resolves the refusal: "устранено <date>"); None if there is none (or it was accepted)."""
    if submission.status == "accepted" or not submission.municipality or submission.year is None:
        return None
    return resolved_in(registry.history(submission.subsidy, submission.year, submission.quarter,
                                        submission.municipality), submission)


def resolved_in(history: list[Submission], submission: Submission) -> Submission | None:
    """:func:`resolution` from ``history``: the submissions of the refused one's subsidy and period (all of them, or
    its municipality's), in the order they were recorded."""
    if submission.status == "accepted" or not submission.municipality or submission.year is None:
        return None
    return next((s for s in history if s.status == "accepted" and s.id > submission.id
                 and s.municipality == submission.municipality and s.subsidy == submission.subsidy
                 and s.year == submission.year and s.quarter == submission.quarter), None)


def _period(submission: Submission) -> str:
    if submission.year and submission.quarter == 0:
        return f"{submission.year} год (годовой отчет о достижении значений результатов)"
    if submission.year and submission.quarter:
        return period_label(submission.year, submission.quarter)
    return "период не определен"


def protocol_document(data: SubsidyData, submission: Submission, resolved_by: Submission | None = None,
                      earlier: list[Submission] | None = None) -> model.Document:
    """The protocol of ``submission`` as a document. ``resolved_by``: the accepted version that resolved this
    refusal, when there is one; ``earlier``: refused files of the same period that an accepted one resolves.
    Raises nothing for any registry row (unknown municipality or subsidy codes are printed as "-")."""
    municipality = data.municipalities.get(submission.municipality or "")
    subsidy = data.subsidies.get(submission.subsidy)
    spec = data.forms.get(subsidy.form) if subsidy else None
    form_title = spec.title if spec else "-"
    if submission.quarter == 0:
        from ..annual.forms import TITLE as form_title
    sample = bool(submission.year and data.is_sample(submission.year))
    doc = model.Document(title=f"Протокол проверки отчета N {submission.id}", kind="quarterly-protocol",
                         notice=SAMPLE_NOTICE if sample else None,
                         date=_dt.datetime.combine(submission.received, _dt.time()))
    section = doc.section("portrait")
    section.add(model.Heading(f"Протокол проверки отчета N {submission.id}"))
    lines = [("Муниципальное образование", municipality.name if municipality else "-"),
             ("Субсидия", subsidy.name if subsidy else "-"),
             ("Отчетный период", _period(submission)),
             ("Форма отчета", form_title),
             ("Файл", f"«{submission.original_name}»"),
             ("Дата получения", format_date(submission.received))]
    if submission.deadline:
        note = subsidy.deadline_note() if subsidy else ""
        if subsidy and submission.quarter == 0:             # the annual results report: its own deadline's note
            from ..annual.forms import annual_deadline_note
            note = annual_deadline_note(subsidy)
        lines.append(("Срок представления", f"до {format_date(submission.deadline)} включительно{note}"))
    for label, value in lines:
        section.add(model.Paragraph.of(f"{label}: {value}", align="left"))
    if submission.status == "accepted":
        timing = "в срок" if submission.on_time else f"с опозданием на {submission.late_days} дн."
        section.add(model.Paragraph.of(f"Результат проверки: ПРИНЯТ (версия {submission.version}, {timing}).",
                                       align="left", space_after=4))
        if submission.version and submission.version > 1:
            section.add(model.Paragraph.of(f"Отчет заменяет ранее принятую версию {submission.version - 1}.",
                                           align="left"))
        for old in earlier or []:
            section.add(model.Paragraph.of(f"Замечания по файлу «{old.original_name}», полученному "
                                           f"{format_date(old.received)} (протокол N {old.id}), устранены.",
                                           align="left"))
    else:
        section.add(model.Paragraph.of("Результат проверки: ОТКЛОНЕН. Отчет не принят по следующим замечаниям:",
                                       align="left", space_after=4))
        for i, text in enumerate(submission.findings, start=1):
            section.add(model.Paragraph.of(f"{i}. {text[:1].upper()}{text[1:]}", align="left"))   # a sentence
        if resolved_by is not None:
            section.add(model.Paragraph.of(
                f"Замечания устранены: исправленный отчет получен {format_date(resolved_by.received)} и принят "
                f"(протокол N {resolved_by.id}, версия {resolved_by.version}).", align="left"))
        else:
            due = (f" Срок представления отчета - до {format_date(submission.deadline)} включительно; отчет, "
                   "представленный позже, принимается с отметкой об опоздании.") if submission.deadline else ""
            section.add(model.Paragraph.of(
                "Что сделать: исправьте в выданной форме отмеченные ячейки (остальные данные формы не меняйте), "
                "сохраните файл и представьте его снова." + due, align="left"))
    return doc


def protocol_name(submission: Submission, fmt: str) -> str:
    """``protokol-<id>-<subsidy>-<municipality>.<fmt>``: sorted in the order the files were received."""
    def safe(code: str | None) -> str:      # a file name any system accepts ("?" of an unreadable file is not)
        return code if code and re.fullmatch(r"[A-Za-z0-9_-]+", code) else "neizvestno"
    return f"protokol-{submission.id:05d}-{safe(submission.subsidy)}-{safe(submission.municipality)}.{fmt}"


def protocol_folder(registry_folder: Path, submission: Submission) -> Path:
    """``<registry>/protocols/<year>/q<quarter>``, ``<registry>/protocols/<year>/god`` for the annual results
    report (quarter 0), ``unknown`` when the file's period is unknown."""
    if submission.year and submission.quarter == 0:
        return Path(registry_folder) / "protocols" / str(submission.year) / "god"
    if submission.year and submission.quarter:
        return Path(registry_folder) / "protocols" / str(submission.year) / f"q{submission.quarter}"
    return Path(registry_folder) / "protocols" / "unknown"


def render(document: model.Document, fmt: str) -> bytes:
    """The document in ``fmt`` (docx, pdf) as bytes."""
    from .. import writers
    with tempfile.TemporaryDirectory(prefix="gosprog-protocol-") as folder:
        path = Path(folder) / f"document.{fmt}"
        writers.write(document, path, fmt)
        return path.read_bytes()


def write_protocols(data: SubsidyData, registry, submission: Submission, formats=FORMATS) -> list[Path]:
    """Write the protocol of ``submission`` (each format, atomically) into the registry's ``protocols``
    folder, and rewrite the protocols of the refusals it resolves (they now say "устранено").
    Returns the paths written. Raises OSError when the folder cannot be written."""
    from ..writers._files import write_atomic
    written = []
    earlier = []
    if submission.status == "accepted" and submission.municipality:
        earlier = [s for s in registry.history(submission.subsidy, submission.year, submission.quarter,
                                               submission.municipality)
                   if s.status == "rejected" and s.id < submission.id and resolution(registry, s) == submission]
    jobs = [(submission, protocol_document(data, submission, resolution(registry, submission), earlier))]
    jobs += [(old, protocol_document(data, old, submission)) for old in earlier]
    for row, document in jobs:
        folder = protocol_folder(registry.folder, row)
        for fmt in formats:
            path = folder / protocol_name(row, fmt)
            write_atomic(path, render(document, fmt))
            written.append(path)
    return written
