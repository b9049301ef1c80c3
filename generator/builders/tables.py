"""Table builders shared by the program and its subprograms: the act's table layouts as model tables."""

from __future__ import annotations

from decimal import Decimal

from .. import calc, model
from ..data import schema
from . import common

METHOD_HEAD = ["N п/п", "Наименование целевого показателя (индикатора)", "Единица измерения",
               "Определение целевого показателя (индикатора)",
               "Временные характеристики целевого показателя (индикатора)",
               "Алгоритм формирования (формула) и методологические пояснения к целевому показателю (индикатору)",
               "Показатели, используемые в формуле", "Метод сбора информации, индекс формы отчетности(1)",
               "Ответственный за сбор данных по целевому показателю (индикатору)"]
FORMULA_LOST = "(формула в тексте источника отсутствует)"


def indicator_methodology(table: schema.IndicatorTable) -> list[model.Block]:
    cols = [model.Column(0.6, align="center"), model.Column(2.6), model.Column(0.9, align="center"),
            model.Column(2.4), model.Column(1.5), model.Column(2.0), model.Column(3.2),
            model.Column(1.1, align="center"), model.Column(2.0)]
    head = [model.Row([model.Cell(h) for h in METHOD_HEAD])]
    body: list[model.Row] = []
    for ind in table.items:
        variables = ind.variables or [""]
        n = len(variables)
        formula = ind.formula if ind.formula is not None else (FORMULA_LOST if _formula_lost(ind) else "")
        first = [model.Cell(ind.no or ind.code, rowspan=n), model.Cell(ind.name, rowspan=n),
                 model.Cell(ind.unit, rowspan=n), model.Cell(ind.definition or "", rowspan=n),
                 model.Cell(ind.time_characteristic or "", rowspan=n),
                 model.Cell(formula, rowspan=n, italic=ind.formula is None and bool(formula)),
                 model.Cell(variables[0]), model.Cell(ind.collection_method or "", rowspan=n),
                 model.Cell(ind.responsible or "", rowspan=n)]
        body.append(model.Row(first))
        body.extend(model.Row([model.Cell(v)]) for v in variables[1:])
    blocks: list[model.Block] = [model.Table(cols, head, body, numbering_labels=table.numbering,
                                             font_size=10, id="methodology")]
    if table.footnote:
        blocks.append(model.Footnotes([table.footnote]))
    return blocks


def has_methodology(table: schema.IndicatorTable | None) -> bool:
    """True when some indicator of the table has a methodology (definition, time, formula, variables,
    collection method or who collects): a table of names and units alone is not printed as table 2."""
    return bool(table) and any(i.definition or i.time_characteristic or i.formula or i.variables
                               or i.collection_method or i.responsible for i in table.items)


def _formula_lost(ind: schema.Indicator) -> bool:
    """The act printed a methodology for the indicator whose formula did not survive (an image): it names
    the formula's variables. An indicator whose row gives no variables never had a formula to lose."""
    return bool(ind.variables)


def indicator_values(values: schema.IndicatorValues) -> list[model.Block]:
    n = len(values.columns)
    cols = [model.Column(0.6, align="center"), model.Column(3.0), model.Column(4.0), model.Column(1.0, align="center")]
    cols += [model.Column(1.0, align="right", kind="number", decimals=None) for _ in range(n)]
    kinds = [("reported", "отчетное"), ("estimated", "оценочное"), ("plan", "плановое")]
    top = [model.Cell("N п/п", rowspan=3), model.Cell("Цель, задачи, направленные на достижение цели", rowspan=3),
           model.Cell("Наименование целевого показателя (индикатора)", rowspan=3),
           model.Cell("Единица измерения", rowspan=3),
           model.Cell("Значение целевого показателя (индикатора)", colspan=n)]
    middle = [model.Cell(label, colspan=sum(1 for c in values.columns if c.kind == kind))
              for kind, label in kinds if any(c.kind == kind for c in values.columns)]
    bottom = [model.Cell(c.label) for c in values.columns]
    body = [model.Row([model.Cell(values.goal, colspan=4 + n)], style="group")]
    for task in values.tasks:
        k = len(task.rows)
        for i, row in enumerate(task.rows):
            cells = [model.Cell(task.no or "", rowspan=k), model.Cell(task.text, rowspan=k)] if i == 0 else []
            cells += [model.Cell(row.name), model.Cell(row.unit)] + [model.Cell(v) for v in row.values]
            body.append(model.Row(cells))
    return [model.Table(cols, [model.Row(top), model.Row(middle), model.Row(bottom)], body, font_size=10,
                        id="indicator-values")]


def activities(table: schema.ActivityTable, subprogram_code: str) -> list[model.Block]:
    years = table.year_columns
    cols = [model.Column(0.6, align="center"), model.Column(3.2), model.Column(2.2), model.Column(2.4),
            model.Column(1.1, align="center"), model.Column(0.9, align="center"), model.Column(3.0)]
    cols += [model.Column(0.8, align="center") for _ in years]
    top = [model.Cell(h, rowspan=2) for h in ("N п/п", "Наименование основного мероприятия",
                                              "Ответственный исполнитель, исполнитель",
                                              "Ожидаемый непосредственный результат", "Задачи ССЭР",
                                              "Связь с проектом", "Связь с показателями подпрограммы")]
    top.append(model.Cell("Годы реализации и источник финансового обеспечения\u00b9", colspan=len(years)))
    head = [model.Row(top), model.Row([model.Cell(str(y)) for y in years])]
    body: list[model.Row] = []
    for act in table.items:
        links = act.indicators or [schema.ActivityIndicator(text="")]
        n = len(links)
        merged_codes = act.source_codes is not None
        for i, link in enumerate(links):
            cells: list[model.Cell] = []
            if i == 0:
                cells = [model.Cell(act.no or "", rowspan=n), model.Cell(act.name, rowspan=n),
                         model.Cell(act.executors, rowspan=n), model.Cell(act.expected_result or "", rowspan=n),
                         model.Cell(act.ssr_tasks or "", rowspan=n), model.Cell(act.project or "", rowspan=n)]
            cells.append(model.Cell(link.text))
            if merged_codes:
                if i == 0:
                    cells += [model.Cell(c or "", rowspan=n) for c in act.source_codes]
            else:
                codes = link.source_codes or [None] * len(years)
                cells += [model.Cell(c or "") for c in codes]
            body.append(model.Row(cells))
    blocks: list[model.Block] = [model.Table(cols, head, body, font_size=10, id="activities")]
    if table.footnote:
        blocks.append(model.Footnotes([table.footnote]))
    return blocks


def financing(table: schema.FinancingTable, years: list[int], money_title: str | None = None) -> list[model.Block]:
    """Table 4 of a subprogram; ``money_title`` heads the year columns (default: the default wording's)."""
    from ..wording import Wording
    cols = common.finance_columns(len(years))
    head = common.finance_header(years, money_title or Wording()("money_head"))
    body: list[model.Row] = []
    for row in table.rows:
        style = "total" if row.kind in ("subprogram", "program") else "normal"
        indent = {"item": 1, "activity_executor": 1}.get(row.kind, 0)
        rows = common.source_lines_rows(common.financing_row_cells(row), row.sources, style=style)
        for r in rows:
            r.indent = indent
        body.extend(rows)
    return [model.Table(cols, head, body, font_size=9.5, id="financing", indent_column=2)]


def forecast(table: schema.ForecastTable, years: list[int], money_title: str) -> list[model.Block]:
    cols = [model.Column(0.6, align="center"), model.Column(4.0)]
    cols += [model.Column(1.6, align="right", kind="number", decimals=1) for _ in range(len(years) + 1)]
    cols[-1].sum_of = list(range(2, 2 + len(years)))
    top = [model.Cell("N п/п", rowspan=2), model.Cell("Источник финансового обеспечения", rowspan=2),
           model.Cell(money_title, colspan=len(years) + 1)]
    bottom = [model.Cell(f"{y} год") for y in years] + [model.Cell(f"всего за {years[0]} - {years[-1]} годы")]
    body = []
    for row in table.rows:
        cells = ([model.Cell(row.no or ""), model.Cell(row.label)] + [model.Cell(v) for v in row.values]
                 + [model.Cell(row.total)])
        adds_up = common.years_add_up(row.values, row.total)
        if not adds_up and calc.total(row.values) is not None and calc.is_number(row.total):
            cells[-1].note = common.years_note("F08", row.values, row.total)
        body.append(model.Row(cells, keep_values=not adds_up))
    if len(body) > 1 and table.rows[0].label.lower().startswith("всего"):
        parts = [r.values + [r.total] for r in table.rows[1:]]
        computed = calc.column_sums(parts)
        head_values = table.rows[0].values + [table.rows[0].total]
        if all(c is not None and calc.is_number(v) and Decimal(v) == c for v, c in zip(head_values, computed)):
            body[0].sum_of = body[1:]
        else:
            common.parts_note(body[0], head_values, parts, "F08", "сумма источников финансирования")
        body[0].style = "total"
    return [model.Table(cols, [model.Row(top), model.Row(bottom)], body, font_size=11, id="forecast")]


def printed(table: schema.PrintedTable) -> list[model.Block]:
    """A table kept as printed (appendices, report forms)."""
    cols = []
    grid = _text_lengths(table)
    words = _header_words(table)
    for i, c in enumerate(table.columns):
        kind = c.kind
        width = c.width or min(4.0, max(0.8, words[i] / 9, 1.0 if kind != "text" else grid[i] / 14))
        cols.append(model.Column(width, align="right" if kind != "text" else "left", kind=kind, decimals=c.decimals))
    head = [model.Row([model.Cell(h.text or "", colspan=h.colspan, rowspan=h.rowspan) for h in row])
            for row in table.header]
    body = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if isinstance(cell, schema.HeaderCell):
                cells.append(model.Cell(cell.text, colspan=cell.colspan, rowspan=cell.rowspan,
                                        bold=row.style == "group"))
            elif isinstance(cell, schema.MarkedValue):
                cells.append(model.Cell(cell.value, mark=cell.mark))      # a number that prints its mark
            else:
                # the act's printed precision, cell by cell ("0", "100" stay as printed, not "0,0", "100,00")
                cells.append(model.Cell(cell, decimals=None))
        body.append(model.Row(cells, style=row.style, indent=max(0, (row.level or 0) - 3)))
    blocks: list[model.Block] = []
    for line in table.text_before:
        blocks.append(model.Paragraph.of(line, align="center"))
    if table.unit:
        blocks.append(model.Paragraph.of(table.unit, align="right"))     # only where the act prints one
    blocks.append(model.Table(cols, head, body, numbering=table.numbering, font_size=10, id=table.id,
                              indent_column=1))
    if table.footnote:
        blocks.append(model.Footnotes([table.footnote]))
    for line in table.text_after:
        blocks.append(model.Paragraph.of(line, align="left"))
    return blocks


def _header_words(table: schema.PrintedTable) -> list[int]:
    """The longest word of the header text over each column (a column must fit it)."""
    longest = [0] * len(table.columns)
    layout = model.Table([model.Column() for _ in table.columns], [], [], numbering=False)
    rows = [model.Row([model.Cell(h.text or "", colspan=h.colspan, rowspan=h.rowspan) for h in row])
            for row in table.header]
    for placed in layout.placements(rows):
        for p in placed:
            if p.cell.colspan == 1:
                word = max((len(w) for w in str(p.cell.value).split()), default=0)
                longest[p.col] = max(longest[p.col], word)
    return longest


def _text_lengths(table: schema.PrintedTable) -> list[float]:
    """Mean length of the texts in each column of a printed table (a guide to its width)."""
    from ..rules import printed_grid
    columns: list[list[int]] = [[] for _ in table.columns]
    for row in printed_grid(table):
        for i, value in enumerate(row):
            if isinstance(value, str) and value:
                columns[i].append(len(value))
    return [sum(c) / len(c) if c else 6.0 for c in columns]

