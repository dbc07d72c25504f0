"""Base of every Frontend API view: the signed-in user acting on their own account.

Auth is the Django session cookie (CSRF enforced on unsafe methods) and, once the sessions
feature adds it, a Bearer session JWT. Responses are wrapped as Clerk's are:
``{"response": <resource>, "client": null}``.
"""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, permissions
from rest_framework.response import Response

from clerk_users.api.base import ClerkAPIView, ClerkGenericViewSet, ClerkViewSet


class SessionCookieAuthentication(authentication.SessionAuthentication):
    """DRF session auth that answers 401 (not 403) when the cookie is missing."""

    def authenticate_header(self, request: Any) -> str:
        return 'Session realm="api"'


def envelope(resource: Any, client: Any = None) -> dict[str, Any]:
    return {"response": resource, "client": client}


class FrontendMixin:
    authentication_classes = [SessionCookieAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    def respond(self, resource: Any, status: int = 200) -> Response:
        return Response(envelope(resource), status=status)


class FrontendAPIView(FrontendMixin, ClerkAPIView):
    pass


class FrontendViewSet(FrontendMixin, ClerkViewSet):
    pass


class FrontendGenericViewSet(FrontendMixin, ClerkGenericViewSet):
    pass
