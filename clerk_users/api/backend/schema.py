"""OpenAPI description of the Backend API (drf-spectacular) and its schema / Swagger UI views.

Only Backend views are described: the generator is given this API's URL patterns. Every
operation documents Clerk's error body for the statuses it can answer, so schemathesis can
check that responses conform.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import serializers

from clerk_users.api import schema as shared_schema
from clerk_users.api.backend import user_filters


class ClerkErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    long_message = serializers.CharField()
    meta = serializers.DictField()


class ClerkErrorsSerializer(serializers.Serializer):
    errors = ClerkErrorSerializer(many=True)  # type: ignore[assignment]  # schema only
    clerk_trace_id = serializers.CharField()


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Clerk's error body for 400/401/422/429 (always possible) plus ``statuses``."""
    descriptions = {
        400: "Malformed request",
        401: "Missing, malformed or revoked secret key",
        403: "Forbidden",
        404: "Resource not found",
        405: "Method not allowed",
        409: "Conflict",
        413: "Payload too large",
        415: "Unsupported media type",
        422: "Invalid parameters (Clerk error code in errors[].code)",
        429: "Too many requests for this secret key (see Retry-After)",
    }
    wanted = {400, 401, 415, 422, 429, *statuses}
    return {
        code: OpenApiResponse(ClerkErrorsSerializer, description=descriptions[code])
        for code in sorted(wanted)
    }


def with_errors(ok: dict[int, Any], *statuses: int) -> dict[int, Any]:
    return {**ok, **error_responses(*statuses)}


_LIST_DESCRIPTIONS = {
    "user_id": "User IDs; prefix with - to exclude, + (or nothing) to include",
    "external_id": "External IDs; prefix with - to exclude, + (or nothing) to include",
}


# Metadata filters have free-form names, so OpenAPI can only describe them in prose.
METADATA_FILTER_DESCRIPTION = (
    "Also filters on metadata: `public_metadata.<dotted.path>=<value>` and "
    "`private_metadata.<dotted.path>=<value>` match users whose metadata holds `value` at that "
    "path (1 to 10 keys of letters, digits, `_` or `-`; a numeric key indexes an array). "
    "`true`, `false`, `null` and numbers match those JSON values, anything else the string. "
    "Repeating a parameter matches any of its values; different parameters must all match. "
    "A malformed path is a 422 `form_param_format_invalid`."
)

MS_SCHEMA = {"type": "integer", "format": "int64", "minimum": 0, "maximum": 253402300799999}


def user_filter_parameters(*, paginated: bool) -> list[OpenApiParameter]:
    list_schema = {"type": "array", "items": {"type": "string"}, "maxItems": 100}
    params = [
        OpenApiParameter(
            name,
            list_schema,
            explode=True,
            description=_LIST_DESCRIPTIONS.get(name, f"Exact {name} values (up to 100)"),
        )
        for name in user_filters.LIST_PARAMS
    ]
    params += [OpenApiParameter(name, OpenApiTypes.STR) for name in user_filters.TEXT_PARAMS]
    params.append(OpenApiParameter("banned", OpenApiTypes.BOOL))
    params.append(OpenApiParameter("provider", OpenApiTypes.STR, description="e.g. oauth_google"))
    params += [
        OpenApiParameter(name, MS_SCHEMA, description="Unix time in milliseconds")
        for name in user_filters.TIME_PARAMS
    ]
    if paginated:
        params += [
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": user_filters.MAX_LIMIT},
                description="1 to 500, default 10",
            ),
            OpenApiParameter(
                "offset", {"type": "integer", "minimum": 0}, description=">= 0, default 0"
            ),
            OpenApiParameter(
                "order_by",
                OpenApiTypes.STR,
                enum=[f"{s}{f}" for f in user_filters.ORDER_FIELDS for s in ("", "+", "-")],
                description="Field to order by, + ascending (default) or - descending",
            ),
        ]
    return params


def _strict_body_components() -> set[str]:
    """Component names of the request bodies that refuse unknown parameters."""
    from clerk_users.api.backend.serializers.users import StrictSerializer

    names: set[str] = set()
    pending = list(StrictSerializer.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        names.update({cls.__name__, f"{cls.__name__}Request", f"Patched{cls.__name__}Request"})
    return names


def document_clerk_errors(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: every Backend operation (including those other features add)
    documents Clerk's error body for the statuses any of them can answer, and the bearer
    secret key."""
    result.setdefault("components", {}).setdefault("securitySchemes", {})["bearerAuth"] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "sk_test_... / sk_live_...",
    }
    result = shared_schema.document_clerk_errors(
        result,
        statuses=["400", "401", "415", "422", "429"],
        strict_components=_strict_body_components(),
        security=[{"bearerAuth": []}],
    )
    return _conform_error_statuses(result)


def _conform_error_statuses(result: dict[str, Any]) -> dict[str, Any]:
    """Document each error under the status it is answered with (``conformance``)."""
    import re

    from django.urls import Resolver404, resolve

    from clerk_users.api.backend import conformance, urls

    for path, item in result.get("paths", {}).items():
        try:
            match = resolve(re.sub(r"\{[^}]+\}", "x", path), urlconf=urls.__name__)
        except Resolver404:
            continue
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            op = conformance.OPERATIONS.get((match.url_name or "", method.upper()))
            responses = operation["responses"]
            # 429 stays: the per-key rate limit (DRF throttling) is never moved.
            for code in [c for c in responses if c.isdigit() and int(c) >= 400 and c != "429"]:
                moved = str(conformance.documented_status(op, int(code)))
                if moved != code:
                    responses.setdefault(moved, responses[code])
                    del responses[code]
            operation["responses"] = dict(sorted(responses.items()))
    return result


class BackendSchemaGenerator(SchemaGenerator):
    """Describes only the Backend API, wherever it is mounted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from clerk_users.api.backend import urls
        from clerk_users.api.errors import not_found_view

        kwargs["patterns"] = [
            p for p in urls.urlpatterns if getattr(p, "callback", None) is not not_found_view
        ]
        super().__init__(*args, **kwargs)


SPECTACULAR = {
    "TITLE": "clerk_users Backend API",
    "DESCRIPTION": "Clerk-compatible Backend API (server-to-server, secret key). "
    "Point Clerk's SDKs at <origin>/api/backend/v1.",
    "VERSION": "1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "",
    "ENUM_NAME_OVERRIDES": {
        "IdentificationStatusEnum": ["verified", "reserved"],
        "ReplaceIdentificationStatusEnum": ["verified", "reserved", "unverified"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "clerk_users.api.backend.schema.document_clerk_errors",
    ],
    "SERVERS": [{"url": "/api/backend/v1"}],
}


class SecretKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "clerk_users.api.backend.authentication.SecretKeyAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "sk_test_... / sk_live_..."}


class BackendSchemaView(SpectacularAPIView):
    custom_settings = SPECTACULAR
    generator_class = BackendSchemaGenerator
    renderer_classes = [OpenApiJsonRenderer]
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []


class BackendDocsView(shared_schema.LocalSwaggerAssetsMixin, SpectacularSwaggerView):
    """Swagger UI; its assets come from drf-spectacular-sidecar when that app is installed
    (works offline), else from drf-spectacular's default CDN."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    title = "clerk_users Backend API"
