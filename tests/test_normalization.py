"""Issue 12, finding 3: one email normalisation, so no lookalike captures an address.

The table runs on SQLite and PostgreSQL (``DATABASE_URL``): on PostgreSQL ``iexact`` is
``UPPER(a) = UPPER(b)`` and ``upper('gma\\u0131l') = 'GMAIL'``, which let a dotless-i domain
sign in as the real address before the fix (the lookalike tests failed on that code).
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.db import connection
from django.test import Client, override_settings

from clerk_users import errors, identifiers, normalization
from clerk_users.models import EmailAddress, User
from tests.api.frontend.conftest import FrontendClient, error_code
from tests.oauth.mocks import PROVIDERS, callback, mock_provider

DOTLESS = "dave@gma\u0131l.com"  # LATIN SMALL LETTER DOTLESS I
FULLWIDTH = "\uff44\uff41\uff56\uff45@\uff47\uff4d\uff41\uff49\uff4c.com"
CYRILLIC_A = "dave@gm\u0430il.com"  # CYRILLIC SMALL LETTER A in a Latin label
WHOLE_CYRILLIC = "dave@\u0430\u0440\u0440\u04cf\u0435.com"  # "apple" in Cyrillic only
ZERO_WIDTH = "da\u200bve@gmail.com"
BIDI = "dave@\u202egmail.com"
TRAILING_DOT = "Dave@Gmail.com."

CANONICAL = [
    ("Dave@Gmail.COM", "dave@gmail.com"),
    (FULLWIDTH, "dave@gmail.com"),
    (TRAILING_DOT, "dave@gmail.com"),
    (DOTLESS, "dave@xn--gmal-nza.com"),
    ("anna@b\u00fccher.de", "anna@xn--bcher-kva.de"),
    ("ANNA@B\u00dcCHER.DE", "anna@xn--bcher-kva.de"),
    ("anna@xn--bcher-kva.de", "anna@xn--bcher-kva.de"),
    ("\u212aelvin@example.com", "kelvin@example.com"),  # KELVIN SIGN folds to K
]
REFUSED = [
    CYRILLIC_A,
    WHOLE_CYRILLIC,
    "dave@xn--80ak6aa92e.com",  # the same Cyrillic "apple", typed as punycode
    ZERO_WIDTH,
    BIDI,
    "dave@gmail.com\u2066",
    "d\u0131ve@gmail.com",  # non-ASCII local part
    "dave@gmail..com",
    "dave@",
    "dave gmail.com",
]


@pytest.mark.parametrize(("value", "expected"), CANONICAL)
def test_canonical_forms(value: str, expected: str) -> None:
    assert normalization.canonical_email(value) == expected
    assert normalization.email_key(value) == expected


@pytest.mark.parametrize("value", REFUSED)
def test_refused_forms(value: str) -> None:
    with pytest.raises(errors.ClerkError) as exc:
        normalization.normalize_email(value, "email_address")
    assert exc.value.code == "form_param_format_invalid"
    assert exc.value.param_name == "email_address"
    assert normalization.email_key(value) is None


def test_display_form_decodes_the_domain() -> None:
    assert normalization.display_email("anna@xn--bcher-kva.de") == "anna@b\u00fccher.de"


# -- in the database (SQLite and PostgreSQL) ----------------------------------------------------
@pytest.fixture
def dave(make_user: Any) -> Any:
    return make_user(username="dave", email_address="dave@gmail.com")


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("lookalike", [DOTLESS, "dave@gma\u0131l.com."])
def test_a_dotless_i_domain_never_finds_the_real_address(dave: Any, lookalike: str) -> None:
    assert identifiers.find("email_address", lookalike) is None
    assert identifiers.verified_holder("email_address", lookalike) is None
    if connection.vendor == "postgresql" and lookalike == DOTLESS:  # UPPER() would match
        assert EmailAddress.objects.filter(email_address__iexact=lookalike).exists()


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("same", [FULLWIDTH, TRAILING_DOT, "DAVE@GMAIL.COM"])
def test_variants_of_the_real_address_are_the_real_address(
    dave: Any, other_user: Any, same: str
) -> None:
    assert identifiers.find("email_address", same).user_id == dave.pk  # type: ignore[union-attr]
    with pytest.raises(errors.ClerkError) as exc:
        identifiers.create_email_address(other_user, same, verified=True)
    assert exc.value.code == "form_identifier_exists"


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_lookalike_claim_never_blocks_the_real_owner(make_user: Any) -> None:
    """Erin's verified ``erin@gmail.com`` was kept out by an attacker's ``erin@gma\\u0131l.com``."""
    attacker = make_user(username="mallory", email_address=None)
    stored = identifiers.create_email_address(attacker, "erin@gma\u0131l.com")
    assert stored.email_address == "erin@xn--gmal-nza.com"
    erin = make_user(username="erin", email_address="erin@gmail.com")
    assert erin.primary_email_address.email_address == "erin@gmail.com"
    assert EmailAddress.objects.get(pk=stored.pk).user_id == attacker.pk


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("value", [CYRILLIC_A, WHOLE_CYRILLIC, ZERO_WIDTH, BIDI])
def test_apis_refuse_invisible_and_confusable_addresses(user: Any, value: str) -> None:
    api = FrontendClient(user)
    response = api.post("me/email_addresses", {"email_address": value})
    assert response.status_code == 422 and error_code(response) == "form_param_format_invalid"
    assert (
        not EmailAddress.objects.filter(user=user)
        .exclude(pk=user.primary_email_address_id)
        .exists()
    )


@pytest.mark.django_db
def test_backend_user_filter_uses_the_canonical_form(dave: Any, make_user: Any) -> None:
    from django.http import QueryDict

    from clerk_users.api.backend.user_filters import filter_users

    query = QueryDict(mutable=True)
    query.setlist("email_address", [FULLWIDTH])
    assert list(filter_users(User.objects.all(), query)) == [dave]
    query.setlist("email_address", [DOTLESS])
    assert not filter_users(User.objects.all(), query).exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_allauth_forms_normalise_addresses(client: Any) -> None:
    from django.urls import reverse

    password = "correct horse battery"
    response = client.post(
        reverse("account_signup"),
        {"email": CYRILLIC_A, "username": "mixed", "password1": password, "password2": password},
    )
    assert response.status_code == 200 and "email" in response.context["form"].errors
    response = client.post(
        reverse("account_signup"),
        {
            "email": "Anna@B\u00fccher.de",
            "username": "anna",
            "password1": password,
            "password2": password,
        },
    )
    assert response.status_code == 302
    stored = EmailAddress.objects.get(user__username="anna").email_address
    assert stored == "anna@xn--bcher-kva.de"


def _github_with_email(email: str) -> Any:
    provider = copy.deepcopy(PROVIDERS["github"])
    emails = next(body for _m, url, body in provider.profile if "emails" in url)
    emails[:] = [{"email": email, "primary": True, "verified": True}]
    return provider


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_lookalike_provider_email_never_signs_in_as_the_owner(dave: Any) -> None:
    """Failed before on PostgreSQL: GitHub's verified ``dave@gma\\u0131l.com`` signed in as
    ``dave@gmail.com`` with SOCIALACCOUNT_EMAIL_AUTHENTICATION."""
    provider = _github_with_email(DOTLESS)
    client = Client()
    with (
        override_settings(
            SOCIALACCOUNT_EMAIL_AUTHENTICATION=True,
            SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT=True,
        ),
        responses.RequestsMock(assert_all_requests_are_fired=False) as rsps,
    ):
        mock_provider(rsps, provider)
        from allauth.socialaccount.adapter import get_adapter

        login_url = get_adapter().get_provider(None, "github").get_login_url(None)
        response = client.post(login_url)
        query = {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}
        callback(client, query, code="c")
    assert client.session.get("_auth_user_id") != dave.pk
    assert not dave.external_accounts.exists()
    assert EmailAddress.objects.get(user=dave).email_address == "dave@gmail.com"


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_data_migration_rewrites_addresses_and_leaves_collisions(make_user: Any) -> None:
    """Rows stored before the canonical form: rewritten one by one; a row whose canonical
    form would collide with a verified one stays as it was (no failed migration)."""
    import importlib

    from django.apps import apps

    owner = make_user(email_address="anna@xn--bcher-kva.de")
    other = make_user(email_address=None)
    legacy = EmailAddress.objects.create(
        user=other, email_address="bob@b\u00fccher.de", verification_status="verified"
    )
    clash = EmailAddress.objects.create(
        user=other, email_address="anna@b\u00fccher.de", verification_status="verified"
    )
    migration = importlib.import_module(
        "clerk_users.migrations.0008_unverified_claims_reverification"
    )
    migration.canonical_emails(apps, None)
    assert EmailAddress.objects.get(pk=legacy.pk).email_address == "bob@xn--bcher-kva.de"
    assert EmailAddress.objects.get(pk=clash.pk).email_address == "anna@b\u00fccher.de"
    assert owner.primary_email_address.email_address == "anna@xn--bcher-kva.de"
