"""Settings of the example site: SQLite by default, ``DATABASE_URL`` selects PostgreSQL and
``REDIS_URL`` a Redis cache."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from clerk_users.oauth import providers as oauth_settings

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-insecure-secret-key-change-me")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI assets served locally (offline docs) when drf-spectacular-sidecar is installed.
    *(["drf_spectacular_sidecar"] if importlib.util.find_spec("drf_spectacular_sidecar") else []),
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    # Clerk's 14 OAuth providers (clerk_users.oauth.providers maps them to allauth apps).
    *oauth_settings.installed_apps(),
    "allauth.mfa",
    "clerk_users",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "clerk_users.sessions.middleware.SessionActivityMiddleware",
]

ROOT_URLCONF = "example_project.urls"
WSGI_APPLICATION = "example_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "example_project" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        import dj_database_url

        # Persistent connections: a new PostgreSQL connection per request costs more than most
        # requests (~15 ms); health checks drop a connection the server closed.
        return dict(
            dj_database_url.parse(
                url,
                conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
                conn_health_checks=True,
            )
        )
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}


DATABASES = {"default": _database()}

if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }

AUTH_USER_MODEL = "clerk_users.User"
# allauth's backend alone: it signs in by username or email (and is a ModelBackend for
# permissions). With Django's ModelBackend listed too, every wrong password would be checked
# twice and count twice toward the lockout (check clerk_users.W002).
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# allauth: sign in by email or username; addresses are verified by code.
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_EMAIL_FIELD = None
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_USERNAME_MIN_LENGTH = 4
ACCOUNT_USERNAME_VALIDATORS = "clerk_users.users.USERNAME_VALIDATORS"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
# One email normalisation, "unverified claims nothing", mails to verified addresses only;
# allauth's emails reported as email.created webhooks.
ACCOUNT_ADAPTER = "clerk_users.allauth_account.ClerkAccountAdapter"
# allauth's own email/password/MFA pages ask for the password again, as the Frontend API's
# reverification does (check clerk_users.W120).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 600
# TOTP secrets and recovery-code seeds encrypted at rest (key derived from SECRET_KEY).
MFA_ADAPTER = "clerk_users.mfa.adapter.ClerkMFAAdapter"
ACCOUNT_FORMS = {
    "signup": "clerk_users.allauth_account.SignupForm",
    "reset_password": "clerk_users.allauth_account.ResetPasswordForm",
}
LOGIN_REDIRECT_URL = "/"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = True
SOCIALACCOUNT_ADAPTER = "clerk_users.oauth.adapter.ClerkSocialAccountAdapter"
# Credentials from CLERK_OAUTH_<NAME>_CLIENT_ID / _SECRET (README, "OAuth providers").
SOCIALACCOUNT_PROVIDERS = oauth_settings.socialaccount_providers_from_env()

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "clerk_users",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

CLERK_USERS: dict = {
    "USER_PROFILE_URL": "profile",
    # The pages mounting Clerk's <SignIn/> and <SignUp/> (allauth's pages stay available).
    "SIGN_IN_URL": "sign_in",
    "SIGN_UP_URL": "sign_up",
    "ALLOWED_REDIRECT_ORIGINS": ["http://localhost:3000"],
    # Phone numbers typed without "+" (the README's "(415) 555-0123", the admin search) are US.
    "PHONE_DEFAULT_REGION": "US",
}

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = "no-reply@example.test"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS: list = [BASE_DIR / "example_project" / "static"]
# ClerkJS and its UI bundle, installed by `npm ci` (package.json pins them) and served as static
# files from node_modules, never from a CDN: static/clerk-js/clerk.browser.js and
# static/clerk-ui/ui.browser.js (they load their chunks from the same folders).
for _prefix, _dist in (("clerk-js", "@clerk/clerk-js/dist"), ("clerk-ui", "@clerk/ui/dist")):
    if (BASE_DIR / "node_modules" / _dist).is_dir():
        STATICFILES_DIRS.append((_prefix, BASE_DIR / "node_modules" / _dist))
# With DEBUG=0, runserver serves no static files: WhiteNoise (the example extra) serves them,
# from the apps' static folders (WHITENOISE_USE_FINDERS). A deployment runs collectstatic into
# STATIC_ROOT instead (README, "Static and media files with DEBUG=0").
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT") or None
if not DEBUG and importlib.util.find_spec("whitenoise"):
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
    WHITENOISE_USE_FINDERS = not STATIC_ROOT
# Uploaded files: default_storage, linked at MEDIA_URL and served by example_project.media.serve
# (with DEBUG=0 too); a deployment serves MEDIA_ROOT from its web server or uses a bucket.
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
