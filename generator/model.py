"""The format-neutral document model: the tree every builder makes and every writer reads.

Like docutils' ``nodes``: plain data, no rendering. A :class:`Document` holds
:class:`Section` objects (page orientation and margins), each a list of blocks:
:class:`Heading`, :class:`Paragraph`, :class:`Table`, :class:`Footnotes`,
:class:`Signature`, :class:`Image` and :class:`PageBreak`.

Tables are laid out like HTML: a row lists only the cells that start in it; a
cell covering several rows or columns says so with ``rowspan``/``colspan``.
:meth:`Table.placements` resolves that once, for every writer.

Page breaks inside tables, one rule for every engine (Typst, WeasyPrint, DOCX):
rows joined by a row span (a financing row and its source lines, an indicator and
its variables) form a *block*, and a row without spans is a block of its own; a
block that fits on a page is **kept together**: it never starts at the foot of one
page and continues on the next, so its merged labels (number, status, name,
executor) always stand on the same page as its first line, and a row's number on
the same page as its text. A block taller than the page under the table's header rows
(see :meth:`Table.kept_blocks`) is allowed to break: no engine could keep it, and
LibreOffice splits such a block even when its rows say ``cantSplit``/``keepNext``; the header rows repeat on every
page either way. No engine repeats merged labels on a continuation page.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import itertools
import operator
import re
import threading
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Iterable, Iterator, Literal, NamedTuple, Sequence, Union

from . import numbers

Align = Literal["left", "center", "right", "justify"]
Orientation = Literal["portrait", "landscape"]
RowStyle = Literal["normal", "group", "total", "subtotal"]

Value = Union[str, Decimal, int, None]
NUMBER_TYPES = (Decimal, int)       # the numbers a cell holds (a bool, an int to Python, is not one: Cell.is_number)


# --- inline content -------------------------------------------------------


@dataclass
class Run:
    """A piece of text with one style."""

    text: str
    bold: bool = False
    italic: bool = False
    superscript: bool = False


def runs_of(content: "str | Run | Sequence[Run]") -> list[Run]:
    """``content`` as a list of runs: a string is one plain run, a run is itself, a sequence is copied."""
    if isinstance(content, str):
        return [Run(content)]
    if isinstance(content, Run):
        return [content]
    return list(content)


# --- blocks ---------------------------------------------------------------


@dataclass
class Heading:
    text: str
    level: int = 1
    align: Align = "center"

    def __post_init__(self):
        self.text = numbers.tie(self.text)


@dataclass
class Paragraph:
    runs: list[Run]
    align: Align = "justify"
    indent_first_line: bool = False
    size: float | None = None   # points; None = the document's text size
    space_after: float = 0.0

    def __post_init__(self):
        # no line breaks inside numbers or between a number and its unit (numbers.tie), in every format
        for run in self.runs:
            run.text = numbers.tie(run.text)

    @classmethod
    def of(cls, content: "str | Run | Sequence[Run]", **kw) -> "Paragraph":
        return cls(runs_of(content), **kw)

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Column:
    """One table column: its relative width, alignment (unless given: figures to the right, text to the left, as
    the act prints them) and the kind of value it holds.

    ``decimals`` is the printed precision for numbers (None keeps the value's own).
    ``sum_of`` lists column indexes this column is the sum of, row by row
    (the XLSX writer writes a live formula there).
    """

    width: float = 1.0
    align: Align | None = None   # None: by its kind, figures to the right ("number", "percent"), text to the left
    kind: Literal["text", "number", "percent"] = "text"
    decimals: int | None = 1
    sum_of: list[int] | None = None
    summable: bool = True        # False for shares and ratios: a total row does not add them up

    def __post_init__(self):
        if self.align is None:
            self.align = "left" if self.kind == "text" else "right"


@dataclass(slots=True)
class Cell:
    """A table cell. ``value`` is text, a number (``Decimal``/``int``), a marker or None."""

    value: Value = None
    colspan: int = 1
    rowspan: int = 1
    bold: bool = False
    italic: bool = False
    align: Align | None = None          # None: the column's alignment (text cells: left)
    decimals: int | None | Literal["column"] = "column"
    mark: str = ""                      # printed after a number, e.g. "*" of the act's "3 900,9*"
    note: str | None = None             # a control relation that fails here (rule id, both figures,
                                        # in Russian): a cell comment in XLSX, where no formula is written

    @property
    def is_number(self) -> bool:
        return isinstance(self.value, NUMBER_TYPES) and not isinstance(self.value, bool)


@dataclass(slots=True)
class Row:
    """A table row: the cells that start in it, a style and an indent level.

    ``sum_of`` lists the body rows (the :class:`Row` objects themselves, not
    positions, so that rows can be reordered or prepended without a
    declaration pointing at the wrong row) this row is the sum of, column by
    column, for its numeric cells: the XLSX writer writes a live formula there
    and raises ``ValueError`` when a declared sum does not give the printed figure.
    """

    cells: list[Cell]
    style: RowStyle = "normal"
    indent: int = 0
    sum_of: "list[Row] | None" = field(default=None, repr=False, compare=False)
    keep_values: bool = False    # figures that do not add up (as printed): no column-sum formulas


# --- one layout per document ----------------------------------------------------------------------------
# A package writes each document as DOCX, XLSX and PDF, and every writer asks the model the same questions
# (the table's print layout, fitted widths, kept blocks, spans, each cell's look). Inside :func:`layout_once`
# the answers are kept per object and arguments, so they are computed once for all three writers; outside it
# nothing is kept (the model is plain mutable data, and a builder may still change a table).

_scope = threading.local()


@contextlib.contextmanager
def layout_once():
    """Within the block, the layout methods of :class:`Table` and :func:`print_blocks` compute each answer once
    per object and arguments (the objects asked about are held until the block ends, so their ``id`` stays
    theirs). The model must not change inside the block: writers only read it. Nested blocks share the
    outermost one's answers. Per thread (the portal renders in threads)."""
    if getattr(_scope, "memo", None) is not None:
        yield
        return
    _scope.memo = {}
    try:
        yield
    finally:
        _scope.memo = None


_VALUES = frozenset({int, float, bool, str, type(None)})     # arguments that are their own memo key; others: id


def _kept(name: str, owner, args: tuple, compute):
    """``compute()``, or its answer kept inside :func:`layout_once` for ``name``, ``owner`` and ``args`` (values
    that are their own key, other objects by ``id``, held with the answer so that their ids stay theirs)."""
    memo = getattr(_scope, "memo", None)
    if memo is None:
        return compute()
    key = (name, id(owner), *[a if type(a) in _VALUES else id(a) for a in args])
    hit = memo.get(key)
    if hit is None:
        hit = memo[key] = (owner, args, compute())
    return hit[2]


def _once(method):
    """Memoize ``method(self, *args)`` inside :func:`layout_once` (see there); a plain call outside it."""
    name = method.__name__

    @functools.wraps(method)
    def wrapper(self, *args):
        return _kept(name, self, args, lambda: method(self, *args))
    return wrapper


@dataclass(slots=True)
class Placement:
    """Where a cell sits once spans are resolved (0-based, within header or body), with its printed text
    (:func:`format_cell` in its column), formatted once here for every question asked of the cell
    (its words' widths, its lines, its look)."""

    row: int
    col: int
    cell: Cell
    text: str = field(default="", compare=False)


@dataclass
class Table:
    columns: list[Column]
    header: list[Row]
    body: list[Row]
    numbering: bool = True              # a "1 | 2 | 3 …" row under the header
    numbering_labels: list[str] | None = None   # printed labels when they are not 1..n
    repeat_header: bool = True
    font_size: float | None = None      # points; None = the document's table size
    id: str | None = None
    indent_column: int | None = None    # the column whose text an indented row indents (builders state it)

    @property
    def width(self) -> int:
        return len(self.columns)

    def numbering_row(self) -> Row | None:
        if not self.numbering:
            return None
        labels = self.numbering_labels or [str(i + 1) for i in range(self.width)]
        return Row([Cell(label, align="center") for label in labels])

    @_once
    def head_rows(self) -> list[Row]:
        """Header rows plus the numbering row: the rows repeated on every page."""
        rows = list(self.header)
        numbering = self.numbering_row()
        if numbering is not None:
            rows.append(numbering)
        return rows

    @_once
    def placements(self, rows: Sequence[Row]) -> list[list[Placement]]:
        """Resolve spans: for each row, the cells that start in it with their grid column and printed text.

        Raises ``ValueError`` when spans overlap or overflow the table width, or a span is less than one.
        """
        width, columns = self.width, self.columns
        covered: dict[int, int] = {}     # column -> rows still covered from above
        result: list[list[Placement]] = []
        for r, row in enumerate(rows):
            cells = row.cells
            if not covered and len(cells) <= width and all(c.colspan == 1 and c.rowspan == 1 for c in cells):
                # the common row: one-cell spans, nothing from above; its cells stand in columns 0, 1, ...
                result.append([Placement(r, col, cell, format_cell(cell, columns[col]))
                               for col, cell in enumerate(cells)])
                continue
            taken = {c for c, left in covered.items() if left > 0}
            placed: list[Placement] = []
            col = 0
            for cell in cells:
                if cell.colspan < 1 or cell.rowspan < 1:
                    raise ValueError(f"row {r}: cell {cell.value!r} spans {cell.colspan} columns and {cell.rowspan} "
                                     "rows; a cell takes at least one of each")
                while col in taken:
                    col += 1
                if col + cell.colspan > width:
                    raise ValueError(f"row {r}: cell {cell.value!r} overflows the {width} columns")
                for c in range(col, col + cell.colspan):
                    if c in taken:
                        raise ValueError(f"row {r}: cell {cell.value!r} overlaps a row span")
                placed.append(Placement(r, col, cell, format_cell(cell, columns[col])))
                for c in range(col, col + cell.colspan):
                    taken.add(c)
                    if cell.rowspan > 1:
                        covered[c] = cell.rowspan
                col += cell.colspan
            for c in list(covered):
                covered[c] -= 1
                if covered[c] <= 0:
                    del covered[c]
            result.append(placed)
        return result

    @_once
    def slots(self, rows: Sequence[Row]) -> list[list[tuple[str, Placement]]]:
        """Each row walked left to right: ``("cell", p)`` where a cell starts, and
        ``("continue", p)`` where the cell ``p`` from a row above spans down into this row."""
        placements = self.placements(rows)
        width = self.width
        below: dict[int, dict[int, Placement]] = {}     # row -> column -> the cell spanning down into it
        for r, placed in enumerate(placements):
            for p in placed:
                if p.cell.rowspan > 1:
                    for rr in range(r + 1, min(r + p.cell.rowspan, len(rows))):
                        below.setdefault(rr, {})[p.col] = p
        out = []
        cell_kind = itertools.repeat("cell")     # the kind of every slot of a row nothing spans into
        for r, placed in enumerate(placements):
            from_above = below.get(r)
            if from_above is None:
                # nothing spans down into the row: its cells stand side by side from column 0
                # (:meth:`placements`), a short row padded to the table's width
                row_slots = list(zip(cell_kind, placed))
                col = placed[-1].col + placed[-1].cell.colspan if placed else 0
                if col < width:
                    row_slots += [("cell", Placement(r, c, Cell())) for c in range(col, width)]
                out.append(row_slots)
                continue
            starts = {p.col: p for p in placed}
            row_slots = []
            col = 0
            while col < width:
                if col in starts:
                    row_slots.append(("cell", starts[col]))
                    col += starts[col].cell.colspan
                elif col in from_above:
                    row_slots.append(("continue", from_above[col]))
                    col += from_above[col].cell.colspan
                else:
                    row_slots.append(("cell", Placement(r, col, Cell())))   # short row: pad
                    col += 1
            out.append(row_slots)
        return out

    def covered_by_span(self, rows: Sequence[Row]) -> list[set[int]]:
        """For each row, the grid columns covered by a row span starting above it."""
        return [{c for kind, p in row_slots if kind == "continue" for c in range(p.col, p.col + p.cell.colspan)}
                for row_slots in self.slots(rows)]

    @_once
    def row_blocks(self, rows: Sequence[Row]) -> list[range]:
        """The blocks of ``rows``: maximal runs of rows joined by row spans (a row alone is a block)."""
        reach = list(range(len(rows)))          # the last row each row is joined to
        for placed in self.placements(rows):
            for p in placed:
                last = min(len(rows) - 1, p.row + p.cell.rowspan - 1)
                reach[p.row] = max(reach[p.row], last)
        blocks, start, end = [], 0, -1
        for r in range(len(rows)):
            if r > end and r > 0 and end >= start:
                blocks.append(range(start, end + 1))
                start = r
            end = max(end, reach[r])
        if rows:
            blocks.append(range(start, len(rows)))
        return blocks

    @_once
    def kept_blocks(self, section: "Section | None" = None, size: float = 12.0) -> list[range]:
        """The body blocks (one row or rows joined by spans) kept on one page (the module's page-break rule).

        A block is kept when its estimated height fits the page body of ``section`` (A4, its
        orientation and margins) under the repeated header rows, with a tenth to spare, at font
        ``size`` points. Heights are estimated by :meth:`row_lines` in the fitted column widths.
        A taller block may break (a kept block taller than a page would run off it, or be split
        anyway by an engine that cannot keep it).
        """
        section = section or Section()
        page_w, page_h = PAGE_MM[section.orientation]
        top, right, bottom, left = section.margins_mm
        size = self.font_size or size
        line_mm = size * 0.3528 * 1.25
        widths = self.fitted_widths(page_w - left - right, size)
        head = self.head_rows()
        head_lines, head_spans = self.row_lines(head, widths, size)
        head_mm = max([sum(head_lines)] + [n for _, _, n in head_spans]) * line_mm + len(head) * 1.2
        limit = (page_h - top - bottom - head_mm) * 0.9
        rows = self.body
        lines, spans = self.row_lines(rows, widths, size)
        kept = []
        for block in self.row_blocks(rows):
            height = sum(lines[r] for r in block)
            height = max([height] + [n for start, _, n in spans if start in block])
            if height * line_mm + len(block) * 1.2 <= limit:
                kept.append(block)
        return kept

    @_once
    def row_lines(self, rows: Sequence[Row], widths_mm: Sequence[float], size: float
                  ) -> tuple[list[float], list[tuple[int, int, float]]]:
        """Estimated text lines of each row of ``rows`` (its one-row cells) in columns ``widths_mm``
        wide at ``size`` points, and ``(first row, stop row, lines)`` of each cell spanning rows."""
        lines = [1.0] * len(rows)
        spans: list[tuple[int, int, float]] = []
        for placed in self.placements(rows):
            for p in placed:
                width = sum(widths_mm[p.col:p.col + p.cell.colspan]) - 1.5
                n = text_lines(p.text, width, size)
                if p.cell.rowspan > 1:
                    spans.append((p.row, p.row + p.cell.rowspan, n))
                else:
                    lines[p.row] = max(lines[p.row], n)
        return lines, spans

    @_once
    def word_ems(self) -> list[tuple[int, bool, float, float, float]]:
        """What :meth:`column_needs` scales to a font size, measured once for every size tried: per column, boldness
        and left indent (mm, padding included) of its one-column cells, ``(column, bold, indent, widest, rigid)``, the
        widest word of their texts and the widest that cannot hyphenate (0.0 if none), in em (:func:`_words_ems`).

        A column's need is its widest word, so its words are gathered first and each distinct word measured once
        (a table's names share most of their words); each text is split once per group however often it recurs."""
        # (bold, indent) -> per column, the texts of its one-column cells printed so
        texts_of: dict[tuple[bool, float], list[set[str]]] = {}
        for rows, is_head in ((self.head_rows(), True), (self.body, False)):
            for r, placed in zip(rows, self.placements(rows)):
                row_bold = not is_head and r.style in ("total", "group")
                indent = (r.indent * 2.8 if not is_head else 0.0) + CELL_PADDING_MM
                columns = texts_of.get((row_bold, indent))
                if columns is None:
                    columns = texts_of[row_bold, indent] = [set() for _ in range(self.width)]
                for p in placed:               # (placements keep every cell within the table's width)
                    cell = p.cell
                    if cell.colspan == 1:
                        if cell.bold and not row_bold:      # a bold cell of its own in a row of plain ones
                            bold_columns = texts_of.get((True, indent))
                            if bold_columns is None:
                                bold_columns = texts_of[True, indent] = [set() for _ in range(self.width)]
                            bold_columns[p.col].add(p.text)
                        else:
                            columns[p.col].add(p.text)
        return [(col, bold, indent, *_words_ems(set(itertools.chain.from_iterable(map(_words, texts)))))
                for (bold, indent), columns in texts_of.items() for col, texts in enumerate(columns) if texts]

    @_once
    def column_needs(self, size: float) -> tuple[list[float], list[float]]:
        """Per column, the mm its one-column cells need at ``size`` points: for every word to fit, and
        for the words that cannot hyphenate (numbers, dates, short words) to fit, padding included
        (:meth:`word_ems` scaled: the width is monotonic in em, so the widest word stays the widest)."""
        need = [0.0] * self.width           # every word fits
        hard = [0.0] * self.width           # the words that cannot hyphenate fit (numbers, dates, short words)
        for col, bold, indent, widest_em, rigid_em in self.word_ems():
            widest = _em_width_mm(widest_em, size, bold) + indent
            if widest > need[col]:
                need[col] = widest
            rigid = _em_width_mm(rigid_em, size, bold) + indent
            if rigid > hard[col]:
                hard[col] = rigid
        return need, hard

    @_once
    def fits(self, usable_mm: float, size: float) -> bool:
        """Whether the table is legible in ``usable_mm`` at ``size`` points: every number, date and short
        word fits its column, and a column of longer words keeps at least :data:`TEXT_COLUMN_MM`
        (or its longest word, when shorter) for hyphenated text."""
        need, hard = self.column_needs(size)
        return sum(max(h, min(n, TEXT_COLUMN_MM)) for n, h in zip(need, hard)) <= usable_mm

    @_once
    def identifying_columns(self) -> int:
        """How many leading columns identify a row (number, name, executor, source…): the columns before
        the first cell of the top header row that groups several columns (the years); 0 when none."""
        if not self.header:
            return 0
        return next((p.col for p in self.placements(self.header)[0] if p.cell.colspan > 1), 0)

    @_once
    def print_layout(self, usable_mm: float, size: float) -> tuple[float, list[list[int]]]:
        """How the table is printed in ``usable_mm`` (issue 22): ``(font size, parts)``, each part the
        list of the columns it prints. The table's own size when it fits (:meth:`fits`), else the
        largest size down to :data:`LEGIBLE_PT` that fits, in one part; when not even that fits, its
        own size and the fewest parts of near-equal shares of the grouped (year) columns, each part
        led by the identifying columns (:meth:`identifying_columns`). A table without identifying
        columns, or too wide to split, is printed whole at :data:`LEGIBLE_PT` (its widths squeezed)."""
        size = self.font_size or size
        columns = list(range(self.width))
        trial = size
        while trial >= LEGIBLE_PT:
            if self.fits(usable_mm, trial):
                return trial, [columns]
            trial = round(trial - 0.5, 2)
        fixed = self.identifying_columns()
        rest = columns[fixed:]
        if fixed == 0 or len(rest) < 2:
            return min(size, LEGIBLE_PT), [columns]
        for count in range(2, len(rest) + 1):
            share, extra = divmod(len(rest), count)
            chunks, start = [], 0
            for k in range(count):
                stop = start + share + (1 if k < extra else 0)
                chunks.append(columns[:fixed] + rest[start:stop])
                start = stop
            if all(self.part(chunk).fits(usable_mm, size) for chunk in chunks):
                return size, chunks
        return min(size, LEGIBLE_PT), [columns]

    @_once
    def part(self, columns: list[int]) -> "Table":
        """The table cut to ``columns`` (grid indexes, ascending): a cell keeps the columns of its span
        that remain, header and numbering labels included; XLSX-only sums are dropped."""
        index = {c: i for i, c in enumerate(columns)}

        def cut(rows: Sequence[Row]) -> list[Row]:
            out = []
            for row, placed in zip(rows, self.placements(rows)):
                cells = []
                for p in placed:
                    remain = sum(1 for c in range(p.col, p.col + p.cell.colspan) if c in index)
                    if remain:
                        cells.append(replace(p.cell, colspan=remain))
                out.append(Row(cells, style=row.style, indent=row.indent, keep_values=row.keep_values))
            return out

        labels = self.numbering_labels or [str(i + 1) for i in range(self.width)]
        return replace(self, columns=[replace(self.columns[c], sum_of=None) for c in columns],
                       header=cut(self.header), body=cut(self.body),
                       numbering_labels=[labels[c] for c in columns] if self.numbering else None,
                       indent_column=index.get(self.indent_column) if self.indent_column is not None else None)

    @_once
    def fitted_widths(self, usable_mm: float, size: float = 12.0) -> list[float]:
        """Column widths in mm summing to ``usable_mm``: the columns' relative widths, widened so
        that every column fits the longest unbreakable word (a number with its no-break spaces, a
        date, "Подпрограмма") of its one-column cells at the table's font size, bold where printed
        bold, plus the cell padding; what a widened column takes comes from the columns with room
        to spare. When not every word can fit, long words are left to hyphenation: numbers, dates and
        short words (which cannot hyphenate) still fit, and the rest of the width goes to the columns
        by how much more they want. Estimated with :func:`text_width_mm` (Times New Roman / Liberation Serif metrics)."""
        size = self.font_size or size
        need, hard = self.column_needs(size)
        if sum(need) > usable_mm:
            # not every word fits: long words hyphenate (Typst, WeasyPrint, Word with autoHyphenation);
            # numbers, dates and short words get their width, the rest is shared by what each still wants
            if sum(hard) >= usable_mm:
                return [usable_mm * h / sum(hard) for h in hard] if sum(hard) else [usable_mm / self.width] * self.width
            want = [n - h for n, h in zip(need, hard)]
            spare = usable_mm - sum(hard)
            return [h + spare * w / (sum(want) or 1.0) for h, w in zip(hard, want)]
        fixed: dict[int, float] = {}
        while True:
            free = usable_mm - sum(fixed.values())
            rest = [i for i in range(self.width) if i not in fixed]
            weight = sum(self.columns[i].width for i in rest) or 1.0
            widths = {i: free * self.columns[i].width / weight for i in rest}
            short = [i for i in rest if widths[i] < need[i]]
            if not short:
                break
            for i in short:
                fixed[i] = need[i]
        return [fixed.get(i, widths.get(i, 0.0)) for i in range(self.width)]

    def cell_text(self, cell: Cell, col: int) -> str:
        """The printed text of a cell, formatted by its column's rules."""
        return format_cell(cell, self.columns[col] if col < self.width else Column())

    def look(self, row: Row, p: Placement, is_head: bool, table_size: float) -> "CellLook":
        """How a cell is printed, decided here once for every writer: header cells centred (unless the
        cell says otherwise) and vertically centred, body cells on top; total and group rows bold;
        an indented row indents only :attr:`indent_column`; numbers never wrap; the table's font size,
        else the document's ``table_size`` (points). The text printed is the placement's
        (:attr:`Placement.text`, :meth:`cell_text`)."""
        cell = p.cell
        return CellLook(
            align="center" if is_head and cell.align is None else self.cell_align(cell, p.col),
            bold=bool(cell.bold or (not is_head and row.style in ("total", "group"))),
            italic=cell.italic,
            indent=row.indent if (not is_head and row.indent and p.col == self.indent_column) else 0,
            size=self.font_size or table_size,
            vertical="center" if is_head else "top",
            nowrap=cell.is_number,
        )

    @_once
    def looks(self, rows: Sequence[Row], is_head: bool, table_size: float) -> list[list["CellLook | None"]]:
        """:meth:`look` of every slot of :meth:`slots` of ``rows`` (``None`` where a cell from above spans down),
        row by row: inside :func:`layout_once` the writers of a document share them.

        The same decisions as :meth:`look`, taken per row and column where they can be (a table's every cell
        passes here): a cell that sets no alignment, bold or italic of its own looks as its column does in a
        row of its kind, so it gets that look, one object shared by all such cells (a writer can key its cell
        styles by the look's identity while it holds the list)."""
        size = self.font_size or table_size
        vertical = "center" if is_head else "top"
        # a cell's own alignment, else by its column (cell_align): numbers and markers, then other values
        by_column = [_aligns(c) for c in self.columns]
        marker = numbers.MARKERS
        make = tuple.__new__        # CellLook(...) without the Python-level __new__ a named tuple has
        # a row kind (bold, indent) -> per column, the looks of a cell of its own: (other value, marker, number)
        kinds: dict[tuple[bool, int], list[tuple[CellLook, CellLook, CellLook]]] = {}
        out = []
        for row, row_slots in zip(rows, self.slots(rows)):
            row_bold = not is_head and row.style in ("total", "group")
            indent_col = self.indent_column if not is_head and row.indent else None
            kind_key = (row_bold, row.indent if indent_col is not None else 0)
            column_looks = kinds.get(kind_key)
            if column_looks is None:
                column_looks = kinds[kind_key] = [
                    tuple(make(CellLook, ("center" if is_head else align, row_bold, False,
                                          row.indent if col == indent_col else 0, size, vertical, nowrap))
                          for align, nowrap in ((other_align, False), (number_align, False), (number_align, True)))
                    for col, (number_align, other_align) in enumerate(by_column)]
            row_looks: list[CellLook | None] = []
            for kind, p in row_slots:
                if kind != "cell":
                    row_looks.append(None)
                    continue
                cell = p.cell
                value = cell.value
                is_number = isinstance(value, NUMBER_TYPES) and value.__class__ is not bool    # Cell.is_number
                if cell.align is None and cell.bold is False and cell.italic is False:
                    # (slots stand within the table's width)
                    row_looks.append(column_looks[p.col][2 if is_number else 1 if (isinstance(value, str)
                                                                                  and value in marker) else 0])
                    continue
                if is_head and cell.align is None:
                    align = "center"
                elif cell.align:
                    align = cell.align
                else:
                    number_align, other_align = by_column[p.col]
                    align = number_align if is_number or (isinstance(value, str) and value in marker) else other_align
                row_looks.append(make(CellLook, (align, bool(cell.bold or row_bold), cell.italic,
                                                 row.indent if p.col == indent_col else 0, size, vertical, is_number)))
            out.append(row_looks)
        return out

    def cell_align(self, cell: Cell, col: int) -> Align:
        if cell.align:
            return cell.align
        figure_align, other_align = _aligns(self.columns[col] if col < self.width else Column())
        return figure_align if cell.is_number or (isinstance(cell.value, str) and cell.value in numbers.MARKERS) \
            else other_align


def _aligns(column: Column) -> tuple[Align, Align]:
    """``(figures, other values)``: how a column aligns a cell that sets no alignment of its own, a number or a
    marker ("-", "х") first, any other value second. A figure column aligns its figures as it says and the rest to
    the left; a text column its texts as it says and a figure that strays into it to the right."""
    return (column.align, "left") if column.kind != "text" else ("right", column.align)


class CellLook(NamedTuple):
    """How a table cell's text is set, as :meth:`Table.look` decides it (writers only render it); the text itself is
    the cell's :attr:`Placement.text`. A named tuple: immutable, hashable (a writer's style key), and cheap to make
    (a frozen dataclass took three times as long)."""

    align: Align
    bold: bool
    italic: bool
    indent: int                          # levels
    size: float                          # points
    vertical: Literal["top", "center"]
    nowrap: bool


LEGIBLE_PT = 8.0           # the smallest font size a table is printed at (issue 22)
TEXT_COLUMN_MM = 16.0      # the least width a column of words keeps before a table counts as too wide
CELL_PADDING_MM = 2.5      # left and right inner margins of a table cell, with a little to spare


def _em(ch: str) -> float:
    """The advance of a character in em, rounded up from Times New Roman / Liberation Serif."""
    if ch.isdigit():
        return 0.5
    if ch in " \u00a0":
        return 0.25
    if ch in ".,:;'!|()[]-":
        return 0.34
    if ch.isupper():
        return 0.74 if ch not in "ШЩЖМЮФЫ" else 0.92
    if ch in "шщжмюфы":
        return 0.72
    return 0.5


def text_lines(text: str, width_mm: float, size: float) -> int:
    """About how many lines ``text`` takes in a column ``width_mm`` wide at ``size`` points (an upper estimate)."""
    char_mm = size * 0.3528 * 0.5
    return int(sum(max(1, -(-len(part) * char_mm // max(width_mm, 1.0))) for part in text.split("\n")))


def _unhyphenable(word: str) -> bool:
    """A word no hyphenation can break: a number, a date, a code, or a word of up to six letters."""
    letters = sum(map(str.isalpha, word))
    return letters <= 6 or any(map(str.isdigit, word))


class _EmTable(dict):
    """:func:`_em` of each character met so far (looked up without a Python call per character)."""

    def __missing__(self, ch: str) -> float:
        self[ch] = em = _em(ch)
        return em


_EMS = _EmTable()


def _em_sum(text: str) -> float:
    """The advances of ``text`` in em, summed in order (the sum :func:`text_width_mm` scales)."""
    return sum(map(_EMS.__getitem__, text))


def _em_width_mm(ems: float, size: float, bold: bool) -> float:
    return ems * size * 0.3528 * (1.06 if bold else 1.0)


def _words(text: str) -> list[str]:
    """The words of ``text`` as a line may break between them: split at spaces, tabs, line ends and soft
    hyphens, and after each hyphen (which stays with the part before it: "Вологда-" | "Москва"). Where two
    breaks meet, an empty word comes out (it measures nothing). String methods, not a regular expression:
    an expression that may split after any hyphen is tried at every character, four times as slow."""
    return text.replace("\n", " ").replace("\t", " ").replace("\u00ad", " ").replace("-", "- ").split(" ")


def _words_ems(words: Iterable[str]) -> tuple[float, float]:
    """``(widest, rigid)``: the largest em sum of ``words`` (at least one) and of those that cannot hyphenate (0.0
    when none). Widths at a size are these scaled (:func:`_em_width_mm`)."""
    measures = list(map(_WORD_MEASURES.__getitem__, words))
    return max(map(_FIRST, measures)), max(map(_SECOND, measures))


_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)


class _WordMeasures(dict):
    """``word -> (em sum, em sum if it cannot hyphenate else 0.0)`` (:func:`_em_sum`, :func:`_unhyphenable`) of
    each word met, looked up without a Python call (words recur across cells far more than whole texts do);
    emptied when it holds :data:`_WORDS_KEPT` words, so a long-running process does not grow with it."""

    def __missing__(self, word: str) -> tuple[float, float]:
        if len(self) >= _WORDS_KEPT:
            self.clear()
        em = _em_sum(word)
        # a word of up to six characters has up to six letters: it cannot hyphenate, without counting them
        self[word] = measure = (em, em if len(word) <= 6 or _unhyphenable(word) else 0.0)
        return measure


_WORDS_KEPT = 1 << 17
_WORD_MEASURES = _WordMeasures()


def text_width_mm(text: str, size: float, bold: bool = False) -> float:
    """The printed width of one line of ``text`` at ``size`` points (an upper estimate)."""
    return _em_width_mm(_em_sum(text), size, bold)


def format_cell(cell: Cell, column: Column) -> str:
    """The text every writer prints for ``cell`` in ``column``: ``""`` for no value, texts with no-break
    spaces where a line must not break (:func:`generator.numbers.tie`), numbers Russian style with the
    cell's or the column's decimals (``"15 736 027,0"``, a percent column ``"79,2%"``), then the cell's mark."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, str):
        return numbers.tie(value)
    decimals = column.decimals if cell.decimals == "column" else cell.decimals
    if type(value) in NUMBER_TYPES:
        # by its text: Decimal("1.0") and Decimal("1.00") are equal (and hash alike) but print differently
        return _number_text(str(value), decimals, column.kind == "percent") + cell.mark
    if column.kind == "percent":
        return numbers.format_percent(value, decimals if decimals is not None else 1) + cell.mark
    return numbers.format_number(value, decimals) + cell.mark




@functools.lru_cache(maxsize=65536)
def _number_text(value: str, decimals: int | None, percent: bool) -> str:
    """:func:`format_cell`'s text of the number written ``value`` (its ``str``), kept: a package prints each figure
    of a table in three formats, and most figures again in other tables (the formatting was a tenth of the DOCX
    and XLSX writers' time)."""
    number = Decimal(value)
    if percent:
        return numbers.format_percent(number, decimals if decimals is not None else 1)
    return numbers.format_number(number, decimals)


@dataclass
class Footnotes:
    """Footnotes printed under a rule after a table, e.g. ``(1) - 1 - официальная …``."""

    items: list[str]

    def __post_init__(self):
        self.items = [numbers.tie(item) for item in self.items]


@dataclass
class Signature:
    """A signature block: per line a position, a signature line and a name; then a date line."""

    lines: list[tuple[str, str]]        # (position, name)
    date_label: str | None = "«____» ____________ 20__ г."


@dataclass
class Image:
    data: bytes                          # PNG bytes
    width_mm: float = 160.0
    caption: str | None = None


@dataclass
class PageBreak:
    pass


Block = Union[Heading, Paragraph, Table, Footnotes, Signature, Image, PageBreak]


@dataclass
class Section:
    blocks: list[Block] = field(default_factory=list)
    orientation: Orientation = "portrait"
    margins_mm: tuple[float, float, float, float] = (20.0, 15.0, 20.0, 25.0)  # top right bottom left

    def add(self, *blocks: Block) -> "Section":
        self.blocks.extend(blocks)
        return self


PAGE_MM = {"portrait": (210.0, 297.0), "landscape": (297.0, 210.0)}   # A4 (width, height)


def usable_width_mm(section: Section) -> float:
    """The width between the margins of an A4 page of ``section``."""
    _, right, _, left = section.margins_mm
    return PAGE_MM[section.orientation][0] - left - right


def print_blocks(section: Section, style: "Style", table_size: float | None = None) -> list[Block]:
    """The blocks of ``section`` as DOCX and PDF print them: every table at the size and in the parts of
    :meth:`Table.print_layout` for the section's width; a part after the first starts a page under a
    right-aligned line :attr:`Style.continued` naming the table's caption (the right-aligned line above it, e.g.
    "Таблица 4 (продолжение)"). ``table_size``: the tables' size when they name none (the style's).
    Inside :func:`layout_once` the same list (and the same table parts) for the same arguments."""
    size = table_size or style.table_size        # None: the style's
    return _kept("print_blocks", section, (style, size), lambda: _print_blocks(section, style, table_size))


def _print_blocks(section: Section, style: "Style", table_size: float | None = None) -> list[Block]:
    """The blocks of ``section`` as DOCX and PDF print them: every table at the size and in the parts of
    :meth:`Table.print_layout` for the section's width; a part after the first starts a page under a
    right-aligned line :attr:`Style.continued` naming the table's caption (the right-aligned line above it, e.g.
    "Таблица 4 (продолжение)"). ``table_size``: the tables' size when they name none (the style's)."""
    usable = usable_width_mm(section)
    out: list[Block] = []
    caption: str | None = None
    for block in section.blocks:
        if isinstance(block, Paragraph) and block.align == "right" and "\n" not in block.text.strip():
            caption = block.text.strip()
        if not isinstance(block, Table):
            out.append(block)
            continue
        own = block.font_size or table_size or style.table_size
        size, parts = block.print_layout(usable, own)
        if len(parts) == 1:
            out.append(block if size == own else replace(block, font_size=size))
        for i, columns in enumerate(parts if len(parts) > 1 else []):
            if i:
                label = style.continued.format(caption=caption) if caption else style.continued_untitled
                out.extend([PageBreak(), Paragraph.of(label, align="right")])
            out.append(replace(block.part(columns), font_size=size))
        caption = None
    return out


@dataclass
class Style:
    """Typography shared by all writers (templates may override)."""

    font: str = "Times New Roman"        # named in DOCX and XLSX (generator.fonts.OFFICE_FONT)
    print_font: str = "Liberation Serif"  # its bundled metric twin, the only font of the PDFs (generator.fonts)
    text_size: float = 14.0
    table_size: float = 12.0
    page_label: str = "стр."
    continued: str = "{caption} (продолжение)"      # above a wide table's next part (Table.print_layout)
    continued_untitled: str = "Продолжение таблицы"


@dataclass
class Document:
    title: str
    sections: list[Section] = field(default_factory=list)
    notice: str | None = None            # printed on every page, e.g. "Образец (условные данные)"
    date: _dt.datetime = field(default_factory=lambda: _dt.datetime(2000, 1, 1))
    style: Style = field(default_factory=Style)
    kind: str = "document"               # what the document is (for manifests)
    # where its content came from and what the product chose (act lines, derived tables, methods):
    # written to the package's manifest.json, never printed in the document
    provenance: list[str] = field(default_factory=list)
    # who the document is from, for the files' metadata (the responsible executor of the program);
    # empty when unknown -- never the tool's name (issue 17)
    author: str = ""

    def section(self, orientation: Orientation = "portrait") -> Section:
        section = Section(orientation=orientation)
        self.sections.append(section)
        return section

    def tables(self) -> Iterator[Table]:
        for section in self.sections:
            for block in section.blocks:
                if isinstance(block, Table):
                    yield block


def right_caption(*lines: str) -> Paragraph:
    """The right-aligned appendix block: "Приложение 1 / к государственной программе"."""
    return Paragraph([Run(line + ("\n" if i < len(lines) - 1 else "")) for i, line in enumerate(lines)],
                     align="right")
