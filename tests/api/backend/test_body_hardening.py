"""Backend API bodies after review: metadata that cannot be stored or measured (NUL,
lone surrogates, deep nesting), NUL in text fields, malformed bcrypt digests and
``password`` + ``password_digest`` together all get Clerk's 4xx and change nothing."""

from __future__ import annotations

from typing import Any

import bcrypt
import pytest

from clerk_users import metadata
from tests.api.backend.conftest import BASE
from tests.snapshots import db_snapshot

pytestmark = pytest.mark.django_db


def _deep(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def error(response: Any, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"errors", "clerk_trace_id"}, body
    return body["errors"][0]


BAD_METADATA = [
    {"a": "x\x00"},
    {"a\x00": 1},
    {"a": ["ok", {"b": "\x00"}]},
    {"a": "\ud800"},
    {"\udfff": 1},
]


@pytest.mark.parametrize("value", BAD_METADATA)
@pytest.mark.parametrize("field", ["public_metadata", "private_metadata", "unsafe_metadata"])
def test_unstorable_metadata_is_a_422_everywhere(api, user, value, field):
    before = db_snapshot()
    for method, path in (
        ("patch", f"/users/{user.pk}"),
        ("patch", f"/users/{user.pk}/metadata"),
        ("post", "/users"),
    ):
        err = error(getattr(api, method)(path, {field: value}))
        assert err["code"] == "form_param_format_invalid", err
        assert err["meta"]["param_name"] == field
    assert db_snapshot() == before


@pytest.mark.parametrize("depth", [metadata.MAX_DEPTH + 1, 300])
def test_deep_metadata_is_a_422(api, user, depth):
    before = db_snapshot()
    body = '{"public_metadata":' + _deep(depth) + "}"
    for method, path in (("patch", f"/users/{user.pk}/metadata"), ("patch", f"/users/{user.pk}")):
        response = _raw(api, method, path, body)
        err = error(response)
        assert err["meta"]["param_name"] == "public_metadata"
    assert db_snapshot() == before


def test_metadata_too_deep_to_parse_is_a_clerk_error(api, user):
    before = db_snapshot()
    for method, path in (
        ("patch", f"/users/{user.pk}/metadata"),
        ("patch", f"/users/{user.pk}"),
        ("post", "/users"),
    ):
        # 400 when json.loads hits the recursion limit; 422 (depth cap) if a test run raised
        # the limit (hypothesis does). Never a 500. 990 levels fit in 8 KB (the reviewer's case).
        for depth in (990, 5000):
            body = '{"public_metadata":' + _deep(depth) + "}"
            response = _raw(api, method, path, body)
            assert response.status_code in (400, 422), response.content
            assert set(response.json()) == {"errors", "clerk_trace_id"}
    assert db_snapshot() == before


def test_metadata_at_the_depth_cap_is_stored(api, user):
    body = '{"public_metadata":' + _deep(metadata.MAX_DEPTH) + "}"
    response = _raw(api, "patch", f"/users/{user.pk}/metadata", body)
    assert response.status_code == 200, response.content
    response = _raw(api, "patch", f"/users/{user.pk}/metadata", body)  # merged into itself
    assert response.status_code == 200, response.content


def _raw(api: Any, method: str, path: str, body: str) -> Any:
    from django.test import Client

    return getattr(Client(), method)(
        BASE + path, body, content_type="application/json", headers=api.headers
    )


@pytest.mark.parametrize("field", ["first_name", "last_name", "username", "external_id"])
def test_nul_in_a_text_field_is_a_422(api, user, field):
    before = db_snapshot()
    for method, path in (("patch", f"/users/{user.pk}"), ("post", "/users")):
        err = error(getattr(api, method)(path, {field: "abcd\x00ef"}))
        assert err["meta"]["param_name"] == field
    assert db_snapshot() == before


def test_malformed_bcrypt_digest_is_a_422(api, user):
    before = db_snapshot()
    body = {"username": "digestu", "password_digest": "$2a$10$abc", "password_hasher": "bcrypt"}
    for method, path in (("post", "/users"), ("patch", f"/users/{user.pk}")):
        err = error(
            getattr(api, method)(
                path,
                body if method == "post" else {k: v for k, v in body.items() if k != "username"},
            )
        )
        assert err["code"] == "form_param_format_invalid"
        assert err["meta"]["param_name"] == "password_digest"
    assert db_snapshot() == before


def test_password_with_password_digest_is_a_422(api, user):
    before = db_snapshot()
    digest = bcrypt.hashpw(b"imported secret 9", bcrypt.gensalt(4)).decode()
    body = {
        "password": "a fine password 9",
        "password_digest": digest,
        "password_hasher": "bcrypt",
    }
    for method, path in (("post", "/users"), ("patch", f"/users/{user.pk}")):
        err = error(getattr(api, method)(path, body))
        assert err["meta"]["param_name"] == "password_digest"
    assert db_snapshot() == before
    # Each alone still works.
    response = api.post(
        "/users", {"username": "digestok", "password_digest": digest, "password_hasher": "bcrypt"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["password_enabled"] is True
