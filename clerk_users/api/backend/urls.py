"""URLs of the Backend API (mounted by the example project at /api/backend/v1/)."""

from __future__ import annotations

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from clerk_users.api.backend import schema as backend_schema
from clerk_users.api.backend.views import identifiers as identifier_views
from clerk_users.api.backend.views.external_accounts import (
    UserExternalAccountView,
    UserOAuthAccessTokensView,
)
from clerk_users.api.backend.views.profile_image import UserProfileImageView
from clerk_users.api.backend.views.users import UsersViewSet
from clerk_users.api.errors import not_found_view

app_name = "clerk_users_backend"

router = SimpleRouter(trailing_slash=False)
router.register("users", UsersViewSet, basename="users")
router.register(
    "email_addresses", identifier_views.EmailAddressesViewSet, basename="email-addresses"
)
router.register("phone_numbers", identifier_views.PhoneNumbersViewSet, basename="phone-numbers")

urlpatterns = [
    path(
        "users/<str:user_id>/profile_image",
        UserProfileImageView.as_view(),
        name="user-profile-image",
    ),
    path(
        "users/<str:user_id>/email_address",
        identifier_views.ReplaceEmailAddressView.as_view(),
        name="user-email-address",
    ),
    path(
        "users/<str:user_id>/phone_number",
        identifier_views.ReplacePhoneNumberView.as_view(),
        name="user-phone-number",
    ),
    path("openapi.json", backend_schema.BackendSchemaView.as_view(), name="schema"),
    path(
        "docs/",
        backend_schema.BackendDocsView.as_view(url_name="clerk_users_backend:schema"),
        name="docs",
    ),
    path(
        "users/<str:user_id>/external_accounts/<str:external_account_id>",
        UserExternalAccountView.as_view(),
        name="user-external-account",
    ),
    path(
        "users/<str:user_id>/oauth_access_tokens/<str:provider>",
        UserOAuthAccessTokensView.as_view(),
        name="user-oauth-access-tokens",
    ),
    path("", include(router.urls)),
    re_path(r"^.*$", not_found_view),
]
