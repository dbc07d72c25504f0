"""Frontend API two-factor endpoints (ClerkJS ``user.createTOTP()``, ``verifyTOTP()``,
``disableTOTP()``, ``createBackupCode()``), all through ``clerk_users.mfa``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users import errors
from clerk_users.api.frontend.base import (
    FrontendAPIView,
    FrontendUpdateThrottle,
    FrontendVerificationThrottle,
    flat_data,
)
from clerk_users.api.sessions_json import CodeBody, backup_codes_json, totp_json
from clerk_users.mfa import authenticators as mfa
from clerk_users.sessions.reverification import ReverificationRequired


def _only(data: dict[str, Any], allowed: set[str]) -> None:
    for key in data:
        if key not in allowed:
            raise errors.param_unknown(key)


class TOTPView(FrontendAPIView):
    permission_classes = [*FrontendAPIView.permission_classes, ReverificationRequired]

    @extend_schema(request=None, responses=dict)
    def post(self, request: Request) -> Response:
        _only(flat_data(request), set())
        return self.respond(totp_json(mfa.begin_totp(request.user, request._request)))

    @extend_schema(request=None, responses=dict)
    def delete(self, request: Request) -> Response:
        totp_id = mfa.totp_id(request.user)
        if totp_id is None:
            raise errors.NotFound("TOTP is not enabled for this user.")
        mfa.disable_totp(request.user)
        return self.respond({"object": "totp", "id": totp_id, "deleted": True})


class TOTPAttemptView(FrontendAPIView):
    throttle_classes = [FrontendUpdateThrottle, FrontendVerificationThrottle]

    @extend_schema(request=CodeBody, responses=dict)
    def post(self, request: Request) -> Response:
        data = flat_data(request)
        _only(data, {"code"})
        return self.respond(totp_json(mfa.attempt_totp(request.user, data.get("code"))))


class BackupCodesView(FrontendAPIView):
    permission_classes = [*FrontendAPIView.permission_classes, ReverificationRequired]

    @extend_schema(request=None, responses=dict)
    def post(self, request: Request) -> Response:
        _only(flat_data(request), set())
        codes = mfa.regenerate_backup_codes(request.user)
        return self.respond(backup_codes_json(request.user, codes))
