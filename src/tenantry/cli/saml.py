"""``tenantry saml``: SAML applications (service providers), by options or from the SP's metadata (I1, A4)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tenantry.bootstrap import Runtime
from tenantry.core.saml_application import SamlApplication

from .common import (
    ACTOR,
    CursorOption,
    JsonOption,
    LimitOption,
    done,
    page_request,
    print_json,
    print_page,
    print_record,
    run,
)

app = typer.Typer(
    help="SAML applications (service providers such as Twilio Flex): create, import, list.", no_args_is_help=True
)
RealmArg = Annotated[str, typer.Argument(help="Realm name or id.")]
AppArg = Annotated[str, typer.Argument(help="SAML application name or id.")]

COLUMNS = (
    ("name", lambda a: a.name),
    ("id", lambda a: a.id),
    ("entity id", lambda a: a.entity_id),
    ("preset", lambda a: a.settings.preset),
    ("ACS URLs", lambda a: a.settings.acs_urls),
)


async def _described(runtime: Runtime, item: SamlApplication) -> dict[str, Any]:
    urls = await runtime.services.saml_applications.endpoints(item)
    return {
        "id": item.id,
        "name": item.name,
        "entity_id": item.entity_id,
        **urls,
        **item.settings.model_dump(mode="json"),
    }


def _settings(
    acs: list[str] | None, preset: str | None, org_usage: str | None, name_id_source: str | None
) -> dict[str, Any]:
    given = {"acs_urls": acs, "preset": preset, "organization_usage": org_usage, "name_id_source": name_id_source}
    return {key: value for key, value in given.items() if value}


@app.command("create")
def create(
    realm: RealmArg,
    name: Annotated[str, typer.Argument(help="Application name (a lowercase slug).")],
    entity_id: Annotated[str | None, typer.Option("--entity-id", help="The SP's entity id (its audience).")] = None,
    metadata: Annotated[
        Path | None, typer.Option("--metadata", exists=True, dir_okay=False, help="The SP's metadata XML file.")
    ] = None,
    acs: Annotated[list[str] | None, typer.Option("--acs", help="A registered ACS URL; repeat for several.")] = None,
    preset: Annotated[str | None, typer.Option("--preset", help="generic (default) or twilio_flex.")] = None,
    org_usage: Annotated[str | None, typer.Option("--org-usage", help="deny (default), allow or require.")] = None,
    name_id_source: Annotated[str | None, typer.Option("--name-id", help="NameID source path: id, email, ...")] = None,
    as_json: JsonOption = False,
) -> None:
    """Register a SAML application from options, or from its metadata (options win over the metadata)."""
    settings = _settings(acs, preset, org_usage, name_id_source)

    async def work(runtime: Runtime) -> dict[str, Any]:
        service = runtime.services.saml_applications
        if metadata is not None:
            xml = metadata.read_text()
            item = await service.import_metadata(ACTOR, realm, name=name, metadata=xml, settings=settings)
        else:
            item = await service.create(ACTOR, realm, name=name, entity_id=entity_id or "", settings=settings)
        return await _described(runtime, item)

    described = run(work)
    if as_json:
        print_json(described)
        return
    done(f"SAML application {described['name']} created ({described['id']})")
    print_record(described)


@app.command("list")
def list_apps(
    realm: RealmArg, as_json: JsonOption = False, limit: LimitOption = 50, cursor: CursorOption = None
) -> None:
    """List a realm's SAML applications."""
    page = run(lambda runtime: runtime.services.saml_applications.list(ACTOR, realm, page_request(limit, cursor)))
    print_page(page, COLUMNS, as_json=as_json, title=f"SAML applications of {realm}")


@app.command("show")
def show(realm: RealmArg, application: AppArg, as_json: JsonOption = False) -> None:
    """One SAML application with its metadata URL, SSO URL and IdP-initiated link."""

    async def work(runtime: Runtime) -> dict[str, Any]:
        return await _described(runtime, await runtime.services.saml_applications.get(ACTOR, realm, application))

    print_record(run(work), as_json=as_json)


@app.command("metadata")
def metadata(realm: RealmArg, application: AppArg) -> None:
    """Print the IdP metadata to give the service provider (the same XML as the metadata URL)."""

    async def work(runtime: Runtime) -> bytes:
        found = await runtime.services.saml_applications.get(ACTOR, realm, application)
        async with runtime.ports.control.transaction() as tx:
            owner = await tx.realms.get(found.realm_id)
        assert owner is not None
        return await runtime.services.saml.metadata(owner, found.id)

    typer.echo(run(work).decode())


@app.command("delete")
def delete(realm: RealmArg, application: AppArg) -> None:
    """Delete a SAML application; its metadata URL answers 404 from then on."""
    run(lambda runtime: runtime.services.saml_applications.delete(ACTOR, realm, application))
    done(f"SAML application {application} deleted")
