"""RFC 7644 3.4.2.2: a parsed SCIM filter → storage criteria (SPEC H3).

scim2-models parses the filter; here each attribute is mapped to a field storage can index, values
of case-insensitive attributes are folded the way the stored keys are, and anything else is refused
with ``invalidFilter`` rather than answered by a scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from scim2_models.path import AttrPath, Comparison, FilterNode, LogicalExpr, LogicalOperator, Not, Present, ValuePath

from tenantry.core.scim import identifier_key
from tenantry.ports import scim as criteria
from tenantry.ports.scim import Criterion

from .errors import InvalidFilter

Kind = Literal["key", "caseless", "exact", "boolean", "time"]
Nested = tuple[Literal["emails", "members"], str]


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The attributes one resource type can be filtered on, by lower-cased path."""

    schema: str
    fields: dict[str, Field]
    multi: dict[str, tuple[Literal["emails", "members"], dict[str, Field], str]]
    """``emails`` → (nested attribute, its sub-attribute fields, the sub-attribute a bare ``emails`` means)."""


USER = Vocabulary(
    "urn:ietf:params:scim:schemas:core:2.0:user",
    {
        "id": Field("id", "exact"),
        "username": Field("user_name", "key"),
        "externalid": Field("external_id", "exact"),
        "displayname": Field("display_name", "caseless"),
        "name.givenname": Field("given_name", "caseless"),
        "name.familyname": Field("family_name", "caseless"),
        "active": Field("active", "boolean"),
        "meta.created": Field("created", "time"),
        "meta.lastmodified": Field("last_modified", "time"),
    },
    {
        "emails": (
            "emails",
            {
                "value": Field("email.value", "key"),
                "type": Field("email.type", "caseless"),
                "primary": Field("email.primary", "boolean"),
            },
            "value",
        )
    },
)
GROUP = Vocabulary(
    "urn:ietf:params:scim:schemas:core:2.0:group",
    {
        "id": Field("id", "exact"),
        "displayname": Field("display_name", "key"),
        "externalid": Field("external_id", "exact"),
        "meta.created": Field("created", "time"),
        "meta.lastmodified": Field("last_modified", "time"),
    },
    {"members": ("members", {"value": Field("member.value", "exact")}, "value")},
)


def _value(field: Field, op: str, value: object) -> object:
    if field.kind == "boolean":
        if not isinstance(value, bool) or op not in ("eq", "ne"):
            raise InvalidFilter(f"{field.name} compares only with eq or ne and true or false")
        return value
    if field.kind == "time":
        try:
            return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise InvalidFilter(f"{value!r} is not a date-time") from None
    if not isinstance(value, str):
        raise InvalidFilter(f"{field.name} compares with a string")
    if field.kind == "key":
        return identifier_key(value)
    return value.lower() if field.kind == "caseless" else value


class Translator:
    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = vocabulary

    def _name(self, path: AttrPath) -> str:
        if path.uri is not None and path.uri.lower() != self.vocabulary.schema:
            raise InvalidFilter(f"filtering on {path} is not supported")
        return f"{path.attr}.{path.sub_attr}".lower() if path.sub_attr else path.attr.lower()

    def _leaf(self, path: AttrPath, build: object) -> Criterion:
        """A comparison or presence test on a plain field, or on some value of a multi-valued one."""
        name = self._name(path)
        head, _, sub = name.partition(".")
        if head in self.vocabulary.multi:
            attribute, fields, default = self.vocabulary.multi[head]
            field = fields.get(sub or default)
            if field is None:
                raise InvalidFilter(f"filtering on {path} is not supported")
            return criteria.AnyValue(attribute, self._make(field, build))
        field = self.vocabulary.fields.get(name)
        if field is None:
            raise InvalidFilter(f"filtering on {path} is not supported")
        return self._make(field, build)

    @staticmethod
    def _make(field: Field, build: object) -> Criterion:
        if isinstance(build, Comparison):
            op = build.op.value
            return criteria.Compare(field.name, op, _value(field, op, build.value))  # type: ignore[arg-type]
        return criteria.Present(field.name)

    def _nested(self, node: ValuePath) -> Criterion:
        name = self._name(node.attr_path)
        if name not in self.vocabulary.multi or node.sub_attr is not None:
            raise InvalidFilter(f"filtering on {node.attr_path} is not supported")
        attribute, fields, _ = self.vocabulary.multi[name]
        inner = Translator(Vocabulary(self.vocabulary.schema, fields, {}))
        return criteria.AnyValue(attribute, inner.translate(node.val_filter))

    def translate(self, node: FilterNode) -> Criterion:
        if isinstance(node, Comparison | Present):
            return self._leaf(node.attr_path, node)
        if isinstance(node, LogicalExpr):
            terms = tuple(self.translate(term) for term in node.terms)
            return criteria.AllOf(terms) if node.op == LogicalOperator.and_ else criteria.AnyOf(terms)
        if isinstance(node, Not):
            return criteria.Negation(self.translate(node.expr))
        if isinstance(node, ValuePath):
            return self._nested(node)
        raise InvalidFilter("this filter is not supported")


def user_criterion(node: FilterNode | None) -> Criterion | None:
    return Translator(USER).translate(node) if node is not None else None


def group_criterion(node: FilterNode | None) -> Criterion | None:
    return Translator(GROUP).translate(node) if node is not None else None
