"""``GET|PATCH /environment``: the instance's configuration, read by ClerkJS at load.

No authentication: ClerkJS loads it before anyone signs in. ``PATCH`` is what ClerkJS sends
with a ``pk_test_`` key (to record the page's origin on a development instance); the
environment here is derived from settings, so it answers the same resource and changes
nothing.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users.api.frontend.base import FrontendAPIView
from clerk_users.api.frontend.environment import environment_json


class EnvironmentView(FrontendAPIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    @extend_schema(operation_id="get_environment", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response(environment_json(request))

    @extend_schema(
        operation_id="update_environment", request=None, responses={200: OpenApiTypes.OBJECT}
    )
    def patch(self, request: Request) -> Response:
        return Response(environment_json(request))
