"""The Twilio Flex preset's contract, attribute by attribute (SPEC I2, I3), and the preset's fixed settings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tenantry.core.errors import InvalidInput
from tenantry.core.organization import Organization
from tenantry.core.saml_application import NAMEID_UNSPECIFIED, SamlSettings, apply_preset
from tenantry.core.user import User
from tenantry.protocols.saml.attributes import evaluate, mapping_input, name_id
from tenantry.protocols.saml.errors import MissingAttributes

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FLEX = apply_preset(SamlSettings(acs_urls=["https://iam.twilio.com/v1/Accounts/AC1/saml2"], preset="twilio_flex"))


def user(**fields) -> User:
    base = {"id": "usr_1", "realm_id": "rlm_1", "connection_id": "con_1", "email": "dana.scully@example.com"}
    return User(**{**base, "created_at": NOW, "updated_at": NOW, **fields})


def flex(person: User, organization: Organization | None = None, extra=None) -> dict[str, tuple[str, ...]]:
    return {
        item.name: item.values for item in evaluate(FLEX.attributes, mapping_input(person, organization, [], extra))
    }


def test_i3_exactly_email_full_name_roles_when_nothing_optional_is_set():
    assert flex(user(name="Dana Scully")) == {
        "email": ("dana.scully@example.com",),
        "full_name": ("Dana Scully",),
        "roles": ("agent",),
    }


def test_i3_every_attribute_is_name_format_basic_and_nothing_is_encrypted():
    assert {rule.name_format for rule in FLEX.attributes} == {"basic"}
    assert [rule.name for rule in FLEX.attributes] == [
        "email",
        "full_name",
        "roles",
        "team",
        "department",
        "location",
        "image_url",
    ]
    assert FLEX.encrypt_assertion is False
    assert FLEX.name_id_format == NAMEID_UNSPECIFIED


def test_i2_full_name_falls_back_to_given_and_family_then_to_the_local_part():
    assert flex(user(given_name="Dana", family_name="Scully"))["full_name"] == ("Dana Scully",)
    assert flex(user(given_name="Dana"))["full_name"] == ("dana.scully",)
    assert flex(user(name="   "))["full_name"] == ("dana.scully",)


def test_i2_roles_from_app_metadata_joined_by_comma_else_agent():
    assert flex(user(app_metadata={"flex": {"roles": ["admin", "supervisor"]}}))["roles"] == ("admin,supervisor",)
    assert flex(user(app_metadata={"flex": {"roles": "supervisor"}}))["roles"] == ("supervisor",)
    assert flex(user(app_metadata={"flex": {"roles": []}}))["roles"] == ("agent",)
    assert flex(user(app_metadata={"flex": {"roles": {"not": "a list"}}}))["roles"] == ("agent",)
    assert flex(user(app_metadata={"flex": {"roles": ["", " "]}}))["roles"] == ("agent",)


def test_i3_optional_attributes_only_when_they_have_values():
    person = user(
        name="Dana",
        app_metadata={
            "flex": {"department": "Support", "location": "EU", "image_url": "https://img.example.com/d.png"}
        },
    )
    found = flex(person)
    assert found["department"] == ("Support",)
    assert found["location"] == ("EU",)
    assert found["image_url"] == ("https://img.example.com/d.png",)
    assert "team" not in found
    assert flex(user(user_metadata={"picture": "https://img.example.com/p.png"}))["image_url"] == (
        "https://img.example.com/p.png",
    )


def test_pattern_a_team_from_app_metadata_else_the_organization():
    program = Organization("org_1", "rlm_1", "food-bank", "Food Bank", "pln_1", NOW)
    assert flex(user(), program)["team"] == ("Food Bank",)
    assert flex(user(app_metadata={"flex": {"team": "Night shift"}}), program)["team"] == ("Night shift",)


def test_i3_missing_email_stops_the_login():
    with pytest.raises(MissingAttributes) as refused:
        flex(user(email=""))
    assert refused.value.names == ["email", "full_name"]
    assert refused.value.status == 403


def test_extra_attributes_from_a_login_outcome_are_readable_by_rules():
    data = mapping_input(user(), None, [], {"team": "from a hook"})
    assert name_id("extra.team", data) == "from a hook"


def test_preset_refuses_custom_attributes_and_encryption():
    with pytest.raises(InvalidInput) as custom:
        apply_preset(SamlSettings(acs_urls=["https://a.example.com"], preset="twilio_flex", attributes=[{"name": "x"}]))
    assert custom.value.code == "preset_fixed_field"
    with pytest.raises(InvalidInput):
        apply_preset(SamlSettings(acs_urls=["https://a.example.com"], preset="twilio_flex", encrypt_assertion=True))
