"""OpenAPI pieces shared by the Backend and Frontend schemas (drf-spectacular hooks)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "long_message": {"type": "string"},
                    "meta": {"type": "object", "additionalProperties": {}},
                },
                "required": ["code", "message", "long_message"],
            },
        },
        "clerk_trace_id": {"type": "string"},
    },
    "required": ["errors"],
}


def document_clerk_errors(
    result: dict[str, Any],
    *,
    statuses: Iterable[str],
    strict_components: Iterable[str],
    security: list[dict[str, list[str]]] | None = None,
) -> dict[str, Any]:
    """Give every operation Clerk's error body for ``statuses`` (plus 404 on paths with an
    id), mark request bodies that refuse unknown parameters as closed objects, and set the
    operations' ``security`` when given — so schemathesis can check every answer."""
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.setdefault("ClerkErrors", ERROR_SCHEMA)
    for name in strict_components:
        if name in schemas:
            schemas[name]["additionalProperties"] = False
    error = {
        "description": "Clerk error (see errors[].code)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClerkErrors"}}},
    }
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if security is not None:
                operation["security"] = security
            wanted = [*statuses, "404"] if "{" in path else list(statuses)
            for status in wanted:
                operation["responses"].setdefault(status, error)
    return result


def sidecar_installed() -> bool:
    """Whether drf-spectacular-sidecar's app (Swagger UI's files as static files) is installed."""
    from django.apps import apps

    return apps.is_installed("drf_spectacular_sidecar")


class LocalSwaggerAssetsMixin:
    """For a ``SpectacularSwaggerView``: Swagger UI's JavaScript, CSS and favicon from
    drf-spectacular-sidecar's static files when that app is installed, so the docs pages load
    on a machine or network without internet; else drf-spectacular's default (its CDN)."""

    @staticmethod
    def _swagger_ui_resource(filename: str) -> str:
        from drf_spectacular.views import SpectacularSwaggerView, _get_sidecar_url

        if sidecar_installed():
            return str(_get_sidecar_url(f"swagger-ui-dist/{filename}"))
        return str(SpectacularSwaggerView._swagger_ui_resource(filename))

    @staticmethod
    def _swagger_ui_favicon() -> str:
        from drf_spectacular.views import SpectacularSwaggerView, _get_sidecar_url

        if sidecar_installed():
            return str(_get_sidecar_url("swagger-ui-dist/favicon-32x32.png"))
        return str(SpectacularSwaggerView._swagger_ui_favicon())
