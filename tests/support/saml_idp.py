"""A signing SAML IdP for tests: real RSA keys and certificates, real XML signatures (signxml), and the
hostile rewrites of the SAML attacks catalogue applied to its genuine output."""

from __future__ import annotations

import base64
import copy
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner
from signxml.algorithms import CanonicalizationMethod

PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
NS = {"samlp": PROTOCOL, "saml": ASSERTION, "ds": DSIG}
EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"


@dataclass(frozen=True)
class KeyPair:
    key_pem: bytes
    cert_pem: str


def key_pair(common_name: str = "test idp") -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return KeyPair(key_pem, cert.public_bytes(serialization.Encoding.PEM).decode())


def _instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Claims:
    """What one response asserts; every field can be made wrong by a test."""

    issuer: str
    audience: str
    acs: str
    in_response_to: str | None
    name_id: str = "alice@acme.example.com"
    destination: str | None = None
    recipient: str | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    lifetime: timedelta = timedelta(minutes=5)
    attributes: dict[str, list[str]] = field(default_factory=dict)


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag, **attrs)
    if text is not None:
        element.text = text
    return element


def assertion(claims: Claims) -> etree._Element:
    until = _instant(claims.now + claims.lifetime)
    node = etree.Element(
        f"{{{ASSERTION}}}Assertion",
        nsmap={"saml": ASSERTION},
        ID=f"_a{secrets.token_hex(16)}",
        Version="2.0",
        IssueInstant=_instant(claims.now),
    )
    _sub(node, f"{{{ASSERTION}}}Issuer", claims.issuer)
    subject = _sub(node, f"{{{ASSERTION}}}Subject")
    _sub(subject, f"{{{ASSERTION}}}NameID", claims.name_id, Format=EMAIL_FORMAT)
    confirmation = _sub(subject, f"{{{ASSERTION}}}SubjectConfirmation", Method="urn:oasis:names:tc:SAML:2.0:cm:bearer")
    data = {"Recipient": claims.recipient or claims.acs, "NotOnOrAfter": until}
    if claims.in_response_to:
        data["InResponseTo"] = claims.in_response_to
    _sub(confirmation, f"{{{ASSERTION}}}SubjectConfirmationData", **data)
    conditions = _sub(
        node, f"{{{ASSERTION}}}Conditions", NotBefore=_instant(claims.now - timedelta(seconds=30)), NotOnOrAfter=until
    )
    restriction = _sub(conditions, f"{{{ASSERTION}}}AudienceRestriction")
    _sub(restriction, f"{{{ASSERTION}}}Audience", claims.audience)
    statement = _sub(node, f"{{{ASSERTION}}}AuthnStatement", AuthnInstant=_instant(claims.now))
    context = _sub(statement, f"{{{ASSERTION}}}AuthnContext")
    _sub(context, f"{{{ASSERTION}}}AuthnContextClassRef", "urn:oasis:names:tc:SAML:2.0:ac:classes:Password")
    if claims.attributes:
        attributes = _sub(node, f"{{{ASSERTION}}}AttributeStatement")
        for name, values in claims.attributes.items():
            attribute = _sub(attributes, f"{{{ASSERTION}}}Attribute", Name=name)
            for value in values:
                _sub(attribute, f"{{{ASSERTION}}}AttributeValue", value)
    return node


def sign(element: etree._Element, keys: KeyPair) -> etree._Element:
    """Enveloped RSA-SHA256 signature placed right after Issuer, as SAML's schema wants."""
    placeholder = etree.Element(f"{{{DSIG}}}Signature", Id="placeholder", nsmap={"ds": DSIG})
    element.insert(1, placeholder)
    signer = XMLSigner(
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signed = signer.sign(element, key=keys.key_pem, cert=keys.cert_pem, reference_uri=element.get("ID"))
    return etree.fromstring(etree.tostring(signed))


def response(
    claims: Claims, keys: KeyPair, *, sign_assertion: bool = True, sign_response: bool = False
) -> etree._Element:
    node = etree.Element(
        f"{{{PROTOCOL}}}Response",
        nsmap={"samlp": PROTOCOL, "saml": ASSERTION},
        ID=f"_r{secrets.token_hex(16)}",
        Version="2.0",
        IssueInstant=_instant(claims.now),
        Destination=claims.destination or claims.acs,
    )
    if claims.in_response_to:
        node.set("InResponseTo", claims.in_response_to)
    _sub(node, f"{{{ASSERTION}}}Issuer", claims.issuer)
    status = _sub(node, f"{{{PROTOCOL}}}Status")
    _sub(status, f"{{{PROTOCOL}}}StatusCode", Value="urn:oasis:names:tc:SAML:2.0:status:Success")
    made = assertion(claims)
    node.append(sign(made, keys) if sign_assertion else made)
    return sign(node, keys) if sign_response else node


def encoded(element: etree._Element | bytes) -> str:
    raw = element if isinstance(element, bytes) else etree.tostring(element)
    return base64.b64encode(raw).decode()


def the_assertion(root: etree._Element) -> etree._Element:
    return root.find("saml:Assertion", NS)


def evil_copy(original: etree._Element, name_id: str = "ceo@acme.example.com") -> etree._Element:
    """The attacker's forgery: the same element with another subject, its signature left as it was."""
    evil = copy.deepcopy(original)
    for node in evil.iter(f"{{{ASSERTION}}}NameID"):
        node.text = name_id
    return evil
