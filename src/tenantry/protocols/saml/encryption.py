"""EncryptedAssertion for SPs that take one (SAML Core 2.3.4; XML Encryption 1.1).

The signed assertion is encrypted whole with a fresh AES-256-GCM key, which travels encrypted to
the SP's certificate with RSA-OAEP (MGF1, SHA-1: what SAML SPs' XML-Enc stacks implement).
"""

from __future__ import annotations

import base64
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from . import names

AES256_GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
RSA_OAEP = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
ELEMENT = "http://www.w3.org/2001/04/xmlenc#Element"


def _sub(parent: etree._Element, namespace: str, name: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, names.tag(namespace, name), attrs)


def _cipher(parent: etree._Element, value: bytes) -> None:
    _sub(_sub(parent, names.XENC, "CipherData"), names.XENC, "CipherValue").text = base64.b64encode(value).decode()


def encrypt(assertion: etree._Element, certificate_pem: str) -> etree._Element:
    public = x509.load_pem_x509_certificate(certificate_pem.encode()).public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        raise ValueError("the SP's encryption certificate must hold an RSA key")
    key, nonce = AESGCM.generate_key(bit_length=256), os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, etree.tostring(assertion), None)
    wrapped = public.encrypt(key, padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None))  # noqa: S303 - RSA-OAEP's MGF1 digest as SAML stacks implement it
    outer = etree.Element(
        names.tag(names.ASSERTION, "EncryptedAssertion"), nsmap={"saml": names.ASSERTION, "xenc": names.XENC}
    )
    data = _sub(outer, names.XENC, "EncryptedData", Type=ELEMENT)
    _sub(data, names.XENC, "EncryptionMethod", Algorithm=AES256_GCM)
    info = etree.SubElement(data, names.tag(names.DSIG, "KeyInfo"), nsmap={"ds": names.DSIG})
    encrypted_key = _sub(info, names.XENC, "EncryptedKey")
    method = _sub(encrypted_key, names.XENC, "EncryptionMethod", Algorithm=RSA_OAEP)
    _sub(method, names.DSIG, "DigestMethod", Algorithm=SHA1)
    _cipher(encrypted_key, wrapped)
    _cipher(data, nonce + sealed)
    return outer
