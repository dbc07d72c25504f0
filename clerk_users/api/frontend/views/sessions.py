"""Frontend API: the signed-in user's sessions, session tokens and the public JWKS.

``GET /me/sessions`` (every session of the user), ``GET /me/sessions/active`` (usable ones,
what ClerkJS's ``user.getSessions()`` reads), ``POST /me/sessions/{id}/revoke``,
``POST /client/sessions/{id}/tokens[/{template}]`` and ``GET /.well-known/jwks.json``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import logout
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users import errors
from clerk_users.api.frontend.base import FrontendAPIView, flat_data
from clerk_users.api.sessions_json import (
    JWKSSerializer,
    SessionSerializer,
    TokenSerializer,
    session_json,
    token_json,
)
from clerk_users.app_settings import app_settings
from clerk_users.sessions import lifecycle as sessions
from clerk_users.sessions import signing_keys


def current_session_id(request: Request) -> str | None:
    """The Clerk session of this request: the Bearer token's ``sid`` or the cookie's."""
    auth = request.auth
    if isinstance(auth, dict) and auth.get("sid"):
        return auth["sid"]
    return sessions.session_id_of(request._request)


class MySessionsView(FrontendAPIView):
    throttle_classes: list[Any] = []
    only_active = False

    @extend_schema(responses=SessionSerializer(many=True))
    def get(self, request: Request) -> Response:
        status = "active" if self.only_active else None
        rows = sessions.sessions_of(request.user, status=status).order_by("-last_active_at")
        return self.respond([session_json(s) for s in rows])


class MyActiveSessionsView(MySessionsView):
    """The usable sessions as a bare array, not enveloped: ClerkJS's ``user.getSessions()``
    reads the whole body as ``SessionWithActivitiesJSON[]``."""

    only_active = True

    @extend_schema(responses=SessionSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = sessions.sessions_of(request.user, status="active").order_by("-last_active_at")
        return Response([session_json(s) for s in rows])


class RevokeMySessionView(FrontendAPIView):
    @extend_schema(request=None, responses=SessionSerializer)
    def post(self, request: Request, session_id: str) -> Response:
        session = sessions.get_session(session_id, user=request.user)
        session = sessions.revoke_session(session)
        if session.id == sessions.session_id_of(request._request):
            # Revoking the session in use signs this browser out too.
            logout(request._request)
        return self.respond(session_json(session))


def client_session(request: Request, session_id: str) -> Any:
    """The session ``session_id`` if this request's *client* holds it, else an error.

    Tokens are minted by the client, as Clerk's are: the browser's session cookie (a
    session JWT authenticates requests but never mints its successor, so a stolen 60-second
    token cannot renew itself). The cookie holds one Clerk session; another session of the
    same user (another browser) is not this client's: 404, as an unknown session.
    """
    from clerk_users.api.frontend.base import SessionCookieAuthentication, session_user

    django_request = request._request
    if not isinstance(request.successful_authenticator, SessionCookieAuthentication):
        # Bearer-authenticated: only a valid cookie of the same user may still mint.
        cookie_user = session_user(django_request)
        if cookie_user is None or cookie_user.pk != request.user.pk:
            raise errors.ClerkError(
                "authentication_invalid",
                "Invalid authentication",
                long_message="Session tokens are minted by the client (the session cookie); "
                "a session token cannot mint tokens.",
                status=401,
            )
    session = sessions.get_session(session_id, user=request.user)
    if session.id != sessions.session_id_of(django_request):
        raise errors.NotFound(f"No session was found with id {session_id}")
    return session


class SessionTokenView(FrontendAPIView):
    """Mint a token for the client's session (not enveloped, as Clerk's)."""

    throttle_classes: list[Any] = []

    @extend_schema(request=None, responses=TokenSerializer)
    def post(self, request: Request, session_id: str, template: str | None = None) -> Response:
        flat_data(request)  # a malformed body is a 400 even though nothing is read from it
        session = client_session(request, session_id)
        jwt = session.get_token(template=template, request=request._request)
        return Response(token_json(jwt))


class SessionTemplateTokenView(SessionTokenView):
    @extend_schema(
        operation_id="client_sessions_tokens_template_create",
        request=None,
        responses=TokenSerializer,
    )
    def post(self, request: Request, session_id: str, template: str | None = None) -> Response:
        return super().post(request, session_id, template)


class JWKSView(FrontendAPIView):
    """The public keys that verify session tokens; no authentication, cacheable."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    @extend_schema(responses=JWKSSerializer)
    def get(self, request: Request) -> Response:
        return jwks_response()


def jwks_response() -> Response:
    response = Response(signing_keys.jwks())
    age = app_settings.JWKS_CACHE_MAX_AGE
    response["Cache-Control"] = f"public, max-age={age}, stale-while-revalidate={age}"
    return response
