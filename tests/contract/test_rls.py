"""Row-level security on PostgreSQL data planes (HOSTILE 52, 53): defence in depth behind bound repositories.

These tests talk SQL to the plane directly, as the repositories' own filters would hide any hole
in the policies. The login role of the test server is a superuser, which PostgreSQL exempts from
RLS whatever the table says; so the owner case of HOSTILE 52 is covered by asserting FORCE RLS
and a role without BYPASSRLS rather than by logging in as the owner.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from tenantry.core.content import ContentItem
from tenantry.core.factor import Challenge, Factor, challenge_id
from tenantry.core.grant import AuthorizationCode, RefreshToken, Session, TokenFamily
from tenantry.core.invitation import Invitation, MailToken
from tenantry.core.scim import ScimEmail, ScimGroup, ScimRecord
from tenantry.core.user import Identity, User
from tenantry.storage.engines import APP_ROLE
from tenantry.storage.tables_data import RLS_TABLES
from tests.support.databases import deployment

from .world import World, fresh, moment, user

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
async def pg_world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    async with deployment("postgres", tmp_path_factory.mktemp("rls")) as runtime:
        yield await World.of(runtime)


@dataclass(slots=True)
class Seeded:
    realm_id: str
    user: User
    rows: dict[str, int]


async def _seed(world: World) -> Seeded:
    """A realm with one row in every RLS table, written through the repositories."""
    realm = await world.realm()
    con = await world.connection(realm.id)
    org = await world.organization(realm.id)
    alice = await world.user(realm.id, con.id, "alice@example.com")
    await world.member(realm.id, org.id, alice.id)
    async with world.data(realm.id) as data:
        await data.credentials.set_password(alice.id, "$argon2id$alice")
        await data.identities.add(Identity(alice.id, realm.id, con.id, "https://idp.example", "sub-alice"))
        await _seed_grants(data, realm.id, alice.id, con.id)
        await _seed_scim(data, realm.id, alice.id, con.id)
        await data.content.add_missing(org.id, "v1", [ContentItem("welcome", "Welcome", "Hello")])
    return Seeded(realm.id, alice, dict.fromkeys(RLS_TABLES, 1))


async def _seed_grants(data: Any, realm_id: str, user_id: str, connection_id: str) -> None:
    """A session, a token family, a code, a refresh token, a factor, a recovery code and a challenge."""
    now, later = moment(), moment() + timedelta(hours=1)
    session = Session(f"ses-{realm_id}", realm_id, user_id, connection_id, now, now, now, later, later)
    await data.sessions.add(session)
    family = TokenFamily(f"fam-{realm_id}", realm_id, user_id, "client", now, session.id)
    await data.grants.add_family(family)
    await data.grants.add_code(
        AuthorizationCode(
            f"code-{realm_id}",
            realm_id,
            family.id,
            "client",
            user_id,
            "https://a.example/cb",
            "openid",
            now,
            now,
            later,
        )
    )
    await data.grants.add_refresh(
        RefreshToken(f"rt-{realm_id}", realm_id, family.id, "client", user_id, "openid", now, now, later)
    )
    await data.invitations.add(
        Invitation(f"inv-{realm_id}"[:32], realm_id, "org", "a@example.com", f"ih-{realm_id}", "op", now, later)
    )
    await data.mail_tokens.add(
        MailToken(f"mt-{realm_id}", realm_id, "verify_email", user_id, "a@example.com", now, later)
    )
    await data.factors.add(Factor(f"mfa-{realm_id[-20:]}", realm_id, user_id, "totp", "app", now, now, secret="sealed"))
    await data.factors.replace_recovery_codes(user_id, ["digest"], now)
    await data.factors.add_challenge(
        Challenge(challenge_id("authenticate", realm_id), realm_id, user_id, "authenticate", "c", now, later)
    )


async def _seed_scim(data: Any, realm_id: str, user_id: str, connection_id: str) -> None:
    """A SCIM record with one email, and a group holding the user: one row in each SCIM table."""
    email = ScimEmail("alice@example.com", "work", True)
    await data.scim_users.add(ScimRecord(user_id, realm_id, connection_id, "alice", 1, emails=[email]))
    group_id, now = fresh("grp")
    group = ScimGroup(group_id, realm_id, connection_id, "Staff", now, now, member_ids=[user_id])
    await data.scim_groups.add(group)


async def _counts(conn: AsyncConnection, realm_id: str | None = None) -> dict[str, int]:
    """Rows visible in each RLS table, optionally only those carrying ``realm_id``."""
    counts = {}
    for table in RLS_TABLES:
        query = f"SELECT count(*) FROM {table}" + (" WHERE realm_id = :realm" if realm_id else "")
        counts[table] = (await conn.execute(text(query), {"realm": realm_id})).scalar_one()
    return counts


async def _as_owner(world: World, realm_id: str) -> dict[str, int]:
    """What is really stored for ``realm_id``, read as the (superuser) owner that RLS does not bind."""
    async with world.runtime.engines.plane_engine(world.plane).connect() as conn:
        return await _counts(conn, realm_id)


async def _as_app(conn: AsyncConnection, realm_id: str | None) -> None:
    await conn.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
    if realm_id is not None:
        await conn.execute(text("SELECT set_config('tenantry.realm_id', :realm, true)"), {"realm": realm_id})


def _user_row(realm_id: str, connection_id: str, email: str) -> dict[str, Any]:
    built = user(realm_id, connection_id, email)
    return {"id": built.id, "realm": realm_id, "con": connection_id, "email": email, "at": moment()}


INSERT_USER = text(
    "INSERT INTO users (id, realm_id, connection_id, email, email_verified, blocked, app_metadata, user_metadata,"
    " created_at, updated_at) VALUES (:id, :realm, :con, :email, false, false, '{}', '{}', :at, :at)"
)


async def test_hostile_52_app_role_with_no_realm_set_sees_no_rows(pg_world: World):
    seeded = await _seed(pg_world)
    assert await _as_owner(pg_world, seeded.realm_id) == seeded.rows
    engine = pg_world.runtime.engines.plane_engine(pg_world.plane)
    async with engine.begin() as conn:
        await _as_app(conn, None)
        assert await _counts(conn) == dict.fromkeys(RLS_TABLES, 0)
    async with engine.begin() as conn:
        await _as_app(conn, "")
        assert await _counts(conn) == dict.fromkeys(RLS_TABLES, 0)


async def test_hostile_52_app_role_sees_exactly_the_realm_set(pg_world: World):
    seeded = await _seed(pg_world)
    await _seed(pg_world)
    async with pg_world.runtime.engines.plane_transaction(pg_world.plane, seeded.realm_id) as conn:
        assert await _counts(conn) == seeded.rows


async def test_hostile_52_rls_is_forced_and_the_app_role_cannot_bypass_it(pg_world: World):
    async with pg_world.runtime.engines.plane_engine(pg_world.plane).connect() as conn:
        flags = {
            row.relname: (row.relrowsecurity, row.relforcerowsecurity)
            for row in await conn.execute(
                text("SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(:t)"),
                {"t": list(RLS_TABLES)},
            )
        }
        role = (
            await conn.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE})
        ).one()
        policies = {
            row.tablename: (row.qual, row.with_check)
            for row in await conn.execute(text("SELECT tablename, qual, with_check FROM pg_policies"))
        }
    assert flags == dict.fromkeys(RLS_TABLES, (True, True))
    assert (role.rolsuper, role.rolbypassrls) == (False, False)
    assert set(policies) == set(RLS_TABLES)
    for qual, with_check in policies.values():
        assert "tenantry.realm_id" in qual
        assert "tenantry.realm_id" in with_check


async def test_hostile_52_every_table_carrying_realm_id_is_under_rls(pg_world: World):
    async with pg_world.runtime.engines.plane_engine(pg_world.plane).connect() as conn:
        tables = set(
            (
                await conn.execute(
                    text(
                        "SELECT table_name FROM information_schema.columns"
                        " WHERE table_schema = 'public' AND column_name = 'realm_id'"
                    )
                )
            ).scalars()
        )
    assert tables == set(RLS_TABLES)


async def test_hostile_52_views_on_a_plane_run_as_the_invoker(pg_world: World):
    async with pg_world.runtime.engines.plane_engine(pg_world.plane).connect() as conn:
        views = {
            row.relname: row.reloptions or []
            for row in await conn.execute(
                text(
                    "SELECT c.relname, c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE c.relkind = 'v' AND n.nspname = 'public'"
                )
            )
        }
    assert {name: "security_invoker=true" in options for name, options in views.items()} == dict.fromkeys(views, True)


async def test_hostile_53_a_pooled_connection_passed_from_realm_a_to_b_shows_none_of_a(pg_world: World):
    seeded = await _seed(pg_world)
    other = await pg_world.realm()
    engines = pg_world.runtime.engines
    async with engines.plane_transaction(pg_world.plane, seeded.realm_id) as conn:
        pid_a = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert await _counts(conn) == seeded.rows
    async with engines.plane_transaction(pg_world.plane, other.id) as conn:
        pid_b = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert await _counts(conn) == dict.fromkeys(RLS_TABLES, 0)
        assert (
            await conn.execute(text("SELECT count(*) FROM users WHERE id = :id"), {"id": seeded.user.id})
        ).scalar_one() == 0
    assert pid_a == pid_b, "the pool handed out another connection, so the reuse case was not exercised"


async def test_hostile_53_role_and_realm_are_reset_when_the_transaction_ends(pg_world: World):
    seeded = await _seed(pg_world)
    engine = pg_world.runtime.engines.plane_engine(pg_world.plane)
    async with engine.connect() as conn:
        async with conn.begin():
            await _as_app(conn, seeded.realm_id)
            assert await _counts(conn) == seeded.rows
        async with conn.begin():
            current = (
                await conn.execute(text("SELECT current_user, current_setting('tenantry.realm_id', true)"))
            ).one()
            assert current[0] != APP_ROLE
            assert current[1] in (None, "")
            await _as_app(conn, None)
            assert await _counts(conn) == dict.fromkeys(RLS_TABLES, 0)


async def test_hostile_52_insert_carrying_another_realms_id_is_refused_by_with_check(pg_world: World):
    seeded = await _seed(pg_world)
    other = await pg_world.realm()
    before = await _as_owner(pg_world, other.id)
    for realm_setting in (seeded.realm_id, None):
        with pytest.raises(DBAPIError, match="row-level security"):
            async with pg_world.runtime.engines.plane_engine(pg_world.plane).begin() as conn:
                await _as_app(conn, realm_setting)
                await conn.execute(INSERT_USER, _user_row(other.id, seeded.user.connection_id, "evil@example.com"))
    assert await _as_owner(pg_world, other.id) == before


async def test_hostile_52_moving_a_row_to_another_realm_is_refused_by_with_check(pg_world: World):
    seeded = await _seed(pg_world)
    other = await pg_world.realm()
    with pytest.raises(DBAPIError, match="row-level security"):
        async with pg_world.runtime.engines.plane_transaction(pg_world.plane, seeded.realm_id) as conn:
            await conn.execute(
                text("UPDATE users SET realm_id = :other WHERE id = :id"), {"other": other.id, "id": seeded.user.id}
            )
    assert await _as_owner(pg_world, seeded.realm_id) == seeded.rows
    async with pg_world.data(seeded.realm_id) as data:
        assert await data.users.get(seeded.user.id) == seeded.user


async def test_hostile_52_realm_b_can_neither_change_nor_delete_realm_a_rows(pg_world: World):
    seeded = await _seed(pg_world)
    other = await pg_world.realm()
    async with pg_world.runtime.engines.plane_transaction(pg_world.plane, other.id) as conn:
        for table in RLS_TABLES:
            deleted = await conn.execute(text(f"DELETE FROM {table} WHERE realm_id = :r"), {"r": seeded.realm_id})
            assert deleted.rowcount == 0
        updated = await conn.execute(text("UPDATE users SET blocked = true WHERE id = :id"), {"id": seeded.user.id})
        assert updated.rowcount == 0
    assert await _as_owner(pg_world, seeded.realm_id) == seeded.rows
    async with pg_world.data(seeded.realm_id) as data:
        assert await data.users.get(seeded.user.id) == seeded.user


async def test_hostile_52_the_realm_filter_is_not_the_only_guard(pg_world: World):
    """Without any WHERE clause, the app role still reads only the realm set for its transaction."""
    seeded = await _seed(pg_world)
    await _seed(pg_world)
    async with pg_world.runtime.engines.plane_transaction(pg_world.plane, seeded.realm_id) as conn:
        realms = set((await conn.execute(text("SELECT DISTINCT realm_id FROM users"))).scalars())
        ids = (await conn.execute(text("SELECT id FROM users"))).scalars().all()
    assert realms == {seeded.realm_id}
    assert ids == [seeded.user.id]


# Minor releases that carry the fix for CVE-2024-10976 (RLS policies below subqueries could
# disregard user ID changes), per major version.
CVE_2024_10976_FIXED = {12: 21, 13: 17, 14: 14, 15: 9, 16: 5, 17: 1}


async def test_hostile_54_postgres_is_patched_for_cve_2024_10976(pg_world: World):
    async with pg_world.runtime.engines.control.connect() as conn:
        number = int((await conn.execute(text("SHOW server_version_num"))).scalar_one())
    major, minor = number // 10000, number % 10000
    assert major >= 18 or minor >= CVE_2024_10976_FIXED.get(major, 10**6), f"PostgreSQL {major}.{minor} is unpatched"
