"""``/client/sign_ins``: Clerk's ``SignIn`` resource (ClerkJS ``signIn.create()``,
``prepareFirstFactor()``, ``attemptFirstFactor()``, ``prepareSecondFactor()``,
``attemptSecondFactor()``, ``resetPassword()``, ``reload()``); the rules are in
``clerk_users.signin.sign_ins``. Anonymous by nature: the browser's client is its session."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users.api.frontend.base import FrontendAPIView, envelope, flat_data
from clerk_users.api.frontend.origins import check_origin
from clerk_users.signin import client, sign_ins
from clerk_users.signin.json import sign_in_json


class ClientFlowView(FrontendAPIView):
    """Base of the sign-in and sign-up views: no user yet, the client is the session."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list[Any] = []

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # No CSRF token from ClerkJS: a foreign page's request is refused before anything.
        check_origin(request)

    def respond_with(self, resource: Any, status: int = 200) -> Response:
        """The client rides on mutations only, as on every Frontend view (ClerkJS reads it
        from those; a GET would mint a session token it ignores)."""
        mutation = self.request.method not in permissions.SAFE_METHODS
        return Response(
            envelope(resource, client.client_json(self.request) if mutation else None),
            status=status,
        )


class SignInListView(ClientFlowView):
    @extend_schema(request=dict, responses=dict)
    def post(self, request: Request) -> Response:
        attempt = sign_ins.create(request, flat_data(request))
        return self.respond_with(sign_in_json(attempt))


class SignInDetailView(ClientFlowView):
    @extend_schema(responses=dict)
    def get(self, request: Request, sign_in_id: str) -> Response:
        return self.respond_with(sign_in_json(sign_ins.get(request, sign_in_id)))


class SignInActionView(ClientFlowView):
    """``POST /client/sign_ins/{id}/<action>``."""

    action_name = ""

    @extend_schema(request=dict, responses=dict)
    def post(self, request: Request, sign_in_id: str) -> Response:
        attempt = sign_ins.for_action(request, sign_in_id, self.action_name)
        getattr(sign_ins, self.action_name)(request, attempt, flat_data(request))
        return self.respond_with(sign_in_json(attempt))


ACTIONS = (
    "prepare_first_factor",
    "attempt_first_factor",
    "prepare_second_factor",
    "attempt_second_factor",
    "reset_password",
)
ACTION_VIEWS: dict[str, type[SignInActionView]] = {
    name: type(
        "".join(part.capitalize() for part in name.split("_")) + "View",
        (SignInActionView,),
        {"action_name": name, "__module__": __name__},
    )
    for name in ACTIONS
}
