"""URLs of the Frontend API (mounted by the example project at /api/frontend/v1/)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import Resolver404, include, path, re_path, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework.routers import SimpleRouter

from clerk_users.api.errors import not_found_view
from clerk_users.api.frontend.views import client as client_views
from clerk_users.api.frontend.views import mfa as mfa_views
from clerk_users.api.frontend.views import sessions as session_views
from clerk_users.api.frontend.views import sign_ins as sign_in_views
from clerk_users.api.frontend.views import sign_ups as sign_up_views
from clerk_users.api.frontend.views import verify as verify_views
from clerk_users.api.frontend.views.avatars import default_avatar_view
from clerk_users.api.frontend.views.environment import EnvironmentView
from clerk_users.api.frontend.views.external_accounts import (
    ExternalAccountDetailView,
    ExternalAccountListView,
    ExternalAccountReauthorizeView,
)
from clerk_users.api.frontend.views.identifiers import (
    EmailAddressViewSet,
    PhoneNumberViewSet,
    Web3WalletViewSet,
)
from clerk_users.api.frontend.views.me import MeViewSet
from clerk_users.api.frontend.views.openapi import FrontendDocsView, FrontendSchemaView
from clerk_users.api.frontend.views.profile_image import ProfileImageView
from clerk_users.oauth import flow as oauth_flow
from clerk_users.signin import oauth as sign_in_oauth

app_name = "clerk_users_frontend"


@csrf_exempt  # the view it serves applies its own checks (DRF views: ``origins.check_origin``)
def without_trailing_slash(request: HttpRequest, path: str) -> HttpResponse:
    """Serve ``<path>/`` as ``<path>`` (one slash, any Frontend API route, any method)."""
    prefix = request.path_info[: len(request.path_info) - len(path) - 1]
    try:
        match = resolve(prefix + path)
    except Resolver404:
        return not_found_view(request)
    if match.func is without_trailing_slash:  # pragma: no cover (the regex forbids "//")
        return not_found_view(request)
    if not getattr(match.func, "csrf_exempt", False):  # e.g. the OAuth start view
        refused = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(
            request, match.func, match.args, match.kwargs
        )
        if refused is not None:
            return refused
    return match.func(request, *match.args, **match.kwargs)


router = SimpleRouter(trailing_slash=False)
# Resources of the signed-in user: other features register their viewsets here too.
router.register("me/email_addresses", EmailAddressViewSet, basename="me-email-addresses")
router.register("me/phone_numbers", PhoneNumberViewSet, basename="me-phone-numbers")
router.register("me/web3_wallets", Web3WalletViewSet, basename="me-web3-wallets")

me_urlpatterns = [
    path(
        "me",
        MeViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="me",
    ),
    path("me/metadata", MeViewSet.as_view({"patch": "metadata"}), name="me-metadata"),
    path(
        "me/change_password",
        MeViewSet.as_view({"post": "change_password"}),
        name="me-change-password",
    ),
    path(
        "me/remove_password",
        MeViewSet.as_view({"post": "remove_password"}),
        name="me-remove-password",
    ),
]

sign_in_urlpatterns = [
    re_path(r"^client/sign_ins/?$", sign_in_views.SignInListView.as_view(), name="sign-ins"),
    path(
        "client/sign_ins/<str:sign_in_id>", sign_in_views.SignInDetailView.as_view(), name="sign-in"
    ),
    *[
        path(
            f"client/sign_ins/<str:sign_in_id>/{action}",
            view.as_view(),
            name=f"sign-in-{action.replace('_', '-')}",
        )
        for action, view in sign_in_views.ACTION_VIEWS.items()
    ],
    # The OAuth round trip of a sign-in or sign-up (browser GETs; allauth in between).
    path(
        "oauth/attempt/<str:attempt_id>/start", sign_in_oauth.start_view, name="oauth-attempt-start"
    ),
    path(
        "oauth/attempt/<str:attempt_id>/return",
        sign_in_oauth.return_view,
        name="oauth-attempt-return",
    ),
    re_path(r"^client/sign_ups/?$", sign_up_views.SignUpListView.as_view(), name="sign-ups"),
    path(
        "client/sign_ups/<str:sign_up_id>", sign_up_views.SignUpDetailView.as_view(), name="sign-up"
    ),
    path(
        "client/sign_ups/<str:sign_up_id>/prepare_verification",
        sign_up_views.PrepareVerificationView.as_view(),
        name="sign-up-prepare-verification",
    ),
    path(
        "client/sign_ups/<str:sign_up_id>/attempt_verification",
        sign_up_views.AttemptVerificationView.as_view(),
        name="sign-up-attempt-verification",
    ),
]

schema_urlpatterns = [
    path("openapi.json", FrontendSchemaView.as_view(), name="openapi"),
    path("docs/", FrontendDocsView.as_view(), name="docs"),
]

urlpatterns = [
    *me_urlpatterns,
    # Other features: add explicit path(...) lines here (or register on ``router`` above).
    path("me/profile_image", ProfileImageView.as_view(), name="me-profile-image"),
    path("me/external_accounts", ExternalAccountListView.as_view(), name="me-external-accounts"),
    path(
        "me/external_accounts/<str:pk>",
        ExternalAccountDetailView.as_view(),
        name="me-external-account",
    ),
    path(
        "me/external_accounts/<str:pk>/reauthorize",
        ExternalAccountReauthorizeView.as_view(),
        name="me-external-account-reauthorize",
    ),
    # The external_verification_redirect_url of a pending external account (a browser GET).
    path("oauth/start/<str:token>", oauth_flow.start_view, name="oauth-start"),
    path(
        "avatars/<str:version>/<str:initials>/<int:color>.png",
        default_avatar_view,
        name="default-avatar",
    ),
    # Sessions, session tokens, JWKS and two-factor (issue 7).
    path("me/sessions", session_views.MySessionsView.as_view(), name="me-sessions"),
    path(
        "me/sessions/active",
        session_views.MyActiveSessionsView.as_view(),
        name="me-sessions-active",
    ),
    path(
        "me/sessions/<str:session_id>/revoke",
        session_views.RevokeMySessionView.as_view(),
        name="me-session-revoke",
    ),
    path(
        "client/sessions/<str:session_id>/tokens",
        session_views.SessionTokenView.as_view(),
        name="session-tokens",
    ),
    path(
        "client/sessions/<str:session_id>/tokens/<str:template>",
        session_views.SessionTemplateTokenView.as_view(),
        name="session-tokens-template",
    ),
    # Reverification of a session (issue 12).
    path(
        "client/sessions/<str:session_id>/verify",
        verify_views.StartView.as_view(),
        name="session-verify",
    ),
    *[
        path(
            f"client/sessions/<str:session_id>/verify/{step}",
            view.as_view(),
            name=f"session-verify-{step.replace('_', '-')}",
        )
        for step, view in (
            ("prepare_first_factor", verify_views.PrepareFirstFactorView),
            ("attempt_first_factor", verify_views.AttemptFirstFactorView),
            ("prepare_second_factor", verify_views.PrepareSecondFactorView),
            ("attempt_second_factor", verify_views.AttemptSecondFactorView),
        )
    ],
    path(".well-known/jwks.json", session_views.JWKSView.as_view(), name="jwks"),
    path("me/totp", mfa_views.TOTPView.as_view(), name="me-totp"),
    path(
        "me/totp/attempt_verification", mfa_views.TOTPAttemptView.as_view(), name="me-totp-attempt"
    ),
    path("me/backup_codes", mfa_views.BackupCodesView.as_view(), name="me-backup-codes"),
    # Sign-in and sign-up through ClerkJS (issue 14).
    *sign_in_urlpatterns,
    # ClerkJS's environment and the browser's client (issue 11).
    path("environment", EnvironmentView.as_view(), name="environment"),
    path("client", client_views.ClientView.as_view(), name="client"),
    path("client/sessions", client_views.ClientSessionsView.as_view(), name="client-sessions"),
    path(
        "client/sessions/<str:session_id>/touch",
        client_views.TouchSessionView.as_view(),
        name="client-session-touch",
    ),
    path(
        "client/sessions/<str:session_id>/end",
        client_views.EndSessionView.as_view(),
        name="client-session-end",
    ),
    path(
        "client/sessions/<str:session_id>/remove",
        client_views.RemoveSessionView.as_view(),
        name="client-session-remove",
    ),
    *schema_urlpatterns,
    path("", include(router.urls)),
    # ClerkJS adds a trailing slash to collection paths (``/me/email_addresses/``).
    re_path(r"^(?P<path>.+[^/])/$", without_trailing_slash),
    re_path(r"^.*$", not_found_view),  # keep last: unknown paths get Clerk's JSON 404
]
