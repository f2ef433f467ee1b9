"""Mail bodies rendered from Jinja2 templates: ``<name>.subject.txt``, ``<name>.txt`` and ``<name>.html``.

The HTML environment escapes every value; the text one does not (it is plain text). A subject is
one line: line breaks a value might carry are folded into spaces.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from tenantry.core.mail import RenderedMail

TEMPLATES = Path(__file__).resolve().parent / "mail_templates"


class JinjaMailTemplates:
    def __init__(self, directory: Path = TEMPLATES):
        loader = FileSystemLoader(directory)
        self.html = Environment(loader=loader, autoescape=True, undefined=StrictUndefined)
        self.text = Environment(loader=loader, autoescape=False, undefined=StrictUndefined)  # noqa: S701 - plain text

    def render(self, name: str, context: Mapping[str, Any]) -> RenderedMail:
        subject = self.text.get_template(f"{name}.subject.txt").render(context)
        return RenderedMail(
            subject=" ".join(subject.split())[:255],
            text=self.text.get_template(f"{name}.txt").render(context),
            html=self.html.get_template(f"{name}.html").render(context),
        )
