"""Builders of the quarterly reports: a municipality's report as submitted, and the consolidated
report per subsidy and quarter (one row per municipality, totals, who is missing or late)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .. import calc, model
from ..builders.common import stamped_document
from ..numbers import format_date, format_number
from .forms import FormLayout, as_of_date, period_label
from .load import SubsidyData
from .registry import Registry, Submission, current

KOPECKS = 2


def _document(title: str, kind: str, sample: bool, year: int, quarter: int) -> model.Document:
    return stamped_document(title, kind, as_of_date(year, quarter), sample)


def municipality_report(data: SubsidyData, submission: Submission) -> model.Document:
    """The report as the municipality submitted it, with its figures and signature block."""
    subsidy = data.subsidies[submission.subsidy]
    spec = data.forms[subsidy.form]
    municipality = data.municipalities[submission.municipality]
    agreement = data.agreement(subsidy.id, municipality.code, submission.year)
    doc = _document(f"{spec.title}: {municipality.name}, {period_label(submission.year, submission.quarter)}",
                    "quarterly-municipality-report", data.is_sample(submission.year), submission.year,
                    submission.quarter)
    section = doc.section("landscape")
    section.add(model.Heading(spec.title),
                model.Paragraph.of(subsidy.name, align="center", size=12),
                model.Paragraph.of(municipality.name, align="center"),
                model.Paragraph.of(f"{period_label(submission.year, submission.quarter)}, по состоянию на "
                                   f"{format_date(as_of_date(submission.year, submission.quarter))} "
                                   "(нарастающим итогом с начала года)", align="center"),
                model.Paragraph.of(f"Соглашение N {agreement.number} от {format_date(agreement.date)} "
                                   f"Единица измерения: {spec.unit}", align="left", size=12, space_after=4))
    section.add(form_table(spec, submission.figures or {}, submission.texts or {}, year=submission.year))
    timing = "в срок" if submission.on_time else f"с опозданием на {submission.late_days} дн."
    section.add(model.Paragraph.of(f"Представлен {format_date(submission.received)} ({timing}; срок - до "
                                   f"{format_date(submission.deadline)}{subsidy.deadline_note()}). "
                                   f"Версия {submission.version}.",
                                   align="left", size=12),
                model.Signature([("Руководитель уполномоченного органа", "____________________"),
                                 ("Главный бухгалтер", "____________________")]))
    return doc


def form_table(spec, figures: dict, texts: dict, year: int | None = None) -> model.Table:
    """The form's table as the municipality filled it; the form's "на 20__ год" says the year when known."""
    layout = FormLayout(spec)
    depth = layout.header_depth
    cols = [model.Column(c.width, align="left" if c.role in ("label", "text", "number") else "right",
                         kind="text" if c.role in ("label", "text", "number") else "number", decimals=KOPECKS)
            for c in spec.columns]
    header: list[model.Row] = [model.Row([]) for _ in range(depth)]
    for row, col, rowspan, colspan, text in layout.header_cells(year):
        header[row - layout.first_row].cells.append(model.Cell(text, rowspan=rowspan, colspan=colspan))
    body = []
    keys = layout.row_keys()
    for index, key in enumerate(keys):
        fixed = next((r for r in spec.rows if r.key == key), None)
        if not spec.rows and key != "total" and not figures.get(key, {}) and not texts.get(key):
            continue
        if not spec.rows and key != "total" and not any(figures.get(key, {}).values()) and not texts.get(key):
            continue
        cells = []
        for c in spec.columns:
            if c.role == "label":
                cells.append(model.Cell(fixed.label if fixed else spec.total_label))
            elif c.role == "number":
                cells.append(model.Cell(f"{index + 1}." if key != "total" else spec.total_label))
            elif c.role == "text":
                cells.append(model.Cell(texts.get(key, {}).get(c.key, "")))
            else:
                cells.append(model.Cell(figures.get(key, {}).get(c.key)))
        style = "total" if key == "total" or (fixed and fixed.sum_of) else "normal"
        body.append(model.Row(cells, style=style))
    return model.Table(cols, header, body, font_size=10, id="form")


@dataclass
class ConsolidatedRow:
    municipality: str
    name: str
    agreement: Decimal
    received: Decimal | None
    used: Decimal | None
    local_used: Decimal | None
    balance: Decimal | None
    used_share: Decimal | None
    local_share: Decimal | None
    required_local_share: Decimal
    submission: Submission | None


def consolidate(data: SubsidyData, registry: Registry, subsidy_id: str, year: int, quarter: int,
                period: list[Submission] | None = None) -> tuple[list[ConsolidatedRow], dict]:
    """One row per municipality with an agreement; figures from its current accepted submission. ``period``: the
    registry's history of this subsidy and period when the caller has read it already."""
    subsidy = data.subsidies[subsidy_id]
    spec = data.forms[subsidy.form]
    latest = current(period) if period is not None else registry.latest(subsidy_id, year, quarter)
    rows = []
    for agreement in data.agreements_for(subsidy_id, year):
        submission = latest.get(agreement.municipality)
        figures = submission.figures if submission else None

        def pick(name, figures=figures):
            if figures is None or name not in spec.summary:
                return None
            row, _, col = spec.summary[name].partition(".")
            return figures.get(row, {}).get(col)
        received, used, local_used = pick("received"), pick("used"), pick("local_used")
        balance = received - used if received is not None and used is not None else None
        share = calc.share(used, agreement.subsidy_amount, 1) if used is not None else None
        local_share = None
        if used is not None and local_used is not None and (used + local_used) > 0:
            local_share = calc.share(local_used, used + local_used, 1)
        rows.append(ConsolidatedRow(agreement.municipality, data.municipalities[agreement.municipality].name,
                                    agreement.subsidy_amount, received, used, local_used, balance, share,
                                    local_share, 100 - agreement.level, submission))
    totals = {key: calc.total(getattr(r, key) for r in rows)
              for key in ("agreement", "received", "used", "local_used", "balance")}
    return rows, totals


def consolidated_report(data: SubsidyData, registry: Registry, subsidy_id: str, year: int, quarter: int,
                        w=None) -> model.Document:
    """The consolidated quarterly report of one subsidy: a row per municipality with an agreement (its latest
    accepted figures in ``registry``, or "не представлен"), totals, the deadline. ``w``: the program's wording
    (:func:`generator.wording.of`; default a state program of a region), which names the budget the subsidy
    comes from.

    Made with the cyclic garbage collector paused (:func:`generator.collector.paused`): every row makes new
    objects (the submission read back, its figures, the cells) and none is garbage, and with the subsidy data of
    20,000 municipalities in memory each full collection walked all of it (the report took x14 the time of
    2,000 municipalities' for x10 the rows; x10.6 paused: ``bench/run.py --only scale``)."""
    from ..collector import paused
    with paused():
        return _consolidated_report(data, registry, subsidy_id, year, quarter, w)


def _consolidated_report(data: SubsidyData, registry: Registry, subsidy_id: str, year: int, quarter: int,
                         w=None) -> model.Document:
    from .. import wording
    w = w or wording.Wording()
    subsidy = data.subsidies[subsidy_id]
    # the period's submissions read once (each read parses every submission's figures): its current versions
    # and its refused files, and what resolved each refusal, all come from them
    period = registry.history(subsidy_id, year, quarter)
    rows, totals = consolidate(data, registry, subsidy_id, year, quarter, period)
    deadline = subsidy.deadline(year, quarter)
    doc = _document(f"Сводный отчет о расходах: {subsidy.name[:80]}, {period_label(year, quarter)}",
                    "quarterly-consolidated-report", data.is_sample(year), year, quarter)
    section = doc.section("landscape")
    section.add(model.Heading(w("title_consolidated_report")),
                model.Paragraph.of(subsidy.name, align="center", size=12),
                model.Paragraph.of(f"{period_label(year, quarter)}, по состоянию на "
                                   f"{format_date(as_of_date(year, quarter))} (нарастающим итогом с начала года). "
                                   f"Главный распорядитель: {subsidy.department}. Срок представления отчетов: до "
                                   f"{format_date(deadline)}{subsidy.deadline_note()}", align="justify", size=12,
                                   space_after=4),
                model.Paragraph.of("руб.", align="right", size=12))
    money = dict(align="right", kind="number", decimals=KOPECKS)
    cols = [model.Column(0.5, align="center"), model.Column(2.6), model.Column(1.5, **money),
            model.Column(1.5, **money), model.Column(1.5, **money), model.Column(1.5, **money),
            model.Column(1.5, **money), model.Column(0.9, align="right", kind="number", decimals=1, summable=False),
            model.Column(1.0, align="right", kind="number", decimals=1, summable=False), model.Column(1.0, align="center"),
            model.Column(1.4, align="center")]
    top = [model.Cell("N п/п", rowspan=2), model.Cell("Муниципальное образование", rowspan=2),
           model.Cell("Сумма субсидии по соглашению", rowspan=2),
           model.Cell(w("column_subsidy_funds"), colspan=3),
           model.Cell("Израсходовано из местного бюджета", rowspan=2),
           model.Cell("Использовано субсидии, %", rowspan=2),
           model.Cell("Доля местного бюджета в расходах, % (требуется не менее)", rowspan=2),
           model.Cell("Дата представления", rowspan=2), model.Cell("Статус", rowspan=2)]
    second = [model.Cell("поступило"), model.Cell("израсходовано"), model.Cell("остаток")]
    body = []
    for i, r in enumerate(rows, start=1):
        s = r.submission
        if s is None:
            status = "не представлен"
        elif s.on_time:
            status = "в срок" + (f", версия {s.version}" if s.version and s.version > 1 else "")
        else:
            status = f"с опозданием на {s.late_days} дн." + (f", версия {s.version}" if s.version > 1 else "")
        share_text = (f"{format_number(r.local_share, 1)} ({format_number(r.required_local_share, None)})"
                      if r.local_share is not None else f"- ({format_number(r.required_local_share, None)})")
        body.append(model.Row([model.Cell(f"{i}."), model.Cell(r.name), model.Cell(r.agreement),
                               model.Cell(r.received if s else "-"), model.Cell(r.used if s else "-"),
                               model.Cell(r.balance if s else "-"), model.Cell(r.local_used if s else "-"),
                               model.Cell(r.used_share if s else "-"), model.Cell(share_text, align="right"),
                               model.Cell(f"{s.received:%d.%m.%Y}" if s else "-"), model.Cell(status)]))
    total_share = calc.share(totals["used"], totals["agreement"], 1) if totals["used"] is not None else None
    body.append(model.Row([model.Cell("Итого", colspan=2), model.Cell(totals["agreement"]),
                           model.Cell(totals["received"]), model.Cell(totals["used"]), model.Cell(totals["balance"]),
                           model.Cell(totals["local_used"]), model.Cell(total_share), model.Cell(""), model.Cell(""),
                           model.Cell(f"{sum(1 for r in rows if r.submission)} из {len(rows)}")],
                          style="total", sum_of=body[:len(rows)]))
    section.add(model.Table(cols, [model.Row(top), model.Row(second)], body, font_size=10, id="consolidated"))
    missing = [r.name for r in rows if r.submission is None]
    late = [f"{r.name} ({r.submission.late_days} дн.)" for r in rows if r.submission and not r.submission.on_time]
    section.add(model.Heading("Не представили отчет", level=2, align="left"),
                model.Paragraph.of("; ".join(missing) if missing else "все получатели представили отчеты",
                                   align="left", size=12),
                model.Heading("Представили отчет с опозданием", level=2, align="left"),
                model.Paragraph.of("; ".join(late) if late else "нет", align="left", size=12))
    rejected = [s for s in period if s.status == "rejected"]
    section.add(model.Heading("Замечания проверки (отклоненные файлы)", level=2, align="left"))
    if rejected:
        from .protocol import resolved_in
        later: dict[str, list[Submission]] = {}          # each municipality's submissions of the period, in order
        for s in period:
            later.setdefault(s.municipality, []).append(s)
        for s in rejected:
            name = data.municipalities[s.municipality].name if s.municipality in data.municipalities else "-"
            fixed = resolved_in(later.get(s.municipality, []), s)
            tail = (f" Статус: устранено {fixed.received:%d.%m.%Y} (принята версия {fixed.version})." if fixed
                    else " Статус: не устранено.")
            section.add(model.Paragraph.of(f"{name}, файл «{s.original_name}», получен {s.received:%d.%m.%Y}, "
                                           f"протокол проверки N {s.id}: " + " ".join(s.findings) + tail,
                                           align="left", size=11))
    else:
        section.add(model.Paragraph.of("нет", align="left", size=12))
    return doc
