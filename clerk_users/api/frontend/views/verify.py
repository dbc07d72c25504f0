"""Reverification of a session through Clerk's Frontend API (``Session.startVerification``,
``prepareFirstFactorVerification``, ``attemptFirstFactorVerification`` and the second-factor
pair in ClerkJS): ``POST /client/sessions/{id}/verify``, ``.../verify/prepare_first_factor``,
``.../verify/attempt_first_factor``, ``.../verify/prepare_second_factor``,
``.../verify/attempt_second_factor``. Each answers ``SessionVerificationJSON`` enveloped
with the client. The rules live in ``clerk_users.sessions.reverification``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users import errors
from clerk_users.api.frontend.base import (
    FrontendAPIView,
    FrontendUpdateThrottle,
    FrontendVerificationThrottle,
    flat_data,
    request_session_id,
)
from clerk_users.sessions import lifecycle as sessions
from clerk_users.sessions import reverification


def _only(data: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    for key in data:
        if key not in allowed:
            raise errors.param_unknown(key)
    return data


class _VerifyView(FrontendAPIView):
    """Base: the session must be the request's own (cookie or Bearer); another session of
    the user, or anyone else's, is 404."""

    allowed: set[str] = set()

    def own_session(self, request: Request, session_id: str) -> Any:
        if session_id != request_session_id(request):
            raise errors.NotFound(f"No session was found with id {session_id}")
        session = sessions.get_session(session_id, user=request.user)
        if not session.is_active:
            raise errors.NotFound(f"No session was found with id {session_id}")
        return session

    def answer(self, request: Request, session_id: str) -> Response:
        from clerk_users.api.frontend.client import session_json

        session = sessions.get_session(session_id, user=request.user)
        data = reverification.verification_json(session, session_json(session, request._request))
        return self.respond(data)

    def act(self, session: Any, data: dict[str, Any]) -> None:
        raise NotImplementedError

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, session_id: str) -> Response:
        session = self.own_session(request, session_id)
        self.act(session, _only(flat_data(request), self.allowed))
        return self.answer(request, session_id)


class StartView(_VerifyView):
    allowed = {"level"}

    def act(self, session: Any, data: dict[str, Any]) -> None:
        reverification.start(session, data.get("level"))


class PrepareFirstFactorView(_VerifyView):
    allowed = {"strategy", "email_address_id"}

    def act(self, session: Any, data: dict[str, Any]) -> None:
        reverification.prepare_first_factor(
            session, data.get("strategy"), data.get("email_address_id")
        )


class AttemptFirstFactorView(_VerifyView):
    allowed = {"strategy", "password", "code"}
    throttle_classes = [FrontendUpdateThrottle, FrontendVerificationThrottle]

    def act(self, session: Any, data: dict[str, Any]) -> None:
        reverification.attempt_first_factor(
            session,
            data.get("strategy"),
            password=data.get("password"),
            code=data.get("code"),
        )


class PrepareSecondFactorView(_VerifyView):
    allowed = {"strategy", "phone_number_id"}

    def act(self, session: Any, data: dict[str, Any]) -> None:
        reverification.prepare_second_factor(session, data.get("strategy"))


class AttemptSecondFactorView(_VerifyView):
    allowed = {"strategy", "code"}
    throttle_classes = [FrontendUpdateThrottle, FrontendVerificationThrottle]

    def act(self, session: Any, data: dict[str, Any]) -> None:
        reverification.attempt_second_factor(session, data.get("strategy"), data.get("code"))
