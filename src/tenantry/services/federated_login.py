"""Federated login through an organization's enterprise connection (SPEC D6, S3, S4).

``route`` decides whether an identified email goes to an upstream IdP and returns where to send the
browser; the per-login secrets (state, nonce, PKCE verifier, AuthnRequest id) travel in the sealed
login transaction, so only the browser that started a login can finish it. The SAML ACS is a
cross-site POST that carries no SameSite=Lax cookie: it verifies the Response, spends its assertion
id in the replay cache and hands a short-lived sealed result to a same-site GET, which checks it
against the browser's transaction before anyone is provisioned.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tenantry.core.connection import Connection
from tenantry.core.errors import NotFound, Unavailable
from tenantry.core.federation import Upstream
from tenantry.core.organization import Organization
from tenantry.core.realm import Realm
from tenantry.federation import jit, oidc_rp
from tenantry.federation.mapping import UpstreamProfile, from_assertion, from_claims
from tenantry.federation.saml_messages import redirect_url
from tenantry.federation.saml_sp import Expected, SamlAssertion, SamlRefused, read_response
from tenantry.flows.login import LoginTransaction
from tenantry.ports.paging import PageRequest
from tenantry.ports.replay import marker_key
from tenantry.tenancy.discovery import home_organization

from . import lookup
from .access import system_actor
from .audit import record
from .configuration import Configuration
from .context import Ports
from .enterprise_connections import endpoints
from .provisioning_jit import Provisioned, provision

HANDOFF_SECONDS = 120
"""How long the sealed result of a verified SAML Response may wait for its same-site GET."""


class FederationRefused(Exception):
    """The federated login stops here; ``reason`` is a stable code shown on the error page and audited."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class FederatedLogin:
    def __init__(self, ports: Ports, configuration: Configuration):
        self.ports = ports
        self.configuration = configuration

    async def route(
        self, realm: Realm, transaction: LoginTransaction, organization: Organization | None, email: str
    ) -> str | None:
        """D6: a verified domain of the organization, or an SSO-only organization, goes to its enterprise IdP."""
        if organization is None:
            return None
        async with self.ports.control.transaction() as tx:
            repo = tx.connections(realm.id)
            enabled = [await repo.get(link.connection_id) for link in await repo.enabled_for(organization.id)]
            claim = await home_organization(tx.domains(realm.id), email)
        enterprise = [c for c in enabled if c is not None and c.enterprise and c.organization_id == organization.id]
        sso_only = all(c is not None and c.enterprise for c in enabled)
        via_domain = claim is not None and claim.organization_id == organization.id
        if not enterprise or not (via_domain or sso_only):
            return None
        return self.start(realm, transaction, enterprise[0], organization, email)

    def start(
        self,
        realm: Realm,
        transaction: LoginTransaction,
        connection: Connection,
        organization: Organization,
        email: str,
    ) -> str:
        upstream = Upstream.stored(connection.upstream)
        urls = endpoints(self.ports, realm, connection.name)
        transaction.step, transaction.organization_id = "federation", organization.id
        if upstream.oidc is not None:
            state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
            transaction.federation = {
                "connection": connection.name,
                "state": state,
                "nonce": nonce,
                "verifier": verifier,
            }
            return oidc_rp.authorization_url(
                upstream.oidc, redirect_uri=urls.callback, state=state, nonce=nonce, verifier=verifier, login_hint=email
            )
        assert upstream.saml is not None
        request_id = f"_{secrets.token_hex(20)}"
        transaction.federation = {"connection": connection.name, "request_id": request_id}
        return redirect_url(urls.service_provider, upstream.saml, request_id, self.ports.clock.now())

    async def _connection(self, realm: Realm, name: str, kind: str) -> tuple[Connection, Organization]:
        async with self.ports.control.transaction() as tx:
            try:
                connection = await lookup.connection(tx, realm.id, name)
            except NotFound as exc:
                raise FederationRefused("unknown_connection") from exc
            organization = await tx.organizations(realm.id).get(connection.organization_id or "")
        if connection.kind != kind or organization is None:
            raise FederationRefused("unknown_connection")
        return connection, organization

    def _pending(self, transaction: LoginTransaction | None, name: str) -> dict[str, str]:
        if transaction is None or transaction.step != "federation" or transaction.federation.get("connection") != name:
            raise FederationRefused("no_login_in_progress")
        return transaction.federation

    async def oidc_callback(
        self, realm: Realm, transaction: LoginTransaction | None, name: str, params: dict[str, str]
    ) -> Provisioned:
        connection, organization = await self._connection(realm, name, "oidc")
        try:
            pending = self._pending(transaction, name)
            upstream = Upstream.stored(connection.upstream).oidc
            assert upstream is not None
            code = oidc_rp.check_callback(params, upstream, pending["state"])
            await self._first_use(realm, "oidc_state", pending["state"], timedelta(minutes=30))
            secret = (
                self.ports.secrets.open(upstream.client_secret_sealed).decode()
                if upstream.client_secret_sealed
                else None
            )
            async with httpx.AsyncClient() as http:
                token = await oidc_rp.redeem(
                    http,
                    upstream,
                    secret,
                    code=code,
                    redirect_uri=endpoints(self.ports, realm, name).callback,
                    verifier=pending["verifier"],
                )
                keys = await oidc_rp.upstream_keys(http, upstream.jwks_uri)
            claims = oidc_rp.id_token_claims(token, keys, upstream, nonce=pending["nonce"], now=self.ports.clock.now())
            profile = from_claims(claims, Upstream.stored(connection.upstream).mapping)
        except (oidc_rp.OidcRefused, FederationRefused) as exc:
            await self._refused(realm, connection, organization, exc.reason)
            raise FederationRefused(exc.reason) from exc
        return await self._provision(realm, connection, organization, profile)

    async def saml_acs(self, realm: Realm, name: str, saml_response: str) -> str:
        """Verify the POSTed Response (S3) and spend its id; returns the sealed hand-off for the same-site GET."""
        connection, organization = await self._connection(realm, name, "saml")
        upstream = Upstream.stored(connection.upstream).saml
        assert upstream is not None
        now = self.ports.clock.now()
        sp = endpoints(self.ports, realm, name).service_provider
        try:
            assertion = read_response(saml_response, Expected(sp, upstream, None, now))
            await self._first_use(
                realm, f"saml_assertion:{connection.id}", assertion.id, assertion.not_on_or_after - now
            )
        except (SamlRefused, FederationRefused) as exc:
            await self._refused(realm, connection, organization, exc.reason)
            raise FederationRefused(exc.reason) from exc
        expires = (now + timedelta(seconds=HANDOFF_SECONDS)).timestamp()
        handoff = {"c": connection.id, "a": _assertion_json(assertion), "exp": expires}
        return self.ports.secrets.seal(json.dumps(handoff).encode())

    async def saml_finish(
        self, realm: Realm, transaction: LoginTransaction | None, name: str, sealed: str
    ) -> Provisioned:
        connection, organization = await self._connection(realm, name, "saml")
        try:
            pending = self._pending(transaction, name)
            try:
                handoff: dict[str, Any] = json.loads(self.ports.secrets.open(sealed))
            except (Unavailable, ValueError) as exc:
                raise FederationRefused("bad_handoff") from exc
            if handoff.get("c") != connection.id or self.ports.clock.now().timestamp() > handoff.get("exp", 0):
                raise FederationRefused("bad_handoff")
            assertion = _assertion_from(handoff["a"])
            if assertion.in_response_to != pending["request_id"]:
                raise FederationRefused("wrong_in_response_to")
            await self._first_use(realm, "saml_handoff", assertion.id, timedelta(seconds=HANDOFF_SECONDS))
        except FederationRefused as exc:
            await self._refused(realm, connection, organization, exc.reason)
            raise
        profile = from_assertion(assertion, Upstream.stored(connection.upstream).mapping)
        return await self._provision(realm, connection, organization, profile)

    async def _first_use(self, realm: Realm, kind: str, value: str, lifetime: timedelta) -> None:
        expires_at = self.ports.clock.now() + max(lifetime, timedelta(seconds=1))
        if not await self.ports.replay.first_use(marker_key(realm.id, kind, value), expires_at):
            raise FederationRefused("replayed")

    async def _provision(
        self, realm: Realm, connection: Connection, organization: Organization, profile: UpstreamProfile
    ) -> Provisioned:
        async with self.ports.control.transaction() as tx:
            claims = await tx.domains(realm.id).for_organization(organization.id)
            known = {role.name for role in (await tx.roles(realm.id).list(PageRequest(limit=200))).items}
        plane = await self.configuration.plane(connection.data_plane_id)
        if plane is None:
            raise FederationRefused("plane_unavailable")
        domains = frozenset(claim.domain for claim in claims if claim.routes)
        try:
            return await provision(self.ports, realm, connection, organization, plane, profile, domains, known)
        except jit.JitRefused as exc:
            await self._refused(realm, connection, organization, exc.reason)
            raise FederationRefused(exc.reason) from exc

    async def _refused(self, realm: Realm, connection: Connection, organization: Organization, reason: str) -> None:
        """Every refusal is audited: a foreign domain or an unverified email is an alert (HOSTILE 46)."""
        async with self.ports.control.transaction() as tx:
            await record(
                tx,
                system_actor("federation"),
                "federation.login_refused",
                "connection",
                connection.id,
                realm_id=realm.id,
                organization_id=organization.id,
                details={"reason": reason, "kind": connection.kind},
            )


def _assertion_json(assertion: SamlAssertion) -> dict[str, Any]:
    return {
        "id": assertion.id,
        "issuer": assertion.issuer,
        "name_id": assertion.name_id,
        "name_id_format": assertion.name_id_format,
        "in_response_to": assertion.in_response_to,
        "not_on_or_after": assertion.not_on_or_after.timestamp(),
        "attributes": assertion.attributes,
    }


def _assertion_from(data: dict[str, Any]) -> SamlAssertion:
    return SamlAssertion(**{**data, "not_on_or_after": datetime.fromtimestamp(data["not_on_or_after"], UTC)})
