"""The Frontend API's own OpenAPI schema (drf-spectacular) and its Swagger UI page.

The schema covers only the Frontend API's urlconf; its ``servers`` entry is the prefix the
site mounted the API under, so the paths read as Clerk's (``/me``, ``/me/email_addresses``...).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from clerk_users.api.schema import LocalSwaggerAssetsMixin, document_clerk_errors

SCHEMA_SETTINGS = {
    "TITLE": "clerk_users Frontend API",
    "DESCRIPTION": "Clerk's Frontend API for the signed-in user (/v1/me...), as ClerkJS calls "
    "it. Auth: the Django session cookie (unsafe methods only from the site's own or an allowed "
    "Origin) or Authorization: Bearer <session JWT>. Every response is "
    '{"response": ..., "client": ...}; errors are {"errors": [...], "clerk_trace_id"}.',
    "VERSION": "1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "clerk_users.api.frontend.views.openapi.document_frontend_errors",
    ],
}


def _input_components() -> set[str]:
    """Request bodies that refuse unknown parameters (``read_params``)."""
    from clerk_users.api.frontend.serializers import identifiers, me

    names = set()
    for module in (identifiers, me):
        for name in dir(module):
            if name.endswith("Input"):
                names.update({name, f"Patched{name}"})
    return names


def document_frontend_errors(result: dict[str, Any], generator: Any, **kwargs: Any) -> Any:
    """Postprocessing hook: Clerk's error body on every operation, for the statuses any
    Frontend route can answer (a 404 for routes with an id), and strict request bodies."""
    return document_clerk_errors(
        result,
        statuses=["400", "401", "403", "415", "422", "429"],
        strict_components=_input_components(),
    )


class SessionCookieScheme(OpenApiAuthenticationExtension):
    target_class = "clerk_users.api.frontend.base.SessionCookieAuthentication"
    name = "sessionCookie"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


class FrontendSchemaView(SpectacularJSONAPIView):
    urlconf = "clerk_users.api.frontend.urls"
    schema = None  # not part of the schema it serves

    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        base = request.path.rsplit("/openapi.json", 1)[0]
        self.custom_settings = {**SCHEMA_SETTINGS, "SERVERS": [{"url": base}]}
        return super().get(request, *args, **kwargs)


class FrontendDocsView(LocalSwaggerAssetsMixin, SpectacularSwaggerView):
    """Swagger UI with local assets (drf-spectacular-sidecar), as the Backend docs."""

    url_name = "clerk_users_frontend:openapi"
    schema = None
    title = "clerk_users Frontend API"
