"""A tiny, safe expression language for form checks and computed columns.

``regional.used <= regional.received``, ``local.used * agreement.level >= regional.used * (100 - agreement.level)``.
Parsed with :mod:`ast` and evaluated over ``Decimal`` by walking the tree: only numbers, dotted
names, ``+ - * /``, unary minus and one comparison are allowed; nothing is ever ``eval``-ed.
"""

from __future__ import annotations

import ast
import functools
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Callable

_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
           ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b}
_COMPARE = {ast.LtE: lambda a, b: a <= b, ast.GtE: lambda a, b: a >= b, ast.Lt: lambda a, b: a < b,
            ast.Gt: lambda a, b: a > b, ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b}


class ExpressionError(ValueError):
    pass


@functools.lru_cache(maxsize=512)
def parse(text: str) -> ast.Expression:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse {text!r}: {exc.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.USub, ast.Compare, ast.Name,
                                 ast.Attribute, ast.Constant, ast.Load, *_BINARY, *_COMPARE)):
            raise ExpressionError(f"{type(node).__name__} is not allowed in {text!r}")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise ExpressionError(f"only numbers are allowed as constants in {text!r}")
        if isinstance(node, ast.Compare) and len(node.ops) != 1:
            raise ExpressionError(f"one comparison at a time in {text!r}")
    return tree


def names(text: str) -> list[str]:
    """The dotted names an expression reads, in order of appearance (``regional.used``, ``agreement.level``)."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, (ast.Attribute, ast.Name)):
            name = _dotted(node)
            if name and name not in found:
                found.append(name)
            return
        for child in ast.iter_child_nodes(node):
            walk(child)

    walk(parse(text))
    return found


def _dotted(node) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def evaluate(text: str, lookup: Callable[[str], Decimal | None]):
    """The value of ``text``; a name the lookup cannot give (None) makes the result None."""
    tree = parse(text)

    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            return Decimal(str(node.value))
        if isinstance(node, (ast.Name, ast.Attribute)):
            return lookup(_dotted(node))
        if isinstance(node, ast.UnaryOp):
            value = walk(node.operand)
            return None if value is None else -value
        if isinstance(node, ast.BinOp):
            a, b = walk(node.left), walk(node.right)
            if a is None or b is None:
                return None
            try:
                return _BINARY[type(node.op)](a, b)
            except (DivisionByZero, InvalidOperation):
                return None
        if isinstance(node, ast.Compare):
            a, b = walk(node.left), walk(node.comparators[0])
            if a is None or b is None:
                return None
            return _COMPARE[type(node.ops[0])](a, b)
        raise ExpressionError(f"unsupported expression {text!r}")  # pragma: no cover

    return walk(tree)
