"""Declarative hook rules (SPEC J1): a condition in the expression language plus actions.

A rule is checked when it is saved (its shape, its claims and every expression, which answers
422 ``invalid_expression`` with the field and the position) and run at each login against the
login's context, producing a ``HookResult`` like any other hook.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, field_validator

from .errors import InvalidInput
from .expression import Expression, ExpressionError, evaluate, holds, parse
from .hook import HookResult, check_claim_name

TokenKind = Literal["id_token", "access_token"]
BOTH_TOKENS: tuple[TokenKind, ...] = ("id_token", "access_token")


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Deny(_Action):
    type: Literal["deny"]
    reason: str = Field(min_length=1, max_length=500)


class RequireMfa(_Action):
    type: Literal["require_mfa"]


class SetClaim(_Action):
    """``value`` is an expression (a path such as ``user.app_metadata.flex.roles``, or a literal)."""

    type: Literal["set_claim"]
    claim: str
    value: str = Field(min_length=1, max_length=1000)
    default: JsonValue = None
    """Used when ``value`` is null (e.g. the path is missing); a null result sets no claim."""
    tokens: list[TokenKind] = Field(default_factory=lambda: list(BOTH_TOKENS), min_length=1)

    @field_validator("claim")
    @classmethod
    def _claim(cls, value: str) -> str:
        return check_claim_name(value)


class SetSamlAttribute(_Action):
    type: Literal["set_saml_attribute"]
    attribute: str = Field(min_length=1, max_length=255)
    value: str = Field(min_length=1, max_length=1000)
    default: JsonValue = None


class UpdateMetadata(_Action):
    type: Literal["update_metadata"]
    target: Literal["app_metadata", "user_metadata"]
    values: dict[str, JsonValue] = Field(min_length=1, max_length=50)


Action = Annotated[Deny | RequireMfa | SetClaim | SetSamlAttribute | UpdateMetadata, Field(discriminator="type")]


class RuleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    condition: str | None = Field(None, max_length=1000, description="No condition: the actions always apply.")
    actions: list[Action] = Field(min_length=1, max_length=20)


@dataclass(frozen=True, slots=True)
class Rule:
    condition: Expression | None
    actions: tuple[tuple[Action, Expression | None], ...]
    """Each action with its parsed ``value`` expression, when it has one."""


def _parsed(source: str, where: str) -> Expression:
    try:
        return parse(source)
    except ExpressionError as exc:
        exc.details["field"] = where
        raise


def compile_rule(config: Mapping[str, Any]) -> Rule:
    """Validate a rule's configuration and parse its expressions; 400 for shape, 422 for an expression."""
    try:
        rule = RuleConfig.model_validate(config)
    except ValidationError as exc:
        problems = [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"]} for e in exc.errors(include_url=False)]
        raise InvalidInput("the rule does not match the expected shape", details={"errors": problems}) from exc
    condition = _parsed(rule.condition, "condition") if rule.condition is not None else None
    actions = []
    for index, action in enumerate(rule.actions):
        value = action.value if isinstance(action, SetClaim | SetSamlAttribute) else None
        actions.append((action, _parsed(value, f"actions.{index}.value") if value is not None else None))
    return Rule(condition, tuple(actions))


def _saml_value(value: Any) -> str | list[str] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return [item if isinstance(item, str) else _text(item) for item in value]
    return value if isinstance(value, str) else _text(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def run_rule(rule: Rule, context: Mapping[str, Any]) -> HookResult:
    """The rule's result for one login: nothing at all when its condition does not hold."""
    if rule.condition is not None and not holds(rule.condition, context):
        return HookResult()
    fields: dict[str, Any] = {"id_token_claims": {}, "access_token_claims": {}, "saml_attributes": {}}
    for action, expression in rule.actions:
        if isinstance(action, Deny):
            fields.setdefault("deny", action.reason)
        elif isinstance(action, RequireMfa):
            fields["require_mfa"] = True
        elif isinstance(action, UpdateMetadata):
            fields.setdefault(action.target, {}).update(action.values)
        else:
            assert expression is not None
            value = evaluate(expression, context)
            value = action.default if value is None else value
            if value is None:
                continue
            if isinstance(action, SetClaim):
                for token in action.tokens:
                    fields[f"{token}_claims"][action.claim] = value
            elif (attribute := _saml_value(value)) is not None:
                fields["saml_attributes"][action.attribute] = attribute
    return HookResult.model_validate(fields)
