"""One hardened parse for every SAML message (HOSTILE 24): no DTD, no entities, no network, bounded size.

A message carrying a DOCTYPE is refused before the parser sees it; the parser itself also loads
no DTD, resolves no entity and never reaches the network, so nothing in a message can read a
file or a URL or inflate itself.
"""

from __future__ import annotations

import base64
import binascii
import zlib

from lxml import etree

from .errors import MalformedRequest

MAX_MESSAGE_BYTES = 256 * 1024
"""Far above any AuthnRequest or SP metadata we accept; inflation stops here (HOSTILE 24)."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
        collect_ids=False,
    )


def parse(data: bytes) -> etree._Element:
    if len(data) > MAX_MESSAGE_BYTES:
        raise MalformedRequest("the message is too large")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise MalformedRequest("DTDs and entities are refused")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as error:
        raise MalformedRequest("the message is not well-formed XML") from error
    if root.getroottree().docinfo.internalDTD is not None:
        raise MalformedRequest("DTDs and entities are refused")
    return root


def b64decode(value: str) -> bytes:
    try:
        return base64.b64decode(value.encode("ascii"), validate=False)
    except (binascii.Error, UnicodeEncodeError, ValueError) as error:
        raise MalformedRequest("the message is not base64") from error


def inflate(data: bytes) -> bytes:
    """HTTP-Redirect binding (SAML Bindings 3.4.4.1): raw DEFLATE, stopped at the size cap."""
    inflater = zlib.decompressobj(-15)
    try:
        out = inflater.decompress(data, MAX_MESSAGE_BYTES + 1)
    except zlib.error as error:
        raise MalformedRequest("the message is not DEFLATE-encoded") from error
    if len(out) > MAX_MESSAGE_BYTES or inflater.unconsumed_tail:
        raise MalformedRequest("the message inflates past the size cap")
    return out
