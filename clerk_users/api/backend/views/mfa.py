"""Backend API two-factor operations of a user (SDK ``users.verify_totp``,
``users.disable_mfa``, ``users.delete_totp``, ``users.delete_backup_codes``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users import errors
from clerk_users.api.backend.base import BackendAPIView
from clerk_users.api.backend.views.sessions import _body
from clerk_users.api.sessions_json import CodeBody, UserIdResponse, VerifyTOTPResponse
from clerk_users.mfa import authenticators as mfa


def _user(user_id: str) -> Any:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise errors.NotFound(f"No user was found with id {user_id}")
    return user


class VerifyTOTPView(BackendAPIView):
    @extend_schema(operation_id="VerifyTOTP", request=CodeBody, responses=VerifyTOTPResponse)
    def post(self, request: Request, user_id: str) -> Response:
        data = _body(request, {"code"})
        verified, code_type = mfa.verify_code(_user(user_id), data.get("code"))
        return self.respond({"verified": verified, "code_type": code_type})


class DisableMFAView(BackendAPIView):
    """``DELETE /users/{id}/mfa``, ``/totp`` and ``/backup_code`` (``kind``)."""

    kind = "mfa"

    @extend_schema(request=None, responses=UserIdResponse)
    def delete(self, request: Request, user_id: str) -> Response:
        user = _user(user_id)
        {"mfa": mfa.disable_mfa, "totp": mfa.disable_totp, "backup_code": mfa.disable_backup_codes}[
            self.kind
        ](user)
        return self.respond({"user_id": user.pk})
