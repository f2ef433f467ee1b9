"""A first walk through the services on every backend: realm, organization, user, membership."""

from tenantry.ports.paging import PageRequest


async def test_b5_membership_carries_roles(runtime, operator):
    services = runtime.services
    await services.realms.create(operator, name="demo")
    await services.connections.create(operator, "demo", name="db")
    await services.organizations.create(operator, "demo", name="acme")
    await services.roles.create(operator, "demo", name="admin")
    user = await services.users.create(
        operator, "demo", connection="db", email="alice@example.com", password="correct horse battery"
    )
    await services.memberships.add(operator, "demo", "acme", user.id, ["admin"])
    page = await services.memberships.list(operator, "demo", "acme", PageRequest())
    assert [(m.user_id, m.roles) for m in page.items] == [(user.id, ["admin"])]
