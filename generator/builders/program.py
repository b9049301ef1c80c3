"""Builders for the program itself: its passport and its tables 1–6 (table 3 derived)."""

from __future__ import annotations

from decimal import Decimal

from .. import calc, model, wording
from ..data import schema
from ..rules import subprogram_money
from ..texts import financing_paragraph
from . import common, tables
from .common import stamped_document


def _document(program: schema.Program, title: str, kind: str) -> model.Document:
    return stamped_document(title, kind, program.edition.date, program.edition.sample,
                            author=program.passport.responsible_executor)


def passport(program: schema.Program) -> model.Document:
    w = wording.of(program)
    doc = _document(program, w("program_passport_title", title=program.title), "program-passport")
    p = program.passport
    section = doc.section("portrait")
    section.add(approval_block(program), model.Heading("Паспорт"), model.Heading(w("program_passport_heading")),
                model.Heading(f"\"{program.title}\""))
    fields = [
        (w("field_responsible"), p.responsible_executor),
        (w("field_executors"), "; ".join(p.executors)),
        (w("field_subprograms"), p.subprograms_text or "; ".join(
            w("subprogram_item", title=s.title, appendix=s.appendix or s.code) for s in program.subprograms)),
        (w("field_goal"), p.goal),
        (w("field_tasks"), "; ".join(p.tasks)),
        (w("field_indicators"), p.indicators_text or _indicator_names(program)),
        (w("field_period"), p.period_text),
        (w("field_financing"),
         financing_paragraph(p.financing, program.years, w.forms["unit_long"]) if p.financing else common.NO_DATA),
        (w("field_results"), "; ".join(p.expected_results)),
    ]
    section.add(key_value_table(fields))
    return doc


def _indicator_names(program: schema.Program) -> str:
    """The passport's indicators where the act prints no cell text: the program's own (table 2), else the
    subprograms' (each once), else "нет данных в источнике" - never a blank cell."""
    tables = [program.indicators] if program.indicators else [s.indicators for s in program.subprograms]
    names = list(dict.fromkeys(i.name for t in tables if t for i in t.items))
    return "; ".join(names) if names else common.NO_DATA


def approval_block(program: schema.Program) -> model.Paragraph:
    """The act's approval stamp above the passport (act lines 7-10): "Утверждена / постановлением /
    Правительства области / от 22.04.2019 N 395", right-aligned."""
    from ..numbers import format_date_numeric
    a = program.approved
    return model.right_caption(*wording.of(program).lines("approval"),
                               f"от {format_date_numeric(a.date)} N {a.number}")


def key_value_table(fields: list[tuple[str, str]]) -> model.Table:
    cols = [model.Column(1.0), model.Column(2.0, align="justify")]
    body = [model.Row([model.Cell(k), model.Cell(v)]) for k, v in fields]
    return model.Table(cols, [], body, numbering=False, repeat_header=False, font_size=12, id="passport")


def tables_document(program: schema.Program) -> model.Document:
    w = wording.of(program)
    doc = _document(program, w("program_tables_title", title=program.title), "program-tables")
    absent = {a.table: a for a in program.absent}
    order = ["Таблица 1", "Таблица 2", "Таблица 3", "Таблица 4", "Таблица 5", "Таблица 6"]
    for name in order:
        if name in absent and name != "Таблица 3":
            a = absent[name]
            doc.section("portrait").add(*common.absent_note(a.table, a.title, a.line))
            doc.provenance.append(common.absent_provenance(a.table, a.line, w("program_absent_unit")))
        elif name == "Таблица 2" and tables.has_methodology(program.indicators):
            doc.section("landscape").add(
                *common.caption("Таблица 2", common.table_title("program", "Таблица 2", w=w)),
                *tables.indicator_methodology(program.indicators))
        elif name == "Таблица 3":
            doc.sections.append(derived_table3(program, absent.get("Таблица 3")))
            doc.provenance.append(w("program_table3_derived")
                                  + (" (" + common.absent_provenance("Таблица 3", absent["Таблица 3"].line) + ")"
                                     if "Таблица 3" in absent else ""))
        elif name == "Таблица 5" and program.tax_expenditures:
            doc.section("landscape").add(
                *common.caption("Таблица 5", common.table_title("program", "Таблица 5", w=w)), tax_table(program))
        elif name == "Таблица 6" and program.regional_projects:
            doc.section("landscape").add(
                *common.caption("Таблица 6", common.table_title("program", "Таблица 6", w=w)),
                projects_table(program.regional_projects, w))
    return doc


def derived_table3(program: schema.Program, absent: schema.AbsentTable | None) -> model.Section:
    """Program table 3, computed from the subprograms' tables: known subprograms with their figures,
    the others named with "нет данных в источнике", and the passport total against what is known."""
    years = program.years
    w = wording.of(program)
    section = model.Section(orientation="landscape")
    section.add(*common.caption("Таблица 3", w("program_table3")))
    note = "Таблица составлена по таблицам финансового обеспечения подпрограмм"
    note += ("; в тексте постановления таблица 3 не приведена. " if absent else ". ")
    note += w("program_table3_note", no_data=common.NO_DATA)
    section.add(model.Paragraph.of(note, size=11, space_after=4))
    cols = common.finance_columns(len(years))
    head = common.finance_header(years, w("money_head"))
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
    top = common.source_lines_rows([model.Cell("1."), model.Cell(w("program_table3_top")),
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
                 model.Cell(w("program_table3_rest", codes=", ".join(missing))),
                 model.Cell("")], rows, style="subtotal", declare_sums=False))
    section.add(model.Table(cols, head, body, font_size=9.5, id="table-3"))
    return section


def _line(key: str, label: str, vector: list) -> schema.SourceLine:
    return schema.SourceLine(source=key, label=label, values=list(vector[:-1]), total=vector[-1])


def tax_table(program: schema.Program) -> model.Table:
    tax = program.tax_expenditures
    years = program.years
    w = wording.of(program)
    cols = [model.Column(0.6, align="center"), model.Column(4.0)]
    for _ in range(len(years) + 1):
        cols += [model.Column(0.9, align="right", kind="number", decimals=None),
                 model.Column(1.1, align="right", kind="number", decimals=1)]
    cols.append(model.Column(2.2))
    top = [model.Cell("N п/п", rowspan=2), model.Cell("Наименование налогового расхода", rowspan=2)]
    top += [model.Cell(str(y), colspan=2) for y in years]
    top += [model.Cell(f"Всего за {years[0]} - {years[-1]} годы", colspan=2),
            model.Cell(w("tax_goal_head"), rowspan=2)]
    pair = [model.Cell("Количество плательщиков, тыс. чел."), model.Cell(w("tax_amount_head"))]
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


def projects_table(projects: schema.RegionalProjects, w: wording.Wording) -> model.Table:
    cols = [model.Column(0.6, align="center"), model.Column(5.0), model.Column(1.0, align="center"),
            model.Column(2.5), model.Column(2.0, align="center")]
    head = [model.Row([model.Cell(h) for h in ("N п/п", "Наименование регионального проекта, подпрограммы",
                                               "Код проекта", "Наименование национального проекта (программы)",
                                               w("projects_link_head"))])]
    body = []
    for row in projects.rows:
        body.append(model.Row([model.Cell(row.no or ""), model.Cell(row.name), model.Cell(row.code or ""),
                               model.Cell(row.national_project or ""), model.Cell(row.indicators_link or "")],
                              style="normal" if row.code else "group"))
    return model.Table(cols, head, body, font_size=11, id="regional-projects")
