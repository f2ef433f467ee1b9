"""Refusals of the SAML IdP endpoints. None of them sends anything to an SP: they are shown locally."""

from __future__ import annotations


class SamlError(Exception):
    """A request we refuse on our own page, never at an ACS we could not trust (I4, HOSTILE 32)."""

    error = "invalid_saml_request"
    status = 400

    def __init__(self, description: str):
        super().__init__(description)
        self.description = description


class MalformedRequest(SamlError):
    """The message is not a well-formed, small, DTD-free SAML protocol message."""

    error = "malformed_saml_request"


class UnknownServiceProvider(SamlError):
    """SAML Core 3.2.1: the Issuer is not the service provider this endpoint serves."""

    error = "unknown_service_provider"


class UnregisteredAcs(SamlError):
    """SAML Profiles 4.1.4.1: the assertion may go only to an ACS registered for this SP."""

    error = "unregistered_acs"


class ForeignRelayState(SamlError):
    """RelayState naming another site is refused: it must never become an open redirect."""

    error = "invalid_relay_state"


class StaleRequest(SamlError):
    """The AuthnRequest was issued too long ago, or in the future."""

    error = "stale_saml_request"


class ReplayedRequest(SamlError):
    """An AuthnRequest id is accepted once."""

    error = "replayed_saml_request"


class MissingAttributes(SamlError):
    """I3: a required attribute has no value, so no assertion is sent."""

    error = "saml_attributes_missing"
    status = 403

    def __init__(self, names: list[str]):
        super().__init__(
            "Your account lacks what this application needs: " + ", ".join(names) + ". Ask your administrator."
        )
        self.names = names
