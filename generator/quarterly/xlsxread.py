"""Reading filled-in report forms: bounded checks of the package first, then openpyxl.

Two steps, each with its own job:

1. :func:`inspect` looks at the file before anything is built from it: the zip directory (number of
   entries, declared unpacked size, encrypted entries, compression methods other than stored/deflated,
   macros) and one streaming pass of expat over every XML part (DOCTYPE and entity declarations refused,
   elements counted with a cap, cells of each worksheet counted and their extent taken from their
   references, row numbers and cell references checked, the Strict Open XML namespace recognised).
   Nothing is kept from this pass but counts: the values are read in step 2.
2. :func:`load` opens the workbook with openpyxl (full mode, ``data_only=False``: the importer needs
   merged ranges, formulas as formulas and dates as dates). Two places where openpyxl 3.1 does not follow
   the package conventions are corrected, and only there:

   * part names are matched case-insensitively (ECMA-376 part 2, 9.1.1.1: part names are compared
     without regard to case) and the styles and shared-strings parts are found through the workbook's
     relationships (openpyxl reads ``xl/styles.xml`` by its fixed name: a workbook whose styles part is
     ``xl/Styles.xml`` would lose its date formats and a date would read as a number);
   * shared strings are decoded as ST_Xstring (ECMA-376 part 1, 22.9.2.19: ``_xHHHH_`` is the character
     U+HHHH, ``_x005F_`` escapes the underscore): openpyxl only drops ``x005F_``. The runs are read by
     openpyxl's own :class:`openpyxl.cell.text.Text` (phonetic runs are not text) and decoded by
     :func:`openpyxl.utils.escape.unescape`.

Every failure is a :class:`ReadError` with a message that can be sent back to the municipality, in the
interface language (:mod:`generator.i18n`: Russian by default; the Russian text is in the message catalog).
"""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass, field
from xml.parsers import expat

from openpyxl.cell.text import Text
from openpyxl.packaging.relationship import get_dependents, get_rels_path
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.escape import unescape
from openpyxl.xml.constants import ARC_STYLE, SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from ..i18n import N_, _

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 200
MAX_ELEMENTS = 1_000_000            # XML elements in the whole package (a form has a few thousand)
MAX_CELLS = 200_000                 # cells of one sheet, and rows x columns it spans
MAX_ROW, MAX_COLUMN = 1_048_576, 16_384
STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_SHEET_NAMESPACES = (SHEET_MAIN_NS, STRICT_NS)
#: What to do with a file that is not a plain workbook (translated where shown: :func:`save_as`).
SAVE_AS = N_("save the file as «Excel Workbook (.xlsx)»")


def save_as() -> str:
    """:data:`SAVE_AS` in the active language: what several refusals end with."""
    return _(SAVE_AS)


class ReadError(ValueError):
    """The file cannot be read as a form workbook. ``code`` is the Problem code (FILE or STRUCTURE),
    ``message`` a sentence in the interface language, ``part`` the package part it is about (if any)."""

    def __init__(self, message: str, code: str = "FILE", part: str | None = None):
        super().__init__(message)
        self.message, self.code, self.part = message, code, part


@dataclass
class SheetExtent:
    """What the streaming pass saw of one worksheet part: its cells and the rows x columns they span."""

    part: str
    cells: int = 0
    max_row: int = 0
    max_column: int = 0


@dataclass
class Inspection:
    entries: int = 0
    unpacked: int = 0
    elements: int = 0
    sheets: dict[str, SheetExtent] = field(default_factory=dict)


class _Stop(Exception):
    def __init__(self, error: ReadError):
        self.error = error


def inspect(data: bytes) -> Inspection:
    """Check a file before it is opened: size, zip directory, and a streaming parse of its XML parts with
    element and cell caps. Returns the counts; raises :class:`ReadError` (a message in the interface language)."""
    if len(data) > MAX_FILE_BYTES:
        raise ReadError(_("the file is too large: {size} bytes, at most {limit} are accepted").format(
            size=len(data), limit=MAX_FILE_BYTES))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ReadError(_("the file is not an Excel workbook (.xlsx): it is not a ZIP archive"))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception as exc:                  # BadZipFile, NotImplementedError ("zip file version 9.1"), ...
        raise ReadError(_("the file is damaged: its archive cannot be read; open it in Excel or LibreOffice and "
                          "{save_as}").format(save_as=save_as())) from None
    result = Inspection(entries=len(infos), unpacked=sum(i.file_size for i in infos))
    if len(infos) > MAX_ENTRIES:
        raise ReadError(_("the archive has {count} parts, at most {limit} are accepted").format(
            count=len(infos), limit=MAX_ENTRIES))
    if result.unpacked > MAX_UNPACKED_BYTES:
        raise ReadError(_("unpacked, the file takes {size} bytes (at most {limit} are accepted): it looks like a "
                          "zip bomb").format(size=result.unpacked, limit=MAX_UNPACKED_BYTES))
    lower: dict[str, str] = {}
    for info in infos:
        name = info.filename
        if name.lower() in lower:
            raise ReadError(_("the archive has two parts with the same name ({first} and {second}): the file is "
                              "damaged").format(first=quoted(lower[name.lower()]), second=quoted(name)))
        lower[name.lower()] = name
        if info.flag_bits & 0x1:
            raise ReadError(_("the part {part} is encrypted: remove the password from the file and {save_as}").format(
                part=name, save_as=save_as()), part=name)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ReadError(_("the part {part} is compressed with method {method}, which Excel and LibreOffice do not "
                              "use: open the file in Excel or LibreOffice and {save_as}").format(
                part=name, method=info.compress_type, save_as=save_as()), part=name)
    if any(n.endswith("vbaproject.bin") for n in lower):
        raise ReadError(_("the file contains macros (.xlsm): accept the form as an .xlsx file without macros"))
    if "[content_types].xml" not in lower or "_rels/.rels" not in lower:
        raise ReadError(_("the file is not an Excel workbook (.xlsx)"))
    budget = [MAX_ELEMENTS]
    for info in infos:
        if info.filename.lower().endswith((".xml", ".rels")):
            _scan(archive, info, budget, result)
    result.elements = MAX_ELEMENTS - budget[0]
    return result


def _scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int], result: Inspection) -> None:
    """One streaming expat pass over a part: refuse declarations, count elements and cells."""
    name = info.filename
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    state = {"root": None, "sheet": None}

    def refuse(*_args):
        raise _Stop(ReadError(_("the part {part} contains DTD or entity declarations, which Excel workbooks do not "
                                "have: the file was altered").format(part=name), part=name))

    def start(tag, attrs):
        budget[0] -= 1
        if budget[0] < 0:
            raise _Stop(ReadError(_("the file has more than {limit} XML elements (part {part}): a form does not look "
                                    "like this, the file was altered").format(limit=MAX_ELEMENTS, part=name),
                                  part=name))
        namespace, _sep, local = tag.rpartition(" ")
        if state["root"] is None:
            state["root"] = tag
            if namespace.startswith("http://purl.oclc.org/ooxml/"):
                raise _Stop(ReadError(_("the file is saved in the «Strict Open XML Spreadsheet» format, which is not "
                                        "accepted: open it in Excel or LibreOffice and {save_as}").format(
                                            save_as=save_as()), part=name))
            if local == "worksheet" and namespace in _SHEET_NAMESPACES:
                state["sheet"] = result.sheets.setdefault(name, SheetExtent(name))
            return
        sheet = state["sheet"]
        if sheet is None or namespace not in _SHEET_NAMESPACES:
            return
        if local == "row" and "r" in attrs:
            try:
                row = int(attrs["r"])
            except ValueError:
                row = 0
            if not 1 <= row <= MAX_ROW:
                raise _Stop(ReadError(_("part {part}: the row number {row} is not a number from 1 to {limit}: the "
                                        "file is damaged").format(part=name, row=quoted(attrs["r"][:20]),
                                                                  limit=MAX_ROW), part=name))
        elif local == "c":
            sheet.cells += 1
            if sheet.cells > MAX_CELLS:
                raise _Stop(ReadError(_("the sheet has more than {limit} filled cells: the form was altered").format(
                    limit=MAX_CELLS), code="STRUCTURE", part=name))
            ref = attrs.get("r")
            if ref is not None:
                try:
                    row, column = coordinate_to_tuple(ref)
                except (ValueError, TypeError):
                    row = column = 0
                if not (1 <= row <= MAX_ROW and 1 <= column <= MAX_COLUMN):
                    raise _Stop(ReadError(_("part {part}: wrong cell address {ref}: the file is damaged").format(
                        part=name, ref=quoted(ref[:20])), part=name))
                sheet.max_row, sheet.max_column = max(sheet.max_row, row), max(sheet.max_column, column)
                if sheet.max_row * sheet.max_column > MAX_CELLS:
                    raise _Stop(ReadError(_("the sheet declares at least {rows} rows and {columns} columns: the form "
                                            "was altered").format(rows=sheet.max_row, columns=sheet.max_column),
                                          code="STRUCTURE", part=name))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    left = info.file_size + 1
    try:
        with archive.open(info) as handle:
            while True:
                chunk = handle.read(min(64 * 1024, left))
                left -= len(chunk)
                if left <= 0:
                    raise ReadError(_("the part {part} is larger than its declared size: the file is damaged").format(
                        part=name), part=name)
                parser.Parse(chunk, not chunk)
                if not chunk:
                    break
    except _Stop as stop:
        raise stop.error from None
    except ReadError:
        raise
    except expat.ExpatError as exc:
        raise ReadError(_("part {part}: damaged XML (line {line}, position {position})").format(
            part=name, line=exc.lineno, position=exc.offset), part=name) from None
    except Exception as exc:                  # a damaged stream: BadZipFile, zlib.error, EOFError, CRC errors
        raise ReadError(_("the part {part} is damaged: {reason}").format(part=name, reason=_damage(exc)),
                        part=name) from None


def quoted(text: str) -> str:
    """``text`` (its first 60 characters) as a refusal quotes what the file holds: «11x» (Python's ``repr`` gave
    '11x' in a Russian sentence). The form's importer quotes cells with it too."""
    return f"«{text[:60]}»"


def _damage(exc: BaseException) -> str:
    """What is wrong with a part whose stream could not be read, in the accountant's words (never the name of a
    Python exception): the archive's checksum (zipfile's "Bad CRC-32"), its compressed data (zlib), its end."""
    import zlib
    if isinstance(exc, zipfile.BadZipFile) and "CRC" in str(exc):
        return _("the checksum does not match (the file was altered or damaged in transfer)")
    if isinstance(exc, zlib.error):
        return _("the compressed data is corrupt")
    if isinstance(exc, EOFError):
        return _("the data breaks off (the file was not transferred completely)")
    return _("the data cannot be read")


class _Names(list):
    """The package's part names; membership is case-insensitive (OPC part names)."""

    def __init__(self, names, lower):
        super().__init__(names)
        self._lower = lower

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and name.lower() in self._lower


class _Package(zipfile.ZipFile):
    """The zip as openpyxl opens it, with part names matched case-insensitively and the fixed names openpyxl
    asks for (``xl/styles.xml``) mapped to the parts the relationships name."""

    def __init__(self, file):
        super().__init__(file)
        self._lower = {i.filename.lower(): i for i in self.infolist()}
        self.aliases: dict[str, str] = {}

    def getinfo(self, name):
        try:
            return super().getinfo(name)
        except KeyError:
            info = self._lower.get(self.aliases.get(name, name).lower())
            if info is None:
                raise
            return info

    def namelist(self):
        lower = set(self._lower) | {a.lower() for a in self.aliases}
        return _Names([i.filename for i in self.infolist()] + list(self.aliases), lower)


class _Reader(ExcelReader):
    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data), read_only=False, data_only=False)
        self.archive = _Package(io.BytesIO(data))
        self._strings_part = None
        office = [r.target for r in get_dependents(self.archive, "_rels/.rels")
                  if r.Type.endswith("/officeDocument")]
        if office:
            rels = get_rels_path(office[0])
            if rels in self.archive.namelist():
                for rel in get_dependents(self.archive, rels):
                    if rel.Type.endswith("/styles") and rel.target.lower() != ARC_STYLE:
                        self.archive.aliases[ARC_STYLE] = rel.target
                    elif rel.Type.endswith("/sharedStrings"):
                        self._strings_part = rel.target
        self.valid_files = self.archive.namelist()

    def read_strings(self):
        path = self._strings_part
        if path is None or path not in self.valid_files:
            part = self.package.find(SHARED_STRINGS)
            path = part.PartName[1:] if part is not None else None
        if path is None:
            return
        tag = "{%s}si" % SHEET_MAIN_NS
        strings = []
        with self.archive.open(path) as source:
            for _event, node in iterparse(source):
                if node.tag == tag:
                    strings.append(unescape(Text.from_tree(node).content))
                    node.clear()
        self.shared_strings = strings


def load(data: bytes):
    """The openpyxl workbook of a file that passed :func:`inspect` (full mode, formulas kept as formulas).
    Raises :class:`ReadError` for anything openpyxl cannot read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = _Reader(data)
            reader.read()
            return reader.wb
    except ReadError:
        raise
    except Exception as exc:                  # any failure of a third-party parser on hostile input
        # the parser's own words (English, e.g. "File contains no valid workbook part") say nothing to an
        # accountant: what to do is the same for every such file
        raise ReadError(_("the file could not be read as an Excel workbook; open it in Excel or LibreOffice and "
                          "{save_as}").format(save_as=save_as())) from None


__all__ = ["ReadError", "Inspection", "inspect", "load", "MAX_FILE_BYTES", "MAX_UNPACKED_BYTES", "MAX_ENTRIES",
           "MAX_ELEMENTS", "MAX_CELLS", "STRICT_NS"]
