"""Pure rules behind the organization prompt (SPEC D1, D3) and the connection's sign-up switch."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from tenantry.core.connection import Connection, ConnectionOptions
from tenantry.core.errors import InvalidInput
from tenantry.flows.login import LoginTransaction, organization_answer, prompts_for_organization
from tenantry.protocols.oauth.authorize import AuthorizationRequest

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("prompt", "requested", "asks"),
    [
        ("before_login", None, True),
        ("before_login", "acme", False),
        ("after_login", None, False),
        ("none", None, False),
    ],
)
def test_d3_only_before_login_without_an_organization_parameter_asks_first(prompt, requested, asks):
    assert prompts_for_organization(prompt, requested) is asks


@pytest.mark.parametrize(
    ("name", "email", "answer"),
    [
        (" Acme ", "", ("name", "acme")),
        ("", " ada@acme.test ", ("email", "ada@acme.test")),
        ("acme", "ada@acme.test", ("both", "")),
        ("  ", "", ("missing", "")),
    ],
)
def test_the_prompt_reads_one_of_its_two_fields(name, email, answer):
    assert organization_answer(name, email) == answer


def test_the_chosen_organization_survives_the_sealed_cookie_and_wins_over_nothing():
    request = AuthorizationRequest(
        "cid", "https://app/cb", "openid", None, None, None, None, None, frozenset(), None, None
    )
    transaction = LoginTransaction.begin("rlm_1", request, NOW)
    assert transaction.requested_organization() is None
    transaction.organization_id = "org_1"
    restored = LoginTransaction.loads(transaction.dumps())
    assert restored.requested_organization() == "org_1"


def _connection(kind: str = "database", **options: object) -> Connection:
    return Connection("con_1", "rlm_1", "members", kind, "pln_1", NOW, options=dict(options))  # type: ignore[arg-type]


def test_signup_is_off_by_default_and_merged_on_change():
    connection = _connection(other="kept")
    assert connection.signup_enabled is False
    connection.set_options({"signup_enabled": True})
    assert connection.signup_enabled is True and connection.options == {"other": "kept", "signup_enabled": True}
    assert ConnectionOptions.stored(connection.options) == ConnectionOptions(signup_enabled=True)


@pytest.mark.parametrize("options", [{"signup_enabled": "true"}, {"signup_enabled": 1}, {"signup": True}])
def test_signup_options_are_strict(options):
    with pytest.raises(ValidationError):
        _connection().set_options(options)


def test_signup_needs_a_database_connection():
    with pytest.raises(InvalidInput) as refused:
        _connection("oidc").set_options({"signup_enabled": True})
    assert refused.value.code == "invalid_connection_options"
    assert _connection("oidc", signup_enabled=True).signup_enabled is False
