"""Backend API: ``DELETE /users/{user_id}/web3_wallets/{id}`` and
``DELETE /users/{user_id}/passkeys/{id}`` (SDK ``users.delete_web3_wallet`` / ``delete_passkey``).

A wallet is deleted through ``clerk_users.identifiers.delete_identifier`` (the primary one
cannot go while the user has other wallets). This app has no passkeys (users always answer
``passkeys: []``), so every passkey id is Clerk's 404 ``resource_not_found``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users import errors, identifiers
from clerk_users.api.backend.base import BackendAPIView
from clerk_users.api.backend.schema import with_errors
from clerk_users.api.serializers import DeletedObjectSerializer, deleted_json
from clerk_users.models import Web3Wallet


def _get_user(user_id: str) -> Any:
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    if user is None:
        raise errors.NotFound(f"No user was found with id {user_id}")
    return user


class UserWeb3WalletView(BackendAPIView):
    @extend_schema(
        operation_id="UserWeb3WalletDelete",
        request=None,
        responses=with_errors({200: DeletedObjectSerializer}, 403, 404),
        tags=["Users"],
    )
    def delete(
        self, request: Request, user_id: str, web3_wallet_identification_id: str
    ) -> Response:
        user = _get_user(user_id)
        wallet = (
            Web3Wallet.objects.select_related("user")
            .filter(pk=web3_wallet_identification_id, user_id=user.pk)
            .first()
        )
        if wallet is None:
            raise errors.NotFound(
                f"No web3 wallet was found with id {web3_wallet_identification_id}"
            )
        identifiers.delete_identifier(wallet)
        return self.respond(deleted_json("web3_wallet", web3_wallet_identification_id))


class UserPasskeyView(BackendAPIView):
    @extend_schema(
        operation_id="UserPasskeyDelete",
        request=None,
        responses=with_errors({200: DeletedObjectSerializer}, 403, 404),
        tags=["Users"],
    )
    def delete(self, request: Request, user_id: str, passkey_identification_id: str) -> Response:
        """Passkeys are not supported: after the user check, every id is unknown."""
        _get_user(user_id)
        raise errors.NotFound(f"No passkey was found with id {passkey_identification_id}")
