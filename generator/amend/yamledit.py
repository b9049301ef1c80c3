"""Change values inside a program's YAML file without touching anything else.

The program files are hand-kept: comments, key order, quoting, flow lists
(``values: [1.0, 2.0]``) and several indentation styles in one file. A
round-trip dumper re-emits the whole file (ruamel.yaml 0.18, tried on these
files: it turns ``null`` into an empty value and re-indents sp2 … sp7), so the
import edits the text itself: it locates each scalar with PyYAML's composer
(``start_mark.index`` / ``end_mark.index``, character offsets), replaces exactly
that span, re-reads the result with :mod:`generator.data.yamlread` and checks that
the changed paths hold the new values and that every other value is unchanged.
Only then is the file written, atomically (:func:`generator.writers._files.write_atomic`).

Paths are tuples of keys and list indexes, as in ``Located.marks``:
``("financing", "rows", 5, "sources", 1, "values", 0)``.
"""

from __future__ import annotations

import datetime as _dt
import json
from decimal import Decimal
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ..data import yamlread
from ..data.errors import DataError, field_path
from ..writers._files import write_atomic


class EditError(Exception):
    """A change that cannot be made safely (the path is not a plain value, the result does not re-read)."""


def scalar_text(value, old_text: str | None = None) -> str:
    """A value as YAML text in the style of the data: ``1500.0`` (a decimal keeps at least one
    decimal place unless the old value was written as an integer), ``"-"``, ``"х"``, ``null``,
    dates as ISO, text double-quoted (JSON escaping is valid YAML)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (_dt.date,)):
        return value.isoformat()
    if isinstance(value, (Decimal, int)):
        number = Decimal(value)
        integer_style = old_text is not None and old_text.strip().lstrip("-").isdigit()
        if number == number.to_integral_value() and (integer_style or isinstance(value, int)):
            return str(int(number))
        text = format(number, "f")
        return text if "." in text else text + ".0"
    return json.dumps(str(value), ensure_ascii=False)


def _child(node, key):
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return v
        return None
    if isinstance(node, SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        return node.value[key]
    return None


def find_node(root, path: tuple):
    node = root
    for key in path:
        node = _child(node, key)
        if node is None:
            return None
    return node


def compose(text: str):
    return yaml.compose(text, Loader=yaml.SafeLoader)


def replace_values(text: str, changes: dict[tuple, object]) -> str:
    """``text`` with the scalar at each path replaced by the new value (:func:`scalar_text`).
    Raises :class:`EditError` when a path is missing or is not a plain value."""
    root = compose(text)
    spans = []
    for path, value in changes.items():
        node = find_node(root, path)
        if not isinstance(node, ScalarNode):
            raise EditError(f"в файле нет простого значения по пути {field_path(path)}")
        start, end = node.start_mark.index, node.end_mark.index
        spans.append((start, end, scalar_text(value, text[start:end])))
    spans.sort(reverse=True)
    for (start, end, new), following in zip(spans, [None] + spans[:-1]):
        if following is not None and end > following[0]:
            raise EditError("пересекающиеся изменения")     # pragma: no cover - paths are distinct scalars
        text = text[:start] + new + text[end:]
    return text


def append_to_sequence(text: str, path: tuple, item_text: str) -> str:
    """Add ``item_text`` (one line, e.g. ``{date: 2021-09-30, number: "1100"}``) as the last item
    of the block sequence at ``path``, indented like its last item."""
    root = compose(text)
    node = find_node(root, path)
    if not isinstance(node, SequenceNode) or node.flow_style or not node.value:
        raise EditError(f"по пути {field_path(path)} нет списка, в который можно добавить строку")
    last = node.value[-1]
    line_start = text.rfind("\n", 0, last.start_mark.index) + 1
    prefix = text[line_start:last.start_mark.index]          # "- " or "  - "
    end = text.find("\n", last.end_mark.index)
    end = len(text) if end < 0 else end
    return text[:end] + "\n" + prefix + item_text + text[end:]


def _set(tree, path: tuple, value):
    target = tree
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def _plain(value):
    if isinstance(value, Decimal):
        return ("n", value.normalize() if value else Decimal(0))
    if isinstance(value, int) and not isinstance(value, bool):
        return ("n", Decimal(value).normalize() if value else Decimal(0))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def verified(old_text: str, new_text: str, changes: dict[tuple, object], path: Path | str) -> None:
    """Re-read ``new_text``: the changed paths hold the new values, everything else is as before.
    Raises :class:`EditError`."""
    try:
        before, _ = yamlread.parse(old_text, path)
        after, _ = yamlread.parse(new_text, path)
    except DataError as exc:
        raise EditError(f"после изменения файл не читается: {exc}") from None
    for p, value in changes.items():
        _set(before, p, value)
    if _plain(before) != _plain(after):
        raise EditError("после изменения файл содержит не те значения, что ожидались")


def rewrite(path: Path, changes: dict[tuple, object]) -> tuple[str, str]:
    """The old and new text of ``path`` with ``changes`` applied and verified (nothing written)."""
    raw = Path(path).read_bytes()
    text = raw.decode("utf-8-sig")
    new = replace_values(text, changes)
    verified(text, new, changes, path)
    return text, new


def write_text(path: Path, text: str, bom: bool = False) -> None:
    write_atomic(Path(path), (("\ufeff" if bom else "") + text).encode("utf-8"))


def has_bom(path: Path) -> bool:
    return Path(path).read_bytes().startswith(b"\xef\xbb\xbf")


def append_items(text: str, key: str, items: list[str]) -> str:
    """Append flow-mapping lines to the top-level block list ``key`` (created at the end of the file
    when missing). The result is checked by the caller (:func:`verify_appended`)."""
    if not items:
        return text
    root = compose(text)
    node = find_node(root, (key,))
    if isinstance(node, SequenceNode) and not node.flow_style and node.value:
        for item in items:
            text = append_to_sequence(text, (key,), item)
        return text
    if node is not None:
        raise EditError(f"ключ {key} в файле есть, но это не список строк")
    if not text.endswith("\n"):
        text += "\n"
    return text + f"{key}:\n" + "".join(f"- {item}\n" for item in items)


def verify_appended(old_text: str, new_text: str, key: str, count: int, path) -> None:
    """Only ``count`` items were added at the end of the top-level list ``key``. Raises EditError."""
    try:
        before, _ = yamlread.parse(old_text, path)
        after, _ = yamlread.parse(new_text, path)
    except DataError as exc:
        raise EditError(f"после изменения файл не читается: {exc}") from None
    old_list = before.get(key) or []
    new_list = after.get(key) or []
    rest_before = {k: v for k, v in before.items() if k != key}
    rest_after = {k: v for k, v in after.items() if k != key}
    if new_list[:len(old_list)] != old_list or len(new_list) != len(old_list) + count or \
            _plain(rest_before) != _plain(rest_after):
        raise EditError("после добавления записей истории файл содержит не те значения")
