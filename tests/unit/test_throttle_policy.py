"""Brute-force protection as pure logic (SPEC S6): limits, exempt networks, counter names, and the
verdicts of ``AttackProtection`` over an in-memory store with a clock the test moves."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from tenantry.bootstrap import throttle_policy
from tenantry.config import Settings
from tenantry.core.throttle import ACCOUNT_IP, PER_IP, ThrottlePolicy, ip_bucket, throttle_key
from tenantry.services.attack_protection import AttackProtection, Verdict
from tests.support.clock import ManualClock

REALM = "rlm_01jd0000000000000000000000"
OTHER_REALM = "rlm_01jd0000000000000000000001"
ACCOUNT = "con_01jd0000000000000000000000:alice@example.com"


class MemoryStore:
    """The ThrottleStore contract in a dictionary, on a manual clock (the real stores have contract tests)."""

    def __init__(self, clock: ManualClock):
        self.clock = clock
        self.counters: dict[str, tuple[int, datetime]] = {}
        self.locks: dict[str, datetime] = {}

    async def hit(self, key: str, window_seconds: int) -> int:
        now = self.clock.now()
        count, ends = self.counters.get(key, (0, now))
        if ends <= now:
            count, ends = 0, now + timedelta(seconds=window_seconds)
        self.counters[key] = (count + 1, ends)
        return count + 1

    async def get(self, key: str) -> int:
        count, ends = self.counters.get(key, (0, self.clock.now()))
        return count if ends > self.clock.now() else 0

    async def lock(self, key: str, seconds: int) -> None:
        self.locks[key] = self.clock.now() + timedelta(seconds=seconds)

    async def locked_for(self, key: str) -> int:
        until = self.locks.get(key)
        if until is None or until <= self.clock.now():
            return 0
        return math.ceil((until - self.clock.now()).total_seconds())

    async def clear(self, key: str) -> None:
        self.counters.pop(key, None)
        self.locks.pop(key, None)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def store(clock: ManualClock) -> MemoryStore:
    return MemoryStore(clock)


def protection(store: MemoryStore, **limits: object) -> AttackProtection:
    return AttackProtection(SimpleNamespace(throttle=store), ThrottlePolicy(**limits))  # type: ignore[arg-type]


def test_defaults_follow_the_hostile_cases():
    policy = ThrottlePolicy()
    assert policy.max_failures_per_account_ip == 10
    assert policy.account_ip_window_seconds == 900
    assert policy.lockout_seconds == 900
    assert policy.max_failures_per_ip == 100
    assert policy.ip_window_seconds == 3600
    assert policy.exempt_cidrs == ()


def test_exempt_networks_match_addresses_of_their_family_only():
    policy = ThrottlePolicy(exempt_cidrs=("10.0.0.0/8", " 2001:db8::/32", "192.168.1.7/24"))
    assert policy.exempt_cidrs == ("10.0.0.0/8", "2001:db8::/32", "192.168.1.0/24")
    assert policy.exempt("10.200.3.4")
    assert policy.exempt("::ffff:10.200.3.4")  # IPv4-mapped IPv6 is the IPv4 address
    assert policy.exempt("2001:db8:1::5")
    assert policy.exempt("192.168.1.200")
    assert not policy.exempt("11.0.0.1")
    assert not policy.exempt("2001:db9::1")
    assert not policy.exempt("not an address")
    assert not policy.exempt("")


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "example.com", "1.2.3"])
def test_an_invalid_cidr_is_refused(bad: str):
    with pytest.raises(ValidationError):
        ThrottlePolicy(exempt_cidrs=(bad,))
    with pytest.raises(ValidationError):
        Settings(throttle_exempt_cidrs=[bad])


@pytest.mark.parametrize(
    "field", ["max_failures_per_account_ip", "account_ip_window_seconds", "lockout_seconds", "max_failures_per_ip"]
)
def test_limits_are_positive(field: str):
    with pytest.raises(ValidationError):
        ThrottlePolicy(**{field: 0})


def test_settings_become_the_policy():
    settings = Settings(
        throttle_max_failures_per_account_ip=3,
        throttle_account_ip_window_seconds=60,
        throttle_lockout_seconds=120,
        throttle_max_failures_per_ip=7,
        throttle_ip_window_seconds=600,
        throttle_exempt_cidrs=["10.1.2.3/8"],
    )
    assert throttle_policy(settings) == ThrottlePolicy(
        max_failures_per_account_ip=3,
        account_ip_window_seconds=60,
        lockout_seconds=120,
        max_failures_per_ip=7,
        ip_window_seconds=600,
        exempt_cidrs=("10.0.0.0/8",),
    )
    assert throttle_policy(Settings()) == ThrottlePolicy()


def test_ip_buckets():
    assert ip_bucket("203.0.113.9") == "203.0.113.9"
    assert ip_bucket(" ::ffff:203.0.113.9 ") == "203.0.113.9"
    # one IPv6 customer line is a /64: rotating the interface id does not buy fresh counters
    assert ip_bucket("2001:db8:1:2:aaaa::1") == ip_bucket("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert ip_bucket("2001:db8:1:3::1") != ip_bucket("2001:db8:1:2::1")
    assert ip_bucket("Unknown") == "unknown"


def test_counter_names_are_digests_that_separate_realm_kind_account_and_ip():
    key = throttle_key(REALM, ACCOUNT_IP, ACCOUNT, "203.0.113.9")
    assert len(key) == 64 and all(c in "0123456789abcdef" for c in key)
    assert "alice" not in key and "203" not in key
    assert key == throttle_key(REALM, ACCOUNT_IP, "  CON_01JD0000000000000000000000:Alice@Example.COM ", "203.0.113.9")
    others = {
        throttle_key(OTHER_REALM, ACCOUNT_IP, ACCOUNT, "203.0.113.9"),
        throttle_key(REALM, PER_IP, ACCOUNT, "203.0.113.9"),
        throttle_key(REALM, ACCOUNT_IP, ACCOUNT + "x", "203.0.113.9"),
        throttle_key(REALM, ACCOUNT_IP, ACCOUNT, "203.0.113.10"),
        throttle_key(REALM, PER_IP, None, "203.0.113.9"),
    }
    assert key not in others and len(others) == 5
    # no choice of account and IP text collides with another
    assert throttle_key(REALM, ACCOUNT_IP, "a|1.2.3.4", "5.6.7.8") != throttle_key(
        REALM, ACCOUNT_IP, "a", "1.2.3.4|5.6.7.8"
    )


async def test_the_eleventh_bad_password_is_refused_and_the_owner_ip_is_not(store: MemoryStore, clock: ManualClock):
    guard = protection(store)
    for attempt in range(1, 11):
        assert await guard.check(REALM, ACCOUNT, "203.0.113.9") == Verdict(True, 0)
        verdict = await guard.failed(REALM, ACCOUNT, "203.0.113.9")
        assert verdict == (Verdict(True, 0) if attempt < 10 else Verdict(False, 900))
    assert await guard.check(REALM, ACCOUNT, "203.0.113.9") == Verdict(False, 900)
    assert await guard.check(REALM, ACCOUNT, "198.51.100.4") == Verdict(True, 0)
    assert await guard.check(REALM, "con_x:bob@example.com", "203.0.113.9") == Verdict(True, 0)
    assert await guard.check(OTHER_REALM, ACCOUNT, "203.0.113.9") == Verdict(True, 0)
    clock.advance(300)
    assert await guard.check(REALM, ACCOUNT, "203.0.113.9") == Verdict(False, 600)
    clock.advance(600)
    assert await guard.check(REALM, ACCOUNT, "203.0.113.9") == Verdict(True, 0)


async def test_a_success_clears_the_pair_but_not_the_ip(store: MemoryStore):
    guard = protection(store, max_failures_per_account_ip=3, max_failures_per_ip=5)
    for _ in range(2):
        assert (await guard.failed(REALM, ACCOUNT, "203.0.113.9")).allowed
    await guard.succeeded(REALM, ACCOUNT, "203.0.113.9")
    assert await store.get(throttle_key(REALM, ACCOUNT_IP, ACCOUNT, "203.0.113.9")) == 0
    assert await store.get(throttle_key(REALM, PER_IP, None, "203.0.113.9")) == 2
    for _ in range(2):
        assert (await guard.failed(REALM, ACCOUNT, "203.0.113.9")).allowed
    # the pair is at 2 of 3, the IP reaches 5 of 5
    assert await guard.failed(REALM, ACCOUNT, "203.0.113.9") == Verdict(False, 900)
    assert await guard.check(REALM, "con_x:carol@example.com", "203.0.113.9") == Verdict(False, 900)


async def test_paths_without_an_account_count_per_ip_only(store: MemoryStore):
    guard = protection(store, max_failures_per_ip=3)
    assert (await guard.failed(REALM, None, "203.0.113.9")).allowed
    assert (await guard.failed(REALM, None, "203.0.113.9")).allowed
    assert not (await guard.failed(REALM, None, "203.0.113.9")).allowed
    assert not (await guard.check(REALM, None, "203.0.113.9")).allowed
    assert not (await guard.check(REALM, ACCOUNT, "203.0.113.9")).allowed
    assert (await guard.check(REALM, None, "203.0.113.10")).allowed


async def test_an_exempt_network_is_counted_per_pair_only(store: MemoryStore):
    guard = protection(store, max_failures_per_account_ip=2, max_failures_per_ip=2, exempt_cidrs=("10.0.0.0/8",))
    for n in range(20):
        assert (await guard.failed(REALM, f"con_x:user{n}@example.com", "10.9.8.7")).allowed
    assert await store.get(throttle_key(REALM, PER_IP, None, "10.9.8.7")) == 0
    assert (await guard.failed(REALM, ACCOUNT, "10.9.8.7")).allowed
    assert not (await guard.failed(REALM, ACCOUNT, "10.9.8.7")).allowed
    assert not (await guard.check(REALM, ACCOUNT, "10.9.8.7")).allowed


async def test_a_window_that_ends_starts_counting_again(store: MemoryStore, clock: ManualClock):
    guard = protection(store, max_failures_per_account_ip=3, account_ip_window_seconds=60)
    assert (await guard.failed(REALM, ACCOUNT, "203.0.113.9")).allowed
    assert (await guard.failed(REALM, ACCOUNT, "203.0.113.9")).allowed
    clock.advance(61)
    assert (await guard.failed(REALM, ACCOUNT, "203.0.113.9")).allowed
    assert (await guard.failed(REALM, ACCOUNT, "203.0.113.9")).allowed
    assert not (await guard.failed(REALM, ACCOUNT, "203.0.113.9")).allowed


async def test_after_a_lockout_inside_a_long_window_one_more_failure_locks_again(
    store: MemoryStore, clock: ManualClock
):
    guard = protection(store, max_failures_per_account_ip=2, account_ip_window_seconds=3600, lockout_seconds=60)
    await guard.failed(REALM, ACCOUNT, "203.0.113.9")
    assert await guard.failed(REALM, ACCOUNT, "203.0.113.9") == Verdict(False, 60)
    clock.advance(60)
    assert (await guard.check(REALM, ACCOUNT, "203.0.113.9")).allowed
    assert await guard.failed(REALM, ACCOUNT, "203.0.113.9") == Verdict(False, 60)
