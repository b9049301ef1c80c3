"""Pieces shared by the builders: captions, absent-table notes, the financing table layout."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from .. import calc, model
from ..data.schema import FinancingRow, SourceLine

NO_DATA = "нет данных в источнике"
SAMPLE_NOTICE = "Образец (условные данные)"


def stamped_document(title: str, kind: str, date: _dt.date, sample: bool, author: str = "") -> model.Document:
    """A new document with its stamp: ``title``, ``kind`` (for manifests), ``date`` (the document's date:
    the edition's, the report's "as of" date; a date or datetime, midnight for a date), for sample
    figures the notice printed on every page (:data:`SAMPLE_NOTICE`), and the ``author`` of the files'
    metadata (``""``: none). The one place documents are started."""
    when = date if isinstance(date, _dt.datetime) else _dt.datetime(date.year, date.month, date.day)
    return model.Document(title=title, kind=kind, notice=SAMPLE_NOTICE if sample else None, date=when,
                          author=author)


def table_title(scope: str, table: str, n: str | None = None, w=None) -> str:
    """The title of one of the act's tables, from ``templates/act-tables.yaml`` (the one place they are
    written): ``scope`` ``"program"`` or ``"subprogram"``, ``table`` the act's number (``"Таблица 4"``) or
    ``"forecast"``, ``n`` the subprogram's code, ``w`` the program's :class:`generator.wording.Wording` (its
    kind and budget level fill ``{program_gen}``, ``{budget_gen}``...; default: a state program of a regional
    budget). A kind's own wording of a title (``title_<scope>_<table>`` in ``templates/wording.yaml``) wins.
    Raises ``KeyError`` for a table the file does not name."""
    from ..wording import Wording
    w = w or Wording()
    own = f"title_{scope}_{table}"
    if own in w.texts:
        return w(own, n=n)
    global _TABLE_TITLES
    if _TABLE_TITLES is None:
        import yaml

        from .. import templates
        _TABLE_TITLES = yaml.safe_load(templates.get(None).find("act-tables.yaml").read_text(encoding="utf-8"))
    return _TABLE_TITLES[scope][table].format(n=n, **w.forms)


_TABLE_TITLES: dict | None = None


def caption(table_no: str | None, title: str | None, appendix: list[str] | None = None) -> list[model.Block]:
    """The blocks above a table: "Приложение N / к …", "Таблица N" (right) and the title (centred)."""
    blocks: list[model.Block] = []
    if appendix:
        blocks.append(model.right_caption(*appendix))
    if table_no:
        blocks.append(model.Paragraph.of(table_no, align="right"))
    if title:
        blocks.append(model.Heading(title))
    return blocks


def table_number(name: str) -> tuple[int, str]:
    """The sort key of a table by the act's numbering: "Таблица 2" → (2, …); unnumbered last."""
    import re
    found = re.search(r"\d+", name or "")
    return (int(found.group()) if found else 10 ** 6, name or "")


def absent_note(table: str, title: str, line: int) -> list[model.Block]:
    """How a table lost from the act is shown, in its place: named, and never filled with zeros.

    Where in the act's file it was lost (``line``) is provenance: it goes to the package manifest
    (:func:`absent_provenance`), never into the document's text.
    """
    return [model.Paragraph.of(table, align="right"), model.Heading(title),
            model.Paragraph.of([model.Run("Таблица в тексте постановления не приведена", bold=True),
                                model.Run(" (в опубликованном тексте на её месте помещено изображение). "
                                          "Значения не выводятся и не заменяются нулями.")],
                               align="justify")]


def absent_provenance(table: str, line: int, unit: str = "") -> str:
    """The manifest's note of where a lost table stood in the act's text file."""
    where = f"{unit}: " if unit else ""
    return f"{where}{table} отсутствует в тексте источника (изображение), строка {line} файла source/act.txt"


FINANCE_HEAD = ["N п/п", "Статус", "Наименование подпрограммы, основного мероприятия",
                "Ответственный исполнитель подпрограммы, исполнитель", "Источник финансового обеспечения"]


def finance_columns(n_years: int) -> list[model.Column]:
    cols = [model.Column(0.7, align="center"), model.Column(1.5), model.Column(3.4), model.Column(2.4),
            model.Column(2.3)]
    cols += [model.Column(1.75, align="right", kind="number", decimals=1) for _ in range(n_years + 1)]
    cols[-1].sum_of = list(range(5, 5 + n_years))
    return cols


def finance_header(years: list[int], money_title: str) -> list[model.Row]:
    """The two header rows of a financing table; ``money_title`` heads the year columns (the "money_head"
    from the program's wording)."""
    top = [model.Cell(text, rowspan=2) for text in FINANCE_HEAD]
    top.append(model.Cell(money_title, colspan=len(years) + 1))
    bottom = [model.Cell(f"{y} год") for y in years]
    bottom.append(model.Cell(f"всего за {years[0]} - {years[-1]} годы"))
    return [model.Row(top), model.Row(bottom)]


def source_lines_rows(first: list[model.Cell], lines: list[SourceLine], style: str = "normal",
                      declare_sums: bool = True) -> list[model.Row]:
    """A financing row: the first cells span its source lines; a "всего" line that equals the
    sum of the others is declared a sum (a live formula in XLSX). Where the act's figures do not
    add up, the printed figure stays and its cell notes the failing control relation
    (F01: the years against the total; F02: the sources against "всего"; ids of :mod:`generator.rules`)."""
    rows: list[model.Row] = []
    n = max(1, len(lines))
    for cell in first:
        cell.rowspan = n
    for i, line in enumerate(lines):
        cells = (first if i == 0 else []) + [model.Cell(line.label)]
        cells += [model.Cell(v) for v in line.values] + [model.Cell(line.total)]
        adds_up = years_add_up(line.values, line.total)
        if not adds_up and declare_sums and calc.total(line.values) is not None and calc.is_number(line.total):
            cells[-1].note = years_note("F01", line.values, line.total)
        rows.append(model.Row(cells, style=style, keep_values=not adds_up))
    if declare_sums and len(lines) > 1 and lines[0].source == "total":
        if _adds_up(lines):
            rows[0].sum_of = rows[1:]
        else:
            parts_note(rows[0], lines[0].values + [lines[0].total],
                       [p.values + [p.total] for p in lines[1:]], "F02", "сумма источников финансирования")
    return rows


def _adds_up(lines: list[SourceLine]) -> bool:
    """True when the "всего" line is exactly the sum of the other lines (then a formula keeps the
    printed figures). The act's own errors stay printed values, never "corrected" by a formula."""
    from .. import calc
    head, parts = lines[0], lines[1:]
    computed = calc.column_sums([p.values + [p.total] for p in parts])
    return all(c is not None and calc.is_number(v) and Decimal(v) == c
               for v, c in zip(head.values + [head.total], computed))


def years_note(rule: str, values, total) -> str:
    """The note of a printed all-years total its years do not give (rule id of :mod:`generator.rules`):
    "F01: сумма по годам 6,0 не равна напечатанному итогу 7,0; в ячейке оставлено значение из акта"."""
    from ..numbers import format_number
    computed = calc.total(values)
    shown = format_number(computed, None) if computed is not None else "не вычисляется"
    return (f"{rule}: сумма по годам {shown} не равна напечатанному итогу "
            f"{format_number(total, None) if calc.is_number(total) else total}; "
            "в ячейке оставлено значение из акта")


def parts_note(row: model.Row, printed: list, parts: list[list], rule: str, what: str) -> None:
    """Note each numeric cell of a total ``row`` (its last ``len(printed)`` cells) where the ``parts``
    do not add up to the ``printed`` figure (``rule``: an id of :mod:`generator.rules`)."""
    from ..numbers import format_number
    computed = calc.column_sums(parts)
    cells = row.cells[len(row.cells) - len(printed):]
    for cell, value, c in zip(cells, printed, computed):
        if c is not None and calc.is_number(value) and Decimal(value) != c and cell.note is None:
            cell.note = (f"{rule}: {what} {format_number(c, None)} не равна напечатанному значению "
                         f"{format_number(value, None)}; в ячейке оставлено значение из акта")


def financing_row_cells(row: FinancingRow) -> list[model.Cell]:
    executor = row.executor or ""
    return [model.Cell(row.no or ""), model.Cell(row.status or ""), model.Cell(row.name or ""),
            model.Cell(executor)]


def years_add_up(values, total) -> bool:
    from .. import calc
    s = calc.total(values)
    return s is not None and calc.is_number(total) and Decimal(total) == s
