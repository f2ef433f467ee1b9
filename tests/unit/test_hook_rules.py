"""The hook rule engine and results (SPEC J1, J2): actions, reserved claims, folding in order, webhook URLs."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from pydantic import ValidationError

from tenantry.core.errors import InvalidInput
from tenantry.core.expression import ExpressionError
from tenantry.core.hook import HookOutcome, HookResult, check_webhook_url
from tenantry.core.hook_rule import compile_rule, run_rule
from tenantry.core.webhook_signature import new_secret, sign

ACME = {
    "user": {"email": "dana@acme.example.com", "app_metadata": {"flex": {"roles": ["supervisor"]}}},
    "organization": {"name": "acme"},
}
GLOBEX = {"user": {"email": "sam@globex.example.com", "app_metadata": {}}, "organization": {"name": "globex"}}

REQUIRE_MFA_FOR_ACME = {"condition": 'organization.name == "acme"', "actions": [{"type": "require_mfa"}]}
FLEX_ROLES = {
    "actions": [
        {"type": "set_claim", "claim": "flex_roles", "value": "user.app_metadata.flex.roles", "default": ["agent"]}
    ]
}


def test_j1_require_mfa_applies_only_when_the_condition_holds():
    rule = compile_rule(REQUIRE_MFA_FOR_ACME)
    assert run_rule(rule, ACME).require_mfa is True
    assert run_rule(rule, GLOBEX) == HookResult()


def test_j1_a_claim_from_a_path_with_a_default():
    rule = compile_rule(FLEX_ROLES)
    acme = run_rule(rule, ACME)
    assert acme.id_token_claims == acme.access_token_claims == {"flex_roles": ["supervisor"]}
    assert run_rule(rule, GLOBEX).id_token_claims == {"flex_roles": ["agent"]}


def test_j1_claims_can_target_one_token_and_saml_attributes_are_kept():
    rule = compile_rule(
        {
            "actions": [
                {"type": "set_claim", "claim": "tier", "value": "'gold'", "tokens": ["access_token"]},
                {"type": "set_saml_attribute", "attribute": "roles", "value": "user.app_metadata.flex.roles"},
                {"type": "set_saml_attribute", "attribute": "team", "value": "user.app_metadata.team"},
                {"type": "update_metadata", "target": "app_metadata", "values": {"seen": True}},
            ]
        }
    )
    result = run_rule(rule, ACME)
    assert result.access_token_claims == {"tier": "gold"} and result.id_token_claims == {}
    assert result.saml_attributes == {"roles": ["supervisor"]}, "a null value without default sets nothing"
    assert result.app_metadata == {"seen": True}


def test_j1_deny_carries_its_reason():
    rule = compile_rule({"condition": "not user.email_verified", "actions": [{"type": "deny", "reason": "Verify."}]})
    assert run_rule(rule, ACME).deny == "Verify."


@pytest.mark.parametrize("claim", ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "org_id", "azp", "roles", "x y"])
def test_reserved_or_malformed_claims_are_refused_at_save_time(claim):
    with pytest.raises(InvalidInput):
        compile_rule({"actions": [{"type": "set_claim", "claim": claim, "value": "1"}]})
    with pytest.raises(ValidationError):
        HookResult.model_validate({"access_token_claims": {claim: 1}})


def test_a_bad_expression_in_a_rule_is_422_with_field_and_position():
    with pytest.raises(ExpressionError) as caught:
        compile_rule({"actions": [{"type": "set_claim", "claim": "x", "value": "user.email =="}]})
    assert caught.value.kind == "unprocessable"
    assert caught.value.details == {"position": 13, "reason": "expected a value", "field": "actions.0.value"}


@pytest.mark.parametrize(
    "config",
    [{}, {"actions": []}, {"actions": [{"type": "launch"}]}, {"actions": [{"type": "deny"}]}, {"x": 1, "actions": []}],
)
def test_malformed_rules_are_400(config):
    with pytest.raises(InvalidInput) as caught:
        compile_rule(config)
    assert caught.value.kind == "invalid"


def test_outcomes_fold_in_order_and_the_first_denial_wins():
    outcome = HookOutcome()
    outcome.add("one", HookResult(id_token_claims={"a": 1, "b": 1}, app_metadata={"k": 1}))
    outcome.add("two", HookResult(id_token_claims={"b": 2}, app_metadata={"k": 2}, require_mfa=True))
    outcome.add("three", HookResult(deny="first"))
    outcome.add("four", HookResult(deny="second"))
    assert outcome.id_token_claims == {"a": 1, "b": 2} and outcome.app_metadata == {"k": 2}
    assert outcome.require_mfa and outcome.denied == "first" and outcome.denied_by == "three"
    assert outcome.token_claims == {"id_token": {"a": 1, "b": 2}, "access_token": {}}
    assert HookOutcome().token_claims is None


def test_oversized_results_are_refused():
    with pytest.raises(ValidationError):
        HookResult.model_validate({"user_metadata": {"blob": "x" * 20_000}})
    with pytest.raises(ValidationError):
        HookResult.model_validate({"unknown": 1})


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/login",
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "https://10.0.0.5/hook",
    ],
)
def test_webhook_urls_accepted(url):
    assert check_webhook_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/login",
        "ftp://hooks.example.com/",
        "https://169.254.169.254/latest/meta-data",
        "https://[fe80::1]/x",
        "https://[::ffff:169.254.169.254]/x",
        "https://metadata.google.internal/computeMetadata/v1/",
        "https://0.0.0.0/",
        "https://user@hooks.example.com/",
        "https://hooks.example.com/#frag",
        "https://hooks.example.com:99999/",
        "javascript:alert(1)",
    ],
)
def test_webhook_urls_refused(url):
    with pytest.raises(InvalidInput) as caught:
        check_webhook_url(url)
    assert caught.value.code == "invalid_webhook_url"


def test_signatures_follow_standard_webhooks():
    secret = new_secret()
    body = b'{"a":1}'
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, b"msg_1.1700000000." + body, hashlib.sha256).digest()).decode()
    assert sign(secret, "msg_1", 1700000000, body) == f"v1,{expected}"
    assert len(key) == 32
