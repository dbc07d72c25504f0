"""Backend API: sessions, session tokens and the JWKS (SDK groups ``sessions``, ``jwks``).

``GET /sessions?user_id=&client_id=&status=&limit=&offset=``, ``POST /sessions`` (a new
active session for ``user_id``, as Clerk's testing endpoint), ``GET /sessions/{id}``,
``POST /sessions/{id}/revoke``, ``POST /sessions/{id}/tokens[/{template_name}]``,
``POST /sessions/{id}/refresh`` and ``GET /jwks``.
"""

from __future__ import annotations

from typing import Any

import jwt
from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users import errors
from clerk_users.api.backend import paging
from clerk_users.api.backend.base import BackendAPIView
from clerk_users.api.backend.schema import with_errors
from clerk_users.api.frontend.views.sessions import jwks_response
from clerk_users.api.sessions_json import (
    CreateTokenBody,
    JWKSSerializer,
    RefreshSessionBody,
    SessionSerializer,
    TokenSerializer,
    session_json,
    token_json,
)
from clerk_users.models import Session, SessionStatus
from clerk_users.sessions import lifecycle as sessions
from clerk_users.sessions import signing_keys, tokens

STATUSES = {choice.value for choice in SessionStatus}
# The ``status`` filter of Clerk's GetSessionList: every status a session can have in Clerk.
# Sessions here are never ``replaced`` (a new sign-in on the same client in single-session
# mode, a Clerk client concept), so that filter is valid and lists none.
LIST_STATUSES = STATUSES | {"replaced"}


def _body(request: Request, allowed: set[str]) -> dict[str, Any]:
    data = request.data
    if data in (None, "") or (hasattr(data, "keys") and not list(data.keys())):
        return {}
    if not isinstance(data, dict):
        data = {k: data.get(k) for k in data.keys()} if hasattr(data, "keys") else None
    if data is None:
        raise errors.ClerkError("malformed_request", "malformed request", status=400)
    for key in data:
        if key not in allowed:
            raise errors.param_unknown(key)
    return dict(data)


class CreateSessionBody(serializers.Serializer):
    user_id = serializers.CharField(help_text="The user the new session belongs to.")
    active_organization_id = serializers.CharField(
        required=False, help_text="Organizations are not supported: any value answers 404."
    )


class SessionListView(BackendAPIView):
    @extend_schema(
        operation_id="GetSessionList",
        parameters=[
            OpenApiParameter("user_id", OpenApiTypes.STR, description="user_id or client_id"),
            OpenApiParameter("client_id", OpenApiTypes.STR),
            OpenApiParameter("status", OpenApiTypes.STR, enum=sorted(LIST_STATUSES)),
            *paging.schema_parameters(),
        ],
        responses={200: paging.list_or_page("Session")},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        if not params.get("user_id") and not params.get("client_id"):
            # Clerk (since 2024-01-01): at least one of them; never every session of the site.
            raise errors.ClerkError(
                "form_param_missing",
                "missing required parameter",
                long_message="Either user_id or client_id must be included.",
                param_name="user_id",
            )
        queryset = Session.objects.all()
        if params.get("user_id"):
            queryset = queryset.filter(user_id=params["user_id"])
        if params.get("client_id"):
            queryset = queryset.filter(client_id=params["client_id"])
        status = params.get("status")
        if status:
            if status not in LIST_STATUSES:
                raise errors.format_invalid(
                    "status", f"status must be one of {', '.join(sorted(LIST_STATUSES))}."
                )
            queryset = sessions.sessions_of_status(queryset, status)
        queryset = queryset.order_by("-created_at", "-id")
        return self.respond(paging.list_response(queryset, params, session_json))

    @extend_schema(
        operation_id="CreateSession",
        request=CreateSessionBody,
        responses=with_errors({200: SessionSerializer}, 404),
    )
    def post(self, request: Request) -> Response:
        """Clerk's ``POST /sessions``: a new active session for the user, with no Django
        session behind it (it mints tokens through ``/sessions/{id}/tokens``)."""
        data = _body(request, {"user_id", "active_organization_id"})
        user_id = data.get("user_id")
        if not user_id:
            raise errors.param_missing("user_id")
        if not isinstance(user_id, str):
            raise errors.format_invalid("user_id", "user_id must be a string.")
        user = get_user_model()._default_manager.filter(pk=user_id).first()
        if user is None:
            raise errors.NotFound(f"No user was found with id {user_id}")
        organization_id = data.get("active_organization_id")
        if organization_id:
            raise errors.NotFound(f"No organization was found with id {organization_id}")
        session = sessions.create_session(user)
        return self.respond(session_json(session))


class SessionDetailView(BackendAPIView):
    @extend_schema(operation_id="GetSession", responses=SessionSerializer)
    def get(self, request: Request, session_id: str) -> Response:
        return self.respond(session_json(sessions.get_session(session_id)))


class SessionRevokeView(BackendAPIView):
    @extend_schema(operation_id="RevokeSession", request=None, responses=SessionSerializer)
    def post(self, request: Request, session_id: str) -> Response:
        session = sessions.revoke_session(sessions.get_session(session_id))
        return self.respond(session_json(session))


class SessionTokenView(BackendAPIView):
    @extend_schema(
        operation_id="CreateSessionToken", request=CreateTokenBody, responses=TokenSerializer
    )
    def post(self, request: Request, session_id: str, template_name: str | None = None) -> Response:
        data = _body(request, {"expires_in_seconds"})
        session = sessions.get_session(session_id)
        jwt_value = session.get_token(
            template=template_name,
            request=request._request,
            expires_in_seconds=data.get("expires_in_seconds"),
        )
        return self.respond(token_json(jwt_value))


class SessionTemplateTokenView(SessionTokenView):
    @extend_schema(
        operation_id="CreateSessionTokenFromTemplate",
        request=CreateTokenBody,
        responses=TokenSerializer,
    )
    def post(self, request: Request, session_id: str, template_name: str | None = None) -> Response:
        return super().post(request, session_id, template_name)


class SessionRefreshView(BackendAPIView):
    """Mint a fresh session token from an expired one of the same, still active session
    (``refresh_token`` is required by Clerk's API; sessions here need no separate one)."""

    @extend_schema(
        operation_id="RefreshSession", request=RefreshSessionBody, responses=TokenSerializer
    )
    def post(self, request: Request, session_id: str) -> Response:
        data = _body(
            request,
            {
                "expired_token",
                "refresh_token",
                "request_origin",
                "request_headers",
                "format",
                "request_originating_ip",
            },
        )
        for name in ("expired_token", "refresh_token", "request_origin"):
            if not data.get(name):
                raise errors.param_missing(name)
        expired = str(data["expired_token"])
        try:
            header = jwt.get_unverified_header(expired)
            key = signing_keys.find_published(str(header.get("kid", "")))
            if key is None or header.get("alg") != "RS256":
                raise jwt.InvalidTokenError("unknown key")
            claims = jwt.decode(
                expired,
                key.private_key.public_key(),
                algorithms=["RS256"],
                options={"verify_exp": False, "verify_nbf": False},
            )
        except jwt.PyJWTError:
            raise errors.format_invalid(
                "expired_token", "expired_token is not a token of this site."
            ) from None
        if claims.get("sid") != session_id:
            raise errors.format_invalid("expired_token", "expired_token is not for this session.")
        session = sessions.get_session(session_id)
        return self.respond(token_json(tokens.session_token(session, request=request._request)))


class JWKSView(BackendAPIView):
    @extend_schema(operation_id="GetJWKS", responses=JWKSSerializer)
    def get(self, request: Request) -> Response:
        return jwks_response()
