"""URLs of the Frontend API (mounted by the example project at /api/frontend/v1/)."""

from __future__ import annotations

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from clerk_users.api.errors import not_found_view

app_name = "clerk_users_frontend"

router = SimpleRouter(trailing_slash=False)

urlpatterns = [
    path("", include(router.urls)),
    re_path(r"^.*$", not_found_view),
]
