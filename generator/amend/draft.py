"""The draft amending resolution: "О внесении изменений в постановление … от 22 апреля 2019 года N 395".

Built from the two editions and their :class:`~generator.editions.compare.ProgramDiff`:

* one item per changed passport position (the program's passport and each subprogram's,
  compared position by position as the passport builders print them), with the
  position's new wording as a two-column table, as amending acts print it;
* one item per changed table (financing tables 4, forecasts, tax expenditures,
  indicator values, methodology and activity lists, as the diff finds them), which is
  set out anew in a numbered appendix: the appendix holds the table exactly as the
  program's own table builders lay it out for the new edition;
* the preamble, item 2 (entry into force) and the signature block.

The wording is the template ``templates/draft_resolution.txt.j2``; this module only
computes what changed and lays the template's directives out as document blocks.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from .. import model
from ..builders import common
from ..editions.documents import paragraphs
from ..builders import program as program_builders
from ..builders import subprogram as subprogram_builders
from ..data.schema import Program
from ..editions.compare import ProgramDiff
from ..numbers import MONTHS_GENITIVE

TEMPLATE = "draft_resolution.txt.j2"
TITLE = "Проект постановления о внесении изменений"


@dataclass
class Changed:
    """What the draft amends: passport positions and tables, in the order of the act."""

    positions: list[dict] = field(default_factory=list)     # {scope, label, value}
    tables: list[dict] = field(default_factory=list)        # {scope, table ("4"), orientation, title, blocks}


def _date_words(d: _dt.date) -> str:
    return f"{d.day} {MONTHS_GENITIVE[d.month - 1]} {d.year} года"


def _passport_rows(doc: model.Document) -> list[tuple[str, str]]:
    for table in doc.tables():
        if table.id == "passport":
            return [(str(r.cells[0].value), str(r.cells[1].value)) for r in table.body if len(r.cells) == 2]
    return []


def _table_section(doc: model.Document, table_no: str):
    """(orientation, title, blocks) of the table captioned ``table_no`` in a tables document."""
    for section in doc.sections:
        blocks = section.blocks
        for i, block in enumerate(blocks[:-1]):
            if isinstance(block, model.Paragraph) and block.text == table_no and isinstance(blocks[i + 1], model.Heading):
                return section.orientation, blocks[i + 1].text, blocks[i + 2:]
    return None


def _content(blocks) -> list:
    """What a table's blocks print: paragraph texts and every header and body cell value."""
    out = []
    for block in blocks:
        if isinstance(block, model.Table):
            out.append([[(c.value, c.colspan, c.rowspan) for c in row.cells] for row in block.header + block.body])
        elif isinstance(block, (model.Paragraph, model.Heading)):
            out.append(block.text)
        elif isinstance(block, model.Footnotes):
            out.append(list(block.items))
    return out


def _table_numbers(doc: model.Document) -> list[str]:
    numbers = []
    for section in doc.sections:
        for i, block in enumerate(section.blocks[:-1]):
            if isinstance(block, model.Paragraph) and re.fullmatch(r"Таблица \d+", block.text) \
                    and isinstance(section.blocks[i + 1], model.Heading):
                numbers.append(block.text.split()[-1])
    return numbers


def changed_parts(diff: ProgramDiff, old: Program, new: Program) -> Changed:
    """The passport positions and tables of ``new`` that print differently from ``old``: both
    editions are laid out by the program's own builders and compared cell by cell, so the draft
    names exactly the tables whose printed content changes (``diff`` is not needed for that)."""
    out = Changed()
    old_subs = {s.code: s for s in old.subprograms}

    def positions(scope: str, a_doc, b_doc) -> None:
        before = dict(_passport_rows(a_doc)) if a_doc else {}
        for label, value in _passport_rows(b_doc):
            if before.get(label) != value:
                out.positions.append({"scope": scope, "label": label, "value": value})

    def tables(scope: str, a_doc, b_doc) -> None:
        for number in _table_numbers(b_doc):
            found = _table_section(b_doc, f"Таблица {number}")
            before = _table_section(a_doc, f"Таблица {number}") if a_doc else None
            if before is not None and _content(before[2]) == _content(found[2]) and before[1] == found[1]:
                continue
            orientation, title, blocks = found
            out.tables.append({"scope": scope, "table": number, "orientation": orientation, "title": title,
                               "blocks": blocks})

    positions("program", program_builders.passport(old), program_builders.passport(new))
    tables("program", program_builders.tables_document(old), program_builders.tables_document(new))
    for sub in new.subprograms:
        a = old_subs.get(sub.code)
        positions(sub.code, subprogram_builders.passport(old, a) if a else None, subprogram_builders.passport(new, sub))
        tables(sub.code, subprogram_builders.tables_document(old, a) if a else None,
               subprogram_builders.tables_document(new, sub))
    return out


def _authority(act: str) -> tuple[str, str]:
    """"Постановление Правительства Вологодской области" → ("Правительства Вологодской области",
    "Правительства области"): the act's own short form drops the region's name."""
    genitive = re.sub(r"^\S+\s+", "", act.strip())
    short = re.sub(r"\s+\S+(?:ой|ей|ого)\s+(области|края|республики)$", r" \1", genitive)
    return genitive, short


def draft_context(diff: ProgramDiff, old: Program, new: Program, changed: Changed) -> dict:
    subs = {s.code: s for s in new.subprograms}

    def scope_info(scope: str) -> dict:
        sub = subs.get(scope)
        return {"scope": scope, "sub_title": sub.title if sub else "", "sub_appendix": (sub.appendix or sub.code) if sub else ""}

    items, appendices = [], []
    scopes = ["program"] + [s.code for s in new.subprograms]
    for scope in scopes:
        for k, p in enumerate(changed.positions):
            if p["scope"] == scope:
                items.append({"kind": "position", "key": k, "label": p["label"], **scope_info(scope)})
        for t in (t for t in changed.tables if t["scope"] == scope):
            number = len(appendices) + 1
            appendices.append({"number": number, "table": t["table"], "title": t["title"],
                               "orientation": t["orientation"], **scope_info(scope)})
            items.append({"kind": "table", "table": t["table"], "appendix": number, **scope_info(scope)})
    genitive, short = _authority(new.approved.act)
    return {"sample": diff.sample, "title": new.title, "act_authority": genitive, "act_authority_short": short,
            "approved": {"date": _date_words(new.approved.date), "number": new.approved.number},
            "amended": bool(old.amendments or new.amendments), "items": items, "appendices": appendices}


def draft_document(diff: ProgramDiff, old: Program, new: Program, templates=None) -> model.Document:
    """The draft resolution as a document (DOCX/PDF through the writers). Raises ValueError on a
    directive the template uses that this layout does not know."""
    from .. import templates as templates_module
    env = templates or templates_module.default()
    changed = changed_parts(diff, old, new)
    context = draft_context(diff, old, new, changed)
    text = env.render(TEMPLATE, **context)
    d = new.edition.date
    doc = model.Document(title=f"{TITLE}: государственная программа \"{new.title}\"", kind="draft-resolution",
                         date=_dt.datetime(d.year, d.month, d.day),
                         notice=common.SAMPLE_NOTICE if diff.sample else None)
    section = doc.section("portrait")
    tables = _appendix_tables(context, changed)
    for para in paragraphs(text):
        directive, _, rest = para.partition(" ") if para.startswith("#") else ("", "", para)
        if directive == "#title":
            section.add(model.Heading(rest))
        elif directive == "#center":
            section.add(model.Paragraph.of(rest, align="center", space_after=6))
        elif directive == "#right":
            section.add(model.Paragraph.of(rest, align="right"))
        elif directive == "#plain":
            section.add(model.Paragraph.of(rest, align="justify", space_after=3))
        elif directive == "#position":
            key, _, opening = rest.partition(" ")
            p = changed.positions[int(key)]
            section.add(program_builders.key_value_table([(opening.strip() + p["label"], p["value"])]))
        elif directive == "#table":
            section.add(*tables[int(rest)])
        elif directive == "#signature":
            position, _, name = rest.partition("|")
            section.add(model.Signature([(position.strip(), name.strip())], date_label=None))
        elif directive == "#section":
            section = doc.section(rest.strip())
        elif directive:
            from .. import i18n
            raise templates_module.TemplateError(
                str(env.find(TEMPLATE)), None, i18n._("unknown directive {directive!r} (known: #title, #center, "
                                                      "#right, #plain, #position, #table, #signature, #section)")
                .format(directive=directive), "gosprog")
        else:
            section.add(model.Paragraph.of(rest, align="justify", indent_first_line=True, space_after=3))
    return doc


def _appendix_tables(context: dict, changed: Changed) -> dict[int, list]:
    """Appendix number → the table's blocks, matching appendices to changed tables by scope and number."""
    pool = list(changed.tables)
    out = {}
    for a in context["appendices"]:
        t = next(t for t in pool if t["scope"] == a["scope"] and t["table"] == a["table"])
        pool.remove(t)
        out[a["number"]] = t["blocks"]
    return out
