"""The composition root shared by the server and the CLI: settings → storage → ports → services."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from zxcvbn.frequency_lists import FREQUENCY_LISTS

from tenantry.adapters.command_provisioner import CommandProvisioner
from tenantry.adapters.dns import DnsTxtResolver
from tenantry.adapters.hook_plugins import EntryPointPlugins
from tenantry.adapters.mail import OutboxMailer, SmtpMailer
from tenantry.adapters.mail_templates import JinjaMailTemplates
from tenantry.adapters.passwords import Argon2Hasher
from tenantry.adapters.replay_redis import RedisReplayCache
from tenantry.adapters.secrets import FernetSecretStore
from tenantry.adapters.throttle_redis import RedisThrottleStore
from tenantry.adapters.webhooks import HttpxWebhookSender
from tenantry.config import Settings
from tenantry.controlplane.content_template import starter
from tenantry.controlplane.customers import CustomerService
from tenantry.controlplane.durable import Workflows, prepare_system_database
from tenantry.controlplane.identity import IdentityMaker
from tenantry.controlplane.offboarding import Offboarding
from tenantry.controlplane.onboarding import Onboarding, Placement
from tenantry.controlplane.pipeline import Pipeline
from tenantry.controlplane.planes import PlaneRegistry
from tenantry.core.clock import Clock, SystemClock, epoch_ms
from tenantry.core.ids import new_id
from tenantry.core.plane import DataPlane
from tenantry.core.throttle import ThrottlePolicy
from tenantry.ports.control import ControlChanges
from tenantry.ports.customers import Provisioner
from tenantry.services.access import system_actor
from tenantry.services.account import AccountService
from tenantry.services.admin_tokens import AdminTokenService
from tenantry.services.applications import ApplicationService
from tenantry.services.attack_protection import AttackProtection
from tenantry.services.audit import AuditService
from tenantry.services.auto_membership import AutoMembership
from tenantry.services.cache import ControlCache
from tenantry.services.configuration import Configuration
from tenantry.services.connections import ConnectionService
from tenantry.services.context import Ports
from tenantry.services.domains import DomainService
from tenantry.services.enterprise_connections import EnterpriseConnectionService
from tenantry.services.factor_admin import FactorAdmin
from tenantry.services.grants import GrantService
from tenantry.services.hook_runner import HookRunner
from tenantry.services.hooks import HookService
from tenantry.services.invitations import InvitationService
from tenantry.services.keys import KeyService
from tenantry.services.login import LoginService
from tenantry.services.mail import MailService
from tenantry.services.mail_tokens import MailTokenService
from tenantry.services.memberships import MembershipService
from tenantry.services.organizations import OrganizationService
from tenantry.services.provisioning import ProvisioningService
from tenantry.services.realms import RealmService
from tenantry.services.roles import RoleService
from tenantry.services.saml_applications import SamlApplicationService
from tenantry.services.saml_keys import SamlKeys
from tenantry.services.saml_sso import SamlSso
from tenantry.services.scim_groups import ScimGroupService
from tenantry.services.scim_settings import ScimSettingsService
from tenantry.services.scim_tokens import ScimTokenService
from tenantry.services.tokens import TokenService
from tenantry.services.users import UserService
from tenantry.storage import migrate
from tenantry.storage.control.changes import change_feed
from tenantry.storage.control.outbox import SqlOutbox
from tenantry.storage.control.replay import SqlReplayCache
from tenantry.storage.control.secret_vault import SqlSecretVault
from tenantry.storage.control.throttle import SqlThrottleStore
from tenantry.storage.control.transaction import SqlControlPlane
from tenantry.storage.data.transaction import SqlDataPlanes
from tenantry.storage.engines import Engines
from tenantry.storage.provisioners import PostgresProvisioner, SqliteProvisioner
from tenantry.storage.schema_versions import control_head, control_revision, data_revisions
from tenantry.storage.urls import StorageConfig, control_url, sync_url

COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"][:3000])
"""D9: the 3,000 most common passwords, from zxcvbn's frequency list."""
DEFAULT_PLANE = "shared"
VERIFIED_TOKENS = 10_000
"""Access tokens whose signature a node remembers having checked (introspection, userinfo)."""


def storage_config(settings: Settings) -> StorageConfig:
    return StorageConfig(settings.data_dir, settings.database_url, dict(settings.plane_servers))


def secret_store(settings: Settings) -> FernetSecretStore:
    """``TENANTRY_MASTER_KEY``, or a key file in the data directory made on first use.

    With PostgreSQL and several nodes, the key file must be the same on every node (or set the
    variable): a secret sealed on one node cannot be opened with another node's key.
    """
    master = settings.master_key.get_secret_value() if settings.master_key is not None else None
    return FernetSecretStore(master, settings.data_dir / "master.key")


def throttle_policy(settings: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(
        max_failures_per_account_ip=settings.throttle_max_failures_per_account_ip,
        account_ip_window_seconds=settings.throttle_account_ip_window_seconds,
        lockout_seconds=settings.throttle_lockout_seconds,
        max_failures_per_ip=settings.throttle_max_failures_per_ip,
        ip_window_seconds=settings.throttle_ip_window_seconds,
        exempt_cidrs=tuple(settings.throttle_exempt_cidrs),
    )


def throttle_store(settings: Settings, engines: Engines, clock: Clock) -> RedisThrottleStore | SqlThrottleStore:
    """Redis when ``TENANTRY_REDIS_URL`` is set, the control-plane database otherwise (DESIGN.md section 3)."""
    if settings.redis_url:
        return RedisThrottleStore(settings.redis_url, settings.redis_prefix)
    return SqlThrottleStore(engines.control, clock)


def mailer(settings: Settings, outbox: SqlOutbox, clock: Clock) -> SmtpMailer | OutboxMailer:
    """SMTP when ``TENANTRY_SMTP_URL`` is set, the control-plane outbox otherwise (SPEC E4)."""
    if settings.smtp_url is not None:
        return SmtpMailer(settings.smtp_url.get_secret_value(), settings.mail_from, settings.smtp_timeout_seconds)
    return OutboxMailer(outbox, clock, lambda prefix: new_id(prefix, epoch_ms(clock.now())))


def replay_cache(
    settings: Settings, throttle: RedisThrottleStore | SqlThrottleStore, engines: Engines, clock: Clock
) -> RedisReplayCache | SqlReplayCache:
    """Beside the brute-force counters: the same Redis client when configured, the control plane otherwise."""
    if isinstance(throttle, RedisThrottleStore):
        return RedisReplayCache(throttle.redis, settings.redis_prefix)
    return SqlReplayCache(engines.control, clock)


@dataclass
class Runtime:
    """Everything a process needs, built once. ``close`` releases engines and threads."""

    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    def __post_init__(self) -> None:
        self.storage = storage_config(self.settings)
        self.engines = Engines(self.storage)
        self.hasher = Argon2Hasher(
            time_cost=self.settings.argon2_time_cost,
            memory_kib=self.settings.argon2_memory_kib,
            parallelism=self.settings.argon2_parallelism,
            workers=self.settings.hash_workers,
        )
        self.throttle = throttle_store(self.settings, self.engines, self.clock)
        self.changes = change_feed(control_url(self.storage))
        outbox = SqlOutbox(self.engines.control, self.clock, timedelta(days=self.settings.outbox_retention_days))
        self.ports = Ports(
            control=SqlControlPlane(self.engines.control, self.clock, self.changes),
            planes=SqlDataPlanes(self.engines, self.clock),
            clock=self.clock,
            hasher=self.hasher,
            resolver=DnsTxtResolver(self.settings.dns_nameservers or None),
            secrets=secret_store(self.settings),
            throttle=self.throttle,
            replay=replay_cache(self.settings, self.throttle, self.engines, self.clock),
            common_passwords=COMMON_PASSWORDS,
            base_url=self.settings.base_url,
            mailer=mailer(self.settings, outbox, self.clock),
            outbox=outbox,
            mail_templates=JinjaMailTemplates(),
            default_plane=DEFAULT_PLANE,
            key_publish_seconds=self.settings.key_publish_seconds,
            key_retire_seconds=self.settings.key_retire_seconds,
            session_idle_minutes=self.settings.session_idle_minutes,
            session_absolute_minutes=self.settings.session_absolute_minutes,
        )

    @cached_property
    def services(self) -> Services:
        control_database = control_url(self.storage).database if self.storage.postgres else None
        planes = PlaneRegistry(self.ports, control_database, frozenset(self.settings.plane_servers), data_revisions())
        return Services(self.ports, planes, self.changes, throttle_policy(self.settings))

    @cached_property
    def customers(self) -> CustomerService:
        """The control plane's customer registry and pipelines (built on first use: DBOS starts only then)."""
        vault = SqlSecretVault(self.engines.control, self.ports.secrets, self.clock)
        provisioner = self._provisioner(vault)
        placement = Placement(
            self.settings.customer_realm, DEFAULT_PLANE, provisioner, starter(), frozenset(self.settings.plane_servers)
        )
        onboarding = Onboarding(self.ports, self.services.planes, placement, IdentityMaker(self.ports))
        offboarding = Offboarding(self.ports, provisioner, vault, self.settings.data_dir / "exports")
        pipeline = Pipeline(
            self.ports,
            {"onboard": onboarding.steps(), "offboard": offboarding.steps()},
            self.settings.onboarding_lease_seconds,
            self.settings.onboarding_halt_at,
        )
        self.workflows = Workflows(pipeline, self._workflow_database())
        return CustomerService(self.ports, pipeline, self.workflows)

    def _provisioner(self, vault: SqlSecretVault) -> Provisioner:
        kind = self.settings.provisioner or ("postgres" if self.storage.postgres else "sqlite")
        if kind == "postgres":
            return PostgresProvisioner(self.storage, vault)
        if kind == "command":
            if not self.settings.provisioner_command:
                raise ValueError("TENANTRY_PROVISIONER=command needs TENANTRY_PROVISIONER_COMMAND")
            return CommandProvisioner(self.settings.provisioner_command, self._prepare_plane, self._drop_plane)
        return SqliteProvisioner(self.storage)

    async def _prepare_plane(self, plane: DataPlane) -> None:
        await asyncio.to_thread(migrate.upgrade_plane, self.storage, plane)
        self.engines.forget(plane.id)

    async def _drop_plane(self, plane: DataPlane) -> None:
        await self.engines.dispose_plane(plane.id)
        await asyncio.to_thread(migrate.drop_plane_database, self.storage, plane)

    def _workflow_database(self) -> str:
        """DBOS's system database, always explicit: the control plane's on PostgreSQL, a file beside it on SQLite."""
        if self.settings.workflow_database_url:
            return self.settings.workflow_database_url
        if self.storage.postgres:
            return (
                sync_url(control_url(self.storage)).set(drivername="postgresql").render_as_string(hide_password=False)
            )
        return f"sqlite:///{(self.settings.data_dir / 'workflows.db').resolve()}"

    async def migrate(self) -> tuple[migrate.PlaneResult, list[migrate.PlaneResult]]:
        """L10: upgrade the control plane, register the default plane, upgrade every plane not pinned.

        A plane that fails is reported and the others are still upgraded: one customer's broken
        database must not hold back the fleet (HOSTILE 73).
        """
        before, after = await asyncio.to_thread(migrate.upgrade_control, self.storage)
        await asyncio.to_thread(prepare_system_database, self._workflow_database())
        control = migrate.PlaneResult("(control plane)", before, after)
        await self.services.planes.ensure(system_actor("migrate"), DEFAULT_PLANE)
        results = []
        for plane in await self.services.planes.list():
            target = plane.version_pin or "head"
            try:
                result = await asyncio.to_thread(migrate.upgrade_plane, self.storage, plane, target)
            except Exception as exc:
                result = migrate.PlaneResult(plane.name, None, None, error=f"{type(exc).__name__}: {exc}"[:500])
            if plane.version_pin:
                result.skipped = f"pinned at {plane.version_pin}"
            self.engines.forget(plane.id)
            results.append(result)
        return control, results

    async def control_problem(self) -> str | None:
        """Why the control plane cannot serve (unreachable, or behind the code), or None."""
        try:
            async with self.engines.control.connect() as conn:
                revision = await conn.run_sync(control_revision)
        except Exception as exc:
            return f"control plane unreachable ({type(exc).__name__})"
        if revision != control_head():
            return "control plane schema is behind; run `tenantry migrate`"
        return None

    async def start(self) -> None:
        """What a serving process needs beyond a CLI command: hearing other nodes' changes, and
        resuming any customer run a crashed process left unfinished (DBOS recovers it at launch)."""
        await self.changes.start()
        if await self.control_problem() is not None:
            return  # /readyz reports it; runs are resumed by the first customer operation after `migrate`
        async with self.ports.control.transaction() as tx:
            unfinished = await tx.runs.unfinished()
        if unfinished:
            self.customers.workflows.start()

    async def close(self) -> None:
        if "services" in self.__dict__:
            await self.services.mail.settle()
        if "customers" in self.__dict__:
            self.workflows.close()
        await self.changes.close()
        await self.engines.dispose()
        if isinstance(self.throttle, RedisThrottleStore):
            await self.throttle.close()
        self.hasher.close()


class Services:
    def __init__(
        self, ports: Ports, planes: PlaneRegistry, changes: ControlChanges, throttle: ThrottlePolicy | None = None
    ):
        self.configuration = Configuration(ports, ControlCache(changes))
        self.realms = RealmService(ports)
        self.connections = ConnectionService(ports)
        self.enterprise_connections = EnterpriseConnectionService(ports)
        self.users = UserService(ports)
        self.organizations = OrganizationService(ports)
        self.memberships = MembershipService(ports)
        self.roles = RoleService(ports)
        self.domains = DomainService(ports)
        self.applications = ApplicationService(ports)
        self.keys = KeyService(ports, self.configuration.cache)
        self.grants = GrantService(ports, self.keys, self.configuration)
        verified = ControlCache(changes, max_entries=VERIFIED_TOKENS)
        self.tokens = TokenService(ports, self.keys, self.grants, self.configuration, verified)
        self.admin_tokens = AdminTokenService(ports)
        self.audit = AuditService(ports)
        self.planes = planes
        self.attack_protection = AttackProtection(ports, throttle or ThrottlePolicy())
        self.mail = MailService(ports)
        self.invitations = InvitationService(ports, self.mail)
        self.mail_tokens = MailTokenService(ports, self.mail, self.attack_protection)
        plugins = EntryPointPlugins()
        self.hooks = HookService(ports, plugins)
        runner = HookRunner(ports, self.configuration, plugins, HttpxWebhookSender())
        auto_membership = AutoMembership(ports, self.memberships)
        self.login = LoginService(
            ports,
            self.grants,
            self.attack_protection,
            runner,
            auto_membership,
            invitations=self.invitations,
            mail_tokens=self.mail_tokens,
        )
        self.saml_applications = SamlApplicationService(ports)
        self.saml = SamlSso(ports, self.configuration, self.login, SamlKeys(self.keys))
        self.account = AccountService(ports, self.login)
        self.factors = FactorAdmin(ports, self.users)
        self.scim_tokens = ScimTokenService(ports, self.configuration)
        self.scim_settings = ScimSettingsService(ports)
        self.provisioning = ProvisioningService(ports)
        self.scim_groups = ScimGroupService(ports, self.configuration)
