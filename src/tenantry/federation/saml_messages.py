"""What the SAML service provider sends and publishes: the AuthnRequest over HTTP-Redirect (SAML Bindings
3.4), the SP metadata, and the import of an IdP's metadata (SAML Metadata 2.4.3)."""

from __future__ import annotations

import base64
import zlib
from datetime import datetime
from urllib.parse import urlencode

from lxml import etree

from tenantry.core.errors import InvalidInput
from tenantry.core.federation import MAX_PINNED_CERTIFICATES, SamlUpstream

from .saml_sp import ASSERTION, DSIG, PROTOCOL, ServiceProvider
from .xml import UnsafeXml, parse

METADATA = "urn:oasis:names:tc:SAML:2.0:metadata"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
UNSPECIFIED_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
MD = {"md": METADATA, "ds": DSIG}


def _instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def authn_request(sp: ServiceProvider, idp: SamlUpstream, request_id: str, now: datetime) -> bytes:
    request = etree.Element(
        f"{{{PROTOCOL}}}AuthnRequest",
        nsmap={"samlp": PROTOCOL, "saml": ASSERTION},
        ID=request_id,
        Version="2.0",
        IssueInstant=_instant(now),
        Destination=idp.sso_url,
        AssertionConsumerServiceURL=sp.acs_url,
        ProtocolBinding=POST,
    )
    etree.SubElement(request, f"{{{ASSERTION}}}Issuer").text = sp.entity_id
    etree.SubElement(request, f"{{{PROTOCOL}}}NameIDPolicy", Format=UNSPECIFIED_FORMAT, AllowCreate="true")
    return bytes(etree.tostring(request))


def redirect_url(sp: ServiceProvider, idp: SamlUpstream, request_id: str, now: datetime) -> str:
    """HTTP-Redirect binding: raw DEFLATE, base64, then the query string (no RelayState: the browser's
    sealed login transaction already says where to go next)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = compressor.compress(authn_request(sp, idp, request_id, now)) + compressor.flush()
    query = urlencode({"SAMLRequest": base64.b64encode(deflated).decode("ascii")})
    return f"{idp.sso_url}{'&' if '?' in idp.sso_url else '?'}{query}"


def sp_metadata(sp: ServiceProvider) -> bytes:
    descriptor = etree.Element(f"{{{METADATA}}}EntityDescriptor", nsmap={"md": METADATA}, entityID=sp.entity_id)
    role = etree.SubElement(
        descriptor,
        f"{{{METADATA}}}SPSSODescriptor",
        AuthnRequestsSigned="false",
        WantAssertionsSigned="true",
        protocolSupportEnumeration=PROTOCOL,
    )
    for name_format in (EMAIL_FORMAT, UNSPECIFIED_FORMAT):
        etree.SubElement(role, f"{{{METADATA}}}NameIDFormat").text = name_format
    etree.SubElement(
        role, f"{{{METADATA}}}AssertionConsumerService", Binding=POST, Location=sp.acs_url, index="0", isDefault="true"
    )
    return bytes(etree.tostring(descriptor, xml_declaration=True, encoding="UTF-8"))


def _pem(text: str) -> str:
    body = "".join(text.split())
    try:
        base64.b64decode(body, validate=True)
    except ValueError as exc:
        raise InvalidInput("a certificate in the metadata is not base64", code="invalid_idp_metadata") from exc
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def idp_from_metadata(xml: bytes) -> SamlUpstream:
    """The entity id, the HTTP-Redirect SSO endpoint and the signing certificates of one IdP."""
    try:
        root = parse(xml)
    except UnsafeXml as exc:
        raise InvalidInput("the IdP metadata is not acceptable XML", code="invalid_idp_metadata") from exc
    entities = [root] if root.tag == f"{{{METADATA}}}EntityDescriptor" else root.findall("md:EntityDescriptor", MD)
    idps = [e for e in entities if e.find("md:IDPSSODescriptor", MD) is not None]
    if len(idps) != 1:
        raise InvalidInput("the metadata must describe exactly one IdP", code="invalid_idp_metadata")
    role = idps[0].find("md:IDPSSODescriptor", MD)
    assert role is not None
    endpoint = next(
        (s.get("Location") for s in role.findall("md:SingleSignOnService", MD) if s.get("Binding") == REDIRECT), None
    )
    certificates = [
        _pem(certificate.text or "")
        for key in role.findall("md:KeyDescriptor", MD)
        if key.get("use") in (None, "signing")
        for certificate in key.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", MD)
    ]
    entity_id = idps[0].get("entityID")
    if not entity_id or not endpoint or not certificates:
        raise InvalidInput(
            "the IdP metadata needs an entityID, an HTTP-Redirect SSO endpoint and a signing certificate",
            code="invalid_idp_metadata",
        )
    return SamlUpstream(entity_id=entity_id, sso_url=endpoint, certificates=certificates[:MAX_PINNED_CERTIFICATES])
