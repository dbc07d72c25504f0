"""Secret-key auth, Clerk's error format for DRF's own errors, and the per-key rate limit."""

from __future__ import annotations

from typing import Any

import pytest
from clerk_backend_api import Clerk, models
from django.test import override_settings

from clerk_users import secret_keys

from .conftest import BASE, error_code

pytestmark = pytest.mark.django_db


def _assert_clerk_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"errors", "clerk_trace_id"}
    item = body["errors"][0]
    assert item["code"] == code
    assert {"code", "message", "long_message", "meta"} <= set(item)
    return item


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer sk_test_unknown",
        "Bearer pk_test_abc",
        "Token sk_test_abc",
        "Bearer sk_test_a sk_test_b",
    ],
)
def test_requests_without_a_valid_key_are_401(client: Any, user: Any, header: Any) -> None:
    headers = {"Authorization": header} if header is not None else {}
    for method, path in [
        ("get", "/users"),
        ("get", f"/users/{user.pk}"),
        ("post", "/users"),
        ("delete", f"/users/{user.pk}"),
        ("get", "/users/count"),
        ("post", "/email_addresses"),
    ]:
        response = getattr(client, method)(BASE + path, headers=headers)
        _assert_clerk_error(response, 401, "authentication_invalid")
    assert type(user).objects.filter(pk=user.pk).exists()


def test_revoked_key_is_refused(api: Any, secret_key: str, user: Any) -> None:
    assert api.get(f"/users/{user.pk}").status_code == 200
    secret_keys.revoke(secret_keys.verify(secret_key))
    _assert_clerk_error(api.get(f"/users/{user.pk}"), 401, "authentication_invalid")


def test_sdk_sees_authentication_invalid_for_missing_bad_and_revoked_keys(
    live_server: Any, secret_key: str, user: Any
) -> None:
    url = live_server.url + BASE
    for key in ["sk_test_doesnotexist", "not-a-key"]:
        with Clerk(bearer_auth=key, server_url=url) as sdk:
            with pytest.raises(models.ClerkErrors) as exc:
                sdk.users.get(user_id=user.pk)
            assert error_code(exc.value) == "authentication_invalid"
            assert exc.value.raw_response.status_code == 401
    with Clerk(server_url=url) as sdk:  # no key at all
        with pytest.raises(models.ClerkErrors) as exc:
            sdk.users.list(request={})
        assert error_code(exc.value) == "authentication_invalid"
    with Clerk(bearer_auth=secret_key, server_url=url) as sdk:
        assert sdk.users.get(user_id=user.pk).id == user.pk
        secret_keys.revoke(secret_keys.verify(secret_key))
        with pytest.raises(models.ClerkErrors) as exc:
            sdk.users.get(user_id=user.pk)
        assert error_code(exc.value) == "authentication_invalid"


def test_drf_errors_in_clerk_format(api: Any, client: Any, user: Any) -> None:
    # malformed JSON
    response = client.post(
        BASE + "/users", "{not json", content_type="application/json", headers=api.headers
    )
    _assert_clerk_error(response, 400, "malformed_request")
    # unsupported media type
    response = client.post(
        BASE + "/users", "x", content_type="application/xml", headers=api.headers
    )
    # CreateUser documents 400, not 415, as a ClerkErrors status (see conformance.py).
    _assert_clerk_error(response, 400, "unsupported_media_type")
    # method not allowed
    _assert_clerk_error(api.put(f"/users/{user.pk}", {}), 405, "method_not_allowed")
    _assert_clerk_error(api.get("/users/count", {"limit": "x"}), 422, "form_param_unknown")
    # unknown ids and unknown paths
    _assert_clerk_error(api.get("/users/user_missing"), 404, "resource_not_found")
    _assert_clerk_error(api.get("/nothing/here"), 404, "resource_not_found")
    _assert_clerk_error(api.get("/email_addresses/idn_missing"), 404, "resource_not_found")


def test_field_errors_carry_param_name(api: Any, user: Any) -> None:
    item = _assert_clerk_error(
        api.post("/users", {"email_address": ["not-an-email"]}), 422, "form_param_format_invalid"
    )
    assert item["meta"]["param_name"] == "email_address"
    item = _assert_clerk_error(
        api.post("/users", {"banned": "maybe"}), 422, "form_param_format_invalid"
    )
    assert item["meta"]["param_name"] == "banned"
    item = _assert_clerk_error(api.post("/users", {"bogus": 1}), 422, "form_param_unknown")
    assert item["meta"]["param_name"] == "bogus"
    item = _assert_clerk_error(
        api.post("/email_addresses", {"user_id": user.pk}), 422, "form_param_missing"
    )
    assert item["meta"]["param_name"] == "email_address"
    item = _assert_clerk_error(
        api.post(f"/users/{user.pk}/verify_password", {}), 422, "form_param_missing"
    )
    assert item["meta"]["param_name"] == "password"


@override_settings(CLERK_USERS={"BACKEND_API_RATE": "3/10s"})
def test_rate_limit_per_key_answers_429_with_retry_after(
    api: Any, client: Any, user: Any, frozen_rate_window: float
) -> None:
    from django.core.cache import cache

    cache.clear()
    for _ in range(3):
        assert api.get(f"/users/{user.pk}").status_code == 200
    response = api.get(f"/users/{user.pk}")
    _assert_clerk_error(response, 429, "too_many_requests")
    assert 1 <= int(response["Retry-After"]) <= 10
    # another key has its own budget
    _, other = secret_keys.create_secret_key("other")
    ok = client.get(f"{BASE}/users/{user.pk}", headers={"Authorization": f"Bearer {other}"})
    assert ok.status_code == 200
