"""SCIM filter criteria → SQL (SPEC H3). Equality on userName, externalId and emails hits an index.

Each comparison is also false when its column is NULL, never unknown, so ``not (...)`` keeps the
resources that lack the attribute, as RFC 7644 3.4.2.2 reads ``not``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, String, and_, exists, false, func, not_, or_, select, true

from tenantry.ports.scim import AllOf, AnyOf, AnyValue, Compare, Criterion, Negation, Present

Column = ColumnElement[Any]
Nested = Callable[[str, Criterion], ColumnElement[bool]]


class Columns:
    """What each criterion field reads, and how a multi-valued attribute's values are reached."""

    def __init__(
        self,
        fields: Mapping[str, Column],
        nested: Mapping[str, Nested] | None = None,
        caseless: frozenset[str] = frozenset(),
        negated: frozenset[str] = frozenset(),
    ):
        self.fields = fields
        self.nested = nested or {}
        self.caseless = caseless
        """Fields stored as typed: compared through ``lower()`` (the key columns are already folded)."""
        self.negated = negated
        """Boolean fields stored inverted (``active`` is ``not blocked``)."""

    def column(self, name: str) -> Column:
        column = self.fields[name]
        return func.lower(column) if name in self.caseless else column


def _compare(column: Column, op: str, value: Any) -> ColumnElement[bool]:
    if op == "ne":
        return or_(column.is_(None), column != value)
    comparisons: dict[str, Callable[[], ColumnElement[bool]]] = {
        "eq": lambda: column == value,
        "co": lambda: column.contains(value, autoescape=True),
        "sw": lambda: column.startswith(value, autoescape=True),
        "ew": lambda: column.endswith(value, autoescape=True),
        "gt": lambda: column > value,
        "ge": lambda: column >= value,
        "lt": lambda: column < value,
        "le": lambda: column <= value,
    }
    return and_(column.is_not(None), comparisons[op]())


def where(criterion: Criterion, columns: Columns) -> ColumnElement[bool]:
    if isinstance(criterion, Compare):
        value = criterion.value
        if criterion.field in columns.negated:
            value = not value
        return _compare(columns.column(criterion.field), criterion.op, value)
    if isinstance(criterion, Present):
        column = columns.fields[criterion.field]
        present = column.is_not(None)
        return and_(present, column != "") if isinstance(column.type, String) else present
    if isinstance(criterion, AllOf):
        return and_(true(), *(where(term, columns) for term in criterion.terms))
    if isinstance(criterion, AnyOf):
        return or_(false(), *(where(term, columns) for term in criterion.terms))
    if isinstance(criterion, Negation):
        return not_(where(criterion.term, columns))
    if isinstance(criterion, AnyValue):
        return columns.nested[criterion.attribute](criterion.attribute, criterion.term)
    raise TypeError(f"unknown criterion {criterion!r}")


def exists_in(table: Any, link: ColumnElement[bool], columns: Columns) -> Nested:
    """``EXISTS (SELECT 1 FROM table WHERE link AND term)``: a semi-join the planner runs on the table's index."""

    def nested(_: str, term: Criterion) -> ColumnElement[bool]:
        return exists(select(1).select_from(table).where(link, where(term, columns)))

    return nested
