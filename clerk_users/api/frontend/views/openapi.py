"""The Frontend API's own OpenAPI schema (drf-spectacular) and its Swagger UI page.

The schema covers only the Frontend API's urlconf; its ``servers`` entry is the prefix the
site mounted the API under, so the paths read as Clerk's (``/me``, ``/me/email_addresses``...).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

SCHEMA_SETTINGS = {
    "TITLE": "clerk_users Frontend API",
    "DESCRIPTION": "Clerk's Frontend API for the signed-in user (/v1/me...). Auth: the Django "
    "session cookie (with the X-CSRFToken header on unsafe methods). Every response is "
    '{"response": ..., "client": null}; errors are {"errors": [...], "clerk_trace_id"}.',
    "VERSION": "1",
}


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


class FrontendDocsView(SpectacularSwaggerView):
    url_name = "clerk_users_frontend:openapi"
    schema = None
    title = "clerk_users Frontend API"
