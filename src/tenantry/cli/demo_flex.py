"""The demo's second realm (Pattern B): an independent customer with its own Twilio Flex application.

Its own realm means its own issuer, keys, users and SAML metadata; nothing of it is visible from
the first demo realm. The Flex account below is a placeholder: replace its SID with a real one
(``tenantry saml create ... --acs``) to sign in to an actual Flex instance.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from rich.text import Text

from tenantry.bootstrap import Runtime
from tenantry.core.errors import NotFound
from tenantry.core.user import User
from tenantry.ports.paging import PageRequest

from .common import ACTOR

REALM = "helpline"
CONNECTION = "agents"
APPLICATION = "flex"
ACCOUNT = "AC00000000000000000000000000000000"
FLEX_ENTITY_ID = f"https://iam.twilio.com/v1/Accounts/{ACCOUNT}/saml2/metadata"
FLEX_ACS = f"https://iam.twilio.com/v1/Accounts/{ACCOUNT}/saml2"
AGENTS: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("riley@example.com", "Riley Agent", "riley-demo-password", {}),
    ("sam@example.com", "Sam Supervisor", "sam-demo-password", {"flex": {"roles": ["supervisor"]}}),
)


async def seed_flex_realm(runtime: Runtime, ensure: Any) -> dict[str, str]:
    """Realm, connection, agents and the Flex application, each created only when missing."""
    s = runtime.services
    await ensure(
        f"realm {REALM}",
        partial(s.realms.get, ACTOR, REALM),
        partial(s.realms.create, ACTOR, name=REALM, display_name="Helpline"),
    )
    await ensure(
        f"connection {REALM}/{CONNECTION}",
        partial(s.connections.get, ACTOR, REALM, CONNECTION),
        partial(s.connections.create, ACTOR, REALM, name=CONNECTION),
    )
    for email, name, password, app_metadata in AGENTS:
        await ensure(
            f"user {REALM}/{email}",
            partial(_find_user, runtime, email),
            partial(
                s.users.create,
                ACTOR,
                REALM,
                connection=CONNECTION,
                email=email,
                password=password,
                name=name,
                email_verified=True,
                app_metadata=app_metadata,
            ),
        )
    flex = await ensure(
        f"SAML application {REALM}/{APPLICATION}",
        partial(s.saml_applications.get, ACTOR, REALM, APPLICATION),
        partial(
            s.saml_applications.create,
            ACTOR,
            REALM,
            name=APPLICATION,
            entity_id=FLEX_ENTITY_ID,
            settings={"acs_urls": [FLEX_ACS], "preset": "twilio_flex"},
        ),
    )
    return await s.saml_applications.endpoints(flex)


async def _find_user(runtime: Runtime, email: str) -> User:
    page = await runtime.services.users.list(ACTOR, REALM, PageRequest(limit=1), email=email, connection=CONNECTION)
    if not page.items:
        raise NotFound("no such user")
    return page.items[0]


def panel_lines(urls: dict[str, str]) -> list[Text]:
    lines = [Text(""), Text(f"Twilio Flex (realm {REALM}, its own keys and users)", style="bold")]
    lines += [Text(f"  {email}  {password}") for email, _, password, _ in AGENTS]
    lines += [Text(f"  IdP metadata:    {urls['metadata_url']}"), Text(f"  IdP-initiated:   {urls['login_url']}")]
    return lines
