"""Building the Response and its Assertion, and signing both (SAML Core 2.3.3, 3.3.3; Profiles 4.1.4.2).

The assertion is signed on its own first (its Signature right after its Issuer, as the schema
wants), then placed in the Response, which is signed last; exclusive C14N keeps the inner
signature valid inside the outer document.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.signer import XMLSigner

from . import names
from .attributes import Attribute
from .encryption import encrypt

NSMAP = {"samlp": names.PROTOCOL, "saml": names.ASSERTION}
SKEW = timedelta(seconds=60)
"""NotBefore lies this far in the past, so an SP whose clock is a little behind accepts the assertion."""


@dataclass(frozen=True, slots=True)
class Signer:
    private_pem: bytes
    certificate_pem: bytes


@dataclass(frozen=True, slots=True)
class Grant:
    """What one assertion says: who, to whom, for how long, with which attributes."""

    issuer: str
    destination: str
    audience: str
    in_response_to: str | None
    name_id: str
    name_id_format: str
    attributes: Sequence[Attribute]
    session_index: str
    auth_instant: datetime
    now: datetime
    lifetime: timedelta


def new_id() -> str:
    """xs:ID values must not start with a digit: a 160-bit random id behind an underscore."""
    return "_" + secrets.token_hex(20)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _el(parent: etree._Element, namespace: str, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, names.tag(namespace, name), attrs)
    if text is not None:
        element.text = text
    return element


def _placeholder(after: etree._Element) -> None:
    after.addnext(etree.Element(names.tag(names.DSIG, "Signature"), {"Id": "placeholder"}, nsmap={"ds": names.DSIG}))


def _sign(element: etree._Element, signer: Signer) -> etree._Element:
    xml_signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    xml_signer.namespaces = {"ds": names.DSIG}
    signed: etree._Element = xml_signer.sign(
        element, key=signer.private_pem, cert=signer.certificate_pem.decode(), reference_uri=element.get("ID")
    )
    return signed


def assertion(grant: Grant, signer: Signer | None) -> etree._Element:
    now, until = grant.now, grant.now + grant.lifetime
    root = etree.Element(
        names.tag(names.ASSERTION, "Assertion"),
        {"ID": new_id(), "Version": "2.0", "IssueInstant": _utc(now)},
        nsmap={"saml": names.ASSERTION},
    )
    issuer = _el(root, names.ASSERTION, "Issuer", grant.issuer)
    subject = _el(root, names.ASSERTION, "Subject")
    _el(subject, names.ASSERTION, "NameID", grant.name_id, Format=grant.name_id_format)
    confirmation = _el(subject, names.ASSERTION, "SubjectConfirmation", Method=names.BEARER)
    data = {"NotOnOrAfter": _utc(until), "Recipient": grant.destination}
    if grant.in_response_to:
        data["InResponseTo"] = grant.in_response_to
    _el(confirmation, names.ASSERTION, "SubjectConfirmationData", **data)
    conditions = _el(root, names.ASSERTION, "Conditions", NotBefore=_utc(now - SKEW), NotOnOrAfter=_utc(until))
    restriction = _el(conditions, names.ASSERTION, "AudienceRestriction")
    _el(restriction, names.ASSERTION, "Audience", grant.audience)
    statement = _el(
        root,
        names.ASSERTION,
        "AuthnStatement",
        AuthnInstant=_utc(grant.auth_instant),
        SessionIndex=grant.session_index,
        SessionNotOnOrAfter=_utc(until),
    )
    context = _el(statement, names.ASSERTION, "AuthnContext")
    _el(context, names.ASSERTION, "AuthnContextClassRef", names.PASSWORD_PROTECTED)
    if grant.attributes:
        attributes = _el(root, names.ASSERTION, "AttributeStatement")
        for item in grant.attributes:
            attribute = _el(
                attributes,
                names.ASSERTION,
                "Attribute",
                Name=item.name,
                NameFormat=names.NAME_FORMATS[item.name_format],
            )
            for value in item.values:
                _el(attribute, names.ASSERTION, "AttributeValue", value)
    if signer is None:
        return root
    _placeholder(issuer)
    return _sign(root, signer)


def response(
    grant: Grant,
    signer: Signer,
    *,
    sign_response: bool,
    sign_assertion: bool,
    status: str = names.SUCCESS,
    encrypt_to: str | None = None,
) -> bytes:
    """The serialized Response; a non-success status carries no assertion. ``encrypt_to``: the SP's PEM certificate."""
    root = etree.Element(
        names.tag(names.PROTOCOL, "Response"),
        {"ID": new_id(), "Version": "2.0", "IssueInstant": _utc(grant.now), "Destination": grant.destination},
        nsmap=NSMAP,
    )
    if grant.in_response_to:
        root.set("InResponseTo", grant.in_response_to)
    issuer = _el(root, names.ASSERTION, "Issuer", grant.issuer)
    code = _el(_el(root, names.PROTOCOL, "Status"), names.PROTOCOL, "StatusCode", Value=status)
    if status != names.SUCCESS:
        code.set("Value", names.RESPONDER)
        _el(code, names.PROTOCOL, "StatusCode", Value=status)
    else:
        signed = assertion(grant, signer if sign_assertion else None)
        root.append(encrypt(signed, encrypt_to) if encrypt_to else signed)
    if sign_response:
        _placeholder(issuer)
        root = _sign(root, signer)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
