"""Backend API routes of external accounts: ``DELETE /users/{id}/external_accounts/{id}`` and
``GET /users/{id}/oauth_access_tokens/{provider}`` (allauth's stored ``SocialToken``).

Rules live in ``clerk_users.oauth.external_accounts``. The administrator may delete any external
account (the "last way to sign in" rule applies to the user acting on their own account).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users import errors
from clerk_users.api.backend import paging
from clerk_users.api.backend.base import BackendAPIView
from clerk_users.api.serializers import DeletedObjectSerializer, deleted_json
from clerk_users.models import ExternalAccount
from clerk_users.oauth import external_accounts as rules


class OAuthAccessTokenSerializer(serializers.Serializer):
    object = serializers.CharField()
    external_account_id = serializers.CharField()
    provider_user_id = serializers.CharField()
    token = serializers.CharField()
    expires_at = serializers.IntegerField(allow_null=True, help_text="Unix seconds.")
    provider = serializers.CharField()
    public_metadata = serializers.DictField()
    label = serializers.CharField(allow_null=True)  # type: ignore[assignment]
    scopes = serializers.ListField(child=serializers.CharField())


def _get_user(user_id: str) -> Any:
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    if user is None:
        raise errors.NotFound(f"No user was found with id {user_id}.")
    return user


class UserExternalAccountView(BackendAPIView):
    @extend_schema(
        operation_id="DeleteExternalAccount",
        request=None,
        responses={200: DeletedObjectSerializer},
        tags=["Users"],
    )
    def delete(self, request: Request, user_id: str, external_account_id: str) -> Response:
        user = _get_user(user_id)
        account = (
            ExternalAccount.objects.filter(pk=external_account_id, user_id=user.pk)
            .select_related("user", "social_account")
            .first()
        )
        if account is None:
            raise errors.NotFound(f"No external account was found with id {external_account_id}.")
        rules.delete_external_account(account, keep_sign_in=False)
        return self.respond(deleted_json("external_account", external_account_id))


class UserOAuthAccessTokensView(BackendAPIView):
    @extend_schema(
        operation_id="GetOAuthAccessToken",
        request=None,
        responses={200: OAuthAccessTokenSerializer(many=True)},
        tags=["Users"],
    )
    def get(self, request: Request, user_id: str, provider: str) -> Response:
        user = _get_user(user_id)
        strategy = provider if provider.startswith("oauth_") else f"oauth_{provider}"
        rules.provider_id_for(strategy, "provider")
        tokens = rules.access_tokens(user, strategy, request._request)
        if paging.is_paginated(request.query_params):
            # ``@clerk/backend`` sends paginated=true and reads ``.data``/``.totalCount``.
            limit, offset = paging.limit_offset(request.query_params)
            return self.respond(paging.body(tokens[offset : offset + limit], len(tokens), True))
        return self.respond(tokens)
