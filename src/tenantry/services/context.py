"""The ports every service needs, gathered once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from tenantry.core.clock import Clock, epoch_ms
from tenantry.core.ids import new_id
from tenantry.ports.adapters import PasswordHasher, SecretStore, TxtResolver
from tenantry.ports.control import ControlPlane
from tenantry.ports.data import DataPlanes
from tenantry.ports.mail import Mailer, MailTemplates, Outbox
from tenantry.ports.replay import ReplayCache
from tenantry.ports.throttle import ThrottleStore


@dataclass(slots=True)
class Ports:
    control: ControlPlane
    planes: DataPlanes
    clock: Clock
    hasher: PasswordHasher
    resolver: TxtResolver
    secrets: SecretStore
    throttle: ThrottleStore
    """Brute-force counters shared by every node: Redis when configured, the control-plane database otherwise."""
    replay: ReplayCache
    """Single-use markers (SAML assertion ids, federation state), stored like the brute-force counters."""
    common_passwords: frozenset[str]
    base_url: str
    mailer: Mailer
    """SMTP when ``TENANTRY_SMTP_URL`` is set, the control-plane outbox otherwise (E4)."""
    mail_templates: MailTemplates
    outbox: Outbox
    """Read by the admin API and the CLI whichever mailer is configured."""
    default_plane: str = "shared"
    key_publish_seconds: int = 3600
    """How long a rotated signing key is published before it signs."""
    key_retire_seconds: int = 86_400
    """How long a superseded signing key stays published: at least the longest token lifetime."""
    session_idle_minutes: int = 480
    """How long a session lives unused where no policy sets ``session_idle_minutes`` (D8)."""
    session_absolute_minutes: int = 10_080
    """How long a session lives after its login where no policy sets ``session_absolute_minutes`` (D8)."""

    def new_id(self, prefix: str) -> str:
        return new_id(prefix, epoch_ms(self.clock.now()))
