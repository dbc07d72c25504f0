"""System checks: each misconfiguration reported with its id and a hint."""

from __future__ import annotations

import pytest
from django.test import override_settings

from clerk_users.checks import check_configuration
from tests import settings as test_settings


def ids_of(problems) -> list[str]:
    return [p.id for p in problems]


def test_the_test_settings_are_clean():
    assert check_configuration() == []


@override_settings(AUTH_USER_MODEL="auth.User")
def test_auth_user_model_not_a_clerk_user():
    problems = check_configuration()
    assert "clerk_users.E001" in ids_of(problems)
    assert all(p.hint for p in problems)


@pytest.mark.parametrize("app", ["allauth.account", "allauth.mfa", "rest_framework"])
def test_required_app_missing(app):
    apps = [a for a in test_settings.INSTALLED_APPS if a != app]
    with override_settings(INSTALLED_APPS=apps):
        problems = [p for p in check_configuration() if p.id == "clerk_users.E002"]
    assert len(problems) == 1
    assert app in problems[0].msg
    assert app in problems[0].hint


def test_account_middleware_missing():
    middleware = [m for m in test_settings.MIDDLEWARE if "allauth" not in m]
    with override_settings(MIDDLEWARE=middleware):
        assert ids_of(check_configuration()) == ["clerk_users.E003"]


@override_settings(CLERK_USERS=["not", "a", "dict"])
def test_clerk_users_not_a_dict():
    assert ids_of(check_configuration()) == ["clerk_users.E004"]


@override_settings(CLERK_USERS={"METADATA_MAX_SIZE": 1})
def test_unknown_key():
    problems = check_configuration()
    assert ids_of(problems) == ["clerk_users.E005"]
    assert "METADATA_MAX_SIZE" in problems[0].msg


@pytest.mark.parametrize("value", [0, -1, "8192", True, None])
def test_non_positive_integer(value):
    with override_settings(CLERK_USERS={"METADATA_MAX_BYTES": value}):
        problems = check_configuration()
    assert ids_of(problems) == ["clerk_users.E006"]
    assert "METADATA_MAX_BYTES" in problems[0].msg


@override_settings(CLERK_USERS={"VERIFICATION_CODE_LENGTH": 12})
def test_code_length_out_of_range():
    assert ids_of(check_configuration()) == ["clerk_users.E007"]


@pytest.mark.parametrize("name", ["SMS_BACKEND", "ADAPTER"])
def test_unimportable_paths(name):
    with override_settings(CLERK_USERS={name: "nowhere.Nothing"}):
        problems = check_configuration()
    assert ids_of(problems) == ["clerk_users.E008"]
    assert name in problems[0].msg


@override_settings(CLERK_USERS={"PHONE_DEFAULT_REGION": "XX"})
def test_bad_phone_region():
    assert ids_of(check_configuration()) == ["clerk_users.E009"]


@override_settings(CLERK_USERS={"ALLOWED_REDIRECT_ORIGINS": ["not an origin"]})
def test_bad_redirect_origin():
    assert ids_of(check_configuration()) == ["clerk_users.E010"]


@pytest.mark.parametrize("value", [-1, "2000", 1.5, True, None])
def test_bad_search_statement_timeout(value):
    with override_settings(CLERK_USERS={"SEARCH_STATEMENT_TIMEOUT_MS": value}):
        assert ids_of(check_configuration()) == ["clerk_users.E130"]


@pytest.mark.parametrize("value", [0, 1, 2000])
def test_good_search_statement_timeout(value):
    with override_settings(CLERK_USERS={"SEARCH_STATEMENT_TIMEOUT_MS": value}):
        assert check_configuration() == []


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
def test_no_bcrypt_hasher_is_a_warning():
    problems = check_configuration()
    assert ids_of(problems) == ["clerk_users.W001"]
    assert problems[0].level < 40  # a warning, not an error


@pytest.mark.django_db
def test_manage_py_check_reports_through_django(capsys):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    with override_settings(CLERK_USERS={"VERIFICATION_MAX_ATTEMPTS": 0}):
        with pytest.raises(SystemCheckError) as info:
            call_command("check")
    assert "clerk_users.E006" in str(info.value)


@override_settings(
    AUTHENTICATION_BACKENDS=[
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ]
)
def test_two_password_backends_is_a_warning():
    assert ids_of(check_configuration()) == ["clerk_users.W002"]
