"""Paging of the Backend API's lists, as Clerk's spec defines it.

- ``paginated=true`` (``GET /sessions``, ``/jwt_templates``, ``/users/{id}/oauth_access_tokens``):
  ``{"data": [...], "total_count": N}`` instead of a bare array. ``@clerk/backend`` always
  sends it and reads ``.data``/``.totalCount``; the Python SDK sends nothing and parses the array.
- ``starting_after=<user id>`` on ``GET /users``: the cursor of the 2026-05-12 API version. Only
  with the ``created_at`` orderings and without a non-zero ``offset`` (both 422 otherwise, as
  the spec says): other orderings sort by values that are neither unique nor immutable.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from clerk_users import errors
from clerk_users.api.backend import user_filters

TRUE = ("true", "1")
FALSE = ("false", "0", "")


def is_paginated(params: Any) -> bool:
    raw = params.get("paginated")
    if raw is None or raw in FALSE:
        return False
    if raw in TRUE:
        return True
    raise errors.format_invalid("paginated", "paginated must be true or false.")


def limit_offset(params: Any) -> tuple[int, int]:
    """``limit`` (1..500, default 10) and ``offset`` (>= 0), Clerk's bounds."""
    return user_filters.page(params)


def body(rows: list[Any], total: int, paginated: bool) -> Any:
    return {"data": rows, "total_count": total} if paginated else rows


def list_response(queryset: QuerySet, params: Any, to_json: Any) -> Any:
    """One page of ``queryset`` (already ordered) as a bare array or a paginated object."""
    paginated = is_paginated(params)
    limit, offset = limit_offset(params)
    rows = [to_json(obj) for obj in queryset[offset : offset + limit]]
    return body(rows, queryset.count() if paginated else len(rows), paginated)


def empty_page(params: Any) -> dict[str, Any]:
    """What Clerk answers for a list of things this app has none of (organizations...)."""
    limit_offset(params)  # bad bounds are still refused
    return {"data": [], "total_count": 0}


CREATED_AT_ORDERS = ("created_at", "+created_at", "-created_at", " created_at")


def after_cursor(queryset: QuerySet, params: Any, model: Any) -> QuerySet:
    """Users that follow ``starting_after`` in the ``created_at`` order of the request."""
    cursor_id = params.get("starting_after")
    if cursor_id in (None, ""):
        return queryset
    orders = params.getlist("order_by")
    order = orders[0] if orders else "-created_at"
    if order not in CREATED_AT_ORDERS:
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message="starting_after needs order_by to be created_at, +created_at or "
            "-created_at.",
            param_name="order_by",
        )
    if params.get("offset") not in (None, "", "0"):
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message="starting_after cannot be combined with a non-zero offset.",
            param_name="offset",
        )
    cursor = model._default_manager.filter(pk=cursor_id).values("created_at", "pk").first()
    if cursor is None:
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message=f"starting_after: no user was found with id {cursor_id}.",
            param_name="starting_after",
        )
    at, pk = cursor["created_at"], cursor["pk"]
    if order.startswith("-"):
        return queryset.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk))
    return queryset.filter(Q(created_at__gt=at) | Q(created_at=at, pk__gt=pk))


def schema_parameters(*, paginated: bool = True) -> list[OpenApiParameter]:
    """``limit``/``offset`` (and ``paginated``) for the OpenAPI description of a list."""
    params = [
        OpenApiParameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": user_filters.MAX_LIMIT},
            description="1 to 500, default 10",
        ),
        OpenApiParameter("offset", {"type": "integer", "minimum": 0}, description=">= 0"),
    ]
    if paginated:
        params.append(
            OpenApiParameter(
                "paginated",
                OpenApiTypes.BOOL,
                description='true: {"data": [...], "total_count": N} instead of an array',
            )
        )
    return params


def list_or_page(component: str) -> dict[str, Any]:
    """The raw OpenAPI response schema of a list that ``paginated=true`` turns into a page
    (``component``: the item's schema, registered by the item's own operations)."""
    item = {"$ref": f"#/components/schemas/{component}"}
    return {
        "oneOf": [
            {"type": "array", "items": item},
            {
                "type": "object",
                "properties": {
                    "data": {"type": "array", "items": item},
                    "total_count": {"type": "integer"},
                },
                "required": ["data", "total_count"],
            },
        ]
    }
