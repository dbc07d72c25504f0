"""Clerk's ``Environment`` resource (``GET|PATCH /environment``), derived from the site's settings.

ClerkJS loads the environment before anything else and its components decide from it which
sections to show (email addresses, phone numbers, username, password, two-factor, connected
accounts, delete account). Nothing here is a fixed template: every value comes from the
settings the rest of the site obeys, so a setting changed is an environment changed:

- identifiers and names: allauth's ``ACCOUNT_LOGIN_METHODS`` and ``ACCOUNT_SIGNUP_FIELDS``,
  ``ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED``, the user model's username field;
- password rules: ``AUTH_PASSWORD_VALIDATORS`` (Django's ``MinimumLengthValidator``);
- two-factor methods: ``allauth.mfa`` installed and ``MFA_SUPPORTED_TYPES``;
- OAuth providers: those with client credentials (``oauth.external_accounts.configured_apps``);
- pages: ``CLERK_USERS["SIGN_IN_URL"]`` / ``["SIGN_UP_URL"]`` (the pages mounting
  ``<SignIn/>`` / ``<SignUp/>``; else ``LOGIN_URL`` and allauth's signup),
  ``CLERK_USERS["USER_PROFILE_URL"]``;
- sign-in and sign-up rules: ``clerk_users.signin`` (legal consent, enumeration protection);
- instance type: ``production`` for a ``pk_live_`` key, ``development`` for ``pk_test_``.

A Django session holds one signed-in user, so the instance is in single-session mode.
Shapes: ``EnvironmentJSON``, ``UserSettingsJSON``, ``DisplayConfigJSON``, ``AuthConfigJSON``,
``OrganizationSettingsJSON``, ``CommerceSettingsJSON`` of ``@clerk/shared/types``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

from clerk_users import publishable_keys
from clerk_users.app_settings import app_settings

# Clerk's logos are on its CDN: the components then show the provider's name instead.
PROVIDER_NAMES = {
    "facebook": "Facebook",
    "github": "GitHub",
    "google": "Google",
    "hubspot": "HubSpot",
    "tiktok": "TikTok",
    "gitlab": "GitLab",
    "discord": "Discord",
    "twitter": "X / Twitter",
    "twitch": "Twitch",
    "linkedin": "LinkedIn",
    "dropbox": "Dropbox",
    "bitbucket": "Bitbucket",
    "microsoft": "Microsoft",
    "notion": "Notion",
}


def _stable_id(prefix: str, request: Any) -> str:
    """An id that stays the same for the site (ClerkJS caches the environment by it)."""
    digest = hashlib.sha256(f"{prefix}:{request.get_host()}".encode()).hexdigest()[:27]
    return f"{prefix}_{digest}"


def _url(name_or_path: Any, request: Any) -> str:
    """An absolute URL from a URL name or a path ('' when unset)."""
    if not name_or_path:
        return ""
    value = str(name_or_path)
    if "/" not in value:
        try:
            value = reverse(value)
        except NoReverseMatch:
            return ""
    if value.startswith(("http://", "https://")):
        return value
    return request.build_absolute_uri(value)


def _attribute(
    enabled: bool,
    *,
    required: bool = False,
    verifications: list[str] | None = None,
    first_factor: bool = False,
    first_factors: list[str] | None = None,
    second_factors: list[str] | None = None,
    verify_at_sign_up: bool = False,
) -> dict[str, Any]:
    """One attribute of ``user_settings``: ``used_for_first_factor`` says the identifier signs
    in; ``first_factors`` lists the strategies that prove it (codes; a password is its own
    attribute)."""
    return {
        "enabled": enabled,
        "required": enabled and required,
        "verifications": (verifications or []) if enabled else [],
        "used_for_first_factor": enabled and (first_factor or bool(first_factors)),
        "first_factors": (first_factors or []) if enabled else [],
        "used_for_second_factor": enabled and bool(second_factors),
        "second_factors": (second_factors or []) if enabled else [],
        "verify_at_sign_up": enabled and verify_at_sign_up,
    }


def _password_min_length() -> int:
    validators: list[Any] = list(settings.AUTH_PASSWORD_VALIDATORS)
    lengths = [
        int(v.get("OPTIONS", {}).get("min_length", 8))
        for v in validators
        if v.get("NAME", "").endswith("MinimumLengthValidator")
    ]
    return max(lengths, default=1)


def _mfa_types() -> set[str]:
    if not apps.is_installed("allauth.mfa"):
        return set()
    from allauth.mfa import app_settings as mfa_settings

    return set(mfa_settings.SUPPORTED_TYPES)


def _social() -> dict[str, Any]:
    """Providers with client credentials (settings or ``SocialApp`` rows), one query."""
    from allauth.socialaccount.adapter import get_adapter

    from clerk_users.oauth.providers import PROVIDERS

    if not apps.is_installed("allauth.socialaccount"):
        return {}
    with_credentials = {
        getattr(app, "provider_id", None) or app.provider
        for app in get_adapter().list_apps(None)
        if app.client_id and app.secret
    }
    social = {}
    for name, (_app, provider_id) in PROVIDERS.items():
        if provider_id not in with_credentials:
            continue
        strategy = f"oauth_{name}"
        social[strategy] = {
            "enabled": True,
            "required": False,
            "authenticatable": True,
            "block_email_subaddresses": False,
            "strategy": strategy,
            "name": PROVIDER_NAMES.get(name, name.title()),
            "logo_url": None,
        }
    return social


def user_settings_json() -> dict[str, Any]:
    from allauth.account import app_settings as account

    login_methods = {str(getattr(m, "value", m)) for m in account.LOGIN_METHODS}
    fields = account.SIGNUP_FIELDS
    mfa_types = _mfa_types()
    # The Frontend API verifies addresses by code only (``/me`` and sign-up alike), whatever
    # allauth's own pages use (``ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED``): advertising
    # ``email_link`` would send <SignUp/> down a flow that does not exist here.
    email_code = "email_code"
    by_code = bool(getattr(account, "LOGIN_BY_CODE_ENABLED", False))
    username_field = account.USER_MODEL_USERNAME_FIELD
    username_max = 64
    if username_field:
        field: Any = get_user_model()._meta.get_field(username_field)
        username_max = getattr(field, "max_length", None) or 64
    phone_enabled = bool(app_settings.SMS_BACKEND)
    password_required = "password1" in fields and fields["password1"].get("required", False)
    second_factor_enabled = bool(mfa_types & {"totp", "recovery_codes"})
    return {
        "attributes": {
            "email_address": _attribute(
                True,
                required="email" in fields and fields["email"].get("required", False),
                verifications=[email_code],
                first_factor="email" in login_methods,
                first_factors=["email_code"] if by_code and "email" in login_methods else [],
                verify_at_sign_up=str(account.EMAIL_VERIFICATION).endswith("MANDATORY")
                or str(account.EMAIL_VERIFICATION) == "mandatory",
            ),
            "phone_number": _attribute(
                phone_enabled,
                required="phone" in fields and fields["phone"].get("required", False),
                verifications=["phone_code"],
                first_factor="phone" in login_methods,
                first_factors=["phone_code"] if "phone" in login_methods else [],
            ),
            "username": _attribute(
                bool(username_field),
                required="username" in fields and fields["username"].get("required", False),
                first_factor="username" in login_methods,
            ),
            "web3_wallet": _attribute(False),
            "first_name": _attribute(True),
            "last_name": _attribute(True),
            "password": _attribute(True, required=password_required, first_factor=True),
            "authenticator_app": _attribute("totp" in mfa_types, second_factors=["totp"]),
            "backup_code": _attribute(
                "recovery_codes" in mfa_types, second_factors=["backup_code"]
            ),
            "passkey": _attribute(False),
        },
        "actions": {"delete_self": True, "create_organization": False},
        "social": _social(),
        "enterprise_sso": {"enabled": False, "self_serve_sso": False},
        "saml": {"enabled": False},
        "sign_in": {"second_factor": {"required": False, "enabled": second_factor_enabled}},
        "sign_up": {
            "allowlist_only": False,
            "progressive": True,
            "captcha_enabled": False,
            "captcha_widget_type": None,
            "custom_action_required": False,
            "mode": "public",
            "legal_consent_enabled": app_settings.SIGN_UP_LEGAL_CONSENT_REQUIRED,
            "mfa": {"required": False},
        },
        "password_settings": {
            "allowed_special_characters": "",
            "disable_hibp": True,
            "min_length": _password_min_length(),
            "max_length": 4096,
            "require_special_char": False,
            "require_numbers": False,
            "require_uppercase": False,
            "require_lowercase": False,
            "show_zxcvbn": False,
            "min_zxcvbn_strength": 0,
            "enforce_hibp_on_sign_in": False,
        },
        "passkey_settings": {"allow_autofill": False, "show_sign_in_button": False},
        "username_settings": {
            "min_length": int(getattr(account, "USERNAME_MIN_LENGTH", 1) or 1),
            "max_length": int(username_max),
        },
        "attack_protection": {
            "enumeration_protection": {"enabled": bool(account.PREVENT_ENUMERATION)}
        },
    }


def display_config_json(request: Any) -> dict[str, Any]:
    home = _url("/", request)
    sign_in = (
        _url(app_settings.SIGN_IN_URL, request)
        or _url(settings.LOGIN_URL, request)
        or _url("account_login", request)
    )
    sign_up = _url(app_settings.SIGN_UP_URL, request) or _url("account_signup", request)
    profile = _url(app_settings.USER_PROFILE_URL, request)
    after_sign_in = _url(getattr(settings, "LOGIN_REDIRECT_URL", "/"), request) or home
    after_sign_out = _url(getattr(settings, "LOGOUT_REDIRECT_URL", None) or "/", request)
    key = publishable_keys.publishable_key(request)
    return {
        "object": "display_config",
        "id": _stable_id("display_config", request),
        "instance_environment_type": publishable_keys.instance_type(key),
        "application_name": app_settings.APPLICATION_NAME or request.get_host(),
        "theme": {
            "general": {
                "color": "#6c47ff",
                "background_color": "#ffffff",
                "font_family": "",
                "font_color": "#151515",
                "label_font_weight": "600",
                "padding": "1em",
                "border_radius": "0.5em",
                "box_shadow": "0 2px 8px rgba(0, 0, 0, 0.2)",
            },
            "buttons": {"font_color": "#ffffff", "font_family": "", "font_weight": "600"},
            "accounts": {"background_color": "#ffffff"},
        },
        "preferred_sign_in_strategy": "password",
        "logo_image_url": "",
        "favicon_image_url": "",
        "home_url": home,
        "sign_in_url": sign_in,
        "sign_up_url": sign_up,
        "user_profile_url": profile,
        "waitlist_url": "",
        "after_sign_in_url": after_sign_in,
        "after_sign_up_url": after_sign_in,
        "after_sign_out_one_url": after_sign_out,
        "after_sign_out_all_url": after_sign_out,
        "after_switch_session_url": after_sign_in,
        "after_join_waitlist_url": "",
        "organization_profile_url": "",
        "create_organization_url": "",
        "after_leave_organization_url": "",
        "after_create_organization_url": "",
        "support_email": app_settings.EMAIL_FROM or settings.DEFAULT_FROM_EMAIL or "",
        "branded": False,
        "captcha_public_key": None,
        "captcha_widget_type": None,
        "captcha_public_key_invisible": None,
        "captcha_provider": "turnstile",
        "captcha_oauth_bypass": None,
        "captcha_heartbeat": False,
        "show_devmode_warning": False,
        "terms_url": "",
        "privacy_policy_url": "",
    }


def reverification_enabled() -> bool:
    """``auth_config.reverification``: on when the Frontend API enforces it
    (``REVERIFICATION_MAX_AGE`` set). ClerkJS's components then stop asking for the current
    password (``<UserProfile/>``'s password form) and meet the server's 403
    ``session_reverification_required`` with their reverification dialog."""
    return app_settings.REVERIFICATION_MAX_AGE is not None


def environment_json(request: Any) -> dict[str, Any]:
    """The whole ``EnvironmentJSON`` for ``request``'s site."""
    return {
        "object": "environment",
        "id": _stable_id("env", request),
        "auth_config": {
            "object": "auth_config",
            "id": _stable_id("aac", request),
            "single_session_mode": True,
            "claimed_at": None,
            "reverification": reverification_enabled(),
            "preferred_channels": None,
        },
        "display_config": display_config_json(request),
        "user_settings": user_settings_json(),
        "organization_settings": {
            "enabled": False,
            "max_allowed_memberships": 0,
            "force_organization_selection": False,
            "actions": {"admin_delete": False},
            "domains": {"enabled": False, "enrollment_modes": [], "default_role": None},
            "slug": {"disabled": True},
            "organization_creation_defaults": {"enabled": False},
        },
        "commerce_settings": {
            "billing": {
                "stripe_publishable_key": None,
                "organization": {"enabled": False, "has_paid_plans": False},
                "user": {"enabled": False, "has_paid_plans": False},
            }
        },
        "api_keys_settings": {"user_api_keys_enabled": False, "orgs_api_keys_enabled": False},
        "protect_config": {"object": "protect_config", "id": "", "loaders": []},
        "maintenance_mode": False,
        "client_debug_mode": False,
    }
