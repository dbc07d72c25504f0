"""Clerk's Frontend rate limits: 10 user updates per 10 s, 3 verification attempts per 10 s."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.api.frontend.conftest import FrontendClient, error_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_rates(settings, frozen_rate_window):
    settings.CLERK_USERS = {
        **settings.CLERK_USERS,
        "FRONTEND_UPDATE_RATE": "10/10s",
        "FRONTEND_VERIFICATION_RATE": "3/10s",
    }
    cache.clear()


def test_eleventh_update_in_the_window_is_429(clerk_rates, api, user, other_user):
    for n in range(10):
        response = api.patch("me", {"first_name": f"N{n}"})
        assert response.status_code == 200, (n, response.content)
    response = api.patch("me", {"first_name": "Too many"})
    assert response.status_code == 429
    assert error_code(response) == "too_many_requests"
    assert 1 <= int(response["Retry-After"]) <= 10
    user.refresh_from_db()
    assert user.first_name == "N9"
    # reads are not counted, and the limit is per user
    assert api.get("me").status_code == 200
    assert FrontendClient(other_user).patch("me", {"first_name": "Fine"}).status_code == 200


def test_fourth_verification_attempt_is_429(clerk_rates, api, user):
    email = user.create_email_address("rate@example.com")
    email.prepare_verification("email_code")
    path = f"me/email_addresses/{email.pk}/attempt_verification"
    codes = [api.post(path, {"code": "000000"}).status_code for _ in range(3)]
    assert codes == [422, 422, 422]
    response = api.post(path, {"code": "000000"})  # would be 400 verification_failed
    assert response.status_code == 429
    assert error_code(response) == "too_many_requests"
    assert int(response["Retry-After"]) >= 1


def test_rates_are_configurable(settings, api, frozen_rate_window):
    settings.CLERK_USERS = {**settings.CLERK_USERS, "FRONTEND_UPDATE_RATE": "1/10s"}
    cache.clear()
    assert api.patch("me", {"first_name": "One"}).status_code == 200
    assert api.patch("me", {"first_name": "Two"}).status_code == 429
