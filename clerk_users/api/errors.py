"""The one exception handler of both APIs: every error in Clerk's format.

``{"errors": [{"code", "message", "long_message", "meta": {...}}], "clerk_trace_id": "..."}``
with Clerk's codes and statuses, for our ``ClerkError`` and for everything DRF raises itself
(parse errors, 401/403/404/405, throttling). Unexpected exceptions become a JSON 500 and are
logged, so nothing under the API ever answers an HTML page.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response

from clerk_users.errors import ClerkError

logger = logging.getLogger(__name__)


def trace_id() -> str:
    return secrets.token_hex(16)


def error_body(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"errors": items, "clerk_trace_id": trace_id()}


def error_item(
    code: str, message: str, long_message: str | None = None, **meta: Any
) -> dict[str, Any]:
    return {"code": code, "message": message, "long_message": long_message or message, "meta": meta}


def _validation_items(detail: Any, prefix: str = "") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if isinstance(detail, dict):
        for field, value in detail.items():
            name = f"{prefix}{field}" if field != "non_field_errors" else prefix.rstrip(".")
            items.extend(_validation_items(value, f"{name}." if isinstance(value, dict) else name))
        return items
    if isinstance(detail, list):
        for value in detail:
            items.extend(_validation_items(value, prefix))
        return items
    code = getattr(detail, "code", None)
    param = prefix or None
    text = str(detail)
    meta = {"param_name": param} if param else {}
    if code == "required":
        items.append(
            error_item(
                "form_param_missing",
                "missing required parameter",
                f"{param} must be included.",
                **meta,
            )
        )
    elif code == "form_param_unknown":
        items.append(error_item("form_param_unknown", "is unknown", text, **meta))
    else:
        items.append(
            error_item(
                "form_param_format_invalid",
                "is invalid",
                f"{param}: {text}" if param else text,
                **meta,
            )
        )
    return items


def to_response(exc: Exception) -> Response | None:
    """Turn ``exc`` into a Clerk-format response (None only for non-errors)."""
    headers: dict[str, str] = {}
    if isinstance(exc, ClerkError):
        if exc.retry_after:
            headers["Retry-After"] = str(exc.retry_after)
        return Response(error_body([exc.as_dict()]), status=exc.status, headers=headers)
    if isinstance(exc, DjangoValidationError):
        items = [error_item("form_param_format_invalid", "is invalid", m) for m in exc.messages]
        return Response(error_body(items), status=422)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return Response(
            error_body([error_item("resource_not_found", "not found", "Resource not found")]),
            status=404,
        )
    if isinstance(exc, RequestDataTooBig):  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE
        item = error_item("request_body_too_large", "request body too large", str(exc))
        return Response(error_body([item]), status=413)
    if isinstance(exc, SuspiciousOperation):  # too many fields/files, bad multipart...
        item = error_item("malformed_request", "malformed request", str(exc))
        return Response(error_body([item]), status=400)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        return Response(error_body(_validation_items(exc.detail)), status=422)
    if isinstance(exc, exceptions.Throttled):
        wait = int(getattr(exc, "wait", None) or 1)
        headers["Retry-After"] = str(max(1, wait))
        item = error_item(
            "too_many_requests", "Too many requests", "Too many requests, retry later."
        )
        return Response(error_body([item]), status=429, headers=headers)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        code = getattr(exc, "clerk_code", "authentication_invalid")
        item = error_item(code, "Invalid authentication", str(exc.detail))
        return Response(error_body([item]), status=401)
    if isinstance(exc, exceptions.PermissionDenied):
        code = getattr(exc, "clerk_code", "authorization_invalid")
        item = error_item(code, "Unauthorized request", str(exc.detail))
        return Response(error_body([item]), status=403)
    if isinstance(exc, exceptions.ParseError):
        item = error_item("malformed_request", "malformed request", str(exc.detail))
        return Response(error_body([item]), status=400)
    if isinstance(exc, exceptions.MethodNotAllowed):
        item = error_item("method_not_allowed", "method not allowed", str(exc.detail))
        return Response(error_body([item]), status=405)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        item = error_item("unsupported_media_type", "unsupported media type", str(exc.detail))
        return Response(error_body([item]), status=415)
    if isinstance(exc, exceptions.APIException):
        item = error_item("request_invalid", "request invalid", str(exc.detail))
        return Response(error_body([item]), status=exc.status_code)
    logger.exception("Unhandled error in clerk_users API", exc_info=exc)
    item = error_item(
        "internal_clerk_error",
        "Oops, an unexpected error occurred",
        "There was an internal error on our servers.",
    )
    return Response(error_body([item]), status=500)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF ``EXCEPTION_HANDLER`` for both APIs (set per view, not globally)."""
    response = to_response(exc)
    if response is not None and isinstance(
        exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed
    ):
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@csrf_exempt  # an unknown path is a JSON 404 for every method, never Django's HTML CSRF page
def not_found_view(request: Any, *args: Any, **kwargs: Any) -> JsonResponse:
    """Catch-all for unknown paths under an API prefix: Clerk's 404, not Django's HTML."""
    body = error_body([error_item("resource_not_found", "not found", "Resource not found")])
    return JsonResponse(body, status=404)
