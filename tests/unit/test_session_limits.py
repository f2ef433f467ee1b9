"""Session limits from policy (SPEC D8, S8): defaults, the realm's policy, the organization's (only stricter)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from tenantry.config import Settings
from tenantry.core.grant import Session
from tenantry.core.policy import Policy, merge
from tenantry.services.context import Ports
from tenantry.tenancy.sessions import SessionLimits

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULTS = SessionLimits.minutes(480, 10_080)


def session(**changes: object) -> Session:
    values: dict[str, object] = {
        "id": "s",
        "realm_id": "rlm",
        "user_id": "usr",
        "connection_id": "con",
        "auth_time": T0,
        "created_at": T0,
        "last_seen_at": T0,
        "idle_expires_at": T0 + timedelta(days=365),
        "absolute_expires_at": T0 + timedelta(days=365),
        **changes,
    }
    return Session(**values)  # type: ignore[arg-type]


def test_a_realm_policy_replaces_the_defaults_in_either_direction():
    assert DEFAULTS.for_realm(Policy()) == DEFAULTS
    longer = DEFAULTS.for_realm(Policy(session_idle_minutes=1440, session_absolute_minutes=43_200))
    assert longer == SessionLimits.minutes(1440, 43_200)
    assert DEFAULTS.for_realm(Policy(session_idle_minutes=5)) == SessionLimits.minutes(5, 10_080)


def test_an_organization_only_shortens_even_where_the_realm_is_silent():
    realm = DEFAULTS.for_realm(Policy(session_idle_minutes=60))
    assert realm.within(merge(Policy(session_idle_minutes=60), Policy(session_idle_minutes=10))) == (
        SessionLimits.minutes(10, 10_080)
    )
    assert realm.within(Policy(session_absolute_minutes=20_000)) == realm
    assert realm.within(Policy()) == realm


def test_idle_is_counted_from_the_last_use_and_slides():
    limits = SessionLimits.minutes(30, 600)
    fresh = session()
    assert limits.alive(fresh, T0 + timedelta(minutes=29))
    assert not limits.alive(fresh, T0 + timedelta(minutes=30))
    used = session(last_seen_at=T0 + timedelta(minutes=29), idle_expires_at=T0 + timedelta(minutes=59))
    assert limits.alive(used, T0 + timedelta(minutes=58))
    assert limits.used_at(used, T0 + timedelta(minutes=40)) == T0 + timedelta(minutes=70)


def test_absolute_is_counted_from_the_login_and_caps_the_idle_deadline():
    limits = SessionLimits.minutes(30, 60)
    late = session(last_seen_at=T0 + timedelta(minutes=50))
    assert limits.absolute_deadline(late) == T0 + timedelta(minutes=60)
    assert limits.used_at(late, T0 + timedelta(minutes=50)) == T0 + timedelta(minutes=60)
    assert limits.alive(late, T0 + timedelta(minutes=59))
    assert not limits.alive(late, T0 + timedelta(minutes=60))


def test_stored_deadlines_still_bind_and_revocation_ends_it():
    limits = SessionLimits.minutes(30, 600)
    stored = session(idle_expires_at=T0 + timedelta(minutes=5))
    assert not limits.alive(stored, T0 + timedelta(minutes=6))
    assert not limits.alive(session(revoked_at=T0), T0)


def test_the_services_defaults_are_the_settings_defaults():
    ports = {field.name: field.default for field in dataclasses.fields(Ports)}
    for name in ("session_idle_minutes", "session_absolute_minutes"):
        assert ports[name] == Settings.model_fields[name].default
