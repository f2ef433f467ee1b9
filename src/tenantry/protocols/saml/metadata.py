"""Metadata (SAML Metadata 2.4.3, 2.4.4): the IdP's per application, and reading an SP's on import.

The IdP metadata lists every published signing certificate, so a certificate that will sign after
a rotation is known to the SP before the first response carries it (I5).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from . import names, xml
from .errors import MalformedRequest

NAME_ID_FORMATS = (
    "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
)


def der_base64(certificate_pem: bytes) -> str:
    """The certificate as ds:X509Certificate wants it: base64 DER, no PEM armour."""
    body = b"".join(line for line in certificate_pem.splitlines() if line and not line.startswith(b"-----"))
    return base64.b64encode(base64.b64decode(body)).decode()


def idp_metadata(entity_id: str, sso_url: str, certificates: Sequence[bytes]) -> bytes:
    root = etree.Element(
        names.tag(names.METADATA, "EntityDescriptor"),
        {"entityID": entity_id},
        nsmap={
            "md": names.METADATA,
            "ds": names.DSIG,
        },
    )
    descriptor = etree.SubElement(
        root,
        names.tag(names.METADATA, "IDPSSODescriptor"),
        {"WantAuthnRequestsSigned": "false", "protocolSupportEnumeration": names.PROTOCOL},
    )
    for certificate in certificates:
        key = etree.SubElement(descriptor, names.tag(names.METADATA, "KeyDescriptor"), {"use": "signing"})
        data = etree.SubElement(
            etree.SubElement(key, names.tag(names.DSIG, "KeyInfo")), names.tag(names.DSIG, "X509Data")
        )
        etree.SubElement(data, names.tag(names.DSIG, "X509Certificate")).text = der_base64(certificate)
    for name_id_format in NAME_ID_FORMATS:
        etree.SubElement(descriptor, names.tag(names.METADATA, "NameIDFormat")).text = name_id_format
    for binding in (names.HTTP_REDIRECT, names.HTTP_POST):
        etree.SubElement(
            descriptor, names.tag(names.METADATA, "SingleSignOnService"), {"Binding": binding, "Location": sso_url}
        )
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


@dataclass(frozen=True, slots=True)
class ServiceProvider:
    """What an SP's metadata tells us: its entity id, its HTTP-POST ACS URLs in index order, its keys."""

    entity_id: str
    acs_urls: list[str]
    name_id_format: str | None
    encryption_certificate: str | None


def _pem(der_b64: str) -> str:
    body = "".join(der_b64.split())
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def _index(element: etree._Element, position: int) -> tuple[int, int]:
    value = element.get("index", "")
    return (int(value) if value.isdigit() else position, position)


def read_sp_metadata(data: bytes) -> ServiceProvider:
    root = xml.parse(data)
    if root.tag == names.tag(names.METADATA, "EntitiesDescriptor"):
        found = root.findall(names.tag(names.METADATA, "EntityDescriptor"))
        if len(found) != 1:
            raise MalformedRequest("the metadata must describe exactly one entity")
        root = found[0]
    if root.tag != names.tag(names.METADATA, "EntityDescriptor") or not root.get("entityID"):
        raise MalformedRequest("not SAML metadata with an entityID")
    sp = root.find(names.tag(names.METADATA, "SPSSODescriptor"))
    if sp is None:
        raise MalformedRequest("the metadata has no SPSSODescriptor")
    services = [
        (_index(element, position), element.get("Location", ""))
        for position, element in enumerate(sp.findall(names.tag(names.METADATA, "AssertionConsumerService")))
        if element.get("Binding") == names.HTTP_POST and element.get("Location")
    ]
    if not services:
        raise MalformedRequest("the metadata has no HTTP-POST AssertionConsumerService")
    formats = [(item.text or "").strip() for item in sp.findall(names.tag(names.METADATA, "NameIDFormat"))]
    encryption = None
    for key in sp.findall(names.tag(names.METADATA, "KeyDescriptor")):
        certificate = key.find(f".//{names.tag(names.DSIG, 'X509Certificate')}")
        if key.get("use") in {"encryption", None} and certificate is not None and certificate.text:
            encryption = _pem(certificate.text)
            break
    return ServiceProvider(
        entity_id=root.get("entityID", "").strip(),
        acs_urls=[location for _, location in sorted(services)],
        name_id_format=next((item for item in formats if item in NAME_ID_FORMATS), None),
        encryption_certificate=encryption,
    )
