"""Evaluating a parsed condition against a login's context: total, side-effect free, JSON in and out.

Every operation is defined for every input, so a rule never fails because a user lacks some
metadata: a missing path is ``null``, an ordering between unlike types is false, a function given
the wrong kind of value answers ``null`` (or false). ``true`` is never equal to ``1``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .syntax import Binary, Call, Expression, ListNode, Literal, Node, Not, Path


def truthy(value: Any) -> bool:
    """``null``, ``false``, ``0``, ``""``, ``[]`` and ``{}`` are false; everything else is true."""
    return value is not None and value is not False and value != 0 and value != "" and value != [] and value != {}


def same(left: Any, right: Any) -> bool:
    """JSON equality: booleans are not numbers, lists and objects compare element by element."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(same(left[key], right[key]) for key in left)
    if type(left) is not type(right) and not (isinstance(left, str) and isinstance(right, str)):
        return False
    return bool(left == right)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _ordered(op: str, left: Any, right: Any) -> bool:
    if not ((_number(left) and _number(right)) or (isinstance(left, str) and isinstance(right, str))):
        return False
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


def member(needle: Any, haystack: Any) -> bool:
    """``needle in haystack``: an element of a list, a substring of a string, a key of an object."""
    if isinstance(haystack, str):
        return isinstance(needle, str) and needle in haystack
    if isinstance(haystack, list | tuple):
        return any(same(needle, item) for item in haystack)
    if isinstance(haystack, Mapping):
        return isinstance(needle, str) and needle in haystack
    return False


def _call(name: str, args: list[Any]) -> Any:
    first = args[0]
    if name == "lower":
        return first.lower() if isinstance(first, str) else None
    if name == "upper":
        return first.upper() if isinstance(first, str) else None
    if name == "length":
        return len(first) if isinstance(first, str | list | tuple | Mapping) else None
    if name == "contains":
        return member(args[1], first)
    if not (isinstance(first, str) and isinstance(args[1], str)):
        return False
    return first.endswith(args[1]) if name == "ends_with" else first.startswith(args[1])


def _lookup(parts: tuple[str, ...], context: Mapping[str, Any]) -> Any:
    value: Any = context
    for part in parts:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return list(value) if isinstance(value, tuple) else value


def _binary(node: Binary, context: Mapping[str, Any]) -> Any:
    if node.op == "and":
        return truthy(_eval(node.left, context)) and truthy(_eval(node.right, context))
    if node.op == "or":
        return truthy(_eval(node.left, context)) or truthy(_eval(node.right, context))
    left, right = _eval(node.left, context), _eval(node.right, context)
    if node.op == "==":
        return same(left, right)
    if node.op == "!=":
        return not same(left, right)
    if node.op == "in":
        return member(left, right)
    if node.op == "not in":
        return not member(left, right)
    return _ordered(node.op, left, right)


def _eval(node: Node, context: Mapping[str, Any]) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Path):
        return _lookup(node.parts, context)
    if isinstance(node, ListNode):
        return [_eval(item, context) for item in node.items]
    if isinstance(node, Not):
        return not truthy(_eval(node.operand, context))
    if isinstance(node, Call):
        return _call(node.name, [_eval(arg, context) for arg in node.args])
    return _binary(node, context)


def evaluate(expression: Expression, context: Mapping[str, Any]) -> Any:
    """The expression's value (a JSON value) for ``context``."""
    return _eval(expression.tree, context)


def holds(expression: Expression, context: Mapping[str, Any]) -> bool:
    """Whether a condition is true for ``context``."""
    return truthy(evaluate(expression, context))
