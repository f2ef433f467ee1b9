"""Brute-force protection for every path that checks a credential (SPEC S6, S9; HOSTILE 55-58, 61, 76).

A caller asks ``check`` before it checks a credential (password, OTP, reset code, SCIM token) and
answers 429 with ``Retry-After`` when the verdict refuses; it reports the outcome with ``failed``
or ``succeeded``. Two counters are kept in the shared ``ThrottleStore``:

- per (account, IP): ``max_failures_per_account_ip`` failures within ``account_ip_window_seconds``
  lock the pair for ``lockout_seconds``. The same account from another IP is not locked, so an
  attacker cannot lock the owner out (S6). A success clears the pair.
- per IP, across the realm's accounts: ``max_failures_per_ip`` failures within
  ``ip_window_seconds`` lock the IP for ``lockout_seconds``. Addresses in ``exempt_cidrs`` are never
  counted per IP. A success does not clear it.

Counting stays exact under concurrency and across nodes because the store increments atomically.
A failure that finds its counter at or past the limit (re)locks it; so when the window is longer
than the lockout, one try per lockout is let through and a failure locks again.

When the store cannot answer, every method raises ``Unavailable`` (code ``throttle_unavailable``):
refusing beats letting unlimited guesses through (HOSTILE 76).

S7 (no user enumeration) is the callers' part: they run every check above for unknown accounts
as for known ones, and verify the password of an unknown user against the hasher's dummy hash
(``PasswordHasher.verify`` with no stored hash), so the answer and its timing are the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenantry.core.throttle import ACCOUNT_IP, PER_IP, ThrottlePolicy, throttle_key

from .context import Ports


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int
    """Seconds until a retry can be allowed; 0 when allowed."""


ALLOWED = Verdict(True, 0)


class AttackProtection:
    def __init__(self, ports: Ports, policy: ThrottlePolicy):
        self.store = ports.throttle
        self.policy = policy

    def _keys(self, realm_id: str, account: str | None, ip: str) -> tuple[str | None, str | None]:
        pair = throttle_key(realm_id, ACCOUNT_IP, account, ip) if account is not None else None
        per_ip = None if self.policy.exempt(ip) else throttle_key(realm_id, PER_IP, None, ip)
        return pair, per_ip

    async def check(self, realm_id: str, account: str | None, ip: str) -> Verdict:
        """Before checking a credential: refused while the (account, IP) pair or the IP is locked.

        ``account`` is a stable account key (e.g. ``"<connection_id>:<email>"``), whether or not
        the account exists; None on paths without one (e.g. a SCIM token).
        """
        wait = 0
        for key in self._keys(realm_id, account, ip):
            if key is not None:
                wait = max(wait, await self.store.locked_for(key))
        return ALLOWED if wait == 0 else Verdict(False, wait)

    async def failed(self, realm_id: str, account: str | None, ip: str) -> Verdict:
        """Count one failure; the verdict is the one after counting (refused once a limit is reached)."""
        pair, per_ip = self._keys(realm_id, account, ip)
        policy = self.policy
        wait = 0
        if pair is not None:
            count = await self.store.hit(pair, policy.account_ip_window_seconds)
            if count >= policy.max_failures_per_account_ip:
                await self.store.lock(pair, policy.lockout_seconds)
                wait = policy.lockout_seconds
        if per_ip is not None:
            count = await self.store.hit(per_ip, policy.ip_window_seconds)
            if count >= policy.max_failures_per_ip:
                await self.store.lock(per_ip, policy.lockout_seconds)
                wait = policy.lockout_seconds
        return ALLOWED if wait == 0 else Verdict(False, wait)

    async def succeeded(self, realm_id: str, account: str, ip: str) -> None:
        """The credential was right: clear the (account, IP) counter. The per-IP counter is kept."""
        await self.store.clear(throttle_key(realm_id, ACCOUNT_IP, account, ip))
