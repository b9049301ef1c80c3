"""DOCX writer (python-docx).

Tables are emitted as WordprocessingML directly, one ``w:tbl`` string per
table: python-docx's ``table.cell(r, c)`` walks the whole grid on every call,
which makes large tables quadratic. Merged cells are real merges
(``w:gridSpan`` and ``w:vMerge``); header and numbering rows carry
``w:tblHeader`` so Word repeats them on every page.

The strings are not parsed into python-docx's tree (parsing them only to
serialize them again was a third of the writer's time): the body holds a
processing instruction where each table goes, replaced by the table's text in
the serialized ``word/document.xml``. Paragraphs go the same way, as the XML
python-docx's paragraph properties would write (its objects took a third of
a passport's writing time). The package is written once, straight
into a zip with fixed entry times (python-docx's own save compresses every
part, which then had to be read back and compressed again).
"""

from __future__ import annotations

import copy
import io
import re
from pathlib import Path

import docx
from lxml import etree
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

from .. import model
from ._files import write_atomic, zip_entries, zip_time

PAGE_MM = {"portrait": (210.0, 297.0), "landscape": (297.0, 210.0)}
TWIPS_PER_MM = 56.692
ALIGN = {"left": "left", "right": "right", "center": "center", "justify": "both"}
LANGUAGE = "ru-RU"       # Russian hyphenation and spelling in Word and LibreOffice
RUN_LANG = f'<w:lang w:val="{LANGUAGE}" w:eastAsia="{LANGUAGE}" w:bidi="{LANGUAGE}"/>'
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


#: ``&``, ``<`` and ``>`` as entities: what ``xml.sax.saxutils.escape`` does (tested against it), without importing
#: it (it imports ``urllib.request``, ``http.client`` and ``ssl``: 30 ms of every render process's start).
_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def xml_text(text: str) -> str:
    """Escape text for XML, dropping characters XML cannot hold; a carriage return becomes a line feed, as
    every XML reader reads it (XML 1.0, 2.11)."""
    return _INVALID_XML.sub("", text).replace("\r\n", "\n").replace("\r", "\n").translate(_ENTITIES)


def _run_xml(text: str, size: float, bold=False, italic=False, superscript=False) -> str:
    props = ["<w:b/>" if bold else "", "<w:i/>" if italic else "",
             f'<w:sz w:val="{round(size * 2)}"/><w:szCs w:val="{round(size * 2)}"/>',
             '<w:vertAlign w:val="superscript"/>' if superscript else "", RUN_LANG]
    parts = []
    for i, line in enumerate(text.split("\n")):
        if i:
            parts.append("<w:br/>")
        line = xml_text(line)
        parts.append(f'<w:t xml:space="preserve">{line}</w:t>' if line else '<w:t xml:space="preserve"/>')
    return f"<w:r><w:rPr>{''.join(props)}</w:rPr>{''.join(parts)}</w:r>"


def _paragraph_xml(runs: str, align: str, spacing: str, indent: str = "", keep_next: bool = False) -> str:
    """A ``w:p`` with its properties in the schema's order (kept with the next, ``spacing``, ``indent``, alignment)
    and ``runs`` (:func:`_run_xml` strings): the XML python-docx's paragraph properties write."""
    return (f"<w:p><w:pPr>{'<w:keepNext/>' if keep_next else ''}{spacing}{indent}"
            f'<w:jc w:val="{ALIGN[align]}"/></w:pPr>{runs}</w:p>')


def _cell_paragraph(text: str, align: str, size: float, bold: bool, italic: bool, indent: int,
                    keep_next: bool = False) -> str:
    return _paragraph_xml(_run_xml(text, size, bold, italic) if text else "", align,
                          '<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>',
                          f'<w:ind w:left="{indent * 200}"/>' if indent else "", keep_next)


def table_xml(table: model.Table, usable_mm: float, size: float, section: model.Section | None = None,
              keep_last: bool = False, declared: bool = True) -> str:
    """The whole ``w:tbl`` element for ``table`` as one XML string (``declared``: with its own ``xmlns:w``,
    to parse alone; without, to stand inside ``word/document.xml``, whose root declares it).

    Column widths fit each column's longest word (:meth:`model.Table.fitted_widths`). The header
    rows and the rows of a block kept together (:meth:`model.Table.kept_blocks`, the model's
    page-break rule) never split across pages (``w:cantSplit``) and keep with the next row
    (``w:keepNext`` on their paragraphs), so Word and LibreOffice move the whole block. With
    ``keep_last`` the last block also keeps with what follows (the table's footnote).
    """
    widths = [round(w * TWIPS_PER_MM) for w in table.fitted_widths(usable_mm, size)]
    kept = {r: block for block in table.kept_blocks(section, size) for r in block}
    border = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                     for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    parts = [f"<w:tbl{' ' + nsdecls('w') if declared else ''}><w:tblPr><w:tblW w:w=\"{sum(widths)}\" w:type=\"dxa\"/>"
             f"<w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type=\"fixed\"/>"
             '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
             '<w:tblLook w:val="0000"/></w:tblPr><w:tblGrid>']
    parts.extend(f'<w:gridCol w:w="{w}"/>' for w in widths)
    parts.append("</w:tblGrid>")
    for rows, is_head in ((table.head_rows(), True), (table.body, False)):
        heights = _head_heights(table, rows, widths, size) if is_head else {}
        for r, (row_slots, row_looks) in enumerate(zip(table.slots(rows), table.looks(rows, is_head, size))):
            block = None if is_head else kept.get(r)
            keep_next = is_head or (block is not None and r < block.stop - 1) or (
                keep_last and block is not None and block.stop == len(rows))
            row_props = ["<w:cantSplit/>"] if is_head or block is not None else []
            if heights.get(r):
                # a header cell merged down sets the height of its first row: LibreOffice repeats the
                # header rows at their own heights and would clip the merged cell's last lines
                row_props.append(f'<w:trHeight w:val="{heights[r]}" w:hRule="atLeast"/>')
            if is_head and table.repeat_header:
                row_props.append("<w:tblHeader/>")
            parts.append(f"<w:tr><w:trPr>{''.join(row_props)}</w:trPr>" if row_props else "<w:tr><w:trPr/>")
            for (kind, p), look in zip(row_slots, row_looks):
                cell = p.cell
                span_w = sum(widths[p.col:p.col + cell.colspan])
                props = [f'<w:tcW w:w="{span_w}" w:type="dxa"/>']
                if cell.colspan > 1:
                    props.append(f'<w:gridSpan w:val="{cell.colspan}"/>')
                if kind == "continue":
                    props.append("<w:vMerge/>")
                    parts.append(f"<w:tc><w:tcPr>{''.join(props)}</w:tcPr>"
                                 f"{'<w:p><w:pPr><w:keepNext/></w:pPr></w:p>' if keep_next else '<w:p/>'}</w:tc>")
                    continue
                if cell.rowspan > 1:
                    props.append('<w:vMerge w:val="restart"/>')
                props.append(f'<w:vAlign w:val="{look.vertical}"/>')
                parts.append(f"<w:tc><w:tcPr>{''.join(props)}</w:tcPr>"
                             f"{_cell_paragraph(p.text, look.align, look.size, look.bold, look.italic, look.indent, keep_next)}"
                             "</w:tc>")
            parts.append("</w:tr>")
    parts.append("</w:tbl>")
    return "".join(parts)


def _head_heights(table: model.Table, rows: list, widths: list[int], size: float) -> dict[int, int]:
    """Twips each header row needs so that the cells merged down from it show whole (an estimate)."""
    out: dict[int, int] = {}
    line = size * 1.2 * 20
    for r, placed in enumerate(table.placements(rows)):
        for p in placed:
            if p.cell.rowspan < 2:
                continue
            width_mm = sum(widths[p.col:p.col + p.cell.colspan]) / TWIPS_PER_MM - 2.0
            lines = model.text_lines(p.text, width_mm, size)
            out[r] = max(out.get(r, 0), round(lines * line + 60))
    return out


def _name_font(rpr, name: str) -> None:
    """Set ``w:rFonts`` of a run-properties element to ``name`` for every script, dropping theme fonts."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)


def _russian(document) -> None:
    """``ru-RU`` on the document defaults and every style with run properties, and automatic
    hyphenation on (``w:autoHyphenation`` in settings): Word hyphenates Russian words in narrow
    columns instead of breaking them without a hyphen."""
    from docx.oxml import OxmlElement
    styles = document.styles.element
    targets = [rpr for rpr in styles.iter(qn("w:rPr"))]
    for rpr in targets:
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            tail = [rpr.find(qn(t)) for t in ("w:eastAsianLayout", "w:specVanish", "w:oMath")]
            tail = [t for t in tail if t is not None]
            if tail:
                tail[0].addprevious(lang)
            else:
                rpr.append(lang)
        for attr in ("w:val", "w:eastAsia", "w:bidi"):
            lang.set(qn(attr), LANGUAGE)
    settings = document.settings.element
    if settings.find(qn("w:autoHyphenation")) is None:
        hyphenation = OxmlElement("w:autoHyphenation")
        anchor = settings.find(qn("w:defaultTabStop"))
        if anchor is not None:
            anchor.addnext(hyphenation)
        else:
            settings.insert(0, hyphenation)


#: python-docx's template as :class:`_Renderer` prepares it (the document's font on every style, Russian language,
#: automatic hyphenation), per (font, text size): each document starts from a deep copy, instead of opening and
#: preparing the template again (the styles part alone is 376 KB of XML).
_PREPARED: dict[tuple[str, float], "docx.document.Document"] = {}


def _prepared(font: str, text_size: float):
    """A fresh python-docx document: the template (:func:`_slim`) with ``font`` named on every style at
    ``text_size`` points (a deep copy of :func:`prepared`)."""
    return copy.deepcopy(prepared(font, text_size))


def prepared(font: str, text_size: float):
    """python-docx's template (:func:`_slim`) with ``font`` named on every style at ``text_size`` points, made once
    per process and font (kept in :data:`_PREPARED`; never written to: each document renders a copy)."""
    base = _PREPARED.get((font, text_size))
    if base is None:
        base = _slim(docx.Document())
        normal = base.styles["Normal"]
        normal.font.name = font
        normal.font.size = Pt(text_size)
        _name_font(normal.element.get_or_add_rPr(), font)
        # The template's document defaults, heading and table styles point at theme fonts (Calibri, Cambria):
        # every run-properties element of the styles names the document's font itself, so Word never
        # substitutes one.
        for rpr in base.styles.element.iter(qn("w:rPr")):
            if rpr.find(qn("w:rFonts")) is not None or rpr.getparent().tag == qn("w:rPrDefault"):
                _name_font(rpr, font)
        normal.paragraph_format.space_after = Pt(0)
        _russian(base)
        _PREPARED[(font, text_size)] = base
    return base


#: The one table style kept besides the template's default ones: Word's plain "Table Grid", which a user who adds a
#: table in Word expects to find.
_TABLE_STYLES_KEPT = ("TableGrid",)
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
_THUMBNAIL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"


def _slim(document):
    """python-docx's template without what no document of ours, nor its user, needs, returned: the 98 coloured
    table styles (Light Shading, Medium Grid, ... in six accents each; no table of ours names a style, and Word
    offers its own when a user formats a table), the Word 2010 copy of the styles (``stylesWithEffects.xml``,
    which Word 2013 and later neither need nor read) and the thumbnail of a blank page, which file managers showed
    as every document's preview. The paragraph, character and list styles stay, set in the document's font
    (:func:`_prepared`): a heading or a bulleted list a user adds in Word or LibreOffice looks like the document,
    and python-docx's ``add_heading`` works on our files."""
    styles = document.styles.element
    by_id = {style.get(qn("w:styleId")): style for style in styles.findall(qn("w:style"))}
    todo = [sid for sid, style in by_id.items()
            if style.get(qn("w:type")) != "table" or style.get(qn("w:default")) in ("1", "true", "on")]
    todo += _TABLE_STYLES_KEPT
    kept: set[str] = set()
    while todo:                     # and what the kept ones are based on, linked to or followed by
        sid = todo.pop()
        if sid in kept or sid not in by_id:
            continue
        kept.add(sid)
        for tag in ("w:basedOn", "w:link", "w:next"):
            ref = by_id[sid].find(qn(tag))
            if ref is not None:
                todo.append(ref.get(qn("w:val")))
    for sid, style in by_id.items():
        if sid not in kept:
            styles.remove(style)
    for rels, reltype in ((document.part.rels, _STYLES_WITH_EFFECTS), (document.part.package.rels, _THUMBNAIL)):
        for rid in [rid for rid, rel in rels.items() if rel.reltype == reltype]:
            rels.pop(rid)
    return document


#: Where a table's or a paragraph's XML goes in the body: a processing instruction, which no text of a document can
#: produce (text is escaped) and python-docx passes over.
_MARK = "gosprog"


class _Parts:
    """What python-docx's package writer writes, kept as ``(member name, bytes)`` pairs in order (it is given to
    ``PackageWriter``'s steps in place of its zip writer)."""

    def __init__(self):
        self.entries: list[tuple[str, bytes]] = []

    def write(self, pack_uri, blob: bytes) -> None:
        self.entries.append((pack_uri.membername, blob))

    def close(self) -> None:
        pass


def _package_bytes(document, fragments: list[str], date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """The DOCX bytes of python-docx ``document``: its parts in python-docx's order (``PackageWriter.write``'s three
    steps, python-docx 1.x), each mark of ``word/document.xml`` replaced by its XML from ``fragments``, written
    once into a zip whose entries are all dated ``date_time`` (reproducible)."""
    from docx.opc.pkgwriter import PackageWriter
    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    collected = _Parts()
    PackageWriter._write_content_types_stream(collected, package.parts)
    PackageWriter._write_pkg_rels(collected, package.rels)
    PackageWriter._write_parts(collected, package.parts)
    return zip_entries(((name, _splice(blob, fragments) if name == "word/document.xml" else blob)
                        for name, blob in collected.entries), date_time)


def _splice(body: bytes, fragments: list[str]) -> bytes:
    """The serialized ``word/document.xml`` with each mark replaced by its fragment's XML; raises ``ValueError``
    when the marks and the fragments do not match one for one."""
    pieces = body.split(f"<?{_MARK} ".encode("ascii"))
    if len(pieces) != len(fragments) + 1:
        raise ValueError(f"word/document.xml: {len(pieces) - 1} marks for {len(fragments)} fragments")
    joined = [pieces[0]]
    for piece in pieces[1:]:
        index, rest = piece.split(b"?>", 1)
        joined += [fragments[int(index)].encode("utf-8"), rest]
    return b"".join(joined)


class _Renderer:
    def __init__(self, document: model.Document, options: dict):
        self.document = document
        self.style = document.style
        self.text_size = options.get("text_size", self.style.text_size)
        self.table_size = options.get("table_size", self.style.table_size)
        self.doc = _prepared(self.style.font, self.text_size)
        self.fragments: list[str] = []       # the body's tables and paragraphs as XML, each at its mark

    def render(self) -> bytes:
        for index, section in enumerate(self.document.sections):
            if index:
                self.doc.add_section()
            self._setup_section(self.doc.sections[-1], section, first=index == 0)
            blocks = model.print_blocks(section, self.style, self.table_size)     # wide tables in parts
            for i, block in enumerate(blocks):
                noted = i + 1 < len(blocks) and isinstance(blocks[i + 1], model.Footnotes)
                self._block(block, section, noted)
        props = self.doc.core_properties
        props.title = self.document.title[:250]
        # python-docx's template says "python-docx" and "generated by python-docx": the document's own author or none
        props.author = props.last_modified_by = self.document.author
        props.comments = props.keywords = props.subject = props.category = ""
        props.created = props.modified = props.last_printed = self.document.date
        props.revision = 1
        return _package_bytes(self.doc, self.fragments, zip_time(self.document))

    def _setup_section(self, sec, section: model.Section, first: bool) -> None:
        width, height = PAGE_MM[section.orientation]
        sec.orientation = WD_ORIENT.LANDSCAPE if section.orientation == "landscape" else WD_ORIENT.PORTRAIT
        sec.page_width, sec.page_height = Mm(width), Mm(height)
        top, right, bottom, left = section.margins_mm
        sec.top_margin, sec.right_margin, sec.bottom_margin, sec.left_margin = Mm(top), Mm(right), Mm(bottom), Mm(left)
        if not first:
            return
        footer = sec.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer._p.append(parse_xml(_run_xml(self.style.page_label + " ", 10).replace("<w:r>", f"<w:r {nsdecls('w')}>", 1)))
        footer._p.append(parse_xml(
            f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
        if self.document.notice:
            header = sec.header.paragraphs[0]
            header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = header.add_run(self.document.notice)
            run.bold = True
            run.font.size = Pt(11)

    def _usable_mm(self, section: model.Section) -> float:
        _, right, _, left = section.margins_mm
        return PAGE_MM[section.orientation][0] - left - right

    def _paragraph(self, block: model.Paragraph | model.Heading, keep: bool = False) -> None:
        """Add ``block`` as one ``w:p`` string at a mark (what python-docx's paragraph and run properties would
        write, byte for byte, without building and walking its objects); ``keep``: with the next paragraph."""
        if isinstance(block, model.Heading):
            runs, size, keep = [model.Run(block.text, bold=True)], self.text_size, True
            spacing = f'<w:spacing w:before="{Pt(6).twips}" w:after="{Pt(6).twips}"/>'
            indent = ""
        else:
            runs, size = block.runs, block.size or self.text_size
            spacing = f'<w:spacing w:after="{Pt(block.space_after).twips}"/>'
            indent = f'<w:ind w:firstLine="{Mm(12.5).twips}"/>' if block.indent_first_line else ""
        self._fragment(_paragraph_xml("".join(_run_xml(run.text, size, run.bold, run.italic, run.superscript)
                                              for run in runs), block.align, spacing, indent, keep))

    def _fragment(self, xml: str) -> None:
        """Put ``xml`` (body elements, the ``w`` prefix declared by the document) at the end of the body: a mark
        now, the text itself when the package is written (:func:`_splice`)."""
        self.doc.element.body.sectPr.addprevious(etree.ProcessingInstruction(_MARK, str(len(self.fragments))))
        self.fragments.append(xml)

    def _block(self, block, section: model.Section, noted: bool = False) -> None:
        """Add ``block``; ``noted``: a footnote follows, kept on the page of the table's last rows."""
        if isinstance(block, (model.Heading, model.Paragraph)):
            self._paragraph(block)
        elif isinstance(block, model.Table):
            size = block.font_size or self.table_size
            # and a paragraph after it: Word needs one between adjacent tables
            self._fragment(table_xml(block, self._usable_mm(section), size, section, noted, declared=False)
                           + ('<w:p><w:pPr><w:keepNext/></w:pPr></w:p>' if noted else
                              '<w:p><w:pPr><w:keepNext w:val="0"/></w:pPr></w:p>'))
        elif isinstance(block, model.Footnotes):
            self._paragraph(model.Paragraph.of("______________________________", align="left", size=10), keep=True)
            for i, item in enumerate(block.items):
                self._paragraph(model.Paragraph.of(item, align="justify", size=10), keep=i < len(block.items) - 1)
        elif isinstance(block, model.Signature):
            self._paragraph(model.Paragraph.of("", align="left"))
            for position, name in block.lines:
                self._paragraph(model.Paragraph.of(f"{position}    ______________    {name}", align="left"))
            if block.date_label:
                self._paragraph(model.Paragraph.of(block.date_label, align="left"))
        elif isinstance(block, model.Image):
            self.doc.add_picture(io.BytesIO(block.data), width=Mm(block.width_mm))
            if block.caption:
                self._paragraph(model.Paragraph.of(block.caption, align="center", size=12))
        elif isinstance(block, model.PageBreak):
            self.doc.add_page_break()
        else:  # pragma: no cover - the model is closed
            raise TypeError(f"unknown block {type(block).__name__}")


def render(document: model.Document, **options) -> bytes:
    """The DOCX bytes of ``document`` (python-docx): sections with their orientation and margins, headings,
    paragraphs, tables with repeated headers and rows kept together as the model decides, footnotes,
    signatures, images; numbers as :func:`generator.model.format_cell` prints them. Raises ``TypeError`` for
    a block the writer does not know. Each table's layout is computed once for all the writer's questions
    (:func:`generator.model.layout_once`)."""
    with model.layout_once():
        return _Renderer(document, options).render()


def write(document: model.Document, path: Path, **options) -> None:
    """Render ``document`` to ``path`` (:func:`render`), atomically: the file is whole or absent (previous one kept)."""
    write_atomic(path, render(document, **options))
