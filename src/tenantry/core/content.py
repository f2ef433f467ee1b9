"""Starter content: a versioned template that onboarding copies into a customer's data plane (SPEC L3)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .errors import InvalidInput


@dataclass(frozen=True, slots=True)
class ContentItem:
    key: str
    title: str
    body: str
    template_version: str = ""


@dataclass(frozen=True, slots=True)
class ContentTemplate:
    name: str
    version: str
    items: tuple[ContentItem, ...]


def parse_template(text: str) -> ContentTemplate:
    """``{"name", "version", "items": [{"key", "title", "body"}]}``; keys are unique."""
    try:
        data: dict[str, Any] = json.loads(text)
        version = str(data["version"])
        items = tuple(ContentItem(str(i["key"]), str(i["title"]), str(i["body"]), version) for i in data["items"])
        name = str(data["name"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput("the content template is malformed", code="invalid_template") from exc
    if len({item.key for item in items}) != len(items):
        raise InvalidInput("the content template repeats a key", code="invalid_template")
    return ContentTemplate(name, version, items)
