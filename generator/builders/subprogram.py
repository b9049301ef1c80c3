"""Builders for a subprogram: its passport and its tables, laid out as the act lays them out."""

from __future__ import annotations

import re

from .. import model, wording
from ..data import schema
from ..rules import subprogram_money
from ..texts import financing_paragraph
from . import common, tables
from .program import _document, key_value_table

def appendix_lines(program: schema.Program, sub: schema.Subprogram) -> list[str]:
    return [f"Приложение {sub.appendix or sub.code}", wording.of(program)("program_appendix")]


def passport(program: schema.Program, sub: schema.Subprogram) -> model.Document:
    doc = _document(program, f"Паспорт подпрограммы {sub.code} \"{sub.title}\"", "subprogram-passport")
    section = doc.section("portrait")
    w = wording.of(program)
    section.add(model.right_caption(*appendix_lines(program, sub)), model.Heading("Паспорт"),
                model.Heading(f"подпрограммы {sub.code}"), model.Heading(f"\"{sub.title}\""))
    if sub.passport:
        fields = [(f.label, f.value) for f in sub.passport.fields]
        if sub.passport.financing:
            generated = financing_paragraph(sub.passport.financing, program.subprogram_years(sub),
                                            w.forms["unit_long"])
            fields = [(k, generated if k.startswith("Объемы финансового обеспечения") else v) for k, v in fields]
        section.add(key_value_table(fields))
        return doc
    absent = next((a for a in sub.absent if a.table == "Паспорт"), None)
    note = "Паспорт подпрограммы в тексте постановления не приведен"
    if absent:
        doc.provenance.append(common.absent_provenance("Паспорт", absent.line, f"подпрограмма {sub.code}"))
    note += (". Ниже приведены только сведения, которые следуют из таблиц подпрограммы; остальное помечено "
             f"\"{common.NO_DATA}\".")
    section.add(model.Paragraph.of(model.Run(note, italic=True), size=12, space_after=6))
    years = program.subprogram_years(sub)
    executors = _executors(sub)
    indicators = "; ".join(i.name for i in sub.indicators.items) if sub.indicators else common.NO_DATA
    money = {s.key: subprogram_money(program, sub, s.key) for s in program.sources if s.key != "total"}
    if sub.financing and any(v is not None for v in money.values()):
        blocks = _financing_blocks(program, sub, money, years)
        financing = financing_paragraph(blocks, years, w.forms["unit_long"])
    else:
        financing = common.NO_DATA
    fields = [
        (f"Ответственный исполнитель подпрограммы {sub.code}", common.NO_DATA),
        (f"Исполнители подпрограммы {sub.code}", "; ".join(executors) if executors else common.NO_DATA),
        (f"Цель подпрограммы {sub.code}", common.NO_DATA),
        (f"Задачи подпрограммы {sub.code}", common.NO_DATA),
        (f"Целевые показатели (индикаторы) подпрограммы {sub.code}", indicators),
        (f"Сроки реализации подпрограммы {sub.code}", f"{years[0]} - {years[-1]} годы"),
        (w("subprogram_field_financing", n=sub.code), financing),
        (f"Ожидаемые конечные результаты реализации подпрограммы {sub.code}", common.NO_DATA),
    ]
    section.add(key_value_table(fields))
    return doc


def _financing_blocks(program, sub, money, years):
    from .. import calc
    vectors = [v for v in money.values() if v is not None]
    total = calc.column_sums(vectors)
    by_year = dict(zip(program.years, total[:-1]))
    w = wording.of(program)
    blocks = [schema.FinancingBlock(key="total", label=w("subprogram_block_total", n=sub.code),
                                    total=total[-1], years=[by_year[y] for y in years])]
    labels = {"own": w("subprogram_block_own"), "federal": w("subprogram_block_federal")}
    for key, vector in money.items():
        if vector is None or not calc.is_number(vector[-1]) or vector[-1] == 0:
            continue
        by_year = dict(zip(program.years, vector[:-1]))
        blocks.append(schema.FinancingBlock(key=key, label=labels.get(key, program.source_label(key)),
                                            total=vector[-1], years=[by_year[y] for y in years]))
    return blocks


def _executors(sub: schema.Subprogram) -> list[str]:
    """Every executor the subprogram's tables name, once each (compared without case), in order of first
    mention: table 3 first (a cell may list several, separated by commas or semicolons), then the executor
    rows of table 4."""
    names: list[str] = []
    seen: set[str] = set()

    def add(name: str | None) -> None:
        name = " ".join((name or "").split()).strip(" ;,.")
        if name and name.casefold() not in seen and name.casefold() not in ("итого", "всего"):
            seen.add(name.casefold())
            names.append(name)

    if sub.activities:
        for act in sub.activities.items:
            for part in re.split(r"[;\n]", act.executors):
                for name in _comma_names(part):
                    add(name)
    if sub.financing:
        for row in sub.financing.rows:
            if row.kind in ("executor", "activity_executor"):
                add(row.executor)
    return names


def _comma_names(text: str) -> list[str]:
    """Names listed with commas ("Департамент А, департамент Б, Департамент В") apart, a comma inside a
    name ("Управление культуры, спорта и молодежной политики") kept: a comma separates two names where the
    next word is capitalised or is the list's first word in any case."""
    words = text.split()
    first = words[0].casefold() if words else ""
    names = []
    pieces = text.split(",")
    current = pieces[0]
    for piece in pieces[1:]:
        word = piece.split()[0] if piece.split() else ""
        if word and (word[0].isupper() or word.casefold() == first):
            names.append(current)
            current = piece
        else:
            current += "," + piece
    names.append(current)
    return names


def tables_document(program: schema.Program, sub: schema.Subprogram) -> model.Document:
    doc = _document(program, f"Таблицы подпрограммы {sub.code} \"{sub.title}\"", "subprogram-tables")
    w = wording.of(program)
    years = program.subprogram_years(sub)
    first = True

    def section(orientation: str) -> model.Section:
        nonlocal first
        s = doc.section(orientation)
        if first:
            s.add(model.right_caption(*appendix_lines(program, sub)),
                  model.Heading(f"Подпрограмма {sub.code} \"{sub.title}\""))
            first = False
        return s

    n = sub.code
    parts: list[tuple[str, str, list[model.Block]]] = []      # (table, orientation, blocks)
    if sub.indicator_values:
        parts.append(("Таблица 1", "landscape", [*common.caption("Таблица 1", common.table_title("subprogram", "Таблица 1", n)),
                                                 *tables.indicator_values(sub.indicator_values)]))
    if tables.has_methodology(sub.indicators):
        parts.append(("Таблица 2", "landscape", [*common.caption("Таблица 2", common.table_title("subprogram", "Таблица 2", n, w)),
                                                 *tables.indicator_methodology(sub.indicators)]))
    if sub.activities:
        parts.append(("Таблица 3", "landscape", [*common.caption("Таблица 3", common.table_title("subprogram", "Таблица 3", n)),
                                                 *tables.activities(sub.activities, sub.code)]))
    if sub.financing:
        parts.append(("Таблица 4", "landscape", [*common.caption("Таблица 4", common.table_title("subprogram", "Таблица 4", n, w)),
                                                 *tables.financing(sub.financing, years, w("money_head"))]))
    if sub.forecast:
        parts.append((sub.forecast.table, "landscape", [*common.caption(
            sub.forecast.table, common.table_title("subprogram", "forecast", n, w)),
            *tables.forecast(sub.forecast, years, w("forecast_money_head"))]))
    for a in sub.absent:
        if a.table == "Паспорт":
            continue
        parts.append((a.table, "portrait", common.absent_note(a.table, a.title, a.line)))
        doc.provenance.append(common.absent_provenance(a.table, a.line, f"подпрограмма {sub.code}"))
    # the act's order: tables by their number, a table lost from the act in its own place
    for _, orientation, blocks in sorted(parts, key=lambda part: common.table_number(part[0])):
        section(orientation).add(*blocks)
    return doc


def common_unit(program: schema.Program | None = None) -> model.Paragraph:
    """The unit line above a money table (the wording's "unit_caption"; the default wording without a program)."""
    w = wording.of(program) if program is not None else wording.Wording()
    return model.Paragraph.of(w("unit_caption"), align="right", size=12)


def appendices_document(program: schema.Program, sub: schema.Subprogram) -> model.Document | None:
    """The subprogram's other printed tables (appendices, report forms), kept as printed."""
    if not sub.tables:
        return None
    doc = _document(program, f"Приложения к подпрограмме {sub.code} \"{sub.title}\"", "subprogram-appendices")
    for table in sub.tables:
        section = doc.section(table.orientation)
        appendix = [table.appendix] if table.appendix else None
        section.add(*common.caption(table.form, table.title, appendix), *tables.printed(table))
    return doc
