"""The SAML IdP's single sign-on (SPEC I3-I5): SP-initiated (Redirect or POST) and IdP-initiated.

Three steps, each a URL of ours, so the hosted login sits in the middle unchanged:

1. ``receive`` / ``idp_initiated`` check the request (Issuer, ACS, RelayState, age, then replay) and
   seal what the answer needs (``Pending``) into the next URL. Nothing is sent to an ACS that was not
   checked, and a refused request leaves nothing behind.
2. ``begin`` runs the hosted login (or reuses a live session) for the application; the login ends
   by redirecting to step 3 with the session's organization context set.
3. ``issue`` reads the live session, maps the attributes and posts the signed Response to the ACS,
   once per sealed request.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from urllib.parse import urlencode

from tenantry.core.grant import Session, digest
from tenantry.core.realm import Realm
from tenantry.core.saml_application import SamlApplication
from tenantry.flows.login import LIFETIME, LoginTransaction
from tenantry.protocols.oauth.authorize import AuthorizationRequest
from tenantry.protocols.saml import authn_request, names
from tenantry.protocols.saml.attributes import Attribute, evaluate, mapping_input, name_id
from tenantry.protocols.saml.errors import MalformedRequest, ReplayedRequest, SamlError
from tenantry.protocols.saml.metadata import idp_metadata
from tenantry.protocols.saml.response import Grant, response

from .configuration import Configuration
from .context import Ports
from .login import LoginService
from .outcome import Outcome
from .saml_keys import SamlKeys

RESPONSE_ONCE_SECONDS = int(LIFETIME.total_seconds()) + 60


class NotFoundPage(SamlError):
    error = "not_found"
    status = 404


class Refused(SamlError):
    error = "access_denied"
    status = 403


@dataclass(frozen=True, slots=True)
class Pending:
    """A checked request, sealed in our own URLs between the steps: only we can read or make one."""

    realm_id: str
    application_id: str
    acs_url: str
    in_response_to: str | None
    relay_state: str | None
    nonce: str
    expires_at: float
    force_authn: bool = False
    passive: bool = False
    organization: str | None = None


@dataclass(frozen=True, slots=True)
class Post:
    """The auto-submitting form that carries the Response to the ACS (SAML Bindings 3.5)."""

    acs_url: str
    saml_response: str
    relay_state: str | None


def urls(realm: Realm, base_url: str, application_id: str) -> dict[str, str]:
    root = f"{realm.issuer(base_url)}/saml/{application_id}"
    return {
        "entity_id": root,
        "metadata": f"{root}/metadata",
        "sso": f"{root}/sso",
        "login": f"{root}/login",
        "continue": f"{root}/continue",
        "issue": f"{root}/issue",
    }


class SamlSso:
    def __init__(self, ports: Ports, configuration: Configuration, login: LoginService, keys: SamlKeys):
        self.ports = ports
        self.configuration = configuration
        self.login = login
        self.keys = keys

    async def application(self, realm: Realm, application_id: str) -> SamlApplication:
        found = await self.configuration.saml_application(realm.id, application_id)
        if found is None:
            raise NotFoundPage("no such SAML application in this realm")
        return found

    async def metadata(self, realm: Realm, application_id: str) -> bytes:
        await self.application(realm, application_id)
        where = urls(realm, self.ports.base_url, application_id)
        return idp_metadata(where["entity_id"], where["sso"], await self.keys.certificates(realm.id))

    async def receive(
        self,
        realm: Realm,
        application_id: str,
        binding: str,
        message: str,
        relay_state: str | None,
        endpoints: list[str],
    ) -> str:
        """SP-initiated: the checks in order, the replay check last; returns the URL of step 2."""
        application = await self.application(realm, application_id)
        request = authn_request.read(authn_request.decode(binding, message))
        authn_request.check_issuer(request, application.entity_id)
        acs_url = authn_request.check_acs(request, application.settings.acs_urls)
        relay = authn_request.check_relay_state(relay_state, application.settings.acs_urls)
        authn_request.check_destination(request, endpoints)
        authn_request.check_issue_instant(request, self.ports.clock.now())
        key = f"{realm.id}|saml_authn_request|{application.entity_id}|{request.id}"
        if not await self._first_use(key, authn_request.REPLAY_SECONDS):
            raise ReplayedRequest("this AuthnRequest was used already")
        pending = self._pending(application, acs_url, request.id, relay)
        return self._continue_url(realm, application, pending, request.force_authn, request.is_passive)

    async def idp_initiated(
        self, realm: Realm, application_id: str, relay_state: str | None, organization: str | None
    ) -> str:
        """The application's IdP-initiated link: the first registered ACS, no InResponseTo."""
        application = await self.application(realm, application_id)
        settings = application.settings
        if not settings.idp_initiated:
            raise Refused("this application does not accept IdP-initiated sign-in")
        if organization and settings.organization_usage == "deny":
            raise MalformedRequest("this application does not use organizations")
        relay = authn_request.check_relay_state(relay_state or settings.default_relay_state, settings.acs_urls)
        pending = self._pending(application, settings.acs_urls[0], None, relay, organization or None)
        return self._continue_url(realm, application, pending, False, False)

    def _pending(
        self,
        application: SamlApplication,
        acs_url: str,
        request_id: str | None,
        relay: str | None,
        organization: str | None = None,
    ) -> Pending:
        expires = self.ports.clock.now() + LIFETIME
        return Pending(
            application.realm_id,
            application.id,
            acs_url,
            request_id,
            relay,
            secrets.token_urlsafe(16),
            expires.timestamp(),
            organization=organization,
        )

    def _continue_url(
        self, realm: Realm, application: SamlApplication, pending: Pending, force: bool, passive: bool
    ) -> str:
        sealed = self._seal(Pending(**{**asdict(pending), "force_authn": force, "passive": passive}))
        return f"{urls(realm, self.ports.base_url, application.id)['continue']}?{urlencode({'state': sealed})}"

    def _seal(self, pending: Pending) -> str:
        return self.ports.secrets.seal(json.dumps(asdict(pending), separators=(",", ":")).encode())

    def _open(self, realm: Realm, application: SamlApplication, sealed: str) -> Pending:
        try:
            pending = Pending(**json.loads(self.ports.secrets.open(sealed)))
        except Exception as error:
            raise SamlError("this sign-in link is not valid; start again from the application") from error
        if (pending.realm_id, pending.application_id) != (realm.id, application.id) or (
            self.ports.clock.now().timestamp() >= pending.expires_at
        ):
            raise SamlError("this sign-in expired; start again from the application")
        return pending

    async def _first_use(self, key: str, seconds: int) -> bool:
        """Single use across nodes through the shared store (Redis, or the database): keyed by realm and kind (S5)."""
        return await self.ports.throttle.hit(digest(key), seconds) == 1

    async def begin(self, realm: Realm, application_id: str, sealed: str, session_value: str | None) -> Outcome:
        """Step 2: the hosted login for this application; it ends at ``issue`` with the same sealed state."""
        application = await self.application(realm, application_id)
        pending = self._open(realm, application, sealed)
        prompt = frozenset({"none"} if pending.passive else {"login"} if pending.force_authn else set())
        request = AuthorizationRequest(
            client_id=application.id,
            redirect_uri=urls(realm, self.ports.base_url, application.id)["issue"],
            scope="",
            state=sealed,
            nonce=None,
            code_challenge=None,
            code_challenge_method=None,
            organization=pending.organization,
            prompt=prompt,
            max_age=None,
            login_hint=None,
        )
        transaction = LoginTransaction.begin(realm.id, request, self.ports.clock.now(), protocol="saml")
        return await self.login.begin(realm, transaction, application.settings.organization_prompt, session_value)

    async def issue(
        self, realm: Realm, application_id: str, sealed: str, session_value: str | None, error: str | None
    ) -> Post:
        """Step 3: one Response per sealed request; a login that failed gets a non-success status, no assertion."""
        application = await self.application(realm, application_id)
        pending = self._open(realm, application, sealed)
        if not await self._first_use(f"{realm.id}|saml_response|{pending.nonce}", RESPONSE_ONCE_SECONDS):
            raise ReplayedRequest("this sign-in was completed already; start again from the application")
        if error is not None:
            status = names.NO_PASSIVE if error == "login_required" else names.REQUEST_DENIED
            return await self._post(realm, application, pending, self._grant(realm, application, pending), status)
        found = await self.login.live_session(realm, session_value)
        if found is None:
            raise SamlError("your sign-in expired; start again from the application")
        session, plane = found
        organization_id = None if application.settings.organization_usage == "deny" else session.organization_id
        async with self.ports.planes.transaction(plane, realm.id) as data:
            user = await data.users.get(session.user_id)
            membership = await data.memberships.get(organization_id, session.user_id) if organization_id else None
        if user is None or user.blocked:
            raise SamlError("your sign-in expired; start again from the application")
        if organization_id is not None and membership is None:
            organization_id = None
        if application.settings.organization_usage == "require" and organization_id is None:
            raise Refused("this application needs you to sign in to one of your organizations")
        organization = await self.configuration.organization(realm.id, organization_id) if organization_id else None
        data_input = mapping_input(user, organization, membership.roles if membership else [])
        attributes = evaluate(application.settings.attributes, data_input)
        subject = name_id(application.settings.name_id_source, data_input)
        grant = self._grant(realm, application, pending, subject, attributes, session)
        return await self._post(realm, application, pending, grant, names.SUCCESS)

    def _grant(
        self,
        realm: Realm,
        application: SamlApplication,
        pending: Pending,
        subject: str = "",
        attributes: Sequence[Attribute] = (),
        session: Session | None = None,
    ) -> Grant:
        now = self.ports.clock.now()
        settings = application.settings
        return Grant(
            issuer=urls(realm, self.ports.base_url, application.id)["entity_id"],
            destination=pending.acs_url,
            audience=settings.audience_for(application.entity_id),
            in_response_to=pending.in_response_to,
            name_id=subject,
            name_id_format=settings.name_id_format,
            attributes=attributes,
            session_index="_" + digest(f"saml-session|{session.id}")[:40] if session else "",
            auth_instant=session.auth_time if session else now,
            now=now,
            lifetime=timedelta(seconds=settings.assertion_lifetime_seconds),
        )

    async def _post(
        self, realm: Realm, application: SamlApplication, pending: Pending, grant: Grant, status: str
    ) -> Post:
        """Signing costs milliseconds of CPU (RSA and canonicalisation): never on the event loop."""
        signer = await self.keys.signer(realm.id)
        settings = application.settings
        xml = await asyncio.to_thread(
            response,
            grant,
            signer,
            sign_response=settings.sign_response or status != names.SUCCESS,
            sign_assertion=settings.sign_assertion,
            status=status,
            encrypt_to=settings.encryption_certificate if settings.encrypt_assertion else None,
        )
        return Post(pending.acs_url, base64.b64encode(xml).decode(), pending.relay_state)
