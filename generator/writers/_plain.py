"""The document as plain, JSON-ready data, for the template-driven writers (HTML, Typst).

All formatting decisions (number style, alignment, spans) are taken here, once,
so both PDF engines print exactly the same texts.
"""

from __future__ import annotations

import base64
import re

from .. import fonts, model

#: A token (a run of characters with no break opportunity: no space, hyphen, slash or zero-width space)
#: longer than this many characters gets a zero-width space after every :data:`BREAK_EVERY` characters
#: before layout. Real words are shorter (the act's longest is under 30 characters); what is longer is a
#: pasted URL, a file name, a string typed without spaces. Without the opportunities, WeasyPrint lays such
#: a token out in super-linear time (a 2,000-character word in a table cell took about two minutes).
LONG_TOKEN = 40
BREAK_EVERY = 20
ZWSP = "\u200b"
_LONG = re.compile(r"[^ \t\n\r\u200b\u00ad\-/]{%d,}" % (LONG_TOKEN + 1))
_CHUNK = re.compile(r".{%d}(?=.)" % BREAK_EVERY, re.S)


def _table(table: model.Table, section: model.Section | None = None, table_size: float = 12.0) -> dict:
    section = section or model.Section()
    usable = model.usable_width_mm(section)
    # the table's own size, as the DOCX and XLSX writers ask the model (the same answers, kept once per document)
    table_size = table.font_size or table_size
    widths = table.fitted_widths(usable, table_size)     # every column fits its longest word
    kept = table.kept_blocks(section, table_size)       # the model's page-break rule (generator.model)
    kept_row = {r: block for block in kept for r in block}

    def rows(rows: list[model.Row], is_head: bool) -> list[dict]:
        out = []
        for row, row_slots, row_looks in zip(rows, table.slots(rows), table.looks(rows, is_head, table_size)):
            cells = []
            for (kind, p), look in zip(row_slots, row_looks):
                if kind == "continue":
                    continue          # covered by a cell spanning down from above
                cell = p.cell
                cells.append({
                    "text": p.text,
                    "colspan": cell.colspan, "rowspan": cell.rowspan, "col": p.col,
                    "align": look.align, "bold": look.bold, "italic": look.italic,
                    "nowrap": look.nowrap, "indent": look.indent,
                    # a cell of a kept block: its rows stay on one page (Typst: breakable: false)
                    "keep": bool(not is_head and p.row in kept_row),
                })
            block = None if is_head else kept_row.get(len(out))
            out.append({"style": row.style, "cells": cells,
                        "group_start": block is not None and block.start == len(out),
                        "group_end": block is not None and block.stop - 1 == len(out),
                        "keep_next": block is not None and block.stop - 1 > len(out)})
        return out

    return {
        "type": "table",
        "widths": [round(100 * w / usable, 3) for w in widths],
        "head": rows(table.head_rows(), True),
        "repeat": table.repeat_header,
        "body": rows(table.body, False),
        "font_size": table.font_size or table_size,      # decided here: the templates only print it
    }


def _runs(runs: list[model.Run]) -> list[dict]:
    return [{"text": r.text, "bold": r.bold, "italic": r.italic, "sup": r.superscript} for r in runs]


def block(b, section: model.Section | None = None, table_size: float = model.Style.table_size) -> dict:
    """One block of the model as plain JSON-ready data (``{"type": "heading" | "paragraph" | "table" | ...}``),
    texts and numbers already formatted, table cells placed (spans resolved) and kept blocks stated.
    Raises ``TypeError`` for a block it does not know."""
    if isinstance(b, model.Heading):
        return {"type": "heading", "text": b.text, "level": b.level, "align": b.align}
    if isinstance(b, model.Paragraph):
        return {"type": "paragraph", "runs": _runs(b.runs), "align": b.align,
                "indent": b.indent_first_line, "size": b.size, "space_after": b.space_after}
    if isinstance(b, model.Table):
        return _table(b, section, table_size)
    if isinstance(b, model.Footnotes):
        return {"type": "footnotes", "items": list(b.items)}
    if isinstance(b, model.Signature):
        return {"type": "signature", "lines": [list(line) for line in b.lines], "date": b.date_label}
    if isinstance(b, model.Image):
        return {"type": "image", "png": base64.b64encode(b.data).decode("ascii"),
                "width_mm": b.width_mm, "caption": b.caption}
    if isinstance(b, model.PageBreak):
        return {"type": "pagebreak"}
    raise TypeError(f"unknown block {type(b).__name__}")


def plain(document: model.Document) -> dict:
    """The whole document as plain data for the template engines (Typst, Jinja2): title, date, notice,
    style and the sections' blocks (:func:`block`). Each table's layout is computed once
    (:func:`generator.model.layout_once`)."""
    with model.layout_once():
        return _plain(document)


def _plain(document: model.Document) -> dict:
    return {
        "title": document.title,
        "author": document.author,
        "notice": document.notice,
        "date": document.date.isoformat(),
        "style": {"font": document.style.print_font, "text_size": document.style.text_size,
                  "table_size": document.style.table_size, "page_label": document.style.page_label},
        "sections": [{"orientation": s.orientation, "margins_mm": list(s.margins_mm),
                      "blocks": [block(b, s, document.style.table_size)
                                 for b in model.print_blocks(s, document.style)]}   # wide tables in parts
                     for s in document.sections],
    }


def breakable(text: str) -> str:
    """``text`` with a zero-width space (U+200B, a line-break opportunity that prints nothing and is not
    extracted as text) after every :data:`BREAK_EVERY` characters of each token longer than
    :data:`LONG_TOKEN` characters; shorter texts are returned as they are. Linear in ``len(text)``."""
    if len(text) <= LONG_TOKEN:
        return text
    return _LONG.sub(lambda m: _CHUNK.sub(lambda c: c.group(0) + ZWSP, m.group(0)), text)


def for_pdf(document: model.Document, plain_data: dict | None = None) -> dict:
    """:func:`plain` as both PDF engines lay it out: characters the bundled fonts lack made visible
    (:func:`generator.fonts.printable`; one warning names them, :func:`generator.fonts.warn_missing`) and
    line-break opportunities in very long tokens of the sections' texts (:func:`breakable`), so layout time
    stays linear in text length; in one walk over the tree. ``plain_data``: ``plain(document)`` already
    computed (not modified here)."""
    found: dict[str, None] = {}

    def text(value: str, breaking: bool) -> str:
        absent = fonts.missing(value)           # one search in C for nearly every text
        if absent:
            found.update(dict.fromkeys(absent))
            value = fonts.printable(value)
        return breakable(value) if breaking else value

    def walk(node, breaking: bool):
        # plain() makes dicts, lists, strings, numbers, booleans and None, nothing derived from them
        if type(node) is dict:
            out = {}
            for key, value in node.items():
                kind = type(value)
                if kind is str:
                    # images' data and generated file names are not text to print or lay out
                    out[key] = value if key in ("png", "file") else text(value, breaking)
                elif kind is dict or kind is list:
                    out[key] = walk(value, breaking or key == "sections")
                else:
                    out[key] = value
            return out
        return [text(value, breaking) if type(value) is str
                else walk(value, breaking) if type(value) in (dict, list) else value for value in node]

    data = walk(plain_data if plain_data is not None else plain(document), False)     # a dict
    fonts.warn_missing(found, document.title)
    return data
