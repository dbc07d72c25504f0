"""The browser's client: ``GET|DELETE /client``, ``DELETE /client/sessions`` and
``POST /client/sessions/{id}/touch|end|remove``.

These act on the browser's Django session (its cookie), not on a session token: a Bearer
session JWT is not a client. ``GET /client`` answers anyone (``"response": null`` for a
browser that never signed in); the others are unsafe, so a foreign page is refused by the
same origin check as every cookie request (``origins.check_origin``), signed in or not.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import logout
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users import errors
from clerk_users.api.frontend.base import FrontendAPIView, SessionCookieAuthentication, envelope
from clerk_users.api.frontend.client import client_json, cookie_session, session_json
from clerk_users.api.frontend.origins import check_origin
from clerk_users.models import SessionStatus
from clerk_users.sessions import lifecycle as sessions
from clerk_users.sessions.lifecycle import CLIENT_ID_KEY


def sign_out(request: Request, *, status: str, keep_client: bool) -> None:
    """End the browser's signed-in session with ``status`` and sign the browser out."""
    raw = request._request
    cid = raw.session.get(CLIENT_ID_KEY) if hasattr(raw, "session") else None
    session = cookie_session(raw)
    if session is not None:
        sessions.end_session(session, status=status)
    logout(raw)  # the logout signal finds the session already ended
    if keep_client and cid:
        raw.session[CLIENT_ID_KEY] = cid


class ClientView(FrontendAPIView):
    """``GET /client`` (anyone) and ``DELETE /client`` (sign out and forget the client)."""

    authentication_classes = [SessionCookieAuthentication]
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    @extend_schema(operation_id="get_client", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response(envelope(client_json(request)))

    @extend_schema(operation_id="delete_client", request=None, responses={200: OpenApiTypes.OBJECT})
    def delete(self, request: Request) -> Response:
        check_origin(request)
        before = client_json(request)
        sign_out(request, status=SessionStatus.ENDED, keep_client=False)
        if before is not None:
            before.update({"sessions": [], "last_active_session_id": None})
        return Response(envelope(before, before))


class ClientSessionsView(FrontendAPIView):
    """``DELETE /client/sessions``: ClerkJS's ``signOut()`` (the client stays)."""

    authentication_classes = [SessionCookieAuthentication]
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    @extend_schema(
        operation_id="remove_client_sessions", request=None, responses={200: OpenApiTypes.OBJECT}
    )
    def delete(self, request: Request) -> Response:
        check_origin(request)
        sign_out(request, status=SessionStatus.ENDED, keep_client=True)
        client = client_json(request)
        return Response(envelope(client, client))


class ClientSessionActionView(FrontendAPIView):
    """``POST /client/sessions/{id}/touch|end|remove`` on this browser's own session."""

    authentication_classes = [SessionCookieAuthentication]
    throttle_classes: list[Any] = []
    action_name = "touch"

    def own_session(self, request: Request, session_id: str) -> Any:
        session = cookie_session(request._request)
        if session is None or session.id != session_id:
            raise errors.NotFound(f"No session was found with id {session_id}")
        return session

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, session_id: str) -> Response:
        session = self.own_session(request, session_id)
        if self.action_name == "touch":
            # The activity middleware has already recorded this request (throttled).
            return self.respond(session_json(session, request._request))
        status = SessionStatus.ENDED if self.action_name == "end" else SessionStatus.REMOVED
        sign_out(request, status=status, keep_client=True)
        session.refresh_from_db()
        return self.respond(session_json(session, request._request))


class TouchSessionView(ClientSessionActionView):
    action_name = "touch"


class EndSessionView(ClientSessionActionView):
    action_name = "end"


class RemoveSessionView(ClientSessionActionView):
    action_name = "remove"
