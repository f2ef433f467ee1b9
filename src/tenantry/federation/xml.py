"""The one way SAML XML is parsed here (SPEC S3): size-capped, no DTD, no entities, no network, one parse.

A document that declares a DOCTYPE or an entity is refused before the parser sees it, so neither
billion laughs nor external entities can cost anything; comments and processing instructions
are refused too, because nothing legitimate puts them inside an assertion (HOSTILE 23, 24).
"""

from __future__ import annotations

import re

from lxml import etree

MAX_XML_BYTES = 1_000_000
_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ATTLIST|ELEMENT|NOTATION)", re.IGNORECASE)
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
)


class UnsafeXml(ValueError):
    """The document is refused before or while parsing; ``reason`` is for logs and the error page's code."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def parse(data: bytes) -> etree._Element:
    if len(data) > MAX_XML_BYTES:
        raise UnsafeXml("document_too_large")
    if _DECLARATIONS.search(data) or b"\x00" in data:
        raise UnsafeXml("dtd_refused")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnsafeXml("not_utf8") from exc
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml("malformed_xml") from exc
    if getattr(root.getroottree().docinfo, "doctype", ""):
        raise UnsafeXml("dtd_refused")
    if any(True for _ in root.iter(etree.Comment, etree.ProcessingInstruction)):
        raise UnsafeXml("comment_or_instruction_refused")
    return root
