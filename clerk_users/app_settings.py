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
    # Codes sent per identifier (prepare_verification), whoever asks: bounds code guessing.
    "VERIFICATION_PREPARE_RATE": "10/3600s",
    # Codes compared per identifier value across every sign-in and sign-up (wrong or not).
    "VERIFICATION_GUESS_RATE": "30/3600s",
    "SMS_BACKEND": "clerk_users.sms.ConsoleSMSBackend",
    "EMAIL_FROM": None,
    # Passwords and lockout
    "LOCKOUT_MAX_ATTEMPTS": 10,
    "LOCKOUT_DURATION": 3600,
    # Reverification (issue 12): seconds a first-factor verification of the session stays
    # fresh for sensitive actions; None turns reverification off.
    "REVERIFICATION_MAX_AGE": 600,
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
    # Sign-in and sign-up through ClerkJS (clerk_users.signin)
    "SIGN_IN_ABANDON_AFTER": 24 * 3600,
    "SIGN_UP_ABANDON_AFTER": 24 * 3600,
    "SIGN_UP_LEGAL_CONSENT_REQUIRED": False,
    "SIGN_IN_URL": None,
    "SIGN_UP_URL": None,
    # ClerkJS on the site (contract §10)
    "PUBLISHABLE_KEY": None,
    "APPLICATION_NAME": None,
    "USER_PROFILE_URL": None,
    "ALLOWED_ORIGINS": [],
    # Webhooks (contract §11): Svix's retry schedule, seconds before each attempt
    "WEBHOOK_RETRY_SCHEDULE": [0, 5, 300, 1800, 7200, 18000, 36000, 36000],
    "WEBHOOK_TIMEOUT": 15,
    "WEBHOOK_DISABLE_AFTER": 5 * 24 * 3600,
    "WEBHOOK_INSTANCE_ID": None,
    "WEBHOOK_ENDPOINTS_CACHE_TIMEOUT": 60,
    "WEBHOOK_TRIGGER": None,
    "WEBHOOK_ALLOWED_HOSTS": [],
    "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": False,
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
    def VERIFICATION_PREPARE_RATE(self) -> str:
        """How many codes one identifier may be sent per window (``"<count>/<seconds>s"``)."""
        return str(self.get("VERIFICATION_PREPARE_RATE"))

    @property
    def VERIFICATION_GUESS_RATE(self) -> str:
        """How many codes may be compared per identifier value and window, across every
        sign-in and sign-up attempt (``"<count>/<seconds>s"``): parallel attempts for one
        address cannot multiply the guesses of its codes."""
        return str(self.get("VERIFICATION_GUESS_RATE"))

    @property
    def REVERIFICATION_MAX_AGE(self) -> int | None:
        """Seconds a session's first-factor verification allows sensitive actions (None: off)."""
        value = self.get("REVERIFICATION_MAX_AGE")
        return None if value is None else int(value)

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
    def SIGN_IN_ABANDON_AFTER(self) -> int:
        """Seconds an unfinished sign-in stays usable (Clerk's ``abandon_at``)."""
        return int(self.get("SIGN_IN_ABANDON_AFTER"))

    @property
    def SIGN_UP_ABANDON_AFTER(self) -> int:
        """Seconds an unfinished sign-up stays usable (Clerk's ``abandon_at``)."""
        return int(self.get("SIGN_UP_ABANDON_AFTER"))

    @property
    def SIGN_UP_LEGAL_CONSENT_REQUIRED(self) -> bool:
        """Whether sign-up requires ``legal_accepted`` (Clerk's legal consent setting)."""
        return bool(self.get("SIGN_UP_LEGAL_CONSENT_REQUIRED"))

    @property
    def SIGN_IN_URL(self) -> str | None:
        """Path or URL name of the page that mounts ``<SignIn/>`` (the environment's
        ``sign_in_url``); None: ``LOGIN_URL`` (allauth's login page)."""
        return self.get("SIGN_IN_URL")

    @property
    def SIGN_UP_URL(self) -> str | None:
        """Path or URL name of the page that mounts ``<SignUp/>``; None: allauth's signup."""
        return self.get("SIGN_UP_URL")

    @property
    def PUBLISHABLE_KEY(self) -> str | None:
        """The key ClerkJS is loaded with; None derives ``pk_live_`` from the request's host."""
        return self.get("PUBLISHABLE_KEY")

    @property
    def APPLICATION_NAME(self) -> str | None:
        """The name ClerkJS's components show (the environment's ``application_name``)."""
        return self.get("APPLICATION_NAME")

    @property
    def USER_PROFILE_URL(self) -> str | None:
        """Path or URL name of the page that mounts ``<UserProfile/>`` (``user_profile_url``)."""
        return self.get("USER_PROFILE_URL")

    @property
    def ALLOWED_ORIGINS(self) -> list[str]:
        """Origins besides the site's own (and ``CSRF_TRUSTED_ORIGINS``) whose pages may send
        cookie-authenticated unsafe requests to the Frontend API without a CSRF token."""
        return list(self.get("ALLOWED_ORIGINS"))

    @property
    def WEBHOOK_RETRY_SCHEDULE(self) -> list[int]:
        """Seconds to wait before each attempt (the first is usually 0: at once); a message
        that failed them all is given up (Svix's schedule by default)."""
        return [int(s) for s in self.get("WEBHOOK_RETRY_SCHEDULE")]

    @property
    def WEBHOOK_TIMEOUT(self) -> float:
        """Seconds a receiver has to answer (Svix: 15)."""
        return float(self.get("WEBHOOK_TIMEOUT"))

    @property
    def WEBHOOK_DISABLE_AFTER(self) -> int:
        """An endpoint failing without a single success for this long is disabled."""
        return int(self.get("WEBHOOK_DISABLE_AFTER"))

    @property
    def WEBHOOK_INSTANCE_ID(self) -> str | None:
        """``instance_id`` of every event (default: ``ins_`` derived from SECRET_KEY)."""
        return self.get("WEBHOOK_INSTANCE_ID")

    @property
    def WEBHOOK_ENDPOINTS_CACHE_TIMEOUT(self) -> int:
        """Seconds the list of endpoints is cached (saving an endpoint clears it at once)."""
        return int(self.get("WEBHOOK_ENDPOINTS_CACHE_TIMEOUT"))

    @property
    def WEBHOOK_TRIGGER(self) -> str | None:
        """``"tasks"`` (Django's Tasks framework), ``"celery"`` or None: what starts a
        delivery when a change commits (the worker command delivers in any case)."""
        return self.get("WEBHOOK_TRIGGER")

    @property
    def WEBHOOK_ALLOWED_HOSTS(self) -> list[str]:
        """Hosts an endpoint may use even though they name this site (tests, same-host
        receivers on another port are allowed anyway)."""
        return list(self.get("WEBHOOK_ALLOWED_HOSTS"))

    @property
    def WEBHOOK_ALLOW_PRIVATE_ADDRESSES(self) -> bool:
        """Let endpoints reach loopback, private, link-local and unspecified addresses
        (refused by default: an endpoint URL must not turn the worker into a proxy to
        internal services such as cloud metadata). For receivers on a private network."""
        return bool(self.get("WEBHOOK_ALLOW_PRIVATE_ADDRESSES"))

    @property
    def SEARCH_STATEMENT_TIMEOUT_MS(self) -> int:
        return int(self.get("SEARCH_STATEMENT_TIMEOUT_MS"))


app_settings = AppSettings()
