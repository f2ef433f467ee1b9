"""The hook condition language (SPEC J1, J2): parsing, evaluation, limits, and properties under hypothesis."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenantry.core import expression
from tenantry.core.expression import MAX_DEPTH, MAX_LENGTH, ExpressionError, evaluate, holds, parse

CONTEXT = {
    "user": {
        "email": "dana@acme.example.com",
        "email_verified": True,
        "connection": "members",
        "app_metadata": {"flex": {"roles": ["supervisor", "agent"]}, "level": 3},
        "user_metadata": {},
    },
    "organization": {"id": "org_x", "name": "acme", "metadata": {"tier": "gold"}},
    "application": {"client_id": "c1", "name": "web"},
    "connection": {"id": "con_x", "name": "members", "kind": "database"},
    "realm": {"id": "rlm_x", "name": "alpha"},
}


def value(source: str):
    return evaluate(parse(source), CONTEXT)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('organization.name == "acme"', True),
        ("organization.name != 'acme'", False),
        ('ends_with(user.email, "@acme.example.com") and user.email_verified', True),
        ('starts_with(lower("ABC"), "ab")', True),
        ('"agent" in user.app_metadata.flex.roles', True),
        ('"admin" not in user.app_metadata.flex.roles', True),
        ("contains(user.app_metadata.flex.roles, 'supervisor')", True),
        ("user.app_metadata.level >= 3 and user.app_metadata.level < 3.5", True),
        ("not (user.app_metadata.level > 10) or false", True),
        ("user.app_metadata.flex.roles", ["supervisor", "agent"]),
        ("user.app_metadata.missing.deeper", None),
        ("user.app_metadata.missing.deeper == null", True),
        ("length(user.app_metadata.flex.roles)", 2),
        ("[1, 'a', [true, null]]", [1, "a", [True, None]]),
        ("-2 < -1.5", True),
        ('upper(connection.name) == "MEMBERS"', True),
        ("organization.metadata.tier in ['gold', 'platinum']", True),
        ('"acme" in user.email', True),
    ],
)
def test_j1_conditions_evaluate_over_the_login_context(source, expected):
    assert value(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("true == 1", False),
        ("1 == 1.0", True),
        ("'10' < 9", False),
        ("user.email > 3", False),
        ("lower(3) == null", True),
        ("ends_with(3, 'x')", False),
        ("3 in 'abc'", False),
        ("[1] == [true]", False),
    ],
)
def test_unlike_types_never_fail_they_compare_false(source, expected):
    assert value(source) is expected


@pytest.mark.parametrize(
    ("source", "position"),
    [
        ("organization.name ==", 20),
        ("foo.bar == 1", 0),
        ("system('ls')", 0),
        ("__import__('os')", 0),
        ("user.email == 'unterminated", 14),
        ("(user.email", 11),
        ("user.email = 'x'", 11),
        ("ends_with(user.email)", 0),
        ("1 2", 2),
        ("'\\q'", 1),
        ("user.", 5),
        ("", 0),
        ("   ", 0),
    ],
)
def test_bad_expressions_name_the_position(source, position):
    with pytest.raises(ExpressionError) as caught:
        parse(source)
    assert caught.value.code == "invalid_expression"
    assert caught.value.details["position"] == position


def test_limits_on_length_depth_and_size():
    with pytest.raises(ExpressionError, match="longer than"):
        parse("1 == " + "1" * MAX_LENGTH)
    with pytest.raises(ExpressionError, match="nested deeper"):
        parse("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(ExpressionError, match="nested deeper"):
        parse("not " * (MAX_DEPTH + 1) + "true")
    with pytest.raises(ExpressionError, match="parts"):
        parse("[" + ",".join(["1"] * 300) + "]")
    with pytest.raises(ExpressionError):
        parse(None)  # type: ignore[arg-type]


def test_the_language_never_reaches_for_python_evaluation():
    """No eval, exec, compile or ast: the text is only ever data."""
    package = Path(expression.__file__).parent
    forbidden = re.compile(r"(?<![\w.])(eval|exec|compile|getattr|__import__)\(|^\s*(import|from) ast\b", re.M)
    for module in package.glob("*.py"):
        assert not forbidden.search(module.read_text()), module.name


JSON_VALUES = (type(None), bool, int, float, str, list, dict)
VOCABULARY = [
    "user",
    "organization",
    "application",
    "connection",
    "realm",
    ".",
    "email",
    "app_metadata",
    "flex",
    "roles",
    "name",
    "==",
    "!=",
    "<",
    ">=",
    "in",
    "not",
    "and",
    "or",
    "(",
    ")",
    "[",
    "]",
    ",",
    "-",
    "1",
    "2.5",
    "'acme'",
    '"x\\n"',
    "true",
    "false",
    "null",
    "lower",
    "ends_with",
    "contains",
    "length",
]


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_property_any_text_parses_or_raises_only_the_documented_error(text):
    try:
        parsed = parse(text)
    except ExpressionError as exc:
        assert 0 <= exc.details["position"] <= max(len(text), MAX_LENGTH)
        return
    assert isinstance(evaluate(parsed, CONTEXT), JSON_VALUES)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(VOCABULARY), max_size=40))
def test_property_token_soup_parses_and_evaluates_or_raises_only_the_documented_error(words):
    source = " ".join(words)
    try:
        parsed = parse(source)
    except ExpressionError:
        return
    result = evaluate(parsed, CONTEXT)
    assert isinstance(result, JSON_VALUES)
    assert isinstance(holds(parsed, CONTEXT), bool)


json_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(
    json_leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
)


@settings(max_examples=300, deadline=None)
@given(json_values, json_values)
def test_property_evaluation_is_total_over_any_metadata(left, right):
    """Whatever JSON an administrator or a hook put in metadata, a condition still evaluates."""
    context = {"user": {"app_metadata": {"a": left, "b": right}}}
    for source in (
        "user.app_metadata.a == user.app_metadata.b",
        "user.app_metadata.a < user.app_metadata.b",
        "user.app_metadata.a in user.app_metadata.b",
        "contains(user.app_metadata.b, user.app_metadata.a) or lower(user.app_metadata.a) == 'x'",
        "length(user.app_metadata.a) >= 0 and not user.app_metadata.b",
    ):
        assert isinstance(holds(parse(source), context), bool)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12), st.floats(allow_nan=False, allow_infinity=False))
def test_property_number_literals_round_trip(integer, number):
    assert value(str(integer)) == integer
    text = repr(number)
    if "e" in text or "inf" in text:
        return
    assert math.isclose(value(text), number)
