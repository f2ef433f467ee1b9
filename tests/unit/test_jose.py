"""SPEC S2 / HOSTILE 11, 40, 66: what token verification refuses."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from tenantry.protocols.jose import TYP_ACCESS, TYP_ID, TYP_LOGOUT, InvalidToken, JoseKey, sign, verify

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
ISSUER = "https://login.example.com/realms/a"


def _pair(kind: str, kid: str) -> tuple[JoseKey, JoseKey]:
    if kind == "ES256":
        key = ECKey.generate_key("P-256", parameters={"kid": kid})
    else:
        key = RSAKey.generate_key(2048, parameters={"kid": kid})
    return JoseKey(kid, kind, key.as_dict(private=True)), JoseKey(kid, kind, key.as_dict(private=False))


ES_PRIVATE, ES_PUBLIC = _pair("ES256", "es-1")
RS_PRIVATE, RS_PUBLIC = _pair("RS256", "rs-1")
OTHER_PRIVATE, OTHER_PUBLIC = _pair("ES256", "es-other")


def _claims(**overrides: object) -> dict[str, object]:
    moment = int(NOW.timestamp())
    return {"iss": ISSUER, "sub": "usr_1", "aud": "api", "iat": moment, "exp": moment + 300, **overrides}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge(header: dict, claims: dict, signature: bytes = b"") -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64(signature)}"


def _verify(token: str, typ: str = TYP_ACCESS, **kwargs: object) -> dict:
    return verify(token, [ES_PUBLIC, RS_PUBLIC], typ=typ, issuer=ISSUER, now=kwargs.pop("now", NOW), **kwargs)


def test_a_token_we_signed_verifies():
    token = sign(_claims(), ES_PRIVATE, TYP_ACCESS)
    assert _verify(token, audience="api")["sub"] == "usr_1"


def test_hostile_11_alg_none_is_refused():
    token = _forge({"alg": "none", "kid": "es-1", "typ": TYP_ACCESS}, _claims())
    with pytest.raises(InvalidToken):
        _verify(token)


def test_hostile_11_hs256_keyed_with_our_public_key_is_refused():
    public_pem = RSAKey.import_key(dict(RS_PUBLIC.jwk)).as_pem(private=False)
    header = {"alg": "HS256", "kid": "rs-1", "typ": TYP_ACCESS}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(_claims()).encode())}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(InvalidToken):
        _verify(f"{signing_input}.{_b64(mac)}")


def test_s2_an_algorithm_other_than_the_keys_own_is_refused():
    token = sign(_claims(), ES_PRIVATE, TYP_ACCESS)
    relabelled = JoseKey("es-1", "RS256", ES_PUBLIC.jwk)
    with pytest.raises(InvalidToken):
        verify(token, [relabelled], typ=TYP_ACCESS, issuer=ISSUER, now=NOW)


@pytest.mark.parametrize("field", ["jku", "x5u", "jwk"])
def test_hostile_11_foreign_key_headers_are_never_followed(field):
    """A token signed by the attacker's key, pointing at that key, still needs one of ours."""
    attacker = OTHER_PRIVATE
    value = dict(OTHER_PUBLIC.jwk) if field == "jwk" else "https://evil.example/keys"
    token = jwt.encode(
        {"alg": "ES256", "kid": "es-other", "typ": TYP_ACCESS, field: value},
        _claims(),
        ECKey.import_key(dict(attacker.jwk)),
    )
    with pytest.raises(InvalidToken, match="unknown kid"):
        _verify(token)


def test_hostile_40_a_token_of_another_realms_key_is_refused():
    token = sign(_claims(), OTHER_PRIVATE, TYP_ACCESS)
    with pytest.raises(InvalidToken):
        _verify(token)


def test_hostile_40_a_rewritten_issuer_is_refused():
    token = sign(_claims(iss="https://login.example.com/realms/b"), ES_PRIVATE, TYP_ACCESS)
    with pytest.raises(InvalidToken, match="issuer"):
        _verify(token)


@pytest.mark.parametrize(("issued_as", "used_as"), [(TYP_ID, TYP_ACCESS), (TYP_ACCESS, TYP_ID), (TYP_LOGOUT, TYP_ID)])
def test_hostile_11_a_token_of_one_type_is_refused_as_another(issued_as, used_as):
    token = sign(_claims(), RS_PRIVATE, issued_as)
    with pytest.raises(InvalidToken, match="type"):
        _verify(token, typ=used_as)


def test_s2_a_tampered_payload_is_refused():
    head, _, sig = sign(_claims(), ES_PRIVATE, TYP_ACCESS).split(".")
    body = _b64(json.dumps(_claims(sub="usr_admin")).encode())
    with pytest.raises(InvalidToken):
        _verify(f"{head}.{body}.{sig}")


@pytest.mark.parametrize("minutes", [-4, 4])
def test_hostile_66_four_minutes_of_clock_skew_are_tolerated(minutes):
    token = sign(_claims(), ES_PRIVATE, TYP_ACCESS)
    late = NOW + timedelta(seconds=300) + timedelta(minutes=4) if minutes > 0 else NOW + timedelta(minutes=minutes)
    assert _verify(token, now=late)["sub"] == "usr_1"


def test_hostile_66_ten_minutes_past_exp_is_refused():
    token = sign(_claims(), ES_PRIVATE, TYP_ACCESS)
    with pytest.raises(InvalidToken, match="expired"):
        _verify(token, now=NOW + timedelta(seconds=300) + timedelta(minutes=10))


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_hostile_66_ten_minutes_in_the_future_is_refused(claim):
    future = int((NOW + timedelta(minutes=10)).timestamp())
    token = sign(_claims(**{claim: future, "exp": future + 300}), ES_PRIVATE, TYP_ACCESS)
    with pytest.raises(InvalidToken, match="future"):
        _verify(token)


def test_s2_a_token_without_exp_is_refused():
    claims = _claims()
    claims.pop("exp")
    with pytest.raises(InvalidToken):
        _verify(sign(claims, ES_PRIVATE, TYP_ACCESS))


@pytest.mark.parametrize("garbage", ["", "a.b", "a.b.c", "x" * 50, "..", "e30.e30.e30"])
def test_s2_garbage_is_refused_without_crashing(garbage):
    with pytest.raises(InvalidToken):
        _verify(garbage)


def test_s2_the_audience_is_checked_when_asked():
    token = sign(_claims(aud=["api", "other"]), ES_PRIVATE, TYP_ACCESS)
    assert _verify(token, audience="other")
    with pytest.raises(InvalidToken, match="audience"):
        _verify(token, audience="billing")


@pytest.mark.parametrize(("private", "public"), [(ES_PRIVATE, ES_PUBLIC), (RS_PRIVATE, RS_PUBLIC)])
def test_our_compact_form_and_joserfcs_agree_both_ways(private, public):
    """Signing and verifying are ours (for speed); an independent implementation must accept them and vice versa."""
    ours = sign(_claims(), private, TYP_ACCESS)
    theirs_key = (ECKey if private.alg == "ES256" else RSAKey).import_key(dict(public.jwk))
    assert jwt.decode(ours, theirs_key, algorithms=[private.alg]).claims["sub"] == "usr_1"
    signing_key = (ECKey if private.alg == "ES256" else RSAKey).import_key(dict(private.jwk))
    theirs = jwt.encode({"alg": private.alg, "kid": private.kid, "typ": TYP_ACCESS}, _claims(), signing_key)
    assert _verify(theirs)["sub"] == "usr_1"


def test_s2_an_es256_signature_in_der_form_or_of_the_wrong_length_is_refused():
    head, body, sig = sign(_claims(), ES_PRIVATE, TYP_ACCESS).split(".")
    raw = base64.urlsafe_b64decode(sig + "==")
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    for signature in (der, raw[:-1], raw + b"\0", b""):
        with pytest.raises(InvalidToken):
            _verify(f"{head}.{body}.{_b64(signature)}")


def test_s2_a_payload_that_is_not_a_json_object_is_refused_even_when_signed():
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    header = _b64(json.dumps({"alg": "ES256", "kid": "es-1", "typ": TYP_ACCESS}).encode())
    signing_input = f"{header}.{_b64(b'[1,2]')}"
    private = ECKey.import_key(dict(ES_PRIVATE.jwk)).private_key
    r, s = decode_dss_signature(private.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    with pytest.raises(InvalidToken, match="JSON object"):
        _verify(f"{signing_input}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}")
