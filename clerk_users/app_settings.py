"""Typed access to the ``CLERK_USERS`` settings dict.

Every property reads ``settings.CLERK_USERS`` on access, so ``override_settings`` works in
tests and nothing is frozen at import time. The defaults below are the documented defaults
(see README, "Settings").
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.conf import settings

_T = TypeVar("_T")

DEFAULTS: dict[str, Any] = {
    # Policy
    "ADAPTER": "clerk_users.adapter.DefaultClerkUsersAdapter",
    # Metadata
    "METADATA_MAX_BYTES": 8192,
    # Identifiers
    "PHONE_DEFAULT_REGION": None,
    # Verification codes (contract §8)
    "VERIFICATION_CODE_LENGTH": 6,
    "VERIFICATION_CODE_LIFETIME": 600,
    "VERIFICATION_MAX_ATTEMPTS": 3,
    "VERIFICATION_RESEND_COOLDOWN": 30,
    "SMS_BACKEND": "clerk_users.sms.ConsoleSMSBackend",
    "EMAIL_FROM": None,
    # Passwords and lockout
    "LOCKOUT_MAX_ATTEMPTS": 10,
    "LOCKOUT_DURATION": 3600,
    # Images
    "IMAGE_MAX_BYTES": 10 * 1024 * 1024,
    "IMAGE_MAX_PIXELS": 40_000_000,
    "IMAGE_MAX_SIDE": 1024,
    "IMAGE_STORAGE": None,
    "IMAGE_BASE_URL": None,
    # Sessions and tokens
    "SESSION_TOKEN_LIFETIME": 60,
    "SESSION_TOKEN_ISSUER": None,
    "SIGNING_KEYS": [],
    "ACTIVITY_THROTTLE": 60,
    "SESSION_ABANDON_AFTER": 30 * 24 * 3600,
    "SIGNING_KEY_RETIRED_PUBLISH_FOR": 24 * 3600,
    "JWKS_CACHE_MAX_AGE": 300,
    "TOKEN_CLOCK_SKEW": 5,
    "AUTHORIZED_PARTIES": [],
    "TRUSTED_PROXY_IP_HEADER": None,
    "TRUSTED_PROXY_COUNT": 1,
    "CITY_HEADER": None,
    "COUNTRY_HEADER": None,
    "FIREBASE_SERVICE_ACCOUNT": None,
    "HASURA_DEFAULT_ROLE": "user",
    "HASURA_ALLOWED_ROLES": ["user"],
    "ALLOWED_REDIRECT_ORIGINS": [],
    # Rate limits ("<count>/<seconds>s")
    "BACKEND_API_RATE": "1000/10s",
    "FRONTEND_UPDATE_RATE": "10/10s",
    "FRONTEND_VERIFICATION_RATE": "3/10s",
    # PostgreSQL: longest a filtered/searched GET /users or /users/count statement may run
    # (milliseconds; 0 turns the limit off). Past it the request gets a 422, not a stuck worker.
    "SEARCH_STATEMENT_TIMEOUT_MS": 2000,
}


class AppSettings:
    """Settings of clerk_users; see ``DEFAULTS`` for names and default values."""

    def _setting(self, name: str, default: _T) -> _T:
        return getattr(settings, "CLERK_USERS", {}).get(name, default)

    def get(self, name: str) -> Any:
        return self._setting(name, DEFAULTS[name])

    @property
    def ADAPTER(self) -> str:
        return self.get("ADAPTER")

    @property
    def METADATA_MAX_BYTES(self) -> int:
        return int(self.get("METADATA_MAX_BYTES"))

    @property
    def PHONE_DEFAULT_REGION(self) -> str | None:
        return self.get("PHONE_DEFAULT_REGION")

    @property
    def VERIFICATION_CODE_LENGTH(self) -> int:
        return int(self.get("VERIFICATION_CODE_LENGTH"))

    @property
    def VERIFICATION_CODE_LIFETIME(self) -> int:
        """Seconds a one-time code stays valid."""
        return int(self.get("VERIFICATION_CODE_LIFETIME"))

    @property
    def VERIFICATION_MAX_ATTEMPTS(self) -> int:
        return int(self.get("VERIFICATION_MAX_ATTEMPTS"))

    @property
    def VERIFICATION_RESEND_COOLDOWN(self) -> int:
        """Seconds between two ``prepare_verification`` calls for one identifier."""
        return int(self.get("VERIFICATION_RESEND_COOLDOWN"))

    @property
    def SMS_BACKEND(self) -> str:
        return self.get("SMS_BACKEND")

    @property
    def EMAIL_FROM(self) -> str | None:
        return self.get("EMAIL_FROM")

    @property
    def LOCKOUT_MAX_ATTEMPTS(self) -> int:
        return int(self.get("LOCKOUT_MAX_ATTEMPTS"))

    @property
    def LOCKOUT_DURATION(self) -> int:
        """Seconds a user stays locked after too many failed attempts."""
        return int(self.get("LOCKOUT_DURATION"))

    @property
    def IMAGE_MAX_BYTES(self) -> int:
        return int(self.get("IMAGE_MAX_BYTES"))

    @property
    def IMAGE_MAX_PIXELS(self) -> int:
        return int(self.get("IMAGE_MAX_PIXELS"))

    @property
    def IMAGE_MAX_SIDE(self) -> int:
        return int(self.get("IMAGE_MAX_SIDE"))

    @property
    def IMAGE_STORAGE(self) -> str | None:
        """Alias in ``settings.STORAGES`` for profile images; ``None`` = default storage."""
        return self.get("IMAGE_STORAGE")

    @property
    def IMAGE_BASE_URL(self) -> str | None:
        """Origin (``https://example.com``) that makes image URLs absolute outside a request;
        ``None``: the current API request's origin, else the storage's URL as it is."""
        return self.get("IMAGE_BASE_URL")

    @property
    def SESSION_TOKEN_LIFETIME(self) -> int:
        return int(self.get("SESSION_TOKEN_LIFETIME"))

    @property
    def SESSION_TOKEN_ISSUER(self) -> str | None:
        return self.get("SESSION_TOKEN_ISSUER")

    @property
    def SIGNING_KEYS(self) -> list[Any]:
        return list(self.get("SIGNING_KEYS"))

    @property
    def ACTIVITY_THROTTLE(self) -> int:
        return int(self.get("ACTIVITY_THROTTLE"))

    @property
    def SESSION_ABANDON_AFTER(self) -> int:
        """Seconds after sign-in when a session is abandoned (Clerk's ``abandon_at``)."""
        return int(self.get("SESSION_ABANDON_AFTER"))

    @property
    def SIGNING_KEY_RETIRED_PUBLISH_FOR(self) -> int:
        """Seconds a retired signing key stays in the JWKS (tokens it signed still verify)."""
        return int(self.get("SIGNING_KEY_RETIRED_PUBLISH_FOR"))

    @property
    def JWKS_CACHE_MAX_AGE(self) -> int:
        return int(self.get("JWKS_CACHE_MAX_AGE"))

    @property
    def TOKEN_CLOCK_SKEW(self) -> int:
        """Leeway in seconds when verifying ``exp``/``nbf`` of session tokens."""
        return int(self.get("TOKEN_CLOCK_SKEW"))

    @property
    def AUTHORIZED_PARTIES(self) -> list[str]:
        """Origins accepted as a token's ``azp`` (besides the site's own origin)."""
        return list(self.get("AUTHORIZED_PARTIES"))

    @property
    def TRUSTED_PROXY_IP_HEADER(self) -> str | None:
        """Header carrying the client address behind a trusted proxy (``X-Forwarded-For``)."""
        return self.get("TRUSTED_PROXY_IP_HEADER")

    @property
    def TRUSTED_PROXY_COUNT(self) -> int:
        return int(self.get("TRUSTED_PROXY_COUNT"))

    @property
    def CITY_HEADER(self) -> str | None:
        return self.get("CITY_HEADER")

    @property
    def COUNTRY_HEADER(self) -> str | None:
        return self.get("COUNTRY_HEADER")

    @property
    def FIREBASE_SERVICE_ACCOUNT(self) -> Any:
        """A service account key (dict, or path to its JSON file) for ``firebase`` tokens."""
        return self.get("FIREBASE_SERVICE_ACCOUNT")

    @property
    def HASURA_DEFAULT_ROLE(self) -> str:
        return self.get("HASURA_DEFAULT_ROLE")

    @property
    def HASURA_ALLOWED_ROLES(self) -> list[str]:
        return list(self.get("HASURA_ALLOWED_ROLES"))

    @property
    def ALLOWED_REDIRECT_ORIGINS(self) -> list[str]:
        return list(self.get("ALLOWED_REDIRECT_ORIGINS"))

    @property
    def BACKEND_API_RATE(self) -> str:
        return self.get("BACKEND_API_RATE")

    @property
    def FRONTEND_UPDATE_RATE(self) -> str:
        return self.get("FRONTEND_UPDATE_RATE")

    @property
    def FRONTEND_VERIFICATION_RATE(self) -> str:
        return self.get("FRONTEND_VERIFICATION_RATE")

    @property
    def SEARCH_STATEMENT_TIMEOUT_MS(self) -> int:
        return int(self.get("SEARCH_STATEMENT_TIMEOUT_MS"))


app_settings = AppSettings()
