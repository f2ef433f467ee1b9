"""SAML 2.0 Web Browser SSO as a service provider (SAML Profiles 4.1; SPEC S3).

A Response is read by an explicit, ordered list of checks. The signature is verified with the
connection's pinned certificates only (KeyInfo is never trusted), and every identity field is
read from the element the signature covers (``signed_xml``), never from the document around it;
the document must hold exactly one Response and one Assertion, so a wrapped copy (XSW1-8) has
nowhere to hide.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from lxml import etree
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature
from signxml.verifier import SignatureConfiguration, XMLVerifier

from tenantry.core.federation import SamlUpstream

from .xml import MAX_XML_BYTES, UnsafeXml, parse

PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
NS = {"samlp": PROTOCOL, "saml": ASSERTION, "ds": DSIG}
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
SKEW = timedelta(minutes=3)
ALLOWED_TRANSFORMS = frozenset(
    {
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    }
)
ALLOWED_C14N = frozenset({"http://www.w3.org/2001/10/xml-exc-c14n#", "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"})


class SamlRefused(Exception):
    """A Response that must not log anyone in; ``reason`` is a stable code for logs and the error page."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ServiceProvider:
    entity_id: str
    acs_url: str


@dataclass(frozen=True, slots=True)
class Expected:
    """What the Response must match: our SP, the connection's IdP, the request this browser sent, the time."""

    sp: ServiceProvider
    idp: SamlUpstream
    request_id: str | None
    """None at the ACS, which has no cookie: the Response must then name a request, checked later (HOSTILE 29)."""
    now: datetime


@dataclass(frozen=True, slots=True)
class SamlAssertion:
    id: str
    issuer: str
    name_id: str
    name_id_format: str | None
    in_response_to: str
    not_on_or_after: datetime
    attributes: dict[str, list[str]] = field(default_factory=dict)


def _decode(saml_response: str) -> bytes:
    if len(saml_response) > MAX_XML_BYTES * 4 // 3 + 4:
        raise SamlRefused("document_too_large")
    try:
        return base64.b64decode(saml_response.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise SamlRefused("not_base64") from exc


def _time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise SamlRefused(f"bad_{name}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _text(element: etree._Element | None) -> str | None:
    """The text of a leaf element; an element with children is refused (no mixed or wrapped content)."""
    if element is None:
        return None
    if len(element):
        raise SamlRefused("unexpected_markup")
    return (element.text or "").strip()


def check_shape(root: etree._Element) -> etree._Element:
    """One Response at the root, one Assertion as its direct child, no EncryptedAssertion (HOSTILE 20-22, 27)."""
    if root.tag != f"{{{PROTOCOL}}}Response":
        raise SamlRefused("not_a_response")
    if root.find(".//samlp:Response", NS) is not None:
        raise SamlRefused("wrapped_response")
    if root.find(".//saml:EncryptedAssertion", NS) is not None:
        raise SamlRefused("encrypted_assertion_unsupported")
    assertions = root.findall(".//saml:Assertion", NS)
    if len(assertions) != 1:
        raise SamlRefused("assertion_count")
    assertion = assertions[0]
    if assertion.getparent() is not root:
        raise SamlRefused("misplaced_assertion")
    return assertion


def check_status(root: etree._Element) -> None:
    code = root.find("samlp:Status/samlp:StatusCode", NS)
    if code is None or code.get("Value") != SUCCESS:
        raise SamlRefused("status_not_success")


def _signature_rules(signature: etree._Element, element_id: str | None) -> None:
    """HOSTILE 25: one Reference to ``#ID`` of the signed element, known c14n, no XSLT or XPath transforms."""
    references = signature.findall("ds:SignedInfo/ds:Reference", NS)
    if not element_id or len(references) != 1 or references[0].get("URI") != f"#{element_id}":
        raise SamlRefused("bad_reference")
    method = signature.find("ds:SignedInfo/ds:CanonicalizationMethod", NS)
    if method is None or method.get("Algorithm") not in ALLOWED_C14N:
        raise SamlRefused("bad_canonicalization")
    for transform in references[0].findall("ds:Transforms/ds:Transform", NS):
        if transform.get("Algorithm") not in ALLOWED_TRANSFORMS:
            raise SamlRefused("bad_transform")


def _verified(root: etree._Element, location: str, certificates: list[str]) -> etree._Element:
    config = SignatureConfiguration(location=location, expect_references=1)
    for pem in certificates:
        try:
            result = XMLVerifier().verify(root, x509_cert=pem, expect_config=config)
        except (InvalidSignature, InvalidDigest, InvalidCertificate, InvalidInput):
            continue
        signed = getattr(result, "signed_xml", None)
        if signed is not None:
            return signed  # type: ignore[no-any-return]
    raise SamlRefused("signature_invalid")


def signed_assertion(root: etree._Element, assertion: etree._Element, certificates: list[str]) -> etree._Element:
    """The Assertion as the pinned key signed it: through a signed Response, or its own signature."""
    response_signature = root.find("ds:Signature", NS)
    if response_signature is not None:
        _signature_rules(response_signature, root.get("ID"))
        signed = _verified(root, "./", certificates)
        if signed.tag != root.tag or signed.get("ID") != root.get("ID"):
            raise SamlRefused("signature_elsewhere")
        inner = signed.findall("saml:Assertion", NS)
        if len(inner) != 1 or inner[0].get("ID") != assertion.get("ID"):
            raise SamlRefused("assertion_count")
        return inner[0]
    own_signature = assertion.find("ds:Signature", NS)
    if own_signature is None:
        raise SamlRefused("unsigned")
    _signature_rules(own_signature, assertion.get("ID"))
    signed = _verified(root, f"./{{{ASSERTION}}}Assertion/", certificates)
    if signed.tag != assertion.tag or signed.get("ID") != assertion.get("ID"):
        raise SamlRefused("signature_elsewhere")
    return signed


def check_response(root: etree._Element, expected: Expected) -> None:
    """The Response's own envelope: where it was sent, what it answers, who sent it (HOSTILE 29, 30)."""
    if root.get("Destination") != expected.sp.acs_url:
        raise SamlRefused("wrong_destination")
    in_response_to = root.get("InResponseTo")
    if not in_response_to:
        raise SamlRefused("unsolicited")
    if expected.request_id is not None and in_response_to != expected.request_id:
        raise SamlRefused("wrong_in_response_to")
    issuer = root.find("saml:Issuer", NS)
    if issuer is not None and _text(issuer) != expected.idp.entity_id:
        raise SamlRefused("wrong_issuer")


def check_subject(root: etree._Element, assertion: etree._Element, expected: Expected) -> datetime:
    """A bearer confirmation for our ACS, answering our request, still valid; returns its NotOnOrAfter."""
    confirmations = assertion.findall("saml:Subject/saml:SubjectConfirmation", NS)
    for confirmation in confirmations:
        data = confirmation.find("saml:SubjectConfirmationData", NS)
        if confirmation.get("Method") != BEARER or data is None:
            continue
        if data.get("Recipient") != expected.sp.acs_url:
            raise SamlRefused("wrong_recipient")
        if not data.get("InResponseTo") or data.get("InResponseTo") != root.get("InResponseTo"):
            raise SamlRefused("wrong_in_response_to")
        until = _time(data.get("NotOnOrAfter"), "not_on_or_after")
        if until is None or expected.now >= until + SKEW:
            raise SamlRefused("expired")
        return until
    raise SamlRefused("no_bearer_confirmation")


def check_conditions(assertion: etree._Element, expected: Expected) -> datetime | None:
    conditions = assertion.find("saml:Conditions", NS)
    if conditions is None:
        raise SamlRefused("no_conditions")
    not_before = _time(conditions.get("NotBefore"), "not_before")
    until = _time(conditions.get("NotOnOrAfter"), "not_on_or_after")
    if not_before is not None and not_before > expected.now + SKEW:
        raise SamlRefused("not_yet_valid")
    if until is not None and expected.now >= until + SKEW:
        raise SamlRefused("expired")
    restrictions = conditions.findall("saml:AudienceRestriction", NS)
    if not restrictions:
        raise SamlRefused("no_audience")
    for restriction in restrictions:
        if expected.sp.entity_id not in {_text(a) for a in restriction.findall("saml:Audience", NS)}:
            raise SamlRefused("wrong_audience")
    return until


def read_assertion(assertion: etree._Element, expected: Expected, until: datetime) -> SamlAssertion:
    confirmation = assertion.find("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", NS)
    in_response_to = confirmation.get("InResponseTo") if confirmation is not None else None
    if not in_response_to:
        raise SamlRefused("unsolicited")
    issuer = _text(assertion.find("saml:Issuer", NS))
    if issuer != expected.idp.entity_id:
        raise SamlRefused("wrong_issuer")
    name_id = assertion.find("saml:Subject/saml:NameID", NS)
    subject = _text(name_id)
    if not subject or name_id is None:
        raise SamlRefused("no_subject")
    if assertion.find("saml:AuthnStatement", NS) is None:
        raise SamlRefused("no_authn_statement")
    attributes: dict[str, list[str]] = {}
    for attribute in assertion.findall("saml:AttributeStatement/saml:Attribute", NS):
        name = attribute.get("Name")
        if name:
            values = [_text(value) or "" for value in attribute.findall("saml:AttributeValue", NS)]
            attributes.setdefault(name, []).extend(values)
    return SamlAssertion(
        id=assertion.get("ID") or "",
        issuer=issuer,
        name_id=subject,
        name_id_format=name_id.get("Format"),
        in_response_to=in_response_to,
        not_on_or_after=until,
        attributes=attributes,
    )


def read_response(saml_response: str, expected: Expected) -> SamlAssertion:
    """Every check of S3 in order; the caller still records the assertion id in the replay cache."""
    try:
        root = parse(_decode(saml_response))
    except UnsafeXml as exc:
        raise SamlRefused(exc.reason) from exc
    assertion = check_shape(root)
    check_status(root)
    signed = signed_assertion(root, assertion, expected.idp.certificates)
    check_response(root, expected)
    until = check_subject(root, signed, expected)
    conditions_until = check_conditions(signed, expected)
    return read_assertion(signed, expected, min(until, conditions_until or until))
