"""A SCIM client for tests: a token minted through the admin API, requests in SCIM's media type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

V1 = "/api/v1"
SCIM_JSON = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@dataclass
class Scim:
    """Requests under ``/realms/{realm}/scim/v2`` with the token as bearer."""

    http: httpx.AsyncClient
    base: str
    token: str
    token_id: str

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Content-Type": SCIM_JSON, **(extra or {})}

    async def request(self, method: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        headers = self._headers(kwargs.pop("headers", None))
        return await self.http.request(method, f"{self.base}{path}", json=body, headers=headers, **kwargs)

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.request("GET", path, params=params)

    async def post(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, body, **kwargs)

    async def put(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", path, body, **kwargs)

    async def patch(self, path: str, operations: list[dict[str, Any]], **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", path, {"schemas": [PATCH_OP], "Operations": operations}, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", path, **kwargs)


async def scim_client(
    api: httpx.AsyncClient, realm: str, connection: str, *, organization: str | None = None, name: str = "idp"
) -> Scim:
    """Mint a SCIM token for the connection through the admin API (as ``api`` authenticates)."""
    body: dict[str, Any] = {"name": name}
    if organization is not None:
        body["organization"] = organization
    response = await api.post(f"{V1}/realms/{realm}/connections/{connection}/scim/tokens", json=body)
    assert response.status_code == 201, response.text
    minted = response.json()
    return Scim(api, f"/realms/{realm}/scim/v2", minted["token"], minted["id"])


def user_body(user_name: str, **attributes: Any) -> dict[str, Any]:
    return {"schemas": [USER], "userName": user_name, "active": True, **attributes}


def work_email(address: str) -> list[dict[str, Any]]:
    return [{"value": address, "type": "work", "primary": True}]
