"""WebAuthn passkeys as a second factor, with py_webauthn (W3C WebAuthn Level 2, sections 7.1 and 7.2).

The relying party id is the host of the realm's issuer and the expected origin is the issuer's
origin, so a passkey made for one realm's host is useless at another's. Verification failures of
any kind become ``None``: the caller counts them as a failed second factor.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

CHALLENGE_BYTES = 32
TIMEOUT_MS = 120_000


@dataclass(frozen=True, slots=True)
class RelyingParty:
    id: str
    name: str
    origin: str

    @classmethod
    def of(cls, issuer: str, name: str) -> RelyingParty:
        parts = urlsplit(issuer)
        return cls(id=parts.hostname or "", name=name, origin=f"{parts.scheme}://{parts.netloc}")


@dataclass(frozen=True, slots=True)
class NewPasskey:
    credential_id: str
    public_key: str
    sign_count: int


def new_challenge() -> str:
    return bytes_to_base64url(secrets.token_bytes(CHALLENGE_BYTES))


def registration_options(rp: RelyingParty, user_id: str, email: str, challenge: str, existing: list[str]) -> str:
    """Options for ``navigator.credentials.create``; the user's passkeys are excluded (no duplicates)."""
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=user_id.encode(),
        user_name=email,
        user_display_name=email,
        challenge=base64url_to_bytes(challenge),
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.PREFERRED
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(item)) for item in existing],
    )
    return str(options_to_json(options))


def authentication_options(rp: RelyingParty, challenge: str, credential_ids: list[str]) -> str:
    """Options for ``navigator.credentials.get`` naming only this user's passkeys."""
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=base64url_to_bytes(challenge),
        timeout=TIMEOUT_MS,
        allow_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(item)) for item in credential_ids],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return str(options_to_json(options))


def verify_registration(rp: RelyingParty, challenge: str, credential: str) -> NewPasskey | None:
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError):
        return None
    return NewPasskey(
        bytes_to_base64url(verified.credential_id),
        bytes_to_base64url(verified.credential_public_key),
        verified.sign_count,
    )


def credential_id_of(credential: str) -> str | None:
    """The credential id an assertion names (to find the stored passkey before verifying it)."""
    try:
        parsed = json.loads(credential)
        value = parsed.get("rawId") or parsed.get("id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and 0 < len(value) <= 1400 else None


def verify_assertion(rp: RelyingParty, challenge: str, credential: str, public_key: str, sign_count: int) -> int | None:
    """The authenticator's new sign count, or None; a counter that did not move forward is refused."""
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=base64url_to_bytes(public_key),
            credential_current_sign_count=sign_count,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError):
        return None
    return int(verified.new_sign_count)
