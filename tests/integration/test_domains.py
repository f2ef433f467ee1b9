"""Domain claims verified by DNS TXT against a real local DNS server (SPEC F2, F3, D6), on every backend.

The deployment's resolver is pointed at ``tests.support.dns_server.LocalDnsServer`` through the
``dns_nameservers`` setting, so every lookup below is a real DNS query over UDP (or TCP after a
truncated answer) that the code under test sends and parses itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tenantry.adapters.dns import DnsTxtResolver
from tenantry.bootstrap import Runtime
from tenantry.core.domain import DomainClaim
from tenantry.core.errors import Conflict, InvalidInput, Unavailable
from tenantry.ports.paging import PageRequest
from tenantry.services.access import system_actor
from tenantry.tenancy.discovery import home_organization
from tests.support.databases import deployment
from tests.support.dns_server import LocalDnsServer

ACTOR = system_actor("test")


@pytest.fixture
def dns() -> Iterator[LocalDnsServer]:
    with LocalDnsServer() as server:
        yield server


@pytest.fixture
async def runtime(backend: str, tmp_path: Path, dns: LocalDnsServer) -> AsyncIterator[Runtime]:
    """The conftest deployment, with domain verification resolving through the local DNS server."""
    async with deployment(backend, tmp_path, dns_nameservers=[dns.nameserver]) as rt:
        await rt.services.realms.create(ACTOR, name="demo")
        await rt.services.organizations.create(ACTOR, "demo", name="acme")
        await rt.services.organizations.create(ACTOR, "demo", name="globex")
        await rt.services.realms.create(ACTOR, name="other")
        await rt.services.organizations.create(ACTOR, "other", name="initech")
        yield rt


async def _get(rt: Runtime, realm: str, org: str, claim: DomainClaim) -> DomainClaim:
    return await rt.services.domains.get(ACTOR, realm, org, claim.id)


async def _routing_owner(rt: Runtime, domain: str) -> DomainClaim | None:
    """The claim home-realm discovery and auto-join would follow for this domain (D6): verified only."""
    async with rt.ports.control.transaction() as tx:
        return await tx.domain_registry.verified_anywhere(domain)


async def _discovered(rt: Runtime, realm_id: str, email: str) -> str | None:
    """The organization home-realm discovery picks for this email in this realm (D6), if any."""
    async with rt.ports.control.transaction() as tx:
        claim = await home_organization(tx.domains(realm_id), email)
    return claim.organization_id if claim else None


async def _actions(rt: Runtime, realm: str) -> list[str]:
    page = await rt.services.audit.list(ACTOR, realm, PageRequest(limit=200))
    return [event.action for event in page.items]


async def _audit_chains_hold(rt: Runtime) -> None:
    for check in await rt.services.audit.verify():
        assert check.broken_at is None, check.stream


async def _verified(rt: Runtime, dns: LocalDnsServer, realm: str, org: str, domain: str) -> DomainClaim:
    claim = await rt.services.domains.claim(ACTOR, realm, org, domain)
    dns.publish(claim.domain, claim.txt_record)
    claim = await rt.services.domains.verify(ACTOR, realm, org, claim.id)
    assert claim.status == "verified"
    return claim


# --- F3: pending until the record is published ----------------------------------------------------


async def test_f3_claim_is_pending_until_txt_record_is_published_at_the_domain(runtime, dns):
    domains = runtime.services.domains
    claim = await domains.claim(ACTOR, "demo", "acme", "Acme.Example.")
    assert claim.domain == "acme.example"
    assert claim.status == "pending" and not claim.routes
    assert claim.txt_record == f"tenantry-verification={claim.token}"

    dns.publish("acme.example", "v=spf1 include:_spf.example.net -all")
    checked = await domains.verify(ACTOR, "demo", "acme", claim.id)
    assert checked.status == "pending"
    assert checked.checked_at is not None and checked.verified_at is None
    assert await _routing_owner(runtime, "acme.example") is None  # pending claims never route (D6)
    assert await _discovered(runtime, claim.realm_id, "alice@acme.example") is None

    dns.publish("acme.example", claim.txt_record)
    verified = await domains.verify(ACTOR, "demo", "acme", claim.id)
    assert verified.status == "verified" and verified.routes
    assert verified.verified_at is not None
    assert await _get(runtime, "demo", "acme", claim) == verified
    assert (await _routing_owner(runtime, "acme.example")).id == claim.id
    assert await _discovered(runtime, claim.realm_id, "Alice@ACME.example") == claim.organization_id
    assert ("udp", "acme.example", "TXT") in dns.queries

    assert (await _actions(runtime, "demo")).count("domain.verification_checked") == 2
    await _audit_chains_hold(runtime)


async def test_f3_txt_record_at_the_tenantry_label_verifies(runtime, dns):
    claim = await runtime.services.domains.claim(ACTOR, "demo", "acme", "acme.example")
    dns.publish("_tenantry.acme.example", claim.txt_record)
    verified = await runtime.services.domains.verify(ACTOR, "demo", "acme", claim.id)
    assert verified.status == "verified"
    assert [name for _, name, _ in dns.queries] == ["acme.example", "_tenantry.acme.example"]


async def test_f3_verifying_again_keeps_the_first_verification_time(runtime, dns):
    claim = await _verified(runtime, dns, "demo", "acme", "acme.example")
    again = await runtime.services.domains.verify(ACTOR, "demo", "acme", claim.id)
    assert again.status == "verified"
    assert again.verified_at == claim.verified_at
    assert again.checked_at >= claim.checked_at


WRONG_RECORDS = [
    ("{domain}", "tenantry-verification=not-the-token"),
    ("{domain}", "{token}"),  # the token without the prefix
    ("{domain}", "tenantry-verification={token}x"),
    ("{domain}", "tenantry-verification= {token}"),
    ("{domain}", "TENANTRY-VERIFICATION={token}"),
    ("{domain}", "other-verification={token}"),
    ("www.{domain}", "tenantry-verification={token}"),  # at names that are not checked
    ("_tenantry.www.{domain}", "tenantry-verification={token}"),
    ("{domain}.evil", "tenantry-verification={token}"),
]


async def test_f3_wrong_token_or_wrong_place_does_not_verify(runtime, dns):
    for index, (where, text) in enumerate(WRONG_RECORDS):
        domain = f"case{index}.example"
        claim = await runtime.services.domains.claim(ACTOR, "demo", "acme", domain)
        dns.publish(where.format(domain=domain), text.format(token=claim.token))
        checked = await runtime.services.domains.verify(ACTOR, "demo", "acme", claim.id)
        assert checked.status == "pending", (where, text)
        assert await _routing_owner(runtime, domain) is None
    assert len(await runtime.services.domains.list(ACTOR, "demo", "acme")) == len(WRONG_RECORDS)


async def test_f3_another_claims_token_does_not_verify(runtime, dns):
    ours = await runtime.services.domains.claim(ACTOR, "demo", "acme", "acme.example")
    theirs = await runtime.services.domains.claim(ACTOR, "demo", "globex", "acme.example")
    dns.publish("acme.example", theirs.txt_record)
    assert (await runtime.services.domains.verify(ACTOR, "demo", "acme", ours.id)).status == "pending"
    assert (await runtime.services.domains.verify(ACTOR, "demo", "globex", theirs.id)).status == "verified"


async def test_f3_verifies_among_many_txt_records_over_tcp(runtime, dns):
    """A busy apex (SPF, other vendors' tokens) overflows a 512-byte UDP answer: the resolver retries over TCP."""
    claim = await runtime.services.domains.claim(ACTOR, "demo", "acme", "acme.example")
    dns.publish("acme.example", *[f"vendor{i}-site-verification={'x' * 40}" for i in range(25)], claim.txt_record)
    verified = await runtime.services.domains.verify(ACTOR, "demo", "acme", claim.id)
    assert verified.status == "verified"
    assert ("tcp", "acme.example", "TXT") in dns.queries


async def test_f3_long_txt_string_split_into_character_strings_verifies(runtime, dns):
    claim = await runtime.services.domains.claim(ACTOR, "demo", "acme", "acme.example")
    dns.publish("acme.example", "x" * 300)
    assert (await runtime.services.domains.verify(ACTOR, "demo", "acme", claim.id)).status == "pending"
    dns.publish("_tenantry.acme.example", claim.txt_record)
    assert (await runtime.services.domains.verify(ACTOR, "demo", "acme", claim.id)).status == "verified"


async def test_f3_verify_while_dns_fails_is_503_and_changes_nothing(runtime, dns):
    claim = await runtime.services.domains.claim(ACTOR, "demo", "acme", "acme.example")
    dns.publish("acme.example", claim.txt_record)
    dns.mode = "servfail"
    with pytest.raises(Unavailable) as caught:
        await runtime.services.domains.verify(ACTOR, "demo", "acme", claim.id)
    assert caught.value.code == "dns_unavailable"
    assert await _get(runtime, "demo", "acme", claim) == claim
    assert "domain.verification_checked" not in await _actions(runtime, "demo")


# --- F2: consumer domains and junk ---------------------------------------------------------------


async def test_f2_consumer_domain_refused_and_nothing_written(runtime, dns):
    before = await _actions(runtime, "demo")
    for domain in ["gmail.com", "GMAIL.com.", "outlook.com", "proton.me", "yahoo.co.uk"]:
        with pytest.raises(InvalidInput) as caught:
            await runtime.services.domains.claim(ACTOR, "demo", "acme", domain)
        assert caught.value.code == "consumer_domain", domain
    assert await runtime.services.domains.list(ACTOR, "demo", "acme") == []
    assert await _actions(runtime, "demo") == before
    assert dns.queries == []


async def test_f3_junk_domain_refused_and_nothing_written(runtime):
    before = await _actions(runtime, "demo")
    for domain in ["localhost", "127.0.0.1", "exa mple.com", "*.acme.example", "acme.example/x", "xn--zz.example", ""]:
        with pytest.raises(InvalidInput) as caught:
            await runtime.services.domains.claim(ACTOR, "demo", "acme", domain)
        assert caught.value.code == "invalid_domain", domain
    assert await runtime.services.domains.list(ACTOR, "demo", "acme") == []
    assert await _actions(runtime, "demo") == before


async def test_f3_the_same_org_cannot_claim_a_domain_twice(runtime):
    await runtime.services.domains.claim(ACTOR, "demo", "acme", "acme.example")
    with pytest.raises(Conflict) as caught:
        await runtime.services.domains.claim(ACTOR, "demo", "acme", "ACME.example")
    assert caught.value.code == "domain_exists"
    assert len(await runtime.services.domains.list(ACTOR, "demo", "acme")) == 1


# --- F3: one organization per verified domain in the whole deployment ----------------------------

OTHER_ORGS = [pytest.param(("demo", "globex"), id="same-realm"), pytest.param(("other", "initech"), id="other-realm")]


@pytest.mark.parametrize("other", OTHER_ORGS)
async def test_f3_verified_domain_cannot_be_claimed_by_another_org(runtime, dns, other):
    realm, org = other
    ours = await _verified(runtime, dns, "demo", "acme", "acme.example")
    actions_before = await _actions(runtime, realm)

    with pytest.raises(Conflict) as caught:
        await runtime.services.domains.claim(ACTOR, realm, org, "Acme.Example")
    assert caught.value.code == "domain_taken"

    assert await runtime.services.domains.list(ACTOR, realm, org) == []
    assert await _actions(runtime, realm) == actions_before
    assert await _get(runtime, "demo", "acme", ours) == ours
    assert (await _routing_owner(runtime, "acme.example")).id == ours.id


@pytest.mark.parametrize("other", OTHER_ORGS)
async def test_f3_verified_domain_cannot_be_verified_by_another_org(runtime, dns, other):
    """Both claimed while pending (allowed); the first to verify owns it, the second gets 409."""
    realm, org = other
    ours = await runtime.services.domains.claim(ACTOR, "demo", "acme", "acme.example")
    theirs = await runtime.services.domains.claim(ACTOR, realm, org, "acme.example")
    dns.publish("acme.example", ours.txt_record, theirs.txt_record)
    ours = await runtime.services.domains.verify(ACTOR, "demo", "acme", ours.id)
    assert ours.status == "verified"

    with pytest.raises(Conflict) as caught:
        await runtime.services.domains.verify(ACTOR, realm, org, theirs.id)
    assert caught.value.code == "domain_taken"

    assert await _get(runtime, realm, org, theirs) == theirs  # still pending, not even checked_at moved
    assert await _get(runtime, "demo", "acme", ours) == ours
    assert (await _routing_owner(runtime, "acme.example")).id == ours.id
    await _audit_chains_hold(runtime)


async def test_f3_concurrent_verifies_leave_one_owner_and_a_409(runtime, dns, backend, request):
    domains = runtime.services.domains
    for round_ in range(8):
        domain = f"race{round_}.example"
        first, second = f"first{round_}", f"second{round_}"
        await runtime.services.organizations.create(ACTOR, "demo", name=first)
        await runtime.services.organizations.create(ACTOR, "other", name=second)
        one = await domains.claim(ACTOR, "demo", first, domain)
        two = await domains.claim(ACTOR, "other", second, domain)
        dns.publish(domain, one.txt_record, two.txt_record)
        results = await asyncio.gather(
            domains.verify(ACTOR, "demo", first, one.id),
            domains.verify(ACTOR, "other", second, two.id),
            return_exceptions=True,
        )
        winners = [r for r in results if isinstance(r, DomainClaim)]
        losers = [r for r in results if not isinstance(r, DomainClaim)]
        assert len(winners) == 1, results
        assert isinstance(losers[0], Conflict) and losers[0].code == "domain_taken", results
        assert (await _routing_owner(runtime, domain)).id == winners[0].id

    results = await asyncio.gather(
        *(domains.claim(ACTOR, "demo", "acme", "dup.example") for _ in range(2)), return_exceptions=True
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "DomainClaim"], results
    assert len(await domains.list(ACTOR, "demo", "acme")) == 1


# --- F3: periodic re-check ---------------------------------------------------------------------------


async def test_f3_recheck_lapses_a_removed_record_and_keeps_a_present_one(runtime, dns):
    gone = await _verified(runtime, dns, "demo", "acme", "acme.example")
    kept_claim = await runtime.services.domains.claim(ACTOR, "other", "initech", "initech.example")
    dns.publish("_tenantry.initech.example", kept_claim.txt_record)
    kept = await runtime.services.domains.verify(ACTOR, "other", "initech", kept_claim.id)
    pending = await runtime.services.domains.claim(ACTOR, "demo", "globex", "globex.example")

    dns.withdraw("acme.example")
    result = await runtime.services.domains.recheck()

    assert result.checked == 2  # verified claims only
    assert result.lapsed == ["acme.example"]
    lapsed = await _get(runtime, "demo", "acme", gone)
    assert lapsed.status == "lapsed" and not lapsed.routes
    assert lapsed.checked_at > gone.checked_at
    assert await _routing_owner(runtime, "acme.example") is None  # no longer routes (D6) or auto-joins (F2)
    assert await _discovered(runtime, gone.realm_id, "alice@acme.example") is None

    still = await _get(runtime, "other", "initech", kept)
    assert still.status == "verified" and still.routes
    assert still.verified_at == kept.verified_at
    assert still.checked_at > kept.checked_at
    assert (await _routing_owner(runtime, "initech.example")).id == kept.id
    assert await _discovered(runtime, kept.realm_id, "bob@initech.example") == kept.organization_id
    assert await _get(runtime, "demo", "globex", pending) == pending

    assert "domain.lapsed" in await _actions(runtime, "demo")
    assert "domain.lapsed" not in await _actions(runtime, "other")

    again = await runtime.services.domains.recheck()
    assert (again.checked, again.lapsed) == (1, [])
    await _audit_chains_hold(runtime)


async def test_f3_a_lapsed_claim_verifies_again_once_the_record_is_back(runtime, dns):
    claim = await _verified(runtime, dns, "demo", "acme", "acme.example")
    dns.withdraw("acme.example")
    assert (await runtime.services.domains.recheck()).lapsed == ["acme.example"]

    dns.publish("_tenantry.acme.example", claim.txt_record)
    back = await runtime.services.domains.verify(ACTOR, "demo", "acme", claim.id)
    assert back.status == "verified"
    assert back.verified_at > claim.verified_at
    assert (await _routing_owner(runtime, "acme.example")).id == claim.id


async def test_f3_a_lapsed_domain_can_be_verified_by_another_org(runtime, dns):
    first = await _verified(runtime, dns, "demo", "acme", "acme.example")
    dns.withdraw("acme.example")
    await runtime.services.domains.recheck()

    second = await _verified(runtime, dns, "other", "initech", "acme.example")
    assert (await _routing_owner(runtime, "acme.example")).id == second.id
    dns.publish("acme.example", first.txt_record)  # the first org publishes its record again: too late
    with pytest.raises(Conflict) as caught:
        await runtime.services.domains.verify(ACTOR, "demo", "acme", first.id)
    assert caught.value.code == "domain_taken"
    assert (await _get(runtime, "demo", "acme", first)).status == "lapsed"


class _MeanwhileResolver:
    """Runs ``meanwhile`` once, while the code under test waits for its first DNS answer."""

    def __init__(self, inner, meanwhile):
        self.inner, self.meanwhile = inner, meanwhile

    async def txt(self, name: str) -> list[str]:
        if self.meanwhile is not None:
            action, self.meanwhile = self.meanwhile, None
            await action()
        return await self.inner.txt(name)


async def test_f3_recheck_does_not_undo_changes_made_while_it_waited_for_dns(runtime, dns):
    kept = await _verified(runtime, dns, "demo", "acme", "acme.example")
    gone = await _verified(runtime, dns, "demo", "globex", "globex.example")
    dns.withdraw("globex.example")

    async def meanwhile() -> None:
        await runtime.services.domains.set_auto_join(ACTOR, "demo", "acme", kept.id, True)
        await runtime.services.domains.delete(ACTOR, "demo", "globex", gone.id)

    runtime.ports.resolver = _MeanwhileResolver(runtime.ports.resolver, meanwhile)
    result = await runtime.services.domains.recheck()

    assert result.lapsed == []  # the deleted claim is not lapsed (nor written back)
    assert await runtime.services.domains.list(ACTOR, "demo", "globex") == []
    after = await _get(runtime, "demo", "acme", kept)
    assert after.auto_join is True  # not overwritten by the copy read before the DNS query
    assert after.status == "verified"
    assert "domain.lapsed" not in await _actions(runtime, "demo")


async def test_f3_recheck_keeps_claims_when_dns_answers_servfail(runtime, dns):
    claims = [
        await _verified(runtime, dns, "demo", "acme", "acme.example"),
        await _verified(runtime, dns, "other", "initech", "initech.example"),
    ]
    dns.records.clear()
    dns.mode = "servfail"
    result = await runtime.services.domains.recheck()
    assert result.lapsed == []
    assert await _get(runtime, "demo", "acme", claims[0]) == claims[0]
    assert await _get(runtime, "other", "initech", claims[1]) == claims[1]
    assert "domain.lapsed" not in await _actions(runtime, "demo")


async def test_f3_recheck_does_not_lapse_anything_when_the_dns_server_is_down(runtime, dns):
    """The one timeout case: the server is stopped, every query times out (the resolver's 3 s lifetime)."""
    claim = await _verified(runtime, dns, "demo", "acme", "acme.example")
    dns.withdraw("acme.example")  # even with the record gone, silence is not evidence of absence
    dns.stop()

    started = time.monotonic()
    result = await runtime.services.domains.recheck()
    assert time.monotonic() - started >= 1  # it did wait for an answer

    assert result.checked == 1
    assert result.lapsed == []
    assert await _get(runtime, "demo", "acme", claim) == claim
    assert (await _routing_owner(runtime, "acme.example")).id == claim.id
    assert "domain.lapsed" not in await _actions(runtime, "demo")


# --- the resolver adapter against the same server (no database) ---------------------------------


async def test_f3_resolver_reads_txt_strings_and_treats_missing_names_as_empty(dns):
    dns.publish("acme.example", "one", "two")
    dns.records["empty.example"] = []
    resolver = DnsTxtResolver([dns.nameserver], timeout=1.0)
    assert sorted(await resolver.txt("ACME.example")) == ["one", "two"]
    assert await resolver.txt("empty.example") == []  # NOERROR, no answer
    assert await resolver.txt("missing.example") == []  # NXDOMAIN


async def test_f3_resolver_keeps_each_nameserver_port(dns):
    with LocalDnsServer({"acme.example": ["second"]}) as second:
        dns.mode = "servfail"
        resolver = DnsTxtResolver([dns.nameserver, second.nameserver], timeout=1.0)
        assert await resolver.txt("acme.example") == ["second"]
        assert second.queries


async def test_f3_resolver_failure_is_unavailable_not_empty(dns):
    dns.publish("acme.example", "present")
    dns.mode = "servfail"
    with pytest.raises(Unavailable):
        await DnsTxtResolver([dns.nameserver], timeout=1.0).txt("acme.example")
    dns.mode = "silent"
    started = time.monotonic()
    with pytest.raises(Unavailable):
        await DnsTxtResolver([dns.nameserver], timeout=0.3).txt("acme.example")
    assert time.monotonic() - started < 2
