"""JWT templates: CRUD through the Backend API and the SDK, validation, shortcode rendering,
lifetime/clock skew and custom signing keys."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from clerk_users.models import JWTTemplate
from clerk_users.sessions import jwt_templates
from clerk_users.sessions import lifecycle as sessions
from tests.sessions.helpers import pem, public_key, settings_keys

__all__ = ["settings_keys"]
pytestmark = pytest.mark.django_db
KEYS = {
    "object",
    "id",
    "name",
    "claims",
    "lifetime",
    "allowed_clock_skew",
    "custom_signing_key",
    "signing_algorithm",
    "created_at",
    "updated_at",
}


@pytest.fixture(autouse=True)
def _keys(settings_keys: Any) -> None:
    return None


def error_code(response: Any) -> str:
    return response.json()["errors"][0]["code"]


def test_crud(api: Any) -> None:
    created = api.post("/jwt_templates", {"name": "supabase", "claims": {"role": "x"}})
    assert created.status_code == 200, created.content
    data = created.json()
    assert set(data) == KEYS and data["id"].startswith("jtmp_")
    assert (data["lifetime"], data["allowed_clock_skew"], data["custom_signing_key"]) == (
        60,
        5,
        False,
    )
    assert api.get("/jwt_templates").json()[0]["id"] == data["id"]
    assert api.get(f"/jwt_templates/{data['id']}").json()["name"] == "supabase"
    patched = api.patch(
        f"/jwt_templates/{data['id']}", {"name": "supabase", "claims": {"r": 1}, "lifetime": 120}
    ).json()
    assert (patched["claims"], patched["lifetime"]) == ({"r": 1}, 120)
    deleted = api.delete(f"/jwt_templates/{data['id']}").json()
    assert deleted == {"object": "jwt_template", "id": data["id"], "deleted": True}
    assert api.get(f"/jwt_templates/{data['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"claims": {}}, "form_param_missing"),
        ({"name": "a"}, "form_param_missing"),
        ({"name": "a", "claims": []}, "form_param_format_invalid"),
        ({"name": "a", "claims": {"sub": "x"}}, "reserved_claim"),
        ({"name": "a", "claims": {}, "lifetime": 5}, "form_param_format_invalid"),
        ({"name": "a", "claims": {}, "allowed_clock_skew": 9999}, "form_param_format_invalid"),
        ({"name": "hasura", "claims": {}}, "form_param_format_invalid"),
        ({"name": "a b", "claims": {}}, "form_param_format_invalid"),
        ({"name": "a\n", "claims": {}}, "form_param_format_invalid"),
        ({"name": "a", "claims": {}, "custom_signing_key": True}, "form_param_missing"),
        (
            {
                "name": "a",
                "claims": {},
                "custom_signing_key": True,
                "signing_algorithm": "none",
                "signing_key": "s",
            },
            "form_param_format_invalid",
        ),
        (
            {
                "name": "a",
                "claims": {},
                "custom_signing_key": True,
                "signing_algorithm": "RS256",
                "signing_key": "not a pem",
            },
            "form_param_format_invalid",
        ),
        ({"name": "a", "claims": {}, "extra": 1}, "form_param_unknown"),
    ],
)
def test_invalid_input_is_422_and_writes_nothing(api: Any, body: dict[str, Any], code: str) -> None:
    response = api.post("/jwt_templates", body)
    assert response.status_code == 422, response.content
    assert error_code(response) == code
    assert JWTTemplate.objects.count() == 0


def test_duplicate_name(api: Any) -> None:
    api.post("/jwt_templates", {"name": "dup", "claims": {}})
    again = api.post("/jwt_templates", {"name": "dup", "claims": {}})
    assert again.status_code == 422 and error_code(again) == "form_identifier_exists"


def test_shortcodes_render(user: Any) -> None:
    user.public_metadata = {"org": {"role": "admin", "seats": 3}, "flags": ["a"]}
    user.first_name = "Grace"
    user.save()
    context = jwt_templates.user_context(sessions.create_session(user))
    claims = {
        "uid": "{{user.id}}",
        "role": "{{user.public_metadata.org.role}}",
        "seats": "{{user.public_metadata.org.seats}}",
        "meta": "{{user.public_metadata}}",
        "greeting": "Hello {{user.first_name}} ({{user.public_metadata.org.seats}})",
        "fallback": "{{user.public_metadata.missing || user.first_name}}",
        "literal": "{{user.public_metadata.missing || 'guest'}}",
        "gone": "{{user.public_metadata.missing}}",
        "nested": {"email": "{{user.primary_email_address}}", "static": True, "n": 1},
        "list": ["{{user.id}}", "x"],
        "sid": None,
    }
    out = jwt_templates.render(claims, context)
    assert out["uid"] == user.pk
    assert out["role"] == "admin" and out["seats"] == 3
    assert out["meta"] == user.public_metadata
    assert out["greeting"] == "Hello Grace (3)"
    assert out["fallback"] == "Grace" and out["literal"] == "guest"
    assert "gone" not in out and "sid" not in out
    assert out["nested"] == {
        "email": user.primary_email_address.email_address,
        "static": True,
        "n": 1,
    }
    assert out["list"] == [user.pk, "x"]


def test_template_token_lifetime_skew_and_reserved_claims(user: Any) -> None:
    JWTTemplate.objects.create(
        name="t", claims={"uid": "{{user.id}}"}, lifetime=3600, allowed_clock_skew=30
    )
    session = sessions.create_session(user)
    token = session.get_token("t")
    claims = jwt.decode(token, public_key(0), algorithms=["RS256"])
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["iat"] - claims["nbf"] == 30
    assert claims["sub"] == user.pk and "sid" not in claims and claims["jti"]


def test_custom_signing_keys(api: Any, user: Any) -> None:
    hs = api.post(
        "/jwt_templates",
        {
            "name": "hs",
            "claims": {"x": 1},
            "custom_signing_key": True,
            "signing_algorithm": "HS256",
            "signing_key": "a-long-shared-secret-for-hmac-256!",
        },
    ).json()
    assert hs["custom_signing_key"] is True and "signing_key" not in hs
    session = sessions.create_session(user)
    token = session.get_token("hs")
    assert jwt.decode(token, "a-long-shared-secret-for-hmac-256!", algorithms=["HS256"])["x"] == 1
    api.post(
        "/jwt_templates",
        {
            "name": "rs",
            "claims": {},
            "custom_signing_key": True,
            "signing_algorithm": "RS256",
            "signing_key": pem(1),
        },
    )
    assert jwt.decode(session.get_token("rs"), public_key(1), algorithms=["RS256"])["sub"]


@pytest.mark.django_db(transaction=True)
def test_sdk_crud(clerk: Any) -> None:
    from clerk_backend_api import models

    created = clerk.jwt_templates.create(
        request={
            "name": "sdk",
            "claims": {"email": "{{user.primary_email_address}}"},
            "lifetime": 90,
        }
    )
    assert isinstance(created, models.JWTTemplate) and created.lifetime == 90
    assert [t.id for t in clerk.jwt_templates.list()] == [created.id]
    assert clerk.jwt_templates.get(template_id=created.id).name == "sdk"
    updated = clerk.jwt_templates.update(
        template_id=created.id, name="sdk2", claims={"a": "b"}, allowed_clock_skew=10
    )
    assert (updated.name, updated.allowed_clock_skew) == ("sdk2", 10)
    deleted = clerk.jwt_templates.delete(template_id=created.id)
    assert deleted.deleted is True
    with pytest.raises(models.ClerkErrors):
        clerk.jwt_templates.get(template_id=created.id)
