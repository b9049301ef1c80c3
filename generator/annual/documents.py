"""Builders of the annual documents: subsidy results and returns, the analytical memo, and the
program's effectiveness evaluation."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from .. import model, templates, wording
from ..builders.common import NO_DATA, stamped_document
from ..numbers import NO_VALUE, format_date, format_number
from ..effectiveness import achievement
from . import charts
from .evaluate import ProgramEvaluation, SubsidyEvaluation

YES, NO = "да", "нет"
# provenance for the package manifest (never printed): where the reconstructed formula is explained
RETURN_FORMULA_SOURCE = ("Формула возврата средств восстановлена по определениям переменных правил и типовым правилам "
                         "(N 1224 / федеральные N 999): docs/methodology.md")


def _document(title: str, kind: str, year: int, sample: bool, date: _dt.date | None = None) -> model.Document:
    """A new annual document dated ``date`` (default: 20 February of the next year, the program report's)."""
    return stamped_document(title, kind, date or _dt.date(year + 1, 2, 20), sample)


def document_date(evaluations: list[SubsidyEvaluation]) -> _dt.date | None:
    """The date of a document on ``evaluations``: the latest analysis deadline their rules set, else (rules
    setting none, :func:`terms_sentences` says so) the latest of the municipalities' annual report deadlines
    (``SubsidyEvaluation.results_deadline``), after which the figures are in; ``None`` for no subsidy."""
    dates = [e.analysis_deadline or e.results_deadline for e in evaluations]
    return max(dates) if dates else None


def results_table(e: SubsidyEvaluation) -> model.Table:
    """Per municipality and result: plan, fact, D_i, achieved."""
    cols = [model.Column(0.5, align="center"), model.Column(2.4), model.Column(3.4), model.Column(0.8, align="center"),
            model.Column(1.0, align="right", kind="number", decimals=None),
            model.Column(1.0, align="right", kind="number", decimals=None),
            model.Column(1.0, align="right", kind="number", decimals=4), model.Column(0.9, align="center")]
    head = [model.Row([model.Cell(t) for t in ("N п/п", "Муниципальное образование", "Результат использования субсидии",
                                               "Ед. изм.", "План (соглашение)", "Факт", "Индекс недостижения D",
                                               "Достигнут")])]
    body = []
    for i, r in enumerate(e.rows, start=1):
        if r.calculation is None:
            reason = r.error or "нет отчета о достижении результатов"
            body.append(model.Row([model.Cell(f"{i}."), model.Cell(r.name), model.Cell(reason, colspan=6, italic=True)]))
            continue
        checks = r.calculation.results
        for j, c in enumerate(checks):
            cells = [model.Cell(f"{i}.", rowspan=len(checks)), model.Cell(r.name, rowspan=len(checks))] if j == 0 else []
            unit = next((res.unit for res in e.result_specs if res.name == c.name), "")
            # D enters k only where the result was missed (D > 0): a reached or exceeded result's 0 or negative
            # D is not a shortfall, and is printed as "-" (formula_note says so)
            cells += [model.Cell(c.name), model.Cell(unit), model.Cell(c.plan), model.Cell(c.fact),
                      model.Cell(c.index if not c.achieved else "-"),
                      model.Cell(YES if c.achieved else NO, bold=not c.achieved)]
            body.append(model.Row(cells))
    return model.Table(cols, head, body, font_size=10, id="results")


def returns_table(e: SubsidyEvaluation) -> model.Table:
    money = dict(align="right", kind="number", decimals=2)
    counts = dict(align="center", kind="number", decimals=0, summable=False)     # m and n: whole numbers
    cols = [model.Column(0.5, align="center"), model.Column(2.4), model.Column(1.5, **money),
            model.Column(1.3, **money), model.Column(1.5, **money), model.Column(0.5, **counts),
            model.Column(0.5, **counts),
            model.Column(0.9, align="right", kind="number", decimals=4, summable=False),
            model.Column(1.4, **money), model.Column(2.2)]
    head = [model.Row([model.Cell(t) for t in (
        "N п/п", "Муниципальное образование", "Субсидия предоставлена, руб.",
        "Остаток на 1 января (не учитывается), руб.", "V субсидии, руб.", "m", "n", "k",
        "V возврата, руб.", "Срок возврата / примечание")])]
    body = []
    for i, r in enumerate(e.rows, start=1):
        c = r.calculation
        if c is None:
            body.append(model.Row([model.Cell(f"{i}."), model.Cell(r.name), model.Cell(r.provided),
                                   model.Cell(r.error or NO_DATA, colspan=7, italic=True)]))
            continue
        if r.suspended and not (r.facts.exemption if r.facts else None):
            note = f"возврат не применяется: п. {e.suspension.clause} правил приостановлен (см. ниже)" if c.m else ""
        else:
            note = c.exempt_reason or (f"до {format_date(e.return_deadline)}" if c.amount > 0 else "")
        body.append(model.Row([model.Cell(f"{i}."), model.Cell(r.name), model.Cell(r.facts.received),
                               model.Cell(r.facts.unused), model.Cell(c.subsidy), model.Cell(c.m), model.Cell(c.n),
                               model.Cell(c.k), model.Cell(c.amount), model.Cell(note)]))
    n = len(body)
    body.append(model.Row([model.Cell("Итого", colspan=2), model.Cell(sum((r.facts.received for r in e.rows if r.facts), Decimal(0))),
                           model.Cell(e.unused), model.Cell(sum((r.calculation.subsidy for r in e.rows if r.calculation), Decimal(0))),
                           model.Cell(""), model.Cell(""), model.Cell(""), model.Cell(e.to_return), model.Cell("")],
                          style="total", sum_of=body[:n]))
    return model.Table(cols, head, body, font_size=10, id="returns")


def formula_note(e: SubsidyEvaluation) -> model.Paragraph:
    return model.Paragraph.of(
        "V возврата = V субсидии × k × m / n × " + format_number(e.coefficient, None) + "; k = Σ D / m по результатам с "
        "D > 0; D = 1 - Т / S (для результатов, где большее значение лучше); для достигнутых результатов D не "
        "учитывается (в таблице - «-»). В опубликованном тексте правил "
        "предоставления субсидий формулы приведены изображениями; расчет выполнен по определениям переменных в "
        "правилах и по типовым правилам предоставления субсидий (метод выбран разработчиком отчета). Остаток субсидии, не использованный на 1 января, в V субсидии не учитывается.",
        size=10, space_after=6)


def terms_sentences(e: SubsidyEvaluation) -> list[str]:
    """The rules' terms behind a subsidy's year, each sentence citing its clause (the subsidy data's
    ``clauses``), or saying that the rules set none: the return's due date, the suspensions of the return
    clause and whether they cover that date, the main administrator's analysis and report deadlines."""
    rules = f"правила предоставления субсидии ({e.rules})" if e.rules else "правила предоставления субсидии"
    out = [f"Срок возврата средств при недостижении значений результатов - до {format_date(e.return_deadline)} "
           f"({e.clause('return_deadline') or rules})."]
    if e.suspension is not None:
        s = e.suspension
        out.append(f"Возврат средств за {e.year} год не применяется: действие п. {s.clause} правил приостановлено "
                   f"({s.basis}) на период с {format_date(s.start)} до {format_date(s.until)}, и срок возврата "
                   f"{format_date(e.return_deadline)} приходится на этот период.")
    for s in e.suspensions_not_covering:
        out.append(f"Приостановление действия п. {s.clause} правил ({s.basis}) на период с {format_date(s.start)} "
                   f"до {format_date(s.until)} срок возврата {format_date(e.return_deadline)} не охватывает и к "
                   f"возврату средств за {e.year} год не применяется.")
    if e.analysis_deadline and e.report_deadline:
        clause = e.clause("analysis_deadline") or rules
        out.append(f"Анализ достижения значений результатов - до {format_date(e.analysis_deadline)}, отчет в "
                   f"Департамент финансов области - до {format_date(e.report_deadline)} ({clause}).")
    else:
        clause = e.results_deadline_note or e.clause("annual_deadline") or rules
        out.append(f"Срок анализа достижения значений результатов и представления отчета в Департамент финансов "
                   f"области {rules} не устанавливают; срок определяется соглашением о предоставлении субсидии "
                   "или главным распорядителем, настоящий отчет его не применяет. Дата отчета - срок представления "
                   f"муниципальными образованиями годовой информации о значениях результатов "
                   f"({format_date(e.results_deadline)}; {clause}); дата выбрана разработчиком отчета.")
    return out


def terms_note(e: SubsidyEvaluation) -> model.Paragraph:
    return model.Paragraph.of(" ".join(terms_sentences(e)), size=10, space_after=6)


def subsidy_results_document(evaluations: list[SubsidyEvaluation], year: int, sample: bool) -> model.Document:
    doc = _document(f"Отчет о достижении значений результатов использования субсидий за {year} год",
                    "annual-subsidy-results", year, sample, document_date(evaluations))
    doc.provenance.append(RETURN_FORMULA_SOURCE)
    for e in evaluations:
        section = doc.section("landscape")
        section.add(model.Heading(f"Отчет о достижении значений результатов использования субсидии за {year} год"),
                    model.Paragraph.of(e.name, align="center", size=12),
                    model.Paragraph.of(f"Главный распорядитель: {e.department}", align="center", size=12, space_after=6),
                    results_table(e),
                    model.Heading("Расчет объема средств, подлежащих возврату в областной бюджет", level=2),
                    returns_table(e), formula_note(e), terms_note(e))
    return doc


def memo_paragraphs(evaluations: list[SubsidyEvaluation], year: int, department: str,
                    tpl: templates.Templates | None = None) -> list[str]:
    tpl = tpl or templates.default()
    text = tpl.render("memo.txt.j2", year=year, department=department, subsidies=evaluations,
                      total_return=sum((e.to_return for e in evaluations), Decimal("0.00")),
                      terms={e.subsidy_id: terms_sentences(e) for e in evaluations})
    blocks = [" ".join(line.strip() for line in block.splitlines() if line.strip())
              for block in text.split("\n\n")]
    return [b for b in blocks if b]


def memo_document(evaluations: list[SubsidyEvaluation], year: int, department: str, sample: bool,
                  tpl: templates.Templates | None = None) -> model.Document:
    doc = _document(f"Аналитическая записка об эффективности использования субсидий за {year} год", "annual-memo",
                    year, sample, document_date(evaluations))
    doc.provenance.append(RETURN_FORMULA_SOURCE)
    section = doc.section("portrait")
    paragraphs = memo_paragraphs(evaluations, year, department, tpl)
    title, rest = paragraphs[:1], paragraphs[1:]
    for line in title:
        section.add(model.Heading(line))
    for text in rest:
        section.add(model.Paragraph.of(text, indent_first_line=True, space_after=3))
    section.add(model.Signature([(f"Руководитель ({department})", "____________________")], date_label=None))
    for e in evaluations:
        doc.section("landscape").add(model.Heading(e.name, level=2), results_table(e), returns_table(e),
                                     formula_note(e), terms_note(e))
    return doc


def effectiveness_document(ev: ProgramEvaluation, title: str, w: wording.Wording | None = None) -> model.Document:
    """The effectiveness evaluation of a year; ``w``: the program's wording (kind, budget level, unit;
    default: a state program of a regional budget in thousand rubles)."""
    w = w or wording.Wording()
    f = w.forms
    doc = _document(f"Оценка эффективности реализации {f['program_gen']} за {ev.year} год",
                    "annual-effectiveness", ev.year, ev.sample)
    doc.provenance.append("Методика оценки эффективности и формула возврата средств: docs/methodology.md")
    s = doc.section("landscape")
    s.add(model.Heading(f"Оценка эффективности реализации {f['program_gen']} \"{title}\" за {ev.year} год"),
          model.Paragraph.of(
              "Методика: степень достижения показателя = факт / план (план / факт, если меньшее значение лучше), "
              "не более предельного значения; степень реализации основных мероприятий = доля мероприятий с "
              "достигнутым результатом; коэффициент использования средств = степень реализации мероприятий / "
              "исполнение расходов (не более 1, постановление от 15.04.2019 N 373); эффективность = степень "
              "достижения показателей × коэффициент использования средств. Пороговые значения оценки заданы в "
              "данных; формулы приложения 4 к постановлению N 439 в доступных источниках не найдены, поэтому "
              "метод расчета выбран разработчиком отчета.", size=11, space_after=6))
    s.add(model.Paragraph.of("Основания параметров оценки: " + "; ".join(parameter_sources(ev, w)) + ".",
                             size=11, space_after=6))
    s.add(model.Heading("1. Достижение плановых значений целевых показателей (индикаторов)", level=2, align="left"),
          indicator_table(ev, w))
    rows = [i for i in ev.program_indicators] + [i for sp in ev.subprograms for i in sp.indicators]
    if rows:
        s.add(model.Image(charts.percent_bars([f"{('П' + i.subprogram + '.') if i.subprogram else 'ГП.'}{i.code} "
                                               f"{i.name}" for i in rows],
                                              [achievement(i.fact, i.plan, i.direction, cap=None) * 100 for i in rows],
                                              f"Целевые показатели {ev.year} года: достижение плана, % "
                                              "(для показателей, где меньшее значение лучше, - план / факт)"),
                          width_mm=230, caption="Рисунок 1. Фактические значения показателей в процентах к плановым"))
    s2 = doc.section("landscape")
    s2.add(model.Heading(f"2. Исполнение расходов {f['budget_gen']} по основным мероприятиям", level=2, align="left"),
           activity_table(ev, w))
    for sp in ev.subprograms:
        if sp.plan_line is not None:
            s2.add(model.Paragraph.of(
                f"Подпрограмма {sp.code}: таблица 4 (финансовое обеспечение основных мероприятий) в постановлении "
                f"отсутствует; план подпрограммы на {ev.year} год - {format_number(sp.plan, 1)} {f['unit']} - "
                f"взят из паспорта подпрограммы (строка {sp.plan_line} текста постановления), исполнение - сумма "
                "кассового исполнения ее основных мероприятий.", size=11, space_after=2))
    doubtful = [a for sp in ev.subprograms for a in sp.activities if a.plan_doubts]
    if doubtful:
        s2.add(model.Paragraph.of(
            "Плановые значения, не согласующиеся с контрольными соотношениями таблиц финансового обеспечения "
            "(оценка использует напечатанное значение; помечены знаком *):", size=11, space_after=2))
        for a in doubtful:
            s2.add(model.Paragraph.of(f"* Подпрограмма {a.subprogram}, мероприятие {a.code}, план "
                                      f"{format_number(a.plan, 1)} {f['unit']}: " + "; ".join(a.plan_doubts),
                                      size=10, space_after=2))
    executed = [sp for sp in ev.subprograms if sp.plan]
    if executed:
        s2.add(model.Image(charts.percent_bars([f"Подпрограмма {sp.code}" for sp in executed],
                                                 [sp.cash * 100 / sp.plan for sp in executed],
                                                 f"Исполнение расходов {ev.year} года, % от плана"),
                           width_mm=200, caption="Рисунок 2. Исполнение расходов по подпрограммам"))
    s3 = doc.section("landscape")
    s3.add(model.Heading(f"3. Эффективность реализации подпрограмм и {f['program_gen']}", level=2, align="left"),
           score_table(ev, w))
    return doc


PARAMETER_NAMES = {"achievement_cap": "предельное значение степени достижения показателя",
                   "use_coefficient_cap": "предельное значение коэффициента использования средств",
                   "ratings": "пороговые значения оценки",
                   "program_score": "оценка эффективности {program_gen} по оценкам подпрограмм"}


def parameter_sources(ev: ProgramEvaluation, w: wording.Wording) -> list[str]:
    """Each parameter of the evaluation with where it comes from (the annual facts' ``parameters.sources``):
    an act's clause, or the data's reason the act is silent ("... метод выбран разработчиком отчета"); a
    parameter the data gives no source for is said to be the report developer's choice."""
    out = []
    for key, name in PARAMETER_NAMES.items():
        name = name.format(**w.forms)
        text = ev.parameters.source(key) if ev.parameters else None
        out.append(f"{name} - {text}" if text else f"{name} - источник в данных не указан; метод выбран "
                                                   "разработчиком отчета")
    return out


def indicator_table(ev: ProgramEvaluation, w: wording.Wording | None = None) -> model.Table:
    w = w or wording.Wording()
    cols = [model.Column(0.7, align="center"), model.Column(4.5), model.Column(0.8, align="center"),
            model.Column(1.0, align="right", kind="number", decimals=None),
            model.Column(1.0, align="right", kind="number", decimals=None),
            model.Column(1.1, align="right", kind="number", decimals=3), model.Column(3.0)]
    head = [model.Row([model.Cell(t) for t in ("N", "Показатель (индикатор)", "Ед. изм.", "План", "Факт",
                                               "Степень достижения", "Обоснование отклонений")])]
    body = []
    groups = [(w.forms["Program"], ev.program_indicators)] + \
             [(f"Подпрограмма {sp.code} \"{sp.title}\"", sp.indicators) for sp in ev.subprograms]
    for title, items in groups:
        body.append(model.Row([model.Cell(title, colspan=7)], style="group"))
        if not items:
            body.append(model.Row([model.Cell(""), model.Cell(NO_DATA + " (таблица 1 подпрограммы отсутствует)",
                                                             colspan=6, italic=True)]))
        for i in items:
            plan_note = " (план - образец)" if i.plan_sample else (
                f" (план - постановление, строка {i.plan_line})" if i.plan_line else "")
            body.append(model.Row([model.Cell(i.code), model.Cell(i.name + plan_note), model.Cell(i.unit),
                                   model.Cell(i.plan), model.Cell(i.fact), model.Cell(i.degree),
                                   model.Cell(i.explanation or "")]))
    return model.Table(cols, head, body, font_size=9.5, id="indicators")


def activity_table(ev: ProgramEvaluation, w: wording.Wording | None = None) -> model.Table:
    unit = (w or wording.Wording()).forms["unit"]
    money = dict(align="right", kind="number", decimals=1)
    cols = [model.Column(0.7, align="center"), model.Column(4.5), model.Column(1.4, **money),
            model.Column(1.4, **money), model.Column(1.0, align="right", kind="number", decimals=1, summable=False),
            model.Column(1.0, align="center"), model.Column(2.6)]
    head = [model.Row([model.Cell(t) for t in ("Код", "Основное мероприятие", f"План, {unit}",
                                               f"Кассовое исполнение, {unit}", "Исполнение, %",
                                               "Результат достигнут", "Пояснение")])]
    body = []
    for sp in ev.subprograms:
        body.append(model.Row([model.Cell(f"Подпрограмма {sp.code} \"{sp.title}\"", colspan=7)], style="group"))
        if not sp.activities:
            body.append(model.Row([model.Cell(""), model.Cell("; ".join(sp.gaps) or NO_DATA, colspan=6, italic=True)]))
            continue
        start = len(body)
        for a in sp.activities:
            plan = model.Cell(a.plan, mark="*", note="; ".join(a.plan_doubts)) if a.plan_doubts else model.Cell(a.plan)
            if a.plan is None:           # the act prints no plan of the activity (table 4 lost): no value
                plan = model.Cell(NO_VALUE)
            body.append(model.Row([model.Cell(a.code), model.Cell(a.name), plan, model.Cell(a.cash),
                                   model.Cell(a.execution if a.execution is not None else NO_VALUE),
                                   model.Cell(YES if a.done else NO),
                                   model.Cell(a.explanation or "")]))
        from .. import calc
        body.append(model.Row([model.Cell(""), model.Cell("Итого по подпрограмме"), model.Cell(sp.plan),
                               model.Cell(sp.cash), model.Cell(calc.share(sp.cash, sp.plan, 1)), model.Cell(""),
                               model.Cell("")], style="total",
                              # a passport's plan (table 4 lost) is not the sum of the activities' (empty) plans
                              sum_of=None if sp.plan_line is not None else body[start:]))
    return model.Table(cols, head, body, font_size=9.5, id="activities-execution")


def score_table(ev: ProgramEvaluation, w: wording.Wording | None = None) -> model.Table:
    w = w or wording.Wording()
    num = dict(align="right", kind="number", decimals=3)
    cols = [model.Column(3.5), model.Column(1.2, **num), model.Column(1.2, **num), model.Column(1.2, **num),
            model.Column(1.2, **num), model.Column(1.2, **num), model.Column(1.6, align="center")]
    head = [model.Row([model.Cell(t) for t in (
        "Подпрограмма", "Степень достижения показателей", "Степень реализации мероприятий",
        "Исполнение расходов", "Коэффициент использования средств", "Эффективность", "Оценка")])]
    body = []
    for sp in ev.subprograms:
        r = sp.result
        if r is None:
            body.append(model.Row([model.Cell(f"Подпрограмма {sp.code}"),
                                   model.Cell("не оценивается: " + "; ".join(sp.gaps), colspan=6, italic=True)]))
            continue
        if r.score is None:              # indicators evaluated, the money is not printed: no effectiveness
            body.append(model.Row([model.Cell(f"Подпрограмма {sp.code}"), model.Cell(r.indicators),
                                   model.Cell("эффективность не рассчитывается: " + "; ".join(sp.gaps), colspan=5,
                                              italic=True)]))
            continue
        body.append(model.Row([model.Cell(f"Подпрограмма {sp.code}"), model.Cell(r.indicators), model.Cell(r.activities),
                               model.Cell(r.budget), model.Cell(r.use_of_funds), model.Cell(r.score),
                               model.Cell(r.rating or "")]))
    thresholds = "; ".join(f"{label} - не менее {format_number(t, None)}" for t, label in ev.ratings)
    body.append(model.Row([model.Cell(f"{w.forms['Program']} (среднее по оцененным подпрограммам; метод выбран "
                                      "разработчиком отчета)"),
                           model.Cell("", colspan=4), model.Cell(ev.score), model.Cell(ev.rating or NO_DATA)],
                          style="total"))
    body.append(model.Row([model.Cell(f"Пороговые значения оценки: {thresholds}", colspan=7, italic=True)]))
    return model.Table(cols, head, body, font_size=10, id="scores")
