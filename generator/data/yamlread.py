"""A YAML reader that keeps where every value came from, reads decimals exactly,
and refuses what program data never needs (aliases, merge keys, duplicate keys).

``read(path)`` returns ``(value, marks)``: the plain Python value, and for every
path inside it (a tuple of keys and indexes) its ``(line, column)``, 1-based.
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .errors import DataError

MAX_BYTES = 20 * 1024 * 1024      # a program file larger than this is refused, not read
MAX_NODES = 2_000_000
_EXPONENT = re.compile(r"^[-+]?\d+(\.\d*)?[eE][-+]?\d+$")

_constructor = yaml.SafeLoader("")  # used only for its scalar constructors (bool, null, int, date)


class _Loader(yaml.SafeLoader):
    def compose_node(self, parent, index):  # noqa: D102 - refuses aliases (billion laughs)
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise DataError(f"YAML aliases (*{event.anchor}) are not allowed in program data",
                            line=event.start_mark.line + 1, column=event.start_mark.column + 1)
        return Composer.compose_node(self, parent, index)


def read(path: Path) -> tuple[object, dict[tuple, tuple[int, int]]]:
    path = Path(path)
    if path.exists() and not path.is_file():
        raise DataError("cannot read: not a file (a folder or a device); expected a YAML file", file=path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror}", file=path) from None
    if size > MAX_BYTES:
        raise DataError(f"file is {size} bytes; the limit is {MAX_BYTES}", file=path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror}", file=path) from None
    if not raw.strip():
        raise DataError("file is empty", file=path, line=1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                        file=path, line=line) from None
    return parse(text, path)


MAX_DEPTH = 64


def parse(text: str, path: Path | str = "<string>") -> tuple[object, dict]:
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except RecursionError:
        raise DataError("nesting is too deep for program data", file=path) from None
    except DataError as exc:
        exc.file = path
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(filter(None, [exc.context, exc.problem]))
        raise DataError(f"malformed YAML: {message}", file=path,
                        line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        if isinstance(exc, yaml.reader.ReaderError):
            line = text[: exc.position].count("\n") + 1
        raise DataError(f"malformed YAML: {getattr(exc, 'reason', None) or exc}", file=path, line=line) from None
    if node is None:
        raise DataError("file holds no data", file=path, line=1)
    marks: dict[tuple, tuple[int, int]] = {}
    counter = [0]
    value = _convert(node, (), marks, path, counter)
    return value, marks


def _where(node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _fail(message: str, node, path, field=()) -> DataError:
    from .errors import field_path
    line, col = _where(node)
    return DataError(message, file=path, line=line, column=col, field=field_path(field) or None)


def _convert(node, at: tuple, marks: dict, path, counter: list) -> object:
    if len(at) > MAX_DEPTH:
        raise _fail(f"nesting deeper than {MAX_DEPTH} levels", node, path, at)
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise _fail(f"more than {MAX_NODES} values: refusing to read further", node, path, at)
    marks[at] = _where(node)
    if isinstance(node, ScalarNode):
        return _scalar(node, at, path)
    if isinstance(node, SequenceNode):
        return [_convert(child, at + (i,), marks, path, counter) for i, child in enumerate(node.value)]
    if isinstance(node, MappingNode):
        out: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise _fail("a key must be a plain name", key_node, path, at)
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _fail("merge keys (<<) are not allowed in program data", key_node, path, at)
            key = key_node.value
            if key in out:
                line, _ = marks[at + (key,)]
                raise _fail(f"duplicate key {key!r} (first given on line {line})", key_node, path, at + (key,))
            out[key] = _convert(value_node, at + (key,), marks, path, counter)
        return out
    raise _fail("unsupported YAML node", node, path, at)  # pragma: no cover


def _scalar(node: ScalarNode, at, path):
    try:
        return _scalar_value(node, at, path)
    except DataError:
        raise
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, ArithmeticError, yaml.YAMLError) as exc:
        raise _fail(f"not a valid {node.tag.rsplit(':', 1)[-1]}: {node.value!r} ({type(exc).__name__})",
                    node, path, at) from None


def _scalar_value(node: ScalarNode, at, path):
    tag = node.tag
    if tag == "tag:yaml.org,2002:float":
        text = node.value.replace("_", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise _fail(f"not a finite number: {node.value!r}", node, path, at)
        if abs(number.adjusted()) > 15:
            raise _fail(f"number out of range: {node.value!r}", node, path, at)
        return number
    if tag == "tag:yaml.org,2002:int":
        if ":" in node.value:   # YAML 1.1 sexagesimal (1:30 = 90): never what a person meant
            raise _fail(f"not a number: {node.value!r} (quote it if it is text)", node, path, at)
        value = _constructor.construct_yaml_int(node)
        if abs(value) >= 10 ** 16:
            raise _fail(f"number out of range: {node.value!r}", node, path, at)
        return value
    if tag in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"):
        return _constructor.construct_object(node)
    if tag == "tag:yaml.org,2002:timestamp":
        try:
            value = _constructor.construct_yaml_timestamp(node)
        except ValueError as exc:
            raise _fail(f"not a valid date: {node.value!r} ({exc})", node, path, at) from None
        return value.date() if isinstance(value, _dt.datetime) else value
    if tag == "tag:yaml.org,2002:str":
        if node.style is None and _EXPONENT.match(node.value):   # 1e5: a number in YAML 1.2, text in 1.1
            number = Decimal(node.value)
            if not number.is_finite() or abs(number.adjusted()) > 15:
                raise _fail(f"number out of range: {node.value!r}", node, path, at)
            return number
        return node.value
    raise _fail(f"unsupported YAML tag {tag}", node, path, at)
