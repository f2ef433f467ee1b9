"""SMTP URLs and mail settings are checked when the process starts, not at the first mail."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tenantry.adapters.mail import SmtpServer, email_message
from tenantry.config import Settings
from tenantry.core.mail import MailMessage


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", ("mail.example.com", 587, None, None, False, None)),
        (
            "smtp://u%40x:p%3Aw@mail.example.com:2525?starttls=require",
            ("mail.example.com", 2525, "u@x", "p:w", False, True),
        ),
        ("smtp://127.0.0.1:1025?starttls=off", ("127.0.0.1", 1025, None, None, False, False)),
        ("smtps://u:p@mail.example.com", ("mail.example.com", 465, "u", "p", True, False)),
    ],
)
def test_smtp_urls_are_parsed(url, expected):
    server = SmtpServer.parse(url)
    assert (
        server.host,
        server.port,
        server.username,
        server.password,
        server.implicit_tls,
        server.starttls,
    ) == expected


@pytest.mark.parametrize(
    "url", ["http://mail.example.com", "smtp://", "smtp://h?starttls=maybe", "smtps://h?starttls=require"]
)
def test_bad_smtp_urls_stop_the_settings(url):
    with pytest.raises(ValidationError):
        Settings(smtp_url=url)


def test_the_password_of_the_smtp_url_is_not_shown():
    settings = Settings(smtp_url="smtp://user:hunter2@mail.example.com")
    assert "hunter2" not in repr(settings)


def test_a_message_has_a_text_part_and_an_html_part():
    mail = email_message(MailMessage("rlm", "a@example.com", "Hi", "plain words", "<p>html</p>"), "X <n@example.com>")
    assert mail.get_content_type() == "multipart/alternative"
    assert mail.get_body(("plain",)).get_content().strip() == "plain words"
    assert mail.get_body(("html",)).get_content().strip() == "<p>html</p>"
    assert mail["Message-ID"].endswith("@example.com>")
