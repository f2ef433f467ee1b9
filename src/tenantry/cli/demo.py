"""``tenantry demo seed``: an idempotent demo realm to click through, with printed logins and a token.

Every object is found first and created only when missing, so running the seed again changes
nothing and prints the same logins. The application secret and the operator token are shown once
by the services; the seed keeps them in 0600 files in the data directory to print them again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Group
from rich.panel import Panel
from rich.text import Text

from tenantry.bootstrap import Runtime
from tenantry.core.application import Application
from tenantry.core.errors import NotFound, Unauthenticated
from tenantry.core.user import User
from tenantry.ports.paging import PageRequest
from tenantry.services.applications import secret_matches

from .common import ACTOR, console, run
from .demo_flex import panel_lines, seed_flex_realm

T = TypeVar("T")
app = typer.Typer(help="A demo realm to try Tenantry with.", no_args_is_help=True)

REALM = "demo"
CONNECTION = "members"
APPLICATION = "demo-rp"
DEMO_OPERATOR = "demo-operator"
ORGANIZATIONS = (("acme", "Acme Corp", False), ("globex", "Globex", False), ("initech", "Initech", True))
ROLES = (
    ("admin", "Manages the organization and its members.", ["org:manage", "members:manage"]),
    ("member", "Uses the organization's applications.", ["org:read"]),
)


@dataclass(frozen=True, slots=True)
class DemoUser:
    email: str
    name: str
    password: str
    connection: str
    memberships: tuple[tuple[str, str], ...]
    """(organization, role) pairs."""


USERS = (
    DemoUser(
        "alice@example.com", "Alice", "alice-demo-password", CONNECTION, (("acme", "admin"), ("globex", "member"))
    ),
    DemoUser("bob@example.com", "Bob", "bob-demo-password", CONNECTION, (("acme", "member"),)),
    DemoUser("carol@example.com", "Carol", "carol-demo-password", "org-initech", (("initech", "member"),)),
)


@dataclass(slots=True)
class Seeded:
    client_id: str = ""
    client_secret: str = ""
    operator_token: str = ""
    flex: dict[str, str] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)


def write_private(path: Path, data: dict[str, str]) -> None:
    """Write a secret file readable by its owner only (mode 0600, also when it already existed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    path.chmod(0o600)


def read_private(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class Seeder:
    """Creates what is missing, in dependency order, and remembers what it changed."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.services = runtime.services
        self.base_url = runtime.settings.base_url
        self.data_dir = runtime.settings.data_dir
        self.result = Seeded()

    async def ensure(self, label: str, find: Callable[[], Awaitable[T]], make: Callable[[], Awaitable[T]]) -> T:
        try:
            return await find()
        except NotFound:
            self.result.changes.append(f"created {label}")
            return await make()

    async def seed(self) -> Seeded:
        await self.runtime.migrate()
        s = self.services
        await self.ensure(
            f"realm {REALM}",
            partial(s.realms.get, ACTOR, REALM),
            partial(s.realms.create, ACTOR, name=REALM, display_name="Demo"),
        )
        await self.ensure(
            f"connection {CONNECTION}",
            partial(s.connections.get, ACTOR, REALM, CONNECTION),
            partial(s.connections.create, ACTOR, REALM, name=CONNECTION),
        )
        for role, description, permissions in ROLES:
            await self.ensure(
                f"role {role}",
                partial(s.roles.get, ACTOR, REALM, role),
                partial(s.roles.create, ACTOR, REALM, name=role, description=description, permissions=permissions),
            )
        for name, display, isolated in ORGANIZATIONS:
            await self.ensure(
                f"organization {name}",
                partial(s.organizations.get, ACTOR, REALM, name),
                partial(s.organizations.create, ACTOR, REALM, name=name, display_name=display, isolated=isolated),
            )
            if not isolated:
                await self.enable(name, CONNECTION)
        for user in USERS:
            found = await self.ensure(
                f"user {user.email}", partial(self.find_user, user), partial(self.make_user, user)
            )
            for org, role in user.memberships:
                await self.ensure(
                    f"membership {user.email} in {org}",
                    partial(s.memberships.get, ACTOR, REALM, org, found.id),
                    partial(s.memberships.add, ACTOR, REALM, org, found.id, [role]),
                )
        await self.application()
        self.result.flex = await seed_flex_realm(self.runtime, self.ensure)
        await self.operator_token()
        return self.result

    async def enable(self, org: str, connection: str) -> None:
        s = self.services
        enabled = {link.connection_id for link in await s.memberships.connections(ACTOR, REALM, org)}
        wanted = await s.connections.get(ACTOR, REALM, connection)
        if wanted.id not in enabled:
            await s.memberships.enable_connection(ACTOR, REALM, org, connection)
            self.result.changes.append(f"enabled connection {connection} for {org}")

    async def find_user(self, user: DemoUser) -> User:
        page = await self.services.users.list(
            ACTOR, REALM, PageRequest(limit=1), email=user.email, connection=user.connection
        )
        if not page.items:
            raise NotFound("no such user")
        return page.items[0]

    async def make_user(self, user: DemoUser) -> User:
        return await self.services.users.create(
            ACTOR,
            REALM,
            connection=user.connection,
            email=user.email,
            password=user.password,
            name=user.name,
            email_verified=True,
        )

    def application_config(self) -> dict[str, Any]:
        return {
            "redirect_uris": [f"{self.base_url}/demo/callback"],
            "post_logout_redirect_uris": [f"{self.base_url}/demo"],
            "grant_types": ["authorization_code", "refresh_token"],
            "organization_usage": "allow",
            "organization_prompt": "after_login",
            "initiate_login_uri": f"{self.base_url}/demo/login",
        }

    async def application(self) -> None:
        """The demo relying party; its secret is kept in ``demo-rp.json`` so it can be printed again."""
        apps = self.services.applications
        path = self.data_dir / f"{APPLICATION}.json"
        config = self.application_config()
        try:
            found: Application = await apps.get(ACTOR, REALM, APPLICATION)
        except NotFound:
            found, secret = await apps.create(ACTOR, REALM, name=APPLICATION, public=False, **config)
            self.result.changes.append(f"created application {APPLICATION}")
            return self.keep_client(path, found, secret)
        drift = {key: value for key, value in config.items() if getattr(found, key) != value}
        if drift:
            found = await apps.update(ACTOR, REALM, APPLICATION, drift)
            self.result.changes.append(f"updated application {APPLICATION}: {', '.join(sorted(drift))}")
        stored = read_private(path)
        secret = stored.get("client_secret", "")
        if stored.get("client_id") == found.client_id and secret_matches(found, secret):
            return self.keep_client(path, found, secret, write=False)
        found, secret = await apps.rotate_secret(ACTOR, REALM, APPLICATION)
        self.result.changes.append(f"rotated the secret of {APPLICATION} (its stored copy was missing)")
        return self.keep_client(path, found, secret)

    def keep_client(self, path: Path, application: Application, secret: str | None, *, write: bool = True) -> None:
        self.result.client_id, self.result.client_secret = application.client_id, secret or ""
        if write:
            write_private(path, {"client_id": application.client_id, "client_secret": secret or ""})

    async def operator_token(self) -> None:
        """Reuse the stored token while it still authenticates; otherwise revoke stale ones and mint anew."""
        tokens = self.services.admin_tokens
        path = self.data_dir / f"{DEMO_OPERATOR}.json"
        stored = read_private(path).get("token", "")
        if stored:
            try:
                actor = await tokens.authenticate(stored)
            except Unauthenticated:
                pass
            else:
                if actor.kind == "operator":
                    self.result.operator_token = stored
                    return
        for token in await tokens.list(ACTOR):
            if token.name == DEMO_OPERATOR and token.revoked_at is None:
                await tokens.revoke(ACTOR, token.id)
        token, secret = await tokens.create(ACTOR, name=DEMO_OPERATOR, kind="operator")
        self.result.changes.append(f"created operator token {DEMO_OPERATOR}")
        self.result.operator_token = secret
        write_private(path, {"id": token.id, "token": secret})


def _panel(base_url: str, seeded: Seeded) -> Panel:
    paths = ("/demo", "/healthz", "/readyz", "/api/v1/openapi.json")
    lines = [
        Text("Open", style="bold"),
        *(Text(f"  {base_url}{path}") for path in paths),
        Text(""),
        Text(f"Logins (realm {REALM}, issuer {base_url}/realms/{REALM})", style="bold"),
    ]
    for user in USERS:
        where = ", ".join(f"{org}: {role}" for org, role in user.memberships)
        isolated = ", isolated" if user.connection != CONNECTION else ""
        lines.append(Text(f"  {user.email}  {user.password}  ({where}{isolated})"))
    lines += [
        Text(""),
        Text(f"Application {APPLICATION}", style="bold"),
        Text(f"  client_id:     {seeded.client_id}"),
        Text(f"  client_secret: {seeded.client_secret}"),
        *panel_lines(seeded.flex),
        Text(""),
        Text(f"Operator token ({DEMO_OPERATOR})", style="bold"),
        Text(f"  TOKEN={seeded.operator_token}"),
        Text(f'  curl -H "Authorization: Bearer $TOKEN" {base_url}/api/v1/realms'),
    ]
    return Panel(Group(*lines), title="Tenantry demo", title_align="left", expand=False)


@app.command("seed")
def seed() -> None:
    """Create the demo realm, organizations, users, application and operator token (idempotent)."""

    async def work(runtime: Runtime) -> tuple[str, Seeded]:
        seeded = await Seeder(runtime).seed()
        return runtime.settings.base_url, seeded

    base_url, seeded = run(work)
    out = console()
    if seeded.changes:
        out.print(Text(f"{len(seeded.changes)} changes:", style="green"))
        for change in seeded.changes:
            out.print(Text(f"  {change}"))
    else:
        out.print(Text("nothing new: the demo data was already there", style="green"))
    out.print(_panel(base_url, seeded))
