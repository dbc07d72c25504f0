"""DRF authentication and permission for the Backend API: ``Authorization: Bearer sk_...``.

Reusable in a site's own DRF views (``authentication_classes = [SecretKeyAuthentication]``,
``permission_classes = [HasSecretKey]``). A request without the header is answered 401
``authentication_invalid`` by the permission (DRF turns a failed permission on an
unauthenticated request into ``NotAuthenticated``); a malformed, unknown or revoked key is
401 ``authentication_invalid`` straight from the authenticator. Clerk's error format comes
from ``clerk_users.api.errors``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions, permissions

from clerk_users import secret_keys
from clerk_users.models import SecretKey

INVALID_KEY = (
    "Unable to authenticate the request, you need to supply an active API key (the "
    "Authorization header must be 'Bearer sk_test_...' or 'Bearer sk_live_...')."
)


class SecretKeyAuthenticationFailed(exceptions.AuthenticationFailed):
    clerk_code = "authentication_invalid"
    default_detail = INVALID_KEY


class SecretKeyAuthentication(authentication.BaseAuthentication):
    """Sets ``request.auth`` to the ``SecretKey``; ``request.user`` stays anonymous (the
    caller is a server, not a user)."""

    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, SecretKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0].lower() != self.keyword.lower():
            raise SecretKeyAuthenticationFailed()
        key = secret_keys.verify(parts[1])
        if key is None:
            raise SecretKeyAuthenticationFailed()
        return AnonymousUser(), key

    def authenticate_header(self, request: Any) -> str:
        return f'{self.keyword} realm="api"'


class HasSecretKey(permissions.BasePermission):
    """Allows only requests authenticated by an active secret key."""

    message = INVALID_KEY

    def has_permission(self, request: Any, view: Any) -> bool:
        return isinstance(request.auth, SecretKey)
