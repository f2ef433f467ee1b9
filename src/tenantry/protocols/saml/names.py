"""SAML 2.0 namespaces, bindings and status codes (SAML Core and Bindings, OASIS 2005)."""

from __future__ import annotations

PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"
METADATA = "urn:oasis:names:tc:SAML:2.0:metadata"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
XENC = "http://www.w3.org/2001/04/xmlenc#"
NAMESPACES = {"samlp": PROTOCOL, "saml": ASSERTION, "md": METADATA, "ds": DSIG, "xenc": XENC}

HTTP_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
HTTP_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"

SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
RESPONDER = "urn:oasis:names:tc:SAML:2.0:status:Responder"
REQUEST_DENIED = "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"
NO_PASSIVE = "urn:oasis:names:tc:SAML:2.0:status:NoPassive"

BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
PASSWORD_PROTECTED = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"  # noqa: S105 - a class name
NAME_FORMATS = {
    "basic": "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
    "uri": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
    "unspecified": "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified",
}


def tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"
