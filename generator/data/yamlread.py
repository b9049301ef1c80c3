"""A YAML reader that keeps where every value came from, reads decimals exactly,
and refuses what program data never needs (aliases, merge keys, duplicate keys).

``read(path)`` returns ``(value, marks)``: the plain Python value, and for every
path inside it (a tuple of keys and indexes) its ``(line, column)``, 1-based.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import hashlib
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from yaml.composer import ComposerError
from yaml.events import (AliasEvent, DocumentEndEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent,
                         ScalarEvent, SequenceEndEvent, SequenceStartEvent)
from yaml.nodes import ScalarNode

from .errors import DataError
from ..collector import paused
from ..i18n import N_, _
from ..oserrors import read_reason

MAX_BYTES = 20 * 1024 * 1024      # a program file larger than this is refused, not read
MAX_NODES = 2_000_000
_EXPONENT = re.compile(r"^[-+]?\d+(\.\d*)?[eE][-+]?\d+$")

_constructor = yaml.SafeLoader("")  # used only for its scalar constructors (bool, null, int, date)


#: PyYAML's pure-Python parser: what reads the events where libyaml is missing (and the bench's baseline).
_Loader = yaml.SafeLoader


def read(path: Path) -> tuple[object, dict[tuple, tuple[int, int]]]:
    """Read one YAML data file: ``(value, marks)`` as :func:`parse` gives them, cached by the SHA-256 of the
    file's bytes (the values are shared: never mutate them).

    Raises a located :class:`DataError` for a folder or device, an unreadable file, a file over
    :data:`MAX_BYTES`, an empty file, text that is not UTF-8, and everything :func:`parse` refuses.
    """
    path = Path(path)
    if path.exists() and not path.is_file():
        raise DataError(_("cannot read: not a file (a folder or a device); expected a YAML file"), file=path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DataError(_("cannot read: {reason}").format(reason=read_reason(exc)), file=path) from None
    if size > MAX_BYTES:
        raise DataError(_("the file has {size} bytes, more than the limit of {limit}: is it program data?")
                        .format(size=size, limit=MAX_BYTES), file=path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(_("cannot read: {reason}").format(reason=read_reason(exc)), file=path) from None
    if not raw.strip():
        raise DataError(_("file is empty: fill it in or remove it"), file=path, line=1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(_("not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8").format(byte=raw[exc.start]),
                        file=path, line=line) from None
    key = hashlib.sha256(raw).digest()
    cached = _CACHE.get(key)
    if cached is None:
        cached = parse(text, path)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = cached
    return cached


def source_text(path: Path, value: object) -> str | None:
    """The text of ``path`` when ``value`` is what :func:`read` gave for its current bytes (the very object, kept
    by the cache): what a check can search instead of walking the values; ``None`` when the file changed since,
    cannot be read, or was not read here."""
    try:
        raw = Path(path).read_bytes()
    except OSError:
        return None
    cached = _CACHE.get(hashlib.sha256(raw).digest())
    if cached is None or cached[0] is not value:
        return None
    return raw.decode("utf-8-sig")


#: Parsed files by the SHA-256 of their bytes: ``validate`` before ``build`` (and a batch of commands in
#: one process) reads each unchanged file once. The values returned are shared: callers never mutate them
#: (pydantic validates a copy). Errors are not cached, so a fixed file is read afresh.
_CACHE: dict[bytes, tuple[object, dict]] = {}
_CACHE_SIZE = 128


MAX_DEPTH = 64
#: The longest text a data value may hold: the most characters an XLSX cell can carry (Excel
#: specification, "Total number of characters that a cell can contain: 32,767"); DOCX and PDF
#: have no smaller limit, and no text of a program is anywhere near it.
MAX_TEXT = 32_767
#: Dates a package can carry: a ZIP entry's timestamp (DOCX, XLSX, the package archive) holds
#: years 1980-2107 only (PKWARE APPNOTE 4.4.6, MS-DOS date format).
MIN_YEAR, MAX_YEAR = 1980, 2107


def parse(text: str, path: Path | str = "<string>") -> tuple[object, dict]:
    """Parse YAML text (libyaml) into ``(value, marks)``; raises a located :class:`DataError`.

    One pass over libyaml's event stream builds the values and their marks directly (no node tree): aliases
    (a "billion laughs" file) and nesting deeper than ``MAX_DEPTH`` are refused as soon as they are met.
    Which error a file with several faults reports is what the former three passes (event scan, node
    composition, conversion) reported: a syntax error, an alias or too deep nesting first (the earliest
    in the text); then what composition refused (a duplicate anchor, a second document); then the first
    value refused in the first document's order (a duplicate or merge key, a bad number, text or date).

    The cyclic garbage collector is paused while the values are made: they hold no reference cycles, and
    its passes over tens of thousands of new objects took a third of the reading time.
    """
    with paused():
        return _parse(text, path)


def _parse(text: str, path: Path | str) -> tuple[object, dict]:
    try:
        loader = _CLoader(text)
        try:
            found, value, marks, refused = _build(loader, text, path)
        finally:
            loader.dispose()
    except RecursionError:
        raise DataError(_("nesting too deep for program data"), file=path) from None
    except DataError as exc:
        exc.file = path
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = yaml_problem(exc.context, exc.problem)
        if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
            message += " - " + _("a tab character (\\t): YAML indents with spaces only; replace it with spaces")
        raise DataError(_("malformed YAML: {problem}").format(problem=message), file=path,
                        line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        if isinstance(exc, yaml.reader.ReaderError):
            line = text.encode("utf-8", "surrogatepass")[: exc.position].count(b"\n") + 1
        raise DataError(_("malformed YAML: {problem}").format(problem=yaml_problem(None, str(
            getattr(exc, "reason", None) or exc))), file=path, line=line) from None
    if not found:
        raise DataError(_("file holds no data (only comments)"), file=path, line=1)
    if refused is not None:
        raise refused
    return value, marks


_CLoader = getattr(yaml, "CSafeLoader", _Loader)
_STR = "tag:yaml.org,2002:str"


def _build(loader, text: str, path) -> tuple[bool, object, dict, DataError | None]:
    """Read the whole event stream of ``loader`` (reading ``text``): ``(found, value, marks, refused)`` - whether the stream
    holds a document, the first document's value and marks, and the first value refused in it (raised by
    the caller once the stream is known to be well-formed YAML). Raises at once the parser's errors and
    :class:`DataError` for an alias or nesting deeper than ``MAX_DEPTH``; raises a ``ComposerError`` for a
    duplicate anchor in the first document or a second document once the stream has been read."""
    get, check = loader.get_event, loader.check_event
    tag_of = _implicit_tags(loader)
    # No character of _BAD_CHARS in the text: then none in a scalar either, except through the escapes of a
    # double-quoted one ("\x01"); only those with a backslash on their lines are searched one by one.
    clean = text_is_clean(text)
    escapes = _backslash_lines(text) if clean else []

    def unchecked(event) -> bool:       # the scalar's text needs no search for _BAD_CHARS
        if not clean:
            return False
        if event.style != '"' or not escapes:
            return True
        at = bisect.bisect_left(escapes, event.start_mark.line)
        return at == len(escapes) or escapes[at] > event.end_mark.line
    depth = documents = count = 0
    anchors: dict[str, object] = {}
    composing: Exception | None = None      # what node composition refused (a duplicate anchor, a 2nd document)
    refused: DataError | None = None        # the first value refused while building the first document
    root_mark = None                        # where the first document's root value starts
    marks: dict[tuple, tuple[int, int]] = {}
    root: list = []
    # The open collections, innermost last: [container, path, is_mapping, key (None: a key is expected next)].
    stack: list[list] = [[root, None, False, None]]      # the document's root goes into `root`
    building = False
    while check():
        event = get()
        kind = type(event)
        if kind is ScalarEvent or kind is MappingStartEvent or kind is SequenceStartEvent:
            if kind is not ScalarEvent:
                depth += 1
                if depth > MAX_DEPTH:
                    raise DataError(_("nesting deeper than {depth} levels: program data is not written like "
                                      "this").format(depth=MAX_DEPTH),
                                    line=event.start_mark.line + 1, column=event.start_mark.column + 1)
            if documents != 1:
                continue
            if root_mark is None:
                root_mark = event.start_mark
            anchor = event.anchor
            if anchor is not None and composing is None:
                if anchor in anchors:
                    composing = ComposerError(f"found duplicate anchor {anchor!r}; first occurrence", anchors[anchor],
                                              "second occurrence", event.start_mark)
                anchors[anchor] = event.start_mark
            if not building:
                continue
            frame = stack[-1]
            container, at, is_mapping, key = frame
            if is_mapping and key is None:          # a key of the mapping at `at`
                if kind is not ScalarEvent:
                    refused, building = _fail(_("a key must be a plain name"), event, path, at), False
                    continue
                tag = event.tag
                if tag is None or tag == "!":
                    tag = tag_of(event.value) if event.implicit[0] else _STR
                if tag == "tag:yaml.org,2002:merge":
                    refused, building = _fail(_("merge keys (<<) are not allowed in program data: write the keys "
                                                "out"), event, path, at), False
                    continue
                key = event.value
                if key in container:
                    line = marks[at + (key,)][0]
                    refused, building = _fail(_("duplicate key {key!r} (first given on line {line}): keep one of "
                                                "them").format(key=key, line=line), event, path, at + (key,)), False
                    continue
                if len(key) > MAX_TEXT or not unchecked(event):
                    try:
                        _check_text(key, event, path, at)
                    except DataError as exc:
                        refused, building = exc, False
                        continue
                frame[3] = key
                continue
            if is_mapping:
                here = at + (key,)
                frame[3] = None
            else:
                here = () if at is None else at + (len(container),)
            if len(here) > MAX_DEPTH:
                refused, building = _fail(_("nesting deeper than {limit} levels").format(limit=MAX_DEPTH), event,
                                          path, here), False
                continue
            count += 1
            if count > MAX_NODES:
                refused, building = _fail(_("more than {limit} values: refusing to read further").format(
                    limit=MAX_NODES), event, path, here), False
                continue
            mark = event.start_mark
            marks[here] = (mark.line + 1, mark.column + 1)
            if kind is ScalarEvent:
                tag = event.tag
                if tag is None or tag == "!":
                    tag = tag_of(event.value) if event.implicit[0] else _STR
                try:
                    value = _scalar(tag, event, here, path, unchecked(event))
                except DataError as exc:
                    refused, building = exc, False
                    continue
            else:
                value = {} if kind is MappingStartEvent else []
            if is_mapping:
                container[key] = value
            else:
                container.append(value)
            if kind is not ScalarEvent:
                stack.append([value, here, kind is MappingStartEvent, None])
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            depth -= 1
            if building:
                stack.pop()
        elif kind is AliasEvent:
            raise DataError(_("YAML aliases (*{anchor}) are not allowed in program data: repeat the value "
                              "itself").format(anchor=event.anchor),
                            line=event.start_mark.line + 1, column=event.start_mark.column + 1)
        elif kind is DocumentStartEvent:
            documents += 1
            if documents == 1:
                building = True
            elif documents == 2 and composing is None:
                composing = ComposerError("expected a single document in the stream", root_mark,
                                          "but found another document", event.start_mark)
        elif kind is DocumentEndEvent:
            building = False
    if composing is not None:
        raise composing
    return documents > 0, (root[0] if root else None), marks, refused


def _backslash_lines(text: str) -> list[int]:
    """The 0-based numbers of the lines of ``text`` holding a backslash, in order."""
    lines, at = [], text.find("\\")
    while at >= 0:
        line = text.count("\n", 0, at)
        lines.append(line)
        end = text.find("\n", at)
        if end < 0:
            break
        at = text.find("\\", end)
    return lines


def _implicit_tags(loader):
    """``tag_of(value)``: the tag ``loader.resolve`` gives a plain scalar ``value`` (its implicit resolvers,
    tried in order among those for the first character), without a method call per value; ``loader.resolve``
    itself when the loader has path resolvers (the safe loaders have none)."""
    if loader.yaml_path_resolvers:      # pragma: no cover - neither libyaml's nor PyYAML's safe loader has any
        return lambda value: loader.resolve(ScalarNode, value, (True, False))
    table = loader.yaml_implicit_resolvers
    wildcard = list(table.get(None, []))
    by_first = {first: tuple(resolvers + wildcard) for first, resolvers in table.items() if first is not None}
    default = tuple(wildcard)
    scalar = loader.DEFAULT_SCALAR_TAG

    def tag_of(value: str) -> str:
        for tag, pattern in by_first.get(value[:1], default):
            if pattern.match(value):
                return tag
        return scalar
    return tag_of


#: PyYAML's problems ("found character '\t' that cannot start any token") in the user's words.
_YAML_PROBLEMS = [
    (r"found (?:a )?character (.*?) ?that cannot start any token", N_("a character that cannot start a value {0}")),
    (r"found a tab character that violates indentation", N_("a tab character breaks the indentation")),
    (r"mapping values are not allowed", N_("a colon (:) where a value is not allowed")),
    (r"block sequence entries are not allowed", N_("a list entry (-) where it is not allowed: check the indentation")),
    (r"could not find expected ':'", N_("a colon (:) after the key is missing")),
    (r"did not find expected key", N_("a key expected here: check the indentation")),
    (r"did not find expected '-' indicator", N_("a list entry (-) expected here: check the indentation")),
    (r"did not find expected node content", N_("a value expected here")),
    (r"expected <block end>, but found (.*)", N_("the indentation is broken: found {0}")),
    (r"expected a single document|but found another document|expected <document start>",
     N_("only one document is allowed in the file (no --- or ... inside)")),
    (r"found unexpected end of stream", N_("the file ends inside a value (a quote or a bracket is not closed)")),
    (r"found unexpected ':'", N_("an unexpected colon (:)")),
    (r"found unknown escape character ?(.*)", N_("an unknown escape sequence after \\ {0}")),
    (r"expected ',' or '\]'", N_("a comma or ] expected in the list")),
    (r"expected ',' or '\}'", N_("a comma or }} expected")),
    (r"invalid Unicode character escape", N_("an invalid Unicode character escape (\\u...): remove it")),
    (r"found duplicate anchor", N_("a duplicate anchor")),
    (r"(?:found undefined tag handle|constructor for the tag) ?(.*)", N_("an unknown tag {0}")),
    (r"control characters are not allowed|special characters are not allowed|unacceptable character",
     N_("a control character that YAML does not allow in a file")),
]


def yaml_problem(context: str | None, problem: str | None) -> str:
    """PyYAML's ``problem`` (and ``context``: "while scanning ...") as a message for the user."""
    text = " ".join(filter(None, [context, problem]))
    for pattern, message in _YAML_PROBLEMS:
        found = re.search(pattern, text)
        if found:
            return _(message).format(*(g or "" for g in found.groups())).strip()
    return _("the text is not valid YAML ({detail})").format(detail=text)


def _char_at(text: str, line: int, column: int) -> str | None:
    lines = text.split("\n")
    if 0 <= line < len(lines) and 0 <= column < len(lines[line]):
        return lines[line][column]
    return None


def _where(node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _fail(message: str, node, path, field=()) -> DataError:
    from .errors import field_path
    line, col = _where(node)
    return DataError(message, file=path, line=line, column=col, field=field_path(field) or None)


def _scalar(tag: str, node, at, path, clean: bool = False):
    try:
        return _scalar_value(tag, node, at, path, clean)
    except DataError:
        raise
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, ArithmeticError, yaml.YAMLError) as exc:
        raise _fail(_("not a valid value: {value!r}").format(value=node.value),
                    node, path, at) from None


_DECIMAL_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_DECIMAL_FLOAT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?$")


def _refuse_number(node, path, at) -> None:
    """YAML 1.1 reads ``030`` as 24, ``0x10`` as 16, ``0b11`` as 3 and ``1:30`` as 90: money must never
    change silently, so every integer or decimal not written in plain decimal digits is refused."""
    text = node.value
    body = text.lstrip("+-").replace("_", "")
    sign = "-" if text.startswith("-") else ""
    if ":" in text:
        raise _fail(_("the number {number} in YAML 1.1's base-60 notation (1:30 reads as 90): if it is text, put it "
                      "in quotes (\"{text}\")").format(number=repr(text), text=text), node, path, at)
    if body[:2].lower() in ("0x", "0b", "0o"):
        base, message = _NOTATIONS[body[:2].lower()]
        try:
            meant = f"{sign}{int(body[2:], base)}"
        except ValueError:
            meant = _("a number in decimal digits")
        raise _fail(_(message).format(number=repr(text), meant=meant, text=text), node, path, at)
    whole = body.split(".")[0]
    if len(whole) > 1 and whole.startswith("0"):
        plain = sign + (body.lstrip("0") or "0")
        if plain.lstrip("-").startswith("."):
            plain = plain.replace(".", "0.", 1)
        raise _fail(_("the number {number} with a leading zero (YAML 1.1 reads 030 as octal 24): write {plain} or, "
                      "if it is text (a code, a number), put it in quotes (\"{text}\")").format(
                        number=repr(text), plain=plain, text=text), node, path, at)


#: YAML 1.1's integer notations other than decimal digits, by prefix: the base and what the refusal says.
_NOTATIONS = {
    "0x": (16, N_("the number {number} in hexadecimal notation: write it in decimal digits ({meant}) or put the "
                  "text in quotes (\"{text}\")")),
    "0b": (2, N_("the number {number} in binary notation: write it in decimal digits ({meant}) or put the text in "
                 "quotes (\"{text}\")")),
    "0o": (8, N_("the number {number} in octal notation: write it in decimal digits ({meant}) or put the text in "
                 "quotes (\"{text}\")")),
}


def _check_text(text: str, node, path, at) -> None:
    """Refuse texts no writer can carry: too long, or with characters outside XML 1.0 / Unicode text."""
    if len(text) > MAX_TEXT:
        raise _fail(_("a text of {length} characters; the limit is {limit} (what an XLSX cell holds): shorten the "
                      "text or split it").format(length=len(text), limit=MAX_TEXT), node, path, at)
    bad = _BAD_CHARS.search(text)
    if bad:
        ch = bad.group()
        raise _fail(_("a character U+{code} at position {position} of the text ({kind}) that neither DOCX, XLSX nor "
                      "PDF can write: delete it").format(code=f"{ord(ch):04X}", position=bad.start() + 1,
                                                         kind=_char_kind(ch)), node, path, at)


#: Characters no writer can carry: control characters other than \n and \t (XML 1.0 forbids C0, and
#: C1 has no printable meaning), lone surrogates (not encodable in UTF-8), noncharacters (U+FDD0-U+FDEF
#: and U+xxFFFE/U+xxFFFF of every plane; U+FFFE/U+FFFF are excluded from XML 1.0 as well).
_BAD_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
                        + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
                        + "]")


_C0_BYTES = bytes([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])
#: The UTF-8 forms of the characters of _BAD_CHARS that take more than one byte (surrogates have none), by
#: their first byte: C1 controls (C2 80-9F), U+FDD0-U+FDEF, U+FFFE/U+FFFF and the planes' last two.
_MULTIBYTE_BAD: dict[int, list[bytes]] = {}
for _code in [*range(0x80, 0xA0), *range(0xFDD0, 0xFDF0),
              *(plane << 16 | last for plane in range(17) for last in (0xFFFE, 0xFFFF))]:
    _form = chr(_code).encode("utf-8")
    _MULTIBYTE_BAD.setdefault(_form[0], []).append(_form)


def text_is_clean(text: str) -> bool:
    """True when ``text`` holds no character of :data:`_BAD_CHARS` (the same answer as
    ``_BAD_CHARS.search(text) is None``), found by byte searches over its UTF-8 form: several times sooner
    than the regular expression on a data file's text, which then need not be searched value by value."""
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:          # a lone surrogate
        return False
    if len(raw.translate(None, _C0_BYTES)) != len(raw):
        return False
    for first, forms in _MULTIBYTE_BAD.items():
        if bytes((first,)) in raw and any(form in raw for form in forms):
            return False
    return True


def _char_kind(ch: str) -> str:
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return _("a lone surrogate")
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return _("a control character")
    return _("a Unicode noncharacter")


def _check_date(value: _dt.date, node, path, at) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise _fail(_("the date {date} is outside the years {first}-{last}: a ZIP archive's time stamp (DOCX, XLSX, "
                      "the package) cannot carry it; check the year").format(date=repr(node.value), first=MIN_YEAR,
                                                                            last=MAX_YEAR), node, path, at)


def _scalar_value(tag: str, node, at, path, clean: bool = False):
    """The value of a scalar ``node`` (a ``ScalarEvent``: ``value``, ``style``, marks) resolved to ``tag``;
    ``clean``: its text is known to hold none of :data:`_BAD_CHARS` (only its length is checked then)."""
    if tag == "tag:yaml.org,2002:float":
        if not _DECIMAL_FLOAT.match(node.value):     # plain decimal digits pass every check of _refuse_number
            _refuse_number(node, path, at)
        text = node.value.replace("_", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise _fail(_("not a finite number: {value!r} (infinity and NaN are not allowed)").format(value=node.value),
                        node, path, at)
        if abs(number.adjusted()) > 15:
            raise _fail(_("number out of range: {value!r}").format(value=node.value), node, path, at)
        return number
    if tag == "tag:yaml.org,2002:int":
        if not _DECIMAL_INT.match(node.value):   # plain decimal digits pass every check of _refuse_number
            _refuse_number(node, path, at)        # raises for every other form: what follows is a safeguard
            raise _fail(_("not a number: {value!r} (quote it if it is text)").format(value=node.value), node, path, at)
        value = int(node.value.replace("_", ""))
        if abs(value) >= 10 ** 16:
            raise _fail(_("number out of range: {value!r}").format(value=node.value), node, path, at)
        return value
    if tag in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"):
        return _constructor.construct_object(ScalarNode(tag, node.value, node.start_mark, node.end_mark, node.style))
    if tag == "tag:yaml.org,2002:timestamp":
        try:
            value = _constructor.construct_yaml_timestamp(ScalarNode(tag, node.value, node.start_mark,
                                                                     node.end_mark, node.style))
        except ValueError as exc:
            raise _fail(_("not a valid date: {value!r} (write it as YYYY-MM-DD)").format(value=node.value), node, path, at) from None
        value = value.date() if isinstance(value, _dt.datetime) else value
        _check_date(value, node, path, at)
        return value
    if tag == "tag:yaml.org,2002:str":
        if not node.style and _EXPONENT.match(node.value):   # 1e5: a number in YAML 1.2, text in 1.1
            number = Decimal(node.value)
            if not number.is_finite() or abs(number.adjusted()) > 15:
                raise _fail(_("number out of range: {value!r}").format(value=node.value), node, path, at)
            return number
        if not clean or len(node.value) > MAX_TEXT:
            _check_text(node.value, node, path, at)
        return node.value
    raise _fail(_("unsupported YAML tag {tag}").format(tag=tag), node, path, at)
