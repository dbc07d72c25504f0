"""URLs of the Backend API (mounted by the example project at /api/backend/v1/)."""

from __future__ import annotations

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from clerk_users.api.backend import schema as backend_schema
from clerk_users.api.backend.views import identifiers as identifier_views
from clerk_users.api.backend.views import jwt_templates as jwt_template_views
from clerk_users.api.backend.views import mfa as mfa_views
from clerk_users.api.backend.views import sessions as session_views
from clerk_users.api.backend.views import user_credentials as credential_views
from clerk_users.api.backend.views import user_organizations
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
        "users/<str:user_id>/external_accounts/<str:external_account_id>",
        UserExternalAccountView.as_view(),
        name="user-external-account",
    ),
    path(
        "users/<str:user_id>/oauth_access_tokens/<str:provider>",
        UserOAuthAccessTokensView.as_view(),
        name="user-oauth-access-tokens",
    ),
    path(
        "users/<str:user_id>/organization_memberships",
        user_organizations.UserOrganizationMembershipsView.as_view(),
        name="user-organization-memberships",
    ),
    path(
        "users/<str:user_id>/organization_invitations",
        user_organizations.UserOrganizationInvitationsView.as_view(),
        name="user-organization-invitations",
    ),
    path(
        "users/<str:user_id>/trusted_devices",
        user_organizations.UserTrustedDevicesView.as_view(),
        name="user-trusted-devices",
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
    # Sessions, tokens, JWKS, JWT templates and two-factor (issue 7).
    path("sessions", session_views.SessionListView.as_view(), name="sessions"),
    path("sessions/<str:session_id>", session_views.SessionDetailView.as_view(), name="session"),
    path(
        "sessions/<str:session_id>/revoke",
        session_views.SessionRevokeView.as_view(),
        name="session-revoke",
    ),
    path(
        "sessions/<str:session_id>/refresh",
        session_views.SessionRefreshView.as_view(),
        name="session-refresh",
    ),
    path(
        "sessions/<str:session_id>/tokens",
        session_views.SessionTokenView.as_view(),
        name="session-tokens",
    ),
    path(
        "sessions/<str:session_id>/tokens/<str:template_name>",
        session_views.SessionTemplateTokenView.as_view(),
        name="session-tokens-template",
    ),
    path("jwks", session_views.JWKSView.as_view(), name="jwks"),
    path("jwt_templates", jwt_template_views.JWTTemplateListView.as_view(), name="jwt-templates"),
    path(
        "jwt_templates/<str:template_id>",
        jwt_template_views.JWTTemplateDetailView.as_view(),
        name="jwt-template",
    ),
    path("users/<str:user_id>/verify_totp", mfa_views.VerifyTOTPView.as_view(), name="verify-totp"),
    path("users/<str:user_id>/mfa", mfa_views.DisableMFAView.as_view(kind="mfa"), name="user-mfa"),
    path(
        "users/<str:user_id>/totp", mfa_views.DisableMFAView.as_view(kind="totp"), name="user-totp"
    ),
    path(
        "users/<str:user_id>/backup_code",
        mfa_views.DisableMFAView.as_view(kind="backup_code"),
        name="user-backup-code",
    ),
    path(
        "users/<str:user_id>/web3_wallets/<str:web3_wallet_identification_id>",
        credential_views.UserWeb3WalletView.as_view(),
        name="user-web3-wallet",
    ),
    path(
        "users/<str:user_id>/passkeys/<str:passkey_identification_id>",
        credential_views.UserPasskeyView.as_view(),
        name="user-passkey",
    ),
    path("", include(router.urls)),
    re_path(r"^.*$", not_found_view),
]
