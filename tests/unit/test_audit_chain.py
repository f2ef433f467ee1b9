"""The audit log is append-only and tamper-evident: a hash chain per stream (SPEC L9); secrets redacted (L1)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenantry.core.audit import (
    GENESIS,
    REDACTED,
    AuditEvent,
    chain_hash,
    event_body,
    first_broken_link,
    realm_stream,
    redact,
)

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _chain(length: int, stream: str = "realm:rlm_test") -> list[AuditEvent]:
    events: list[AuditEvent] = []
    prev = GENESIS
    for seq in range(1, length + 1):
        event = AuditEvent(
            id=f"evt_{seq:026}",
            stream=stream,
            seq=seq,
            at=START + timedelta(seconds=seq),
            actor="operator:test",
            action="organization.updated",
            target_type="organization",
            target_id="org_1",
            prev_hash=prev,
            hash="",
            realm_id="rlm_test",
            details={"n": seq, "name": f"org-{seq}"},
        )
        event.hash = chain_hash(prev, event_body(event))
        events.append(event)
        prev = event.hash
    return events


def _edited(event: AuditEvent, **changes: object) -> AuditEvent:
    return dataclasses.replace(event, **changes)


def test_l9_an_intact_chain_has_no_broken_link():
    assert first_broken_link(_chain(10)) is None
    assert first_broken_link([]) is None


def test_l9_the_chain_starts_at_genesis():
    events = _chain(3)
    assert events[0].prev_hash == GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]


@pytest.mark.parametrize(
    "change",
    [
        {"details": {"n": 4, "name": "tampered"}},
        {"details": {}},
        {"actor": "operator:someone-else"},
        {"action": "organization.deleted"},
        {"target_id": "org_2"},
        {"realm_id": "rlm_other"},
        {"organization_id": "org_1"},
        {"request_id": "req_1"},
        {"at": START},
        {"id": "evt_forged"},
        {"hash": "f" * 64},
        {"prev_hash": "0" * 64},
    ],
)
def test_l9_first_broken_link_names_the_edited_event(change):
    events = _chain(8)
    events[3] = _edited(events[3], **change)
    assert first_broken_link(events) is events[3]


def test_l9_an_edit_with_a_recomputed_hash_breaks_the_next_link():
    events = _chain(8)
    forged = _edited(events[3], details={"n": 4, "name": "tampered"})
    forged.hash = chain_hash(forged.prev_hash, event_body(forged))
    events[3] = forged
    assert first_broken_link(events) is events[4]


@pytest.mark.parametrize("index", [0, 1, 4, 6])
def test_l9_first_broken_link_names_the_event_after_a_deletion(index):
    events = _chain(8)
    follower = events[index + 1]
    del events[index]
    assert first_broken_link(events) is follower


@pytest.mark.parametrize("index", [0, 3, 6])
def test_l9_first_broken_link_names_the_first_reordered_event(index):
    events = _chain(8)
    events[index], events[index + 1] = events[index + 1], events[index]
    assert first_broken_link(events) is events[index]


def test_l9_an_inserted_event_is_named():
    events = _chain(6)
    intruder = _edited(events[2], id="evt_intruder")
    events.insert(3, intruder)
    assert first_broken_link(events) is intruder


def test_l9_events_of_another_stream_do_not_chain_here():
    ours, theirs = _chain(3), _chain(3, stream=realm_stream("rlm_other"))
    assert theirs[0].hash != ours[0].hash
    assert first_broken_link([*ours[:2], theirs[2]]) is theirs[2]


@given(st.integers(2, 12), st.data())
def test_l9_any_single_deletion_or_swap_before_the_tail_is_found(length, data):
    events = _chain(length)
    index = data.draw(st.integers(0, length - 2))
    if data.draw(st.booleans()):
        follower = events[index + 1]
        del events[index]
        assert first_broken_link(events) is follower
    else:
        events[index], events[index + 1] = events[index + 1], events[index]
        assert first_broken_link(events) is events[index]


def test_l9_chain_hash_is_canonical():
    body = {"b": 1, "a": {"y": [1, 2], "x": "é"}}
    assert chain_hash(GENESIS, body) == chain_hash(GENESIS, {"a": {"x": "é", "y": [1, 2]}, "b": 1})
    assert chain_hash(GENESIS, body) != chain_hash("1" * 64, body)
    assert len(chain_hash(GENESIS, body)) == 64


def test_l9_realm_stream_name():
    assert realm_stream("rlm_x") == "realm:rlm_x"


# --- redaction (L1, DESIGN section 8) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "new_password",
        "Password",
        "secret",
        "client_secret",
        "CLIENT_SECRET",
        "token",
        "access_token",
        "refresh_token",
        "scim_token",
        "dsn_ref",
        "data_plane_ref",
        "client_secret_ref",
    ],
)
def test_l9_redact_hides_secret_keys(key):
    assert redact({key: "hunter2", "name": "acme"}) == {key: REDACTED, "name": "acme"}


def test_l9_redact_hides_secrets_nested_in_objects_and_lists():
    details = {
        "connection": {"name": "okta", "options": {"client_secret": "s", "client_id": "id"}},
        "users": [{"email": "a@example.com", "password": "p"}, "plain"],
        "changes": ({"token": "t"},),
    }
    assert redact(details) == {
        "connection": {"name": "okta", "options": {"client_secret": REDACTED, "client_id": "id"}},
        "users": [{"email": "a@example.com", "password": REDACTED}, "plain"],
        "changes": [{"token": REDACTED}],
    }


def test_l9_redact_keeps_other_keys_and_leaves_the_input_alone():
    details = {"domain": "acme.example", "found": True, "count": 3, "roles": ["admin"], "reference": "x"}
    assert redact(details) == details
    secret = {"password": "p", "nested": {"secret": "s"}}
    redact(secret)
    assert secret == {"password": "p", "nested": {"secret": "s"}}
