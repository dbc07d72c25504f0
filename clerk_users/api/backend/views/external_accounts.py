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
from clerk_users.api.backend import user_filters
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


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    # ASCII digits only (``int`` also takes "+5", " 5", "1_0" and non-ASCII digits).
    value = int(raw) if user_filters.INTEGER_RE.fullmatch(str(raw)) else low - 1
    if not low <= value <= high:
        raise errors.format_invalid(name, f"{name} must be an integer between {low} and {high}.")
    return value


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
        if request.query_params.get("paginated") in ("true", "1"):
            # The SDK parses a plain list either way; ``limit``/``offset`` slice it.
            limit = _int_param(request, "limit", 10, 1, 500)
            offset = _int_param(request, "offset", 0, 0, 10**9)
            tokens = tokens[offset : offset + limit]
        return self.respond(tokens)
