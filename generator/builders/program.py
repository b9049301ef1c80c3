"""Builders for the program itself: its passport and its tables 1–6 (table 3 derived)."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from .. import calc, model
from ..data import schema
from ..rules import subprogram_money
from ..texts import financing_paragraph
from . import common, tables
from .common import SAMPLE_NOTICE


def _document(program: schema.Program, title: str, kind: str) -> model.Document:
    edition = program.edition.date
    return model.Document(title=title, kind=kind, date=_dt.datetime(edition.year, edition.month, edition.day),
                          notice=SAMPLE_NOTICE if program.edition.sample else None,
                          author=program.passport.responsible_executor)


def passport(program: schema.Program) -> model.Document:
    doc = _document(program, f"Паспорт государственной программы \"{program.title}\"", "program-passport")
    p = program.passport
    section = doc.section("portrait")
    section.add(approval_block(program), model.Heading("Паспорт"), model.Heading("государственной программы"),
                model.Heading(f"\"{program.title}\""))
    fields = [
        ("Ответственный исполнитель государственной программы", p.responsible_executor),
        ("Исполнители государственной программы", "; ".join(p.executors)),
        ("Подпрограммы государственной программы", p.subprograms_text or "; ".join(
            f"Подпрограмма \"{s.title}\" (приложение {s.appendix or s.code} к государственной программе)"
            for s in program.subprograms)),
        ("Цель государственной программы", p.goal),
        ("Задачи государственной программы", "; ".join(p.tasks)),
        ("Целевые показатели (индикаторы) государственной программы", p.indicators_text or "; ".join(
            i.name for i in (program.indicators.items if program.indicators else []))),
        ("Сроки реализации государственной программы", p.period_text),
        ("Объемы финансового обеспечения государственной программы за счет средств областного бюджета",
         financing_paragraph(p.financing, program.years) if p.financing else common.NO_DATA),
        ("Ожидаемые конечные результаты реализации государственной программы", "; ".join(p.expected_results)),
    ]
    section.add(key_value_table(fields))
    return doc


def approval_block(program: schema.Program) -> model.Paragraph:
    """The act's approval stamp above the passport (act lines 7-10): "Утверждена / постановлением /
    Правительства области / от 22.04.2019 N 395", right-aligned."""
    from ..numbers import format_date_numeric
    a = program.approved
    return model.right_caption("Утверждена", "постановлением", "Правительства области",
                               f"от {format_date_numeric(a.date)} N {a.number}")


def key_value_table(fields: list[tuple[str, str]]) -> model.Table:
    cols = [model.Column(1.0), model.Column(2.0, align="justify")]
    body = [model.Row([model.Cell(k), model.Cell(v)]) for k, v in fields]
    return model.Table(cols, [], body, numbering=False, repeat_header=False, font_size=12, id="passport")


def tables_document(program: schema.Program) -> model.Document:
    doc = _document(program, f"Таблицы государственной программы \"{program.title}\"", "program-tables")
    absent = {a.table: a for a in program.absent}
    order = ["Таблица 1", "Таблица 2", "Таблица 3", "Таблица 4", "Таблица 5", "Таблица 6"]
    for name in order:
        if name in absent and name != "Таблица 3":
            a = absent[name]
            doc.section("portrait").add(*common.absent_note(a.table, a.title, a.line))
            doc.provenance.append(common.absent_provenance(a.table, a.line, "государственная программа"))
        elif name == "Таблица 2" and program.indicators:
            doc.section("landscape").add(
                *common.caption("Таблица 2", "Сведения о порядке сбора информации и методике расчета значений "
                                "целевых показателей (индикаторов) государственной программы"),
                *tables.indicator_methodology(program.indicators))
        elif name == "Таблица 3":
            doc.sections.append(derived_table3(program, absent.get("Таблица 3")))
            doc.provenance.append("Таблица 3 государственной программы вычислена по таблицам 4 подпрограмм"
                                  + (" (" + common.absent_provenance("Таблица 3", absent["Таблица 3"].line) + ")"
                                     if "Таблица 3" in absent else ""))
        elif name == "Таблица 5" and program.tax_expenditures:
            doc.section("landscape").add(
                *common.caption("Таблица 5", "Оценка объема налоговых расходов по годам реализации "
                                "государственной программы"), tax_table(program))
        elif name == "Таблица 6" and program.regional_projects:
            doc.section("landscape").add(
                *common.caption("Таблица 6", "Общие сведения о региональных проектах, направленных на достижение "
                                "целей и решение задач государственной программы (подпрограмм)"),
                projects_table(program.regional_projects))
    return doc


def derived_table3(program: schema.Program, absent: schema.AbsentTable | None) -> model.Section:
    """Program table 3, computed from the subprograms' tables: known subprograms with their figures,
    the others named with "нет данных в источнике", and the passport total against what is known."""
    years = program.years
    section = model.Section(orientation="landscape")
    section.add(*common.caption("Таблица 3", "Финансовое обеспечение государственной программы за счет средств "
                                "областного бюджета"))
    note = "Таблица составлена по таблицам финансового обеспечения подпрограмм"
    note += ("; в тексте постановления таблица 3 не приведена. " if absent else ". ")
    note += ("Для подпрограмм, чьи таблицы финансового обеспечения в источнике отсутствуют, значения не "
             "выводятся (\"" + common.NO_DATA + "\"); строка \"не распределено\" показывает разницу между "
             "паспортом государственной программы и известными суммами.")
    section.add(model.Paragraph.of(note, size=11, space_after=4))
    cols = common.finance_columns(len(years))
    head = common.finance_header(years)
    body: list[model.Row] = []
    keys = [s for s in program.sources if s.key != "total"]
    known = {k.key: [Decimal(0)] * (len(years) + 1) for k in keys}
    missing = []
    subprogram_rows = []
    for i, sub in enumerate(program.subprograms, start=2):
        vectors = {k.key: subprogram_money(program, sub, k.key) for k in keys}
        first = [model.Cell(f"{i}."), model.Cell(f"Подпрограмма {sub.code}"), model.Cell(sub.title),
                 model.Cell("итого")]
        if all(v is None for v in vectors.values()):
            missing.append(sub.code)
            body.append(model.Row(first + [model.Cell("всего"),
                                           model.Cell(common.NO_DATA, colspan=len(years) + 1, align="center",
                                                      italic=True)]))
            continue
        for key, vector in vectors.items():
            if vector is not None:
                known[key] = [a + calc.as_decimal(b) for a, b in zip(known[key], vector)]
        lines = [_line("total", program.source_label("total"),
                       calc.column_sums([v for v in vectors.values() if v is not None]))]
        lines += [_line(k.key, k.label, vectors[k.key] or [Decimal(0)] * (len(years) + 1)) for k in keys]
        sub_rows = common.source_lines_rows(first, lines)
        subprogram_rows.append(sub_rows)
        body.extend(sub_rows)
    total_lines = [_line("total", program.source_label("total"), calc.column_sums(list(known.values())))]
    total_lines += [_line(k.key, k.label, known[k.key]) for k in keys]
    label = "Итого по подпрограммам, данные которых есть в источнике"
    if missing:
        label += f" (без подпрограмм {', '.join(missing)})"
    top = common.source_lines_rows([model.Cell("1."), model.Cell("Государственная программа"),
                                    model.Cell(label), model.Cell("итого")], total_lines, style="total")
    # the known total is the sum of the subprogram rows below it: live formulas in XLSX. The rows are
    # named, not counted, so putting the total on top cannot shift what the formulas point at.
    for j, row in enumerate(top):
        row.sum_of = [rows[j] for rows in subprogram_rows]
    body = top + body
    passport = {b.key: b for b in program.passport.financing}
    if missing and passport:
        rows = []
        for k in keys:
            block = passport.get(k.key)
            if block is None:
                continue
            printed = [calc.as_decimal(v) for v in block.years] + [calc.as_decimal(block.total)]
            remainder = [p - q for p, q in zip(printed, known[k.key])]
            rows.append(_line(k.key, k.label, remainder))
        if rows:
            body.extend(common.source_lines_rows(
                [model.Cell(""), model.Cell(""),
                 model.Cell(f"Не распределено по подпрограммам {', '.join(missing)} (паспорт государственной "
                            "программы минус известные суммы; таблицы этих подпрограмм в источнике отсутствуют)"),
                 model.Cell("")], rows, style="subtotal", declare_sums=False))
    section.add(model.Table(cols, head, body, font_size=9.5, id="table-3"))
    return section


def _line(key: str, label: str, vector: list) -> schema.SourceLine:
    return schema.SourceLine(source=key, label=label, values=list(vector[:-1]), total=vector[-1])


def tax_table(program: schema.Program) -> model.Table:
    tax = program.tax_expenditures
    years = program.years
    cols = [model.Column(0.6, align="center"), model.Column(4.0)]
    for _ in range(len(years) + 1):
        cols += [model.Column(0.9, align="right", kind="number", decimals=None),
                 model.Column(1.1, align="right", kind="number", decimals=1)]
    cols.append(model.Column(2.2))
    top = [model.Cell("N п/п", rowspan=2), model.Cell("Наименование налогового расхода", rowspan=2)]
    top += [model.Cell(str(y), colspan=2) for y in years]
    top += [model.Cell(f"Всего за {years[0]} - {years[-1]} годы", colspan=2),
            model.Cell("Цель подпрограммы (государственной программы)", rowspan=2)]
    pair = [model.Cell("Количество плательщиков, тыс. чел."), model.Cell("Финансовая оценка, тыс. руб.")]
    bottom = [model.Cell(c.value) for _ in range(len(years) + 1) for c in pair]
    body: list[model.Row] = []
    width = len(cols)
    for group in tax.groups:
        body.append(model.Row([model.Cell(group.title, colspan=width)], style="group"))
        for i, item in enumerate(group.items):
            cells = [model.Cell(item.no or ""), model.Cell(item.name)]
            for p, a in zip(item.payers, item.amounts):
                cells += [model.Cell(p), model.Cell(a)]
            cells += [model.Cell(item.payers_total), model.Cell(item.amount_total)]
            if i == 0:
                cells.append(model.Cell(group.goal or "", rowspan=len(group.items)))
            body.append(model.Row(cells, keep_values=True))
    t = tax.total
    cells = [model.Cell(t.label, colspan=2)]
    for p, a in zip(t.payers, t.amounts):
        cells += [model.Cell(p), model.Cell(a)]
    cells += [model.Cell(t.payers_total), model.Cell(t.amount_total), model.Cell("")]
    body.append(model.Row(cells, style="total", keep_values=True))
    return model.Table(cols, [model.Row(top), model.Row(bottom)], body, font_size=9, id="tax-expenditures")


def projects_table(projects: schema.RegionalProjects) -> model.Table:
    cols = [model.Column(0.6, align="center"), model.Column(5.0), model.Column(1.0, align="center"),
            model.Column(2.5), model.Column(2.0, align="center")]
    head = [model.Row([model.Cell(h) for h in ("N п/п", "Наименование регионального проекта, подпрограммы",
                                               "Код проекта", "Наименование национального проекта (программы)",
                                               "Связь с показателями государственной программы")])]
    body = []
    for row in projects.rows:
        body.append(model.Row([model.Cell(row.no or ""), model.Cell(row.name), model.Cell(row.code or ""),
                               model.Cell(row.national_project or ""), model.Cell(row.indicators_link or "")],
                              style="normal" if row.code else "group"))
    return model.Table(cols, head, body, font_size=11, id="regional-projects")
