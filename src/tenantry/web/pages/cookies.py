"""The two cookies of a realm: the sealed login transaction and the session (one each per realm)."""

from __future__ import annotations

from cryptography.fernet import InvalidToken
from starlette.requests import Request
from starlette.responses import Response

from tenantry.bootstrap import Runtime
from tenantry.core.realm import Realm
from tenantry.flows.login import LIFETIME, LoginTransaction


def transaction_cookie(realm: Realm) -> str:
    return f"tnt_tx_{realm.id}"


def session_cookie(realm: Realm) -> str:
    return f"tnt_session_{realm.id}"


def _secure(runtime: Runtime) -> bool:
    return runtime.settings.base_url.startswith("https://")


def read_transaction(request: Request, runtime: Runtime, realm: Realm) -> LoginTransaction | None:
    sealed = request.cookies.get(transaction_cookie(realm))
    if not sealed:
        return None
    try:
        transaction = LoginTransaction.loads(runtime.ports.secrets.open(sealed))
    except (InvalidToken, ValueError, TypeError, KeyError):
        return None
    if transaction.realm_id != realm.id or transaction.expired(runtime.clock.now()):
        return None
    return transaction


def write_transaction(response: Response, runtime: Runtime, realm: Realm, transaction: LoginTransaction | None) -> None:
    name = transaction_cookie(realm)
    if transaction is None:
        response.delete_cookie(name, path="/")
        return
    response.set_cookie(
        name,
        runtime.ports.secrets.seal(transaction.dumps()),
        max_age=int(LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(runtime),
    )


def write_session(response: Response, runtime: Runtime, realm: Realm, value: str | None) -> None:
    """The cookie lasts the realm's absolute session limit: an organization's policy can only be shorter,
    and the server checks the limits that apply at every use."""
    name = session_cookie(realm)
    if value is None:
        response.delete_cookie(name, path="/")
        return
    response.set_cookie(
        name,
        value,
        max_age=int(runtime.services.login.lifetimes.for_realm(realm).absolute.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(runtime),
    )
