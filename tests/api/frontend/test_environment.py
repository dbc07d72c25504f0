"""``GET|PATCH /environment``: Clerk's EnvironmentJSON, derived from the site's settings."""

from __future__ import annotations

import pytest
from django.test import Client

from clerk_users import publishable_keys
from clerk_users.oauth import providers as oauth_settings

pytestmark = pytest.mark.django_db

URL = "/api/frontend/v1/environment"

TOP_LEVEL = {
    "object",
    "id",
    "auth_config",
    "display_config",
    "user_settings",
    "organization_settings",
    "commerce_settings",
    "api_keys_settings",
    "protect_config",
    "maintenance_mode",
    "client_debug_mode",
}


def environment(**headers):
    response = Client().get(URL, **headers)
    assert response.status_code == 200, response.content
    return response.json()


def test_environment_has_clerks_shape_and_needs_no_sign_in():
    env = environment()
    assert set(env) == TOP_LEVEL
    assert env["object"] == "environment"
    assert env["auth_config"]["object"] == "auth_config"
    assert env["auth_config"]["single_session_mode"] is True
    assert env["organization_settings"]["enabled"] is False
    assert env["commerce_settings"]["billing"]["user"]["enabled"] is False
    assert env["display_config"]["object"] == "display_config"
    attributes = env["user_settings"]["attributes"]
    assert set(attributes) == {
        "email_address",
        "phone_number",
        "username",
        "web3_wallet",
        "first_name",
        "last_name",
        "password",
        "authenticator_app",
        "backup_code",
        "passkey",
    }
    for data in attributes.values():
        assert set(data) >= {"enabled", "required", "used_for_first_factor", "first_factors"}


def test_display_config_points_at_the_sites_pages(settings):
    settings.CLERK_USERS = {**settings.CLERK_USERS, "USER_PROFILE_URL": "/profile/"}
    display = environment()["display_config"]
    assert display["sign_in_url"] == "http://testserver/accounts/login/"
    assert display["sign_up_url"] == "http://testserver/accounts/signup/"
    assert display["user_profile_url"] == "http://testserver/profile/"
    assert display["home_url"] == "http://testserver/"
    assert display["instance_environment_type"] == "production"
    assert display["application_name"] == "testserver"


def test_settings_derive_the_user_settings(settings):
    """Each setting changed is an environment changed."""
    before = environment()["user_settings"]
    assert before["password_settings"]["min_length"] == 8
    assert before["attributes"]["username"]["used_for_first_factor"] is True
    assert before["attributes"]["email_address"]["verifications"] == ["email_code"]
    assert before["attributes"]["email_address"]["required"] is True
    assert before["attributes"]["authenticator_app"]["enabled"] is True
    assert before["attributes"]["backup_code"]["enabled"] is True
    assert before["username_settings"] == {"min_length": 4, "max_length": 64}

    settings.AUTH_PASSWORD_VALIDATORS = [
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 12},
        }
    ]
    settings.ACCOUNT_LOGIN_METHODS = {"email"}
    settings.ACCOUNT_SIGNUP_FIELDS = ["email*", "username", "password1*", "password2*"]
    settings.ACCOUNT_USERNAME_MIN_LENGTH = 6
    settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
    settings.MFA_SUPPORTED_TYPES = ["totp"]
    after = environment()["user_settings"]
    assert after["password_settings"]["min_length"] == 12
    assert after["attributes"]["username"]["used_for_first_factor"] is False
    assert after["attributes"]["username"]["required"] is False
    # allauth's pages verify by link now, but the Frontend API (and so ClerkJS) only by code
    assert after["attributes"]["email_address"]["verifications"] == ["email_code"]
    assert after["attributes"]["authenticator_app"]["enabled"] is True
    assert after["attributes"]["backup_code"]["enabled"] is False
    assert after["username_settings"]["min_length"] == 6


def test_oauth_providers_are_those_with_credentials(settings):
    social = environment()["user_settings"]["social"]
    assert set(social) == {f"oauth_{name}" for name in oauth_settings.PROVIDERS}
    assert social["oauth_github"]["strategy"] == "oauth_github"
    assert social["oauth_github"]["enabled"] is True
    settings.SOCIALACCOUNT_PROVIDERS = oauth_settings.socialaccount_providers(
        {"github": ("id", "secret")}
    )
    assert set(environment()["user_settings"]["social"]) == {"oauth_github"}


def test_phone_numbers_follow_the_sms_backend(settings):
    assert environment()["user_settings"]["attributes"]["phone_number"]["enabled"] is True
    settings.CLERK_USERS = {**settings.CLERK_USERS, "SMS_BACKEND": None}
    assert environment()["user_settings"]["attributes"]["phone_number"]["enabled"] is False


def test_a_test_key_makes_a_development_instance(settings):
    settings.CLERK_USERS = {
        **settings.CLERK_USERS,
        "PUBLISHABLE_KEY": publishable_keys.encode("clerk.example.com", live=False),
    }
    assert environment()["display_config"]["instance_environment_type"] == "development"


def test_patch_environment_as_clerkjs_sends_it_answers_the_environment():
    """ClerkJS with a pk_test_ key sends ``POST /environment?_method=PATCH``."""
    response = Client(enforce_csrf_checks=True).post(
        URL + "?_method=PATCH&__clerk_api_version=2025-11-10&_clerk_js_version=6.40.0",
        "",
        content_type="application/x-www-form-urlencoded",
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 200
    assert response.json() == environment()


def test_environment_id_is_stable():
    assert environment()["id"] == environment()["id"]
    assert environment()["id"].startswith("env_")


def test_first_factors_follow_allauths_login_methods(settings):
    attributes = environment()["user_settings"]["attributes"]
    assert attributes["email_address"]["used_for_first_factor"] is True
    assert attributes["email_address"]["first_factors"] == []  # no login by code
    assert attributes["password"]["used_for_first_factor"] is True
    assert attributes["phone_number"]["used_for_first_factor"] is False
    settings.ACCOUNT_LOGIN_BY_CODE_ENABLED = True
    settings.ACCOUNT_LOGIN_METHODS = {"email", "username"}
    attributes = environment()["user_settings"]["attributes"]
    assert attributes["email_address"]["first_factors"] == ["email_code"]
