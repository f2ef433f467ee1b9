"""``tenantry realms policy`` and ``tenantry orgs policy``: the D8 login policy, field by field.

Options change only the fields they name; ``--unset FIELD`` returns a field to "inherit". An
organization's result must stay at least as strict as its realm's (400 ``policy_not_stricter``).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError

from tenantry.core.policy import Policy

from .common import ACTOR, JsonOption, fail, print_record, run

MfaOption = Annotated[
    bool | None, typer.Option("--mfa-required/--no-mfa-required", help="Ask every user for a second factor.")
]
FactorOption = Annotated[
    list[str] | None,
    typer.Option("--allowed-factor", help="totp, webauthn or recovery_code; repeat for several (replaces the list)."),
]
ConnectionOption = Annotated[
    list[str] | None,
    typer.Option("--allowed-connection", help="Connection name or id; repeat for several (replaces the list)."),
]
IdleOption = Annotated[int | None, typer.Option("--session-idle-minutes", help="Idle session lifetime.")]
AbsoluteOption = Annotated[int | None, typer.Option("--session-absolute-minutes", help="Absolute session lifetime.")]
CidrOption = Annotated[
    list[str] | None, typer.Option("--ip-allow", help="CIDR (IPv4 or IPv6); repeat for several (replaces the list).")
]
SsoOption = Annotated[
    bool | None,
    typer.Option("--sso-only/--no-sso-only", help="Refuse password sign-in for emails of the verified domains."),
]
UnsetOption = Annotated[list[str] | None, typer.Option("--unset", help="A field to return to 'inherit'.")]


def changed(
    current: Policy,
    *,
    mfa_required: bool | None,
    allowed_factors: list[str] | None,
    allowed_connections: list[str] | None,
    session_idle_minutes: int | None,
    session_absolute_minutes: int | None,
    ip_allowlist: list[str] | None,
    sso_only: bool | None,
    unset: list[str] | None,
) -> dict[str, Any]:
    """The current policy with the given fields replaced, validated; a bad value exits 1."""
    values = current.model_dump()
    given = {
        "mfa_required": mfa_required,
        "allowed_factors": allowed_factors,
        "allowed_connections": allowed_connections,
        "session_idle_minutes": session_idle_minutes,
        "session_absolute_minutes": session_absolute_minutes,
        "ip_allowlist": ip_allowlist,
        "sso_only_for_verified_domains": sso_only,
    }
    values.update({key: value for key, value in given.items() if value is not None})
    for field in unset or []:
        if field not in values:
            fail("invalid_request", f"unknown policy field {field!r}", {"fields": sorted(values)})
        values[field] = None
    try:
        return Policy.model_validate(values).model_dump(exclude_none=True)
    except ValidationError as exc:
        fail("invalid_request", "the policy is invalid", {"errors": [error["msg"] for error in exc.errors()]})


def realm_policy(
    realm: Annotated[str, typer.Argument(help="Realm name or id.")],
    mfa_required: MfaOption = None,
    allowed_factor: FactorOption = None,
    allowed_connection: ConnectionOption = None,
    session_idle_minutes: IdleOption = None,
    session_absolute_minutes: AbsoluteOption = None,
    ip_allow: CidrOption = None,
    sso_only: SsoOption = None,
    unset: UnsetOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change the realm's login policy: the defaults every organization can only tighten (D8)."""

    async def work(runtime: Any) -> Any:
        current = (await runtime.services.realms.get(ACTOR, realm)).policy
        policy = changed(
            current,
            mfa_required=mfa_required,
            allowed_factors=allowed_factor,
            allowed_connections=allowed_connection,
            session_idle_minutes=session_idle_minutes,
            session_absolute_minutes=session_absolute_minutes,
            ip_allowlist=ip_allow,
            sso_only=sso_only,
            unset=unset,
        )
        updated = await runtime.services.realms.update(ACTOR, realm, {"policy": policy})
        return updated.policy.model_dump(exclude_none=True)

    print_record(run(work), as_json=as_json, title=f"policy of realm {realm}")


def organization_policy(
    realm: Annotated[str, typer.Argument(help="Realm name or id.")],
    organization: Annotated[str, typer.Argument(help="Organization name or id.")],
    mfa_required: MfaOption = None,
    allowed_factor: FactorOption = None,
    allowed_connection: ConnectionOption = None,
    session_idle_minutes: IdleOption = None,
    session_absolute_minutes: AbsoluteOption = None,
    ip_allow: CidrOption = None,
    sso_only: SsoOption = None,
    unset: UnsetOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change an organization's login policy; it may only be stricter than the realm's (D8)."""

    async def work(runtime: Any) -> Any:
        current = (await runtime.services.organizations.get(ACTOR, realm, organization)).policy
        policy = changed(
            current,
            mfa_required=mfa_required,
            allowed_factors=allowed_factor,
            allowed_connections=allowed_connection,
            session_idle_minutes=session_idle_minutes,
            session_absolute_minutes=session_absolute_minutes,
            ip_allowlist=ip_allow,
            sso_only=sso_only,
            unset=unset,
        )
        updated = await runtime.services.organizations.update(ACTOR, realm, organization, {"policy": policy})
        return updated.policy.model_dump(exclude_none=True)

    print_record(run(work), as_json=as_json, title=f"policy of organization {organization}")
