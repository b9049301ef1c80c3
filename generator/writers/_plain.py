"""The document as plain, JSON-ready data, for the template-driven writers (HTML, Typst).

All formatting decisions (number style, alignment, spans) are taken here, once,
so both PDF engines print exactly the same texts.
"""

from __future__ import annotations

import base64

from .. import model


def _table(table: model.Table, section: model.Section | None = None, table_size: float = 12.0) -> dict:
    section = section or model.Section()
    usable = model.usable_width_mm(section)
    widths = table.fitted_widths(usable, table_size)     # every column fits its longest word
    kept = table.kept_blocks(section, table_size)       # the model's page-break rule (generator.model)
    kept_row = {r: block for block in kept for r in block}

    def rows(rows: list[model.Row], is_head: bool) -> list[dict]:
        out = []
        for row, row_slots in zip(rows, table.slots(rows)):
            cells = []
            for kind, p in row_slots:
                if kind == "continue":
                    continue          # covered by a cell spanning down from above
                cell, look = p.cell, table.look(row, p, is_head, table_size)
                cells.append({
                    "text": look.text,
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
    return {
        "title": document.title,
        "author": document.author,
        "notice": document.notice,
        "date": document.date.isoformat(),
        "style": {"font": document.style.print_font, "text_size": document.style.text_size,
                  "table_size": document.style.table_size, "page_label": document.style.page_label},
        "sections": [{"orientation": s.orientation, "margins_mm": list(s.margins_mm),
                      "blocks": [block(b, s, document.style.table_size) for b in s.blocks]}
                     for s in document.sections],
    }
