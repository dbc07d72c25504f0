"""Error statuses as Clerk's published Backend API documents them, per operation.

Clerk's OpenAPI spec (``bapi/2026-05-12.yml`` of ``clerk/openapi-specs``) lists, for each
operation, the error statuses it answers with a ``ClerkErrors`` body; the official SDKs are
generated from it, and the Python SDK raises its typed ``ClerkErrors`` only for those statuses
(any other is an untyped ``SDKError``). So an error whose natural status an operation does not
document is answered with the nearest documented one: same body, same code, only the status
moves (e.g. 422 where the operation documents 400, 404 where it documents only 403). A bad
input is never moved to 404 (a client reads that as "the resource is gone"): where an
operation documents neither 400 nor 422 (``CreateSessionToken``), it keeps its 422.

Never moved: 401 (no or bad key: the same for every operation), the per-key rate limit's 429
(DRF throttling, Clerk's global rate limit), 405 and 5xx, and statuses an operation
documents without a ``ClerkErrors`` body (``BanUser``/``UnbanUser`` document only 402,
``VerifyPassword``/``VerifyTOTP`` only 500: their 4xx keep their natural status, as Clerk's
own server answers them).
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.response import Response

# Clerk's operationId -> the statuses its spec answers with a ``ClerkErrors`` body (the ones
# the Python SDK parses as ``ClerkErrors``; tests/api/backend/test_conformance.py checks this
# table against the installed SDK's generated code).
DOCUMENTED: dict[str, frozenset[int]] = {
    op: frozenset(statuses)
    for op, statuses in {
        "GetUserList": (400, 401, 422),
        "CreateUser": (400, 401, 402, 403, 422),
        "GetUsersCount": (422,),
        "GetUser": (400, 401, 404),
        "UpdateUser": (400, 401, 404, 409, 422),
        "DeleteUser": (400, 401, 404),
        "BanUser": (402,),
        "UnbanUser": (402,),
        "UsersBan": (400, 402),
        "UsersUnban": (400, 402),
        "LockUser": (403,),
        "UnlockUser": (403,),
        "SetUserProfileImage": (400, 401, 404),
        "DeleteUserProfileImage": (404,),
        "UpdateUserMetadata": (400, 401, 404, 422),
        "ReplaceUserMetadata": (400, 401, 404, 422),
        "GetOAuthAccessToken": (400, 404, 422),
        "UsersGetOrganizationMemberships": (403,),
        "UsersGetOrganizationInvitations": (400, 403, 404),
        "RemoveUserPassword": (400, 401, 403, 404, 500),
        "VerifyPassword": (500,),
        "VerifyTOTP": (500,),
        "DisableMFA": (404, 500),
        "DeleteBackupCode": (404, 500),
        "UserPasskeyDelete": (403, 404, 500),
        "ListUserTrustedDevices": (403, 404, 500),
        "UserWeb3WalletDelete": (400, 403, 404, 500),
        "DeleteTOTP": (404, 500),
        "DeleteExternalAccount": (400, 403, 404, 500),
        "SetUserPasswordCompromised": (400, 401, 403, 404, 422),
        "UnsetUserPasswordCompromised": (400, 401, 403, 404, 422),
        "GetSessionList": (400, 401, 422),
        "createSession": (400, 401, 404, 422),
        "GetSession": (400, 401, 404),
        "RefreshSession": (400, 401),
        "RevokeSession": (400, 401, 404),
        "CreateSessionToken": (401, 404),
        "CreateSessionTokenFromTemplate": (401, 404),
        "ListJWTTemplates": (),
        "CreateJWTTemplate": (400, 402, 422),
        "GetJWTTemplate": (404,),
        "UpdateJWTTemplate": (400, 402, 422),
        "DeleteJWTTemplate": (403, 404),
        "CreateEmailAddress": (400, 401, 403, 404, 409, 422),
        "GetEmailAddress": (400, 401, 403, 404),
        "DeleteEmailAddress": (400, 401, 403, 404, 409),
        "UpdateEmailAddress": (400, 401, 403, 404, 409),
        "PrepareEmailAddressVerification": (400, 401, 403, 404, 500),
        "AttemptEmailAddressVerification": (400, 401, 403, 404, 500),
        "ReplaceUserEmailAddress": (400, 401, 403, 404, 422),
        "CreatePhoneNumber": (400, 401, 403, 404, 422),
        "GetPhoneNumber": (400, 401, 403, 404),
        "DeletePhoneNumber": (400, 401, 403, 404),
        "UpdatePhoneNumber": (400, 401, 403, 404),
        "PreparePhoneNumberVerification": (400, 401, 403, 404, 429, 500),
        "AttemptPhoneNumberVerification": (400, 401, 403, 404, 500),
        "ReplaceUserPhoneNumber": (400, 401, 403, 404, 422),
        "GetJWKS": (),
    }.items()
}

# (URL name, HTTP method) of our routes -> Clerk's operationId.
OPERATIONS: dict[tuple[str, str], str] = {
    ("users-list", "GET"): "GetUserList",
    ("users-list", "POST"): "CreateUser",
    ("users-count", "GET"): "GetUsersCount",
    ("users-detail", "GET"): "GetUser",
    ("users-detail", "PATCH"): "UpdateUser",
    ("users-detail", "DELETE"): "DeleteUser",
    ("users-ban", "POST"): "BanUser",
    ("users-unban", "POST"): "UnbanUser",
    ("users-bulk-ban", "POST"): "UsersBan",
    ("users-bulk-unban", "POST"): "UsersUnban",
    ("users-lock", "POST"): "LockUser",
    ("users-unlock", "POST"): "UnlockUser",
    ("user-profile-image", "POST"): "SetUserProfileImage",
    ("user-profile-image", "DELETE"): "DeleteUserProfileImage",
    ("users-metadata", "PATCH"): "UpdateUserMetadata",
    ("users-metadata", "PUT"): "ReplaceUserMetadata",
    ("user-oauth-access-tokens", "GET"): "GetOAuthAccessToken",
    ("user-organization-memberships", "GET"): "UsersGetOrganizationMemberships",
    ("user-organization-invitations", "GET"): "UsersGetOrganizationInvitations",
    ("user-trusted-devices", "GET"): "ListUserTrustedDevices",
    ("users-remove-password", "POST"): "RemoveUserPassword",
    ("users-verify-password", "POST"): "VerifyPassword",
    ("verify-totp", "POST"): "VerifyTOTP",
    ("user-mfa", "DELETE"): "DisableMFA",
    ("user-backup-code", "DELETE"): "DeleteBackupCode",
    ("user-passkey", "DELETE"): "UserPasskeyDelete",
    ("user-web3-wallet", "DELETE"): "UserWeb3WalletDelete",
    ("user-totp", "DELETE"): "DeleteTOTP",
    ("user-external-account", "DELETE"): "DeleteExternalAccount",
    ("users-set-password-compromised", "POST"): "SetUserPasswordCompromised",
    ("users-unset-password-compromised", "POST"): "UnsetUserPasswordCompromised",
    ("sessions", "GET"): "GetSessionList",
    ("sessions", "POST"): "createSession",
    ("session", "GET"): "GetSession",
    ("session-refresh", "POST"): "RefreshSession",
    ("session-revoke", "POST"): "RevokeSession",
    ("session-tokens", "POST"): "CreateSessionToken",
    ("session-tokens-template", "POST"): "CreateSessionTokenFromTemplate",
    ("jwt-templates", "GET"): "ListJWTTemplates",
    ("jwt-templates", "POST"): "CreateJWTTemplate",
    ("jwt-template", "GET"): "GetJWTTemplate",
    ("jwt-template", "PATCH"): "UpdateJWTTemplate",
    ("jwt-template", "DELETE"): "DeleteJWTTemplate",
    ("email-addresses-list", "POST"): "CreateEmailAddress",
    ("email-addresses-detail", "GET"): "GetEmailAddress",
    ("email-addresses-detail", "DELETE"): "DeleteEmailAddress",
    ("email-addresses-detail", "PATCH"): "UpdateEmailAddress",
    ("email-addresses-prepare-verification", "POST"): "PrepareEmailAddressVerification",
    ("email-addresses-attempt-verification", "POST"): "AttemptEmailAddressVerification",
    ("user-email-address", "PUT"): "ReplaceUserEmailAddress",
    ("phone-numbers-list", "POST"): "CreatePhoneNumber",
    ("phone-numbers-detail", "GET"): "GetPhoneNumber",
    ("phone-numbers-detail", "DELETE"): "DeletePhoneNumber",
    ("phone-numbers-detail", "PATCH"): "UpdatePhoneNumber",
    ("phone-numbers-prepare-verification", "POST"): "PreparePhoneNumberVerification",
    ("phone-numbers-attempt-verification", "POST"): "AttemptPhoneNumberVerification",
    ("user-phone-number", "PUT"): "ReplaceUserPhoneNumber",
    ("jwks", "GET"): "GetJWKS",
}

# Natural status -> the documented statuses to try instead, nearest meaning first.
NEAREST: dict[int, tuple[int, ...]] = {
    400: (422, 403),  # bad input: 400 and 422 are the same complaint to a client
    422: (400, 403),
    404: (403, 400, 422),  # "not yours to see" / "bad id"
    409: (422, 400),
    403: (400, 422),
    429: (400, 403, 422),  # a per-identifier send limit (not the per-key rate limit)
    413: (400, 422),  # body or file too large
    415: (400, 422),  # unsupported media type
}


def operation_id(request: Any) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    return OPERATIONS.get((match.url_name or "", request.method.upper()))


def documented_status(operation: str | None, status: int) -> int:
    """The status to answer for an error of natural ``status`` in ``operation``."""
    documented = DOCUMENTED.get(operation or "")
    if not documented or status in documented:
        return status
    for candidate in NEAREST.get(status, ()):
        if candidate in documented:
            return candidate
    return status


def conform(request: Any, response: Response | None, exc: Exception) -> Response | None:
    """Move ``response``'s status to one the operation documents (see the module doc)."""
    if response is None or isinstance(exc, exceptions.Throttled):
        return response
    response.status_code = documented_status(operation_id(request), response.status_code)
    return response
