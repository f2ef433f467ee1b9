"""One error shape for the whole admin API: ``{"error": code, "message": ..., "details": {...}}``."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from tenantry.core.errors import DomainError

log = structlog.get_logger("tenantry.web")

STATUS = {
    "invalid": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "unprocessable": 422,
    "unavailable": 503,
}
HTTP_CODES = {
    400: "invalid_request",
    401: "invalid_token",
    403: "insufficient_scope",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="tenantry"'} if status == 401 else None
    body = {"error": code, "message": message, "details": details or {}}
    return JSONResponse(body, status_code=status, headers=headers)


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return error_response(STATUS.get(exc.kind, 400), exc.code, exc.message, exc.details)


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    """Malformed JSON, wrong types and unknown fields are all 400s with the offending locations."""
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"loc": [str(part) for part in error["loc"]], "type": error["type"], "msg": error["msg"]}
        for error in exc.errors()
    ]
    if any(problem["type"] == "json_invalid" for problem in problems):
        return error_response(400, "malformed_json", "the request body is not valid JSON", {"errors": problems})
    return error_response(400, "invalid_request", "the request does not match the expected shape", {"errors": problems})


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code
    return error_response(exc.status_code, code, message)


async def _value(_: Request, exc: Exception) -> JSONResponse:
    """Bounds checked below the API schema (e.g. a page limit) still answer 400, never 500."""
    return error_response(400, "invalid_request", str(exc))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    """A bug answers in the same JSON shape, with the request id to find it in the logs."""
    request_id = request.scope.get("state", {}).get("request_id", "")
    log.error("unhandled_error", request_id=request_id, exc_info=exc)
    response = error_response(500, "internal_error", "an unexpected error occurred", {"request_id": request_id})
    response.headers["x-request-id"] = request_id
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(Exception, _unexpected)
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(ValueError, _value)
