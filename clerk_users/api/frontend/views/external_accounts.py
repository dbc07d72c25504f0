"""``/me/external_accounts``: connect, reauthorize and remove the user's OAuth accounts.

``POST`` answers an unverified external account whose
``verification.external_verification_redirect_url`` starts allauth's connect flow
(``clerk_users.oauth.flow.start_view``); rules live in ``clerk_users.oauth.external_accounts``.
An account of another user is 404, like one that does not exist.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users import errors
from clerk_users.api.frontend.base import FrontendAPIView
from clerk_users.api.frontend.serializers import envelope_of, read_params
from clerk_users.api.frontend.serializers.external_accounts import (
    CreateExternalAccountInput,
    ReauthorizeExternalAccountInput,
)
from clerk_users.api.serializers import (
    DeletedObjectSerializer,
    ExternalAccountSerializer,
    deleted_json,
)
from clerk_users.models import ExternalAccount
from clerk_users.oauth import external_accounts as rules
from clerk_users.sessions.reverification import reverification_required

ONE = envelope_of("FrontendExternalAccountResponse", ExternalAccountSerializer())
DELETED = envelope_of("FrontendDeletedExternalAccountResponse", DeletedObjectSerializer())


def own(request: Request, pk: str) -> ExternalAccount:
    account = (
        ExternalAccount.objects.filter(pk=pk, user_id=request.user.pk)
        .select_related("user", "social_account")
        .first()
    )
    if account is None:
        raise errors.NotFound("The external account was not found.")
    return account


class ExternalAccountListView(FrontendAPIView):
    @extend_schema(
        operation_id="external_accounts_create",
        tags=["me/external_accounts"],
        request=CreateExternalAccountInput,
        responses={200: ONE},
    )
    @reverification_required
    def post(self, request: Request) -> Response:
        params = read_params(request, CreateExternalAccountInput)
        account = rules.create_external_account(
            request.user,
            params["strategy"],
            params["redirect_url"],
            params.get("additional_scope"),
            request=request._request,
            oidc_prompt=params.get("oidc_prompt"),
            oidc_login_hint=params.get("oidc_login_hint"),
        )
        return self.respond(rules.to_json(account))


class ExternalAccountDetailView(FrontendAPIView):
    @extend_schema(
        operation_id="external_accounts_retrieve",
        tags=["me/external_accounts"],
        responses={200: ONE},
    )
    def get(self, request: Request, pk: str) -> Response:
        return self.respond(rules.to_json(own(request, pk)))

    @extend_schema(
        operation_id="external_accounts_destroy",
        tags=["me/external_accounts"],
        responses={200: DELETED},
    )
    @reverification_required
    def delete(self, request: Request, pk: str) -> Response:
        rules.delete_external_account(own(request, pk), keep_sign_in=True)
        return self.respond(deleted_json("external_account", pk))


class ExternalAccountReauthorizeView(FrontendAPIView):
    @extend_schema(
        operation_id="external_accounts_reauthorize",
        tags=["me/external_accounts"],
        request=ReauthorizeExternalAccountInput,
        responses={200: ONE},
    )
    @reverification_required
    def patch(self, request: Request, pk: str) -> Response:
        account = own(request, pk)
        params = read_params(request, ReauthorizeExternalAccountInput)
        account = rules.reauthorize(
            account,
            params["redirect_url"],
            params.get("additional_scope"),
            request=request._request,
            oidc_prompt=params.get("oidc_prompt"),
            oidc_login_hint=params.get("oidc_login_hint"),
        )
        return self.respond(rules.to_json(account))
