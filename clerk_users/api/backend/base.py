"""Base of every Backend API view: server-to-server calls with a secret key.

``SecretKeyAuthentication`` (``Authorization: Bearer sk_test_...``) and the per-key rate limit
are provided by ``clerk_users.api.backend.authentication`` / ``throttling``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from clerk_users.api.backend import conformance
from clerk_users.api.backend.authentication import (
    HasSecretKey,
    SecretKeyAuthentication,
    SecretKeyAuthenticationFailed,
)
from clerk_users.api.backend.throttling import SecretKeyRateThrottle
from clerk_users.api.base import ClerkAPIView, ClerkGenericViewSet, ClerkViewSet


class BackendMixin:
    """Secret-key auth, the per-key rate limit and plain (unwrapped) JSON responses."""

    authentication_classes: Sequence[type[BaseAuthentication]] = [SecretKeyAuthentication]
    permission_classes: Sequence[Any] = [HasSecretKey]
    throttle_classes: Sequence[type[BaseThrottle]] = [SecretKeyRateThrottle]

    def permission_denied(
        self, request: Request, message: str | None = None, code: str | None = None
    ) -> NoReturn:
        """No key at all is 401 ``authentication_invalid`` with Clerk's wording."""
        if request.authenticators and not request.successful_authenticator:
            raise SecretKeyAuthenticationFailed()
        super().permission_denied(request, message=message, code=code)  # type: ignore[misc]
        raise AssertionError("unreachable")

    def handle_exception(self, exc: Exception) -> Response:
        """Answer errors with a status the operation documents (see ``conformance``)."""
        response: Response = super().handle_exception(exc)  # type: ignore[misc]
        conformance.conform(self.request, response, exc)  # type: ignore[attr-defined]
        return response

    def respond(self, resource: Any, status: int = 200) -> Response:
        return Response(resource, status=status)


class BackendAPIView(BackendMixin, ClerkAPIView):
    pass


class BackendViewSet(BackendMixin, ClerkViewSet):
    pass


class BackendGenericViewSet(BackendMixin, ClerkGenericViewSet):
    pass
