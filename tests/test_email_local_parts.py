"""Attack finding F7: a quoted local part (or a comment) aliased a mailbox.

``"demo"@example.com`` (and ``demo(x)@example.com``) reach the same mailbox as
``demo@example.com`` by RFC 5321/5322 yet were stored as different identifiers, so an
attacker could claim the owner's mailbox a second time. Every test here failed on the code
before the fix (the forms were accepted: 200 / 302 / a canonical form returned).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from clerk_users import errors, normalization, secret_keys
from clerk_users.models import EmailAddress
from tests.api.frontend.conftest import FrontendClient, error_code

ALIASES = [
    '"demo"@example.com',
    '"de.mo"@example.com',
    '"de mo"@example.com',
    '"de\\"mo"@example.com',
    "demo(comment)@example.com",
    "(comment)demo@example.com",
    ".demo@example.com",
    "demo.@example.com",
    "de..mo@example.com",
    "demo@[192.0.2.1]",
    "demo@[IPv6:2001:db8::1]",
]
STILL_FINE = [
    ("o'brien+tag@example.com", "o'brien+tag@example.com"),
    ("First.Last@Example.com", "first.last@example.com"),
    ("a!#$%&*+/=?^_`{|}~-b@example.com", "a!#$%&*+/=?^_`{|}~-b@example.com"),
]


@pytest.mark.parametrize("value", ALIASES)
def test_the_normalisation_refuses_mailbox_aliases(value: str) -> None:
    with pytest.raises(errors.ClerkError) as exc:
        normalization.normalize_email(value)
    assert exc.value.code == "form_param_format_invalid"
    assert normalization.email_key(value) is None


@pytest.mark.parametrize(("value", "canonical"), STILL_FINE)
def test_dot_atom_local_parts_still_pass(value: str, canonical: str) -> None:
    assert normalization.normalize_email(value) == canonical


@pytest.mark.django_db
def test_frontend_refuses_a_quoted_alias_of_a_taken_address(user: Any, make_user: Any) -> None:
    make_user(username="demo", email_address="demo@example.com")
    api = FrontendClient(user)
    before = EmailAddress.objects.count()
    for value in ('"demo"@example.com', "demo(x)@example.com"):
        response = api.post("me/email_addresses", {"email_address": value})
        assert response.status_code == 422, response.content
        assert error_code(response) == "form_param_format_invalid"
    assert EmailAddress.objects.count() == before


@pytest.mark.django_db
def test_backend_refuses_a_quoted_local_part(user: Any) -> None:
    key = secret_keys.create_secret_key("tests")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    before = EmailAddress.objects.count()
    for path, body in (
        ("email_addresses", {"user_id": user.pk, "email_address": '"demo"@example.com'}),
        ("users", {"email_address": ['"demo"@example.com'], "username": "quoted"}),
    ):
        response = client.post(f"/api/backend/v1/{path}", body, content_type="application/json")
        assert response.status_code == 422, response.content
        assert response.json()["errors"][0]["code"] == "form_param_format_invalid"
    assert EmailAddress.objects.count() == before


@pytest.mark.django_db
def test_allauth_signup_refuses_a_quoted_local_part(client: Any) -> None:
    password = "correct horse battery"
    response = client.post(
        reverse("account_signup"),
        {
            "email": '"demo"@example.com',
            "username": "quoted",
            "password1": password,
            "password2": password,
        },
    )
    assert response.status_code == 200 and "email" in response.context["form"].errors
    assert not EmailAddress.objects.exists()
