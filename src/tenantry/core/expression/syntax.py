"""The hook condition language: tokens, a recursive-descent parser and its syntax tree (SPEC J1, J2).

Written by hand so that a realm administrator's text is only ever data: nothing here calls
``eval``, ``exec``, ``compile`` or the ``ast`` module, and every refusal is an ``ExpressionError``
naming the character position where it happened. Length, nesting and size are bounded at parse
time, so evaluation needs no limits of its own beyond the tree it is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import Unprocessable

MAX_LENGTH = 1000
"""Characters in one expression."""
MAX_DEPTH = 32
"""Nesting of parentheses, lists, calls and ``not``."""
MAX_NODES = 256
"""Nodes in one syntax tree: bounds evaluation time and the evaluator's recursion."""
ROOTS = frozenset({"user", "organization", "application", "connection", "realm"})
"""What a path may start with: the parts of a login's context."""
FUNCTIONS = {"ends_with": 2, "starts_with": 2, "contains": 2, "lower": 1, "upper": 1, "length": 1}
"""Function name → number of arguments."""
COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">=", "in", "not in"})
KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,|\.|-)
    """,
    re.VERBOSE | re.ASCII,
)
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t", "/": "/"}


class ExpressionError(Unprocessable):
    """An expression that cannot be parsed or is too big; ``details`` has ``position`` and ``reason``."""

    code = "invalid_expression"

    def __init__(self, reason: str, position: int):
        super().__init__(f"invalid expression at position {position}: {reason}", details={"position": position})
        self.details["reason"] = reason
        self.position = position


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    position: int


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any


@dataclass(frozen=True, slots=True)
class ListNode:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Path:
    parts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Node
    right: Node


Node = Literal | ListNode | Path | Call | Not | Binary


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed expression and the text it came from (kept for display and storage)."""

    source: str
    tree: Node


def _unescape(body: str, position: int) -> str:
    out, index = [], 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            escaped = body[index + 1] if index + 1 < len(body) else ""
            if escaped not in _ESCAPES:
                raise ExpressionError("unknown escape in string", position + index)
            out.append(_ESCAPES[escaped])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def tokens(source: str) -> list[Token]:
    found, position = [], 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise ExpressionError("unexpected character", position)
        kind = match.lastgroup or ""
        if kind != "space":
            text = match.group()
            found.append(Token("keyword" if kind == "name" and text in KEYWORDS else kind, text, position))
        position = match.end()
    found.append(Token("end", "", len(source)))
    return found


class _Parser:
    def __init__(self, source: str):
        self.items = tokens(source)
        self.index = 0
        self.depth = 0
        self.nodes = 0

    @property
    def current(self) -> Token:
        return self.items[self.index]

    def _take(self) -> Token:
        token = self.items[self.index]
        self.index = min(self.index + 1, len(self.items) - 1)
        return token

    def _is(self, kind: str, text: str | None = None) -> bool:
        token = self.current
        return token.kind == kind and (text is None or token.text == text)

    def _expect(self, kind: str, text: str, what: str) -> Token:
        if not self._is(kind, text):
            raise ExpressionError(f"expected {what}", self.current.position)
        return self._take()

    def _node(self, node: Node, position: int) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ExpressionError(f"more than {MAX_NODES} parts", position)
        return node

    def _nested(self, position: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"nested deeper than {MAX_DEPTH}", position)

    def parse(self) -> Node:
        tree = self.disjunction()
        if not self._is("end"):
            raise ExpressionError("unexpected text after the expression", self.current.position)
        return tree

    def disjunction(self) -> Node:
        left = self.conjunction()
        while self._is("keyword", "or"):
            position = self._take().position
            left = self._node(Binary("or", left, self.conjunction()), position)
        return left

    def conjunction(self) -> Node:
        left = self.negation()
        while self._is("keyword", "and"):
            position = self._take().position
            left = self._node(Binary("and", left, self.negation()), position)
        return left

    def negation(self) -> Node:
        if not self._is("keyword", "not"):
            return self.comparison()
        position = self._take().position
        self._nested(position)
        operand = self.negation()
        self.depth -= 1
        return self._node(Not(operand), position)

    def comparison(self) -> Node:
        left = self.primary()
        token = self.current
        if token.kind == "op" and token.text in COMPARISONS:
            op = self._take().text
        elif self._is("keyword", "in"):
            op = self._take().text
        elif self._is("keyword", "not") and self.items[self.index + 1].text == "in":
            self._take()
            self._take()
            op = "not in"
        else:
            return left
        return self._node(Binary(op, left, self.primary()), token.position)

    def primary(self) -> Node:
        token = self.current
        if token.kind == "op" and token.text == "(":
            self._take()
            self._nested(token.position)
            inner = self.disjunction()
            self.depth -= 1
            self._expect("op", ")", "')'")
            return inner
        if token.kind == "op" and token.text == "[":
            return self._list()
        if token.kind == "op" and token.text == "-":
            self._take()
            if not self._is("number"):
                raise ExpressionError("expected a number after '-'", self.current.position)
            return self._node(Literal(-_number(self._take().text)), token.position)
        if token.kind == "number":
            return self._node(Literal(_number(self._take().text)), token.position)
        if token.kind == "string":
            self._take()
            return self._node(Literal(_unescape(token.text[1:-1], token.position + 1)), token.position)
        if token.kind == "keyword" and token.text in ("true", "false", "null"):
            self._take()
            return self._node(Literal({"true": True, "false": False, "null": None}[token.text]), token.position)
        if token.kind == "name":
            return self._name()
        raise ExpressionError("expected a value", token.position)

    def _list(self) -> Node:
        start = self._take().position
        self._nested(start)
        items: list[Node] = []
        if not self._is("op", "]"):
            items.append(self.disjunction())
            while self._is("op", ","):
                self._take()
                items.append(self.disjunction())
        self._expect("op", "]", "']' or ','")
        self.depth -= 1
        return self._node(ListNode(tuple(items)), start)

    def _name(self) -> Node:
        token = self._take()
        if self._is("op", "("):
            return self._call(token)
        if token.text not in ROOTS:
            raise ExpressionError(
                f"unknown name {token.text!r}; paths start with one of {sorted(ROOTS)}", token.position
            )
        parts = [token.text]
        while self._is("op", "."):
            self._take()
            segment = self.current
            if segment.kind not in ("name", "keyword"):
                raise ExpressionError("expected a name after '.'", segment.position)
            parts.append(self._take().text)
        return self._node(Path(tuple(parts)), token.position)

    def _call(self, name: Token) -> Node:
        arity = FUNCTIONS.get(name.text)
        if arity is None:
            raise ExpressionError(f"unknown function {name.text!r}", name.position)
        self._take()
        self._nested(name.position)
        args: list[Node] = []
        if not self._is("op", ")"):
            args.append(self.disjunction())
            while self._is("op", ","):
                self._take()
                args.append(self.disjunction())
        self._expect("op", ")", "')' or ','")
        self.depth -= 1
        if len(args) != arity:
            raise ExpressionError(f"{name.text} takes {arity} argument(s)", name.position)
        return self._node(Call(name.text, tuple(args)), name.position)


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def parse(source: object) -> Expression:
    """Parse ``source`` or raise ``ExpressionError``; non-strings and over-long text are refused first."""
    if not isinstance(source, str):
        raise ExpressionError("an expression is a string", 0)
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"longer than {MAX_LENGTH} characters", MAX_LENGTH)
    if not source.strip():
        raise ExpressionError("the expression is empty", 0)
    return Expression(source, _Parser(source).parse())
