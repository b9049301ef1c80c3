"""Documents comparing two editions: the comparison table and the explanatory note.

Both are built from a :class:`generator.editions.compare.ProgramDiff` only (no data access).
The explanatory note's wording lives in the Jinja2 text template
``templates/explanatory_note.txt.j2``; every figure it prints is computed here and
passed to the template already formatted.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

from .. import calc, model, wording
from .compare import FigureChange, FinancingChange, MoneyChange, ProgramDiff, YearChange, scope_label
from ..numbers import MONTHS_GENITIVE, format_number, format_percent, money_or_dash
from ..builders import common
from ..plans import Planned

COMPARISON_TITLE = "Сравнительная таблица изменений"
NOTE_TITLE = "Пояснительная записка к проекту постановления о внесении изменений"
NOTE_TEMPLATE = "explanatory_note.txt.j2"
MONEY_HEAD = ["N п/п", "Подпрограмма / мероприятие", "Исполнитель", "Источник", "Год", "money_was",
              "money_now", "money_change", "Отклонение, %"]          # money_*: texts of templates/wording.yaml
TEXT_HEAD = ["Элемент", "Было", "Стало"]
FIGURE_HEAD = ["N п/п", "Элемент", "Год", "Было", "Стало", "Отклонение", "Отклонение, %"]
NOTHING = "-"


def _wording(diff: ProgramDiff) -> wording.Wording:
    return diff.wording or wording.Wording()


def money_head(diff: ProgramDiff) -> list[str]:
    """The money table's header: :data:`MONEY_HEAD` with the program's unit (the wording's "money_was", ...)."""
    w = _wording(diff)
    return [w(h) if h in w.texts else h for h in MONEY_HEAD]


def edition_text(edition, w: wording.Wording | None = None) -> str:
    approver = (w or wording.Wording()).forms["approver"]
    return (f"редакция от {edition.date:%d.%m.%Y} (постановление {approver} от "
            f"{edition.act_date:%d.%m.%Y} N {edition.number})")


def _document(diff: ProgramDiff, title: str, kind: str) -> model.Document:
    return common.stamped_document(title, kind, diff.new.date, diff.sample)


def _lead(diff: ProgramDiff) -> list[model.Block]:
    blocks: list[model.Block] = [
        model.Paragraph.of(f"{_wording(diff).forms['Program']} \"{diff.title}\": {edition_text(diff.old, _wording(diff))} "
                           f"(было) и {edition_text(diff.new, _wording(diff))} (стало).", align="center", size=12,
                           space_after=4)]
    for edition in (diff.old, diff.new):
        if edition.sample:
            note = edition.note or "редакция составлена для демонстрации, цифры условные"
            blocks.append(model.Paragraph.of(
                [model.Run(f"Редакция от {edition.date:%d.%m.%Y}: ", bold=True), model.Run(note, italic=True)],
                size=11, space_after=4))
    return blocks


# --- the comparison table --------------------------------------------------------


def _money_columns() -> list[model.Column]:
    return [model.Column(0.6, align="center"), model.Column(4.2), model.Column(2.4), model.Column(2.2),
            model.Column(0.9, align="center"),
            model.Column(1.5, align="right", kind="number", decimals=1),
            model.Column(1.5, align="right", kind="number", decimals=1),
            model.Column(1.4, align="right", kind="number", decimals=1),
            model.Column(1.1, align="right", kind="percent", decimals=2)]


def _figures(old, new, diff_value, pct) -> list[model.Cell]:
    return [model.Cell(old if old is not None else NOTHING), model.Cell(new if new is not None else NOTHING),
            model.Cell(diff_value if diff_value is not None else NOTHING),
            model.Cell(pct if pct is not None else "х")]


def year_label(year: int | None) -> str:
    return str(year) if year is not None else "всего"


def financing_table(diff: ProgramDiff) -> model.Table:
    """Every changed cell of the financing tables, grouped by subprogram and row, with a derived total
    per subprogram (its "всего" money summed over the years) and an overall total (their sum)."""
    body: list[model.Row] = []
    width = len(MONEY_HEAD)
    totals = {m.subprogram: m for m in diff.subprogram_totals()}
    titles = {m.subprogram: m.name for m in diff.subprogram_totals()}
    order: list[str] = []
    for change in diff.financing:
        if change.subprogram not in order:
            order.append(change.subprogram)
    number = 0
    for code in order:
        changes = [c for c in diff.financing if c.subprogram == code]
        body.append(model.Row([model.Cell(f"Подпрограмма {code} \"{titles.get(code, '')}\"", colspan=width)],
                              style="group"))
        rows: list[list[FinancingChange]] = []
        for c in changes:
            if rows and rows[-1][0].row.key == c.row.key:
                rows[-1].append(c)
            else:
                rows.append([c])
        for group in rows:
            number += 1
            ref = group[0].row
            first = True
            sources: list[list[FinancingChange]] = []
            for c in group:
                if sources and sources[-1][0].source == c.source:
                    sources[-1].append(c)
                else:
                    sources.append([c])
            for lines in sources:
                for k, c in enumerate(lines):
                    cells: list[model.Cell] = []
                    if first:
                        n = len(group)
                        cells += [model.Cell(f"{number}.", rowspan=n), model.Cell(ref.label, rowspan=n),
                                  model.Cell(ref.executor or "", rowspan=n)]
                        first = False
                    if k == 0:
                        cells.append(model.Cell(c.source_label, rowspan=len(lines)))
                    cells.append(model.Cell(year_label(c.year)))
                    cells += _figures(c.old, c.new, c.difference, c.percent)
                    body.append(model.Row(cells, indent=1 if ref.kind in ("item", "activity_executor") else 0))
        total = totals.get(code)
        if total is not None:
            t = total.total
            body.append(model.Row([model.Cell(f"Итого по подпрограмме {code}: всего (все источники) за "
                                              f"{_period(diff)}, сумма по годам", colspan=5)]
                                  + _figures(t.old, t.new, t.difference, t.percent), style="total"))
    if order:
        t = diff.program_total()
        label = "Итого по подпрограммам, в которые вносятся изменения (" + ", ".join(order) + f"): всего за {_period(diff)}"
        body.append(model.Row([model.Cell(label, colspan=5)] + _figures(t.old, t.new, t.difference, t.percent),
                              style="total"))
    head = [model.Row([model.Cell(h) for h in money_head(diff)])]
    return model.Table(_money_columns(), head, body, font_size=9.5, id="comparison-financing",
                       indent_column=1)


def _period(diff: ProgramDiff) -> str:
    return f"{diff.years[0]} - {diff.years[-1]} годы"


def text_table(diff: ProgramDiff) -> model.Table:
    cols = [model.Column(2.4), model.Column(3.8), model.Column(3.8)]
    body = [model.Row([model.Cell(t.element), model.Cell(t.old if t.old is not None else NOTHING),
                       model.Cell(t.new if t.new is not None else NOTHING)]) for t in diff.text_changes()]
    return model.Table(cols, [model.Row([model.Cell(h) for h in TEXT_HEAD])], body, font_size=10,
                       id="comparison-texts")


def figure_element(f: FigureChange, w: wording.Wording | None = None) -> str:
    w = w or wording.Wording()
    if f.part == "passport":
        where = w("passport_of_program") if f.scope == "program" else f"Паспорт подпрограммы {f.scope}"
        return f"{where}: {f.element}"
    if f.part == "tax":
        what = "количество плательщиков, тыс. чел." if f.field == "payers" else w("tax_amount_field")
        return f"Налоговые расходы (таблица 5): {f.element}; {what}"
    if f.part == "indicator":
        return f"{scope_label(f.scope)}, таблица 1 (значения целевых показателей): {f.element}"
    return f"{scope_label(f.scope)}, {f.field.lower()} (прогнозная оценка): {f.element}"


def figure_table(diff: ProgramDiff) -> model.Table:
    cols = [model.Column(0.6, align="center"), model.Column(5.0), model.Column(0.9, align="center"),
            model.Column(1.6, align="right", kind="number", decimals=None),
            model.Column(1.6, align="right", kind="number", decimals=None),
            model.Column(1.5, align="right", kind="number", decimals=None),
            model.Column(1.1, align="right", kind="percent", decimals=2)]
    body = []
    changes = diff.figure_changes()
    i, number = 0, 0
    while i < len(changes):
        j = i
        while j < len(changes) and (changes[j].part, changes[j].scope, changes[j].element, changes[j].field) == \
                (changes[i].part, changes[i].scope, changes[i].element, changes[i].field):
            j += 1
        n = j - i
        number += 1
        for k, f in enumerate(changes[i:j]):
            cells = [model.Cell(f"{number}.", rowspan=n), model.Cell(figure_element(f, _wording(diff)), rowspan=n)] if k == 0 else []
            cells.append(model.Cell(year_label(f.year)))
            cells += _figures(f.old, f.new, f.difference, f.percent)
            body.append(model.Row(cells))
        i = j
    return model.Table(cols, [model.Row([model.Cell(h) for h in FIGURE_HEAD])], body, font_size=10,
                       id="comparison-figures")


def comparison_document(diff: ProgramDiff) -> model.Document:
    doc = _document(diff, f"{COMPARISON_TITLE}: государственная программа \"{diff.title}\", редакции от "
                          f"{diff.old.date:%d.%m.%Y} и {diff.new.date:%d.%m.%Y}", "editions-comparison")
    section = doc.section("landscape")
    section.add(model.Heading(COMPARISON_TITLE), *_lead(diff))
    if diff.is_empty():
        section.add(model.Paragraph.of("Редакции не различаются: изменений нет.", align="center"))
        return doc
    section.add(*common.caption("Таблица 1", "Изменения финансового обеспечения за счет средств областного "
                                "бюджета (таблицы 4 подпрограмм)"))
    if diff.financing:
        section.add(model.Paragraph.of("\"всего\" в графе \"Год\" - графа \"всего за "
                                       f"{_period(diff)}\" таблицы; итоговые строки вычислены как сумма "
                                       "значений строки подпрограммы \"всего, в том числе\" по годам.",
                                       size=10, space_after=4),
                    financing_table(diff))
    else:
        section.add(model.Paragraph.of("Изменений финансового обеспечения в таблицах подпрограмм нет."))
    texts = diff.text_changes()
    section = doc.section("landscape")
    section.add(*common.caption("Таблица 2", "Изменения текстовых положений"))
    section.add(text_table(diff) if texts else model.Paragraph.of("Изменений текстовых положений нет."))
    if diff.figure_changes():
        section = doc.section("landscape")
        section.add(*common.caption("Таблица 3", "Изменения иных числовых значений (паспорт, налоговые расходы, "
                                    "прогнозная оценка)"), figure_table(diff))
    return doc


# --- the explanatory note -----------------------------------------------------------


money = money_or_dash


def _change_words(change: YearChange) -> dict:
    d = change.difference
    if d is None or d == 0:
        verb, amount = "не изменяется", ""
    else:
        verb = "увеличивается" if d > 0 else "уменьшается"
        amount = money(abs(d))
    return {"year": change.year, "verb": verb, "noun": {"увеличивается": "увеличение", "уменьшается": "уменьшение",
                                                        "не изменяется": "без изменения"}[verb],
            "amount": amount, "old": money(change.old), "new": money(change.new),
            "percent": format_percent(change.percent, 2) if change.percent else None,   # not "0,00%"
            "signed": (("+" if d > 0 else "-") + money(abs(d))) if d else "0,0"}


def _money_context(m: MoneyChange) -> dict:
    return {"level": m.level, "code": m.code, "name": _strip_name(m.name), "total": _change_words(m.total),
            "years": [_change_words(y) for y in m.changed_years]}


def _strip_name(name: str) -> str:
    name = re.sub(r",? в том числе:?\s*$", "", name.strip())
    return re.sub(r"^\d+(\.\d+)*\.\s*", "", name)


def _date_words(d: _dt.date) -> str:
    return f"{d.day} {MONTHS_GENITIVE[d.month - 1]} {d.year} года"


def note_context(diff: ProgramDiff, approved=None) -> dict:
    subprograms = []
    for total in diff.subprogram_totals():
        items = [m for m in diff.money if m.subprogram == total.subprogram and m.level != "subprogram"]
        subprograms.append({**_money_context(total), "code": total.subprogram,
                            "activities": [_money_context(m) for m in items if m.level == "activity"],
                            "items": [_money_context(m) for m in items if m.level == "item"]})
    gained = [s for s in subprograms if s["total"]["verb"] == "увеличивается"]
    lost = [s for s in subprograms if s["total"]["verb"] == "уменьшается"]
    passport = []
    keys_seen = []
    for f in diff.passport_financing:
        if f.scope != "program":
            continue
        if f.field not in keys_seen:
            keys_seen.append(f.field)
            passport.append({"label": f.element, "years": [], "total": None})
        entry = passport[keys_seen.index(f.field)]
        words = _change_words(YearChange(f.year, f.old, f.new, f.difference, f.percent))
        if f.year is None:
            entry["total"] = words
        else:
            entry["years"].append(words)
    texts = [{"element": t.element, "old": t.old, "new": t.new} for t in diff.text_changes()]
    figures = [{"element": figure_element(f, _wording(diff)), "year": f.year, "old": format_number(f.old, None) if calc.is_number(f.old) else (f.old or NOTHING),
                "new": format_number(f.new, None) if calc.is_number(f.new) else (f.new or NOTHING)}
               for f in diff.figure_changes() if not (f.part == "passport" and f.scope == "program")]
    return {
        "title": diff.title, "period": _period(diff),
        "old": {"date": f"{diff.old.date:%d.%m.%Y}", "act_date": _date_words(diff.old.act_date),
                "number": diff.old.number, "sample": diff.old.sample, "note": diff.old.note},
        "new": {"date": f"{diff.new.date:%d.%m.%Y}", "act_date": _date_words(diff.new.act_date),
                "number": diff.new.number, "sample": diff.new.sample, "note": diff.new.note},
        "approved": ({"date": _date_words(approved.date), "number": approved.number} if approved else None),
        "sample": diff.sample, "empty": diff.is_empty(),
        "passport": passport, "subprograms": subprograms, "gained": gained, "lost": lost,
        "program_total": _change_words(diff.program_total()) if subprograms else None,
        "texts": texts, "figures": figures,
    }


def paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; the lines of one paragraph are joined with a space."""
    out = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if lines:
            out.append(" ".join(lines))
    return out


def explanatory_note(diff: ProgramDiff, approved=None, templates=None, old=None, new=None) -> model.Document:
    from .. import templates as templates_module
    env = templates or templates_module.default()
    context = note_context(diff, approved)
    context["history"], context["later_acts"] = [], []
    if old is not None and new is not None:
        from ..amend.history import history_context
        context.update(history_context(diff, old, new))
    text = env.render(NOTE_TEMPLATE, **context)
    doc = _document(diff, f"{NOTE_TITLE}: государственная программа \"{diff.title}\"", "explanatory-note")
    section = doc.section("portrait")
    section.add(model.Heading("Пояснительная записка"),
                model.Heading("к проекту постановления о внесении изменений", level=2))
    for para in paragraphs(text):
        if para.startswith("- "):
            section.add(model.Paragraph.of(para, align="justify", indent_first_line=False))
        else:
            section.add(model.Paragraph.of(para, align="justify", indent_first_line=True, space_after=3))
    return doc


# --- the package ----------------------------------------------------------------------


def diff_package(diff: ProgramDiff, approved=None, templates=None, sources: list[str] | None = None,
                 old=None, new=None) -> list[Planned]:
    """The comparison table and the explanatory note; with both editions' programs also the draft
    amending resolution (:mod:`generator.amend.draft`)."""
    out = [Planned("00-sravnitelnaya-tablica", "editions-comparison", comparison_document(diff), sources or []),
           Planned("01-poyasnitelnaya-zapiska", "explanatory-note",
                   explanatory_note(diff, approved, templates, old=old, new=new), sources or [])]
    if old is not None and new is not None:
        from ..amend.draft import draft_document
        out.append(Planned("02-proekt-postanovleniya", "draft-resolution", draft_document(diff, old, new, templates),
                           sources or [], formats=("docx", "pdf")))     # a draft circulates as DOCX (and PDF)
    return out




def plan(diff: ProgramDiff, old, new, old_dir: str | Path, new_dir: str | Path, out: str | Path = "output",
         templates=None):
    """The comparison package of two editions (``old``, ``new``: programs read from ``old_dir``, ``new_dir``)
    as a :class:`generator.plans.Plan`: :func:`diff_package`, written to ``OUT/<program>/diff-<old>-<new>``;
    sources relative to the folder both editions live under."""
    from ..paths import editions_diff_folder
    from ..plans import Plan
    sources = [str(Path(d) / "program.yaml") for d in (old_dir, new_dir)]
    documents = diff_package(diff, approved=new.approved, templates=templates, sources=sources, old=old, new=new)
    meta = {"program": new.code, "title": new.title, "kind": "editions-diff",
            "old_edition": old.edition.date.isoformat(), "new_edition": new.edition.date.isoformat(),
            "sample": diff.sample, "date": new.edition.date.isoformat(), "changes": diff.summary()}
    return Plan(documents, editions_diff_folder(out, new.code, old.edition.date, new.edition.date), meta,
                common_base(old_dir, new_dir))


def common_base(*folders: str | Path) -> Path:
    """The folder all ``folders`` live under (the sources in the manifest are relative to it)."""
    import os
    try:
        return Path(os.path.commonpath([str(Path(f).resolve()) for f in folders]))
    except ValueError:          # different drives
        return Path.cwd()
