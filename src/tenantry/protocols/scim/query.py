"""RFC 7644 3.4.2: list and search parameters (filter, startIndex, count, attributes) and the ListResponse."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scim2_models import ResponseParameters, SearchRequest
from scim2_models.path import FilterNode

from tenantry.ports.scim import Criterion, Window

from .discovery import MAX_RESULTS
from .errors import InvalidValue, translated

LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
PARAMETERS = ("filter", "startIndex", "count", "attributes", "excludedAttributes", "sortBy", "sortOrder")


@dataclass(frozen=True, slots=True)
class ListRequest:
    criterion: Criterion | None
    window: Window
    parameters: ResponseParameters[Any]


def _integer(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidValue(f"{name} must be an integer") from None


def list_request(
    given: Mapping[str, Any], model: type[Any], translate: Callable[[FilterNode | None], Criterion | None]
) -> ListRequest:
    """Query parameters of a GET, or the body of a POST ``.search``; sorting is not offered and is ignored."""
    start = max(1, _integer(given.get("startIndex", 1), "startIndex"))
    count = min(MAX_RESULTS, max(0, _integer(given.get("count", MAX_RESULTS), "count")))
    fields = {key: given[key] for key in ("filter", "attributes", "excludedAttributes") if given.get(key) is not None}
    with translated():
        request = SearchRequest[model].model_validate(fields)  # type: ignore[valid-type]
    criterion = translate(request.filter.ast if request.filter else None)
    parameters: ResponseParameters[Any] = ResponseParameters(
        attributes=request.attributes, excluded_attributes=request.excluded_attributes
    )
    return ListRequest(criterion, Window(start, count), parameters)


def search_body(body: Any) -> Mapping[str, Any]:
    """RFC 7644 3.4.3: POST ``.search`` carries the same parameters in a SearchRequest message."""
    if not isinstance(body, dict) or SEARCH_SCHEMA not in (body.get("schemas") or []):
        raise InvalidValue(f"a search body is a {SEARCH_SCHEMA} message")
    joined = {key: ",".join(value) if isinstance(value, list) else value for key, value in body.items()}
    return {key: joined[key] for key in PARAMETERS if key in joined}


def list_response(total: int, window: Window, resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": window.start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
