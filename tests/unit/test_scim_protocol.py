"""SCIM protocol pieces without a server: filter translation (H3), PATCH dialects (H4), versions (H6)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scim2_models import Group

from tenantry.core.scim import ScimEmail, group_roles, identifier_key, login_identifier
from tenantry.ports.scim import AllOf, AnyOf, AnyValue, Compare, Negation, Present
from tenantry.protocols.scim import patch
from tenantry.protocols.scim.errors import InvalidFilter, PreconditionFailed, ScimError
from tenantry.protocols.scim.filters import group_criterion, user_criterion
from tenantry.protocols.scim.query import list_request
from tenantry.protocols.scim.resources import Meta, UserResource, require_version

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def users(text: str):
    return list_request({"filter": text}, UserResource, user_criterion).criterion


def test_h3_operators_and_value_filters_become_criteria_with_folded_keys():
    assert users('userName eq "Zoë@Example.com"') == Compare("user_name", "eq", identifier_key("zoë@example.com"))
    assert users('emails[type eq "Work"].value eq "A@x.com"') == AnyValue(
        "emails", AllOf((Compare("email.type", "eq", "work"), Compare("email.value", "eq", "a@x.com")))
    )
    assert users('externalId sw "Ab" or not (displayName pr)') == AnyOf(
        (Compare("external_id", "sw", "Ab"), Negation(Present("display_name")))
    )
    assert users('meta.lastModified gt "2026-01-01T00:00:00Z"') == Compare(
        "last_modified", "gt", datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert users("emails pr") == AnyValue("emails", Present("email.value"))
    members = list_request({"filter": 'members[value eq "usr_1"]'}, Group, group_criterion).criterion
    assert members == AnyValue("members", Compare("member.value", "eq", "usr_1"))


@pytest.mark.parametrize(
    "text", ['title eq "x"', 'userName zz "x"', "active gt true", 'meta.created gt "soon"', "userName eq 1"]
)
def test_h3_unsupported_filters_are_invalid_filter(text: str):
    with pytest.raises(ScimError) as refused:
        users(text)
    assert refused.value.scim_type == "invalidFilter" or isinstance(refused.value, InvalidFilter)


def _user() -> UserResource:
    return UserResource.model_validate(
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u", "userName": "a"}
    )


def test_h4_entra_dialects():
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "Replace", "value": {"name.givenName": "B", f"{ENTERPRISE}:department": "Eng", "active": "False"}},
            {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": "m-1"},
        ],
    }
    patched = patch.apply(_user(), body)
    assert patched.active is False and patched.name is not None and patched.name.given_name == "B"
    assert patched[ENTERPRISE].department == "Eng" and patched[ENTERPRISE].manager.value == "m-1"


def test_h4_a_failing_operation_leaves_the_original_untouched():
    original = _user()
    with pytest.raises(ScimError) as refused:
        patch.apply(
            original,
            {
                "Operations": [
                    {"op": "replace", "path": "displayName", "value": "x"},
                    {"op": "remove", "path": "userName"},
                ]
            },
        )
    assert refused.value.scim_type == "mutability" and original.display_name is None


def test_h6_if_match_names_the_current_version_or_star():
    meta = Meta("User", datetime.now(UTC), datetime.now(UTC), "http://x/Users/u", 3)
    for accepted in (None, 'W/"3"', '"3"', "*", 'W/"2", W/"3"'):
        require_version(accepted, meta)
    with pytest.raises(PreconditionFailed):
        require_version('W/"2"', meta)


def test_login_identifier_and_group_roles():
    assert login_identifier("Bob", [ScimEmail("Bob@Example.com", "work", True)]) == "bob@example.com"
    assert login_identifier("Bob@Example.com", []) == "bob@example.com"
    assert login_identifier("Straße", []) == "strasse"
    assert group_roles({"Engineering": ["dev"], "Ops": ["ops", "dev"]}, ["ENGINEERING", "ops", "sales"]) == [
        "dev",
        "ops",
    ]
