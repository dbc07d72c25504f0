"""Base classes shared by both APIs: Clerk's error handler, JSON rendering, body parsers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rest_framework import parsers, renderers, viewsets
from rest_framework.views import APIView

from clerk_users.api import errors


class ClerkAPIMixin:
    renderer_classes: Sequence[Any] = [renderers.JSONRenderer]
    parser_classes: Sequence[Any] = [
        parsers.JSONParser,
        parsers.FormParser,
        parsers.MultiPartParser,
    ]

    def get_exception_handler(self) -> Any:
        return errors.exception_handler

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # Image URLs in responses are made absolute with this request's origin.
        from clerk_users.images import request_context

        with request_context(request):
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class ClerkAPIView(ClerkAPIMixin, APIView):
    pass


class ClerkViewSet(ClerkAPIMixin, viewsets.ViewSet):
    pass


class ClerkGenericViewSet(ClerkAPIMixin, viewsets.GenericViewSet):
    pass
