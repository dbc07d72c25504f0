"""``/client/sign_ups``: Clerk's ``SignUp`` resource (ClerkJS ``signUp.create()``,
``update()``, ``prepareVerification()``, ``attemptVerification()``, ``reload()``); the rules
are in ``clerk_users.signin.sign_ups``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users.api.frontend.base import flat_data
from clerk_users.api.frontend.views.sign_ins import ClientFlowView
from clerk_users.signin import sign_ups
from clerk_users.signin.json import sign_up_json


class SignUpListView(ClientFlowView):
    @extend_schema(request=dict, responses=dict)
    def post(self, request: Request) -> Response:
        return self.respond_with(sign_up_json(sign_ups.create(request, flat_data(request))))


class SignUpDetailView(ClientFlowView):
    @extend_schema(responses=dict)
    def get(self, request: Request, sign_up_id: str) -> Response:
        return self.respond_with(sign_up_json(sign_ups.get(request, sign_up_id)))

    @extend_schema(request=dict, responses=dict)
    def patch(self, request: Request, sign_up_id: str) -> Response:
        attempt = sign_ups.for_action(request, sign_up_id, "update")
        return self.respond_with(
            sign_up_json(sign_ups.update(request, attempt, flat_data(request)))
        )


class PrepareVerificationView(ClientFlowView):
    @extend_schema(request=dict, responses=dict)
    def post(self, request: Request, sign_up_id: str) -> Response:
        attempt = sign_ups.for_action(request, sign_up_id, "prepare_verification")
        sign_ups.prepare_verification(request, attempt, flat_data(request))
        return self.respond_with(sign_up_json(attempt))


class AttemptVerificationView(ClientFlowView):
    @extend_schema(request=dict, responses=dict)
    def post(self, request: Request, sign_up_id: str) -> Response:
        attempt = sign_ups.for_action(request, sign_up_id, "attempt_verification")
        sign_ups.attempt_verification(request, attempt, flat_data(request))
        return self.respond_with(sign_up_json(attempt))
