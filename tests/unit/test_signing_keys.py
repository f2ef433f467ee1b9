"""Key statuses are a pure function of stored times and the clock (S2, HOSTILE 64-65)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tenantry.core.signing_key import KeyRecord, SigningKey, next_change, signer, status, view, views

ISSUER = "https://id.example.com/realms/alpha"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def key(kid: str, alg: str = "ES256", **times: object) -> KeyRecord:
    values: dict[str, object] = {"activates_at": T0, **times}
    return KeyRecord(
        kid=kid,
        realm_id="rlm_x",
        issuer=str(values.pop("issuer", ISSUER)),
        alg=alg,  # type: ignore[arg-type]
        public_jwk={"kty": "EC", "kid": kid},
        sealed_private_key="sealed",
        created_at=T0,
        **values,  # type: ignore[arg-type]
    )


def test_s2_rotation_walks_next_active_retiring_retired():
    old = key("key_a", superseded_at=at(60), retire_after=at(360))
    new = key("key_b", activates_at=at(60))
    assert [status(old, ISSUER, at(0)), status(new, ISSUER, at(0))] == ["active", "next"]
    assert signer([old, new], "ES256", ISSUER, at(59)) is old
    assert [status(old, ISSUER, at(60)), status(new, ISSUER, at(60))] == ["retiring", "active"]
    assert signer([old, new], "ES256", ISSUER, at(60)) is new
    assert status(old, ISSUER, at(359)) == "retiring"
    assert status(old, ISSUER, at(360)) == "retired"


def test_hostile_65_revocation_wins_over_every_time():
    for moment in (at(-10), at(0), at(1000)):
        assert status(key("key_a", revoked_at=at(5)), ISSUER, moment) == "revoked"
    assert signer([key("key_a", revoked_at=at(0))], "ES256", ISSUER, at(1)) is None


def test_s2_a_key_bound_to_another_issuer_never_signs_and_is_not_published():
    moved = key("key_a", issuer="http://127.0.0.1:8000/realms/alpha")
    assert status(moved, ISSUER, at(1)) == "retired"
    assert signer([moved], "ES256", ISSUER, at(1)) is None


def test_a_superseded_key_does_not_come_back_when_its_successor_is_revoked():
    old = key("key_a", superseded_at=at(60), retire_after=at(360))
    new = key("key_b", activates_at=at(60), revoked_at=at(100))
    assert status(old, ISSUER, at(120)) == "retiring"
    assert signer([old, new], "ES256", ISSUER, at(120)) is None


def test_signer_picks_the_algorithm_asked_for_and_the_newest_active_key():
    es = key("key_a")
    rs = key("key_b", alg="RS256")
    later = key("key_c", activates_at=at(1))
    assert signer([es, rs], "RS256", ISSUER, at(0)) is rs
    assert signer([es, later, rs], "ES256", ISSUER, at(2)) is later


def test_views_are_oldest_first_and_carry_no_private_material():
    listed = views([key("key_b"), key("key_a")], ISSUER, at(0))
    assert [item.kid for item in listed] == ["key_a", "key_b"]
    assert all(item.private_pem == b"" for item in listed)


def test_signing_key_hides_its_private_pem_from_repr_and_is_frozen():
    signing = view(key("key_a"), "active", b"-----BEGIN PRIVATE KEY-----")
    assert "PRIVATE" not in repr(signing) and "sealed" not in repr(key("key_a"))
    with pytest.raises(AttributeError):
        signing.status = "revoked"  # type: ignore[misc]
    assert isinstance(signing, SigningKey)


def test_the_signer_is_remembered_only_until_the_next_moment_a_status_changes_by_time():
    """A node may keep its chosen signer until then; a rotation taking effect must not be missed."""
    old = key("key_a", superseded_at=at(60), retire_after=at(360))
    new = key("key_b", activates_at=at(60))
    assert next_change([old, new], at(0)) == at(60)
    assert next_change([old, new], at(60)) == at(360)
    assert next_change([old, new], at(360)) is None
    for moment in (0, 30, 59.9):
        assert signer([old, new], "ES256", ISSUER, at(moment)) is old
