"""A real SMTP server for tests: aiosmtpd's Controller on a free port, keeping every message it receives."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.interop.browser import free_port


class Inbox:
    """aiosmtpd's handler: messages in arrival order, parsed with the modern email policy."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._arrived:
            self.messages.append(message)  # type: ignore[arg-type]
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, recipient: str, after: int = 0, seconds: float = 20) -> EmailMessage:
        """The first message to ``recipient`` among those after index ``after``, waiting for it to arrive."""
        deadline = time.monotonic() + seconds
        with self._arrived:
            while True:
                for message in self.messages[after:]:
                    if message["To"] == recipient:
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no mail to {recipient} within {seconds} s")
                self._arrived.wait(left)


class SmtpServer:
    """``with SmtpServer() as smtp:`` runs a server at ``smtp.url`` until the block ends."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?starttls=off"

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def parts(message: EmailMessage) -> tuple[str, str]:
    """(text body, HTML body) of a multipart/alternative message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None, message
    return text.get_content(), html.get_content()
