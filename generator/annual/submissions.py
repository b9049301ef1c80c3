"""The list of the municipalities' annual reports on the results (отчеты о достижении значений результатов)
as received: who sent theirs, when, on time or late, who did not; the refused files with their problems and,
when a corrected report was accepted later, "устранено <date>". Built from the submissions registry (rows of
quarter 0, :data:`.forms.ANNUAL_QUARTER`); part of the annual package when ``annual`` reads a registry.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from .. import model
from ..builders.common import stamped_document
from ..numbers import format_date
from .forms import ANNUAL_QUARTER, TITLE, annual_deadline, annual_deadline_note


@dataclass
class SubsidySubmissions:
    """One subsidy's annual reports: (municipality name, its current accepted report or None) per agreement,
    and (municipality name, refused report, the accepted report that resolved it or None) per refusal."""

    subsidy_id: str
    name: str
    deadline: _dt.date | None
    note: str = ""                       # " (<why the month is the developer's reading>)" or ""
    rows: list = field(default_factory=list)
    refused: list = field(default_factory=list)


def collect(data, registry, year: int) -> list[SubsidySubmissions]:
    """Per subsidy with agreements in ``year`` (in id order), its annual reports from ``registry``."""
    from ..quarterly.protocol import resolution
    out = []
    for sid in sorted(data.subsidies):
        agreements = data.agreements_for(sid, year)
        if not agreements:
            continue
        subsidy = data.subsidies[sid]
        latest = registry.latest(sid, year, ANNUAL_QUARTER)
        item = SubsidySubmissions(sid, subsidy.name, annual_deadline(subsidy, year), annual_deadline_note(subsidy))
        for agreement in agreements:
            item.rows.append((data.municipalities[agreement.municipality].name, latest.get(agreement.municipality)))
        for s in registry.history(sid, year, ANNUAL_QUARTER):
            if s.status == "rejected":
                who = data.municipalities[s.municipality].name if s.municipality in data.municipalities else "-"
                item.refused.append((who, s, resolution(registry, s)))
        out.append(item)
    return out


def submissions_document(collected: list[SubsidySubmissions], year: int, sample: bool) -> model.Document:
    """The list of received annual reports per subsidy: a table (N, municipality, received, status) and the
    remarks of the refused files with their resolution."""
    doc = stamped_document(f"Отчеты муниципальных образований о достижении значений результатов за {year} год",
                           "annual-submissions", _dt.date(year + 1, 2, 20), sample)
    section = doc.section("portrait")
    section.add(model.Heading(f"Представление отчетов о достижении значений результатов использования субсидий "
                              f"за {year} год"))
    for item in collected:
        due = f"до {format_date(item.deadline)}{item.note}" if item.deadline else "правилами не установлен."
        section.add(model.Heading(item.name, level=2, align="left"),
                    model.Paragraph.of(f"Форма: {TITLE.lower()}. Срок представления: {due}", align="left",
                                       size=12, space_after=4))
        cols = [model.Column(0.5, align="center"), model.Column(3.2), model.Column(1.2, align="center"),
                model.Column(2.0, align="center")]
        head = [model.Cell("N п/п"), model.Cell("Муниципальное образование"), model.Cell("Дата представления"),
                model.Cell("Статус")]
        body = []
        for i, (name, s) in enumerate(item.rows, start=1):
            if s is None:
                status = "не представлен"
            else:
                status = "в срок" if s.on_time else f"с опозданием на {s.late_days} дн."
                if s.version and s.version > 1:
                    status += f", версия {s.version}"
            body.append(model.Row([model.Cell(f"{i}."), model.Cell(name),
                                   model.Cell(f"{s.received:%d.%m.%Y}" if s else "-"), model.Cell(status)]))
        section.add(model.Table(cols, [model.Row(head)], body, font_size=10, id=f"annual-submissions-{item.subsidy_id}"))
        section.add(model.Heading("Замечания проверки (отклоненные файлы)", level=2, align="left"))
        if not item.refused:
            section.add(model.Paragraph.of("нет", align="left", size=12))
        for name, s, fixed in item.refused:
            tail = (f" Статус: устранено {fixed.received:%d.%m.%Y} (принята версия {fixed.version})." if fixed
                    else " Статус: не устранено.")
            section.add(model.Paragraph.of(f"{name}, файл «{s.original_name}», получен {s.received:%d.%m.%Y}, "
                                           f"протокол проверки N {s.id}: " + " ".join(s.findings) + tail,
                                           align="left", size=11))
    return doc
