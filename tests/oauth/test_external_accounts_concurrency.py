"""Concurrency proof on PostgreSQL with real threads: several users complete the connect flow
for the *same* provider account at once. Exactly one wins; every other callback is refused
with ``external_account_exists`` (a redirect, never a 500) and nothing is duplicated."""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.db import connection, connections
from django.test import Client

from clerk_users.models import ExternalAccount
from tests.oauth.mocks import PROVIDERS, callback, follow_to_provider, mock_provider

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
USERS = 6
DONE = "http://localhost:3000/done"


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency proofs need PostgreSQL (set DATABASE_URL)")


def test_same_provider_account_connected_by_many_users_at_once(
    make_user: Any, monkeypatch: Any
) -> None:
    provider = PROVIDERS["github"]
    flows = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mock_provider(rsps, provider)
        for _ in range(USERS):
            browser = Client()
            browser.force_login(make_user())
            pending = browser.post(
                "/api/frontend/v1/me/external_accounts",
                json.dumps({"strategy": "oauth_github", "redirect_url": DONE}),
                content_type="application/json",
            ).json()["response"]
            start = pending["verification"]["external_verification_redirect_url"]
            flows.append((browser, pending["id"], follow_to_provider(browser, start, provider)))

        # Every callback looks the provider account up before any of them saves it.
        lookups = threading.Barrier(USERS)
        original_lookup = SocialLogin.lookup

        def lookup_then_wait(self: Any) -> None:
            original_lookup(self)
            lookups.wait(timeout=20)

        monkeypatch.setattr(SocialLogin, "lookup", lookup_then_wait)
        results: list[Any] = [None] * USERS

        def run(i: int) -> None:
            browser, _account_id, query = flows[i]
            try:
                results[i] = callback(browser, query, code="c")
            except BaseException as exc:  # asserted below
                results[i] = exc
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(USERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert not any(t.is_alive() for t in threads)
    assert all(getattr(r, "status_code", None) == 302 for r in results), results
    locations = [r["Location"] for r in results]
    assert locations.count(DONE) == 1, locations
    refused = [loc for loc in locations if loc != DONE]
    assert all(
        parse_qs(urlsplit(loc).query)["error"] == ["external_account_exists"] for loc in refused
    )

    assert SocialAccount.objects.count() == 1
    winner = ExternalAccount.objects.get(verification_status="verified")
    assert winner.social_account_id == SocialAccount.objects.get().pk
    losers = ExternalAccount.objects.exclude(pk=winner.pk)
    assert losers.count() == USERS - 1
    assert {a.verification_error["code"] for a in losers} == {"external_account_exists"}
    assert all(a.social_account_id is None and a.provider_user_id == "" for a in losers)


def test_deleting_two_last_ways_in_at_once_keeps_one(make_user: Any) -> None:
    """A user whose only ways in are two external accounts deletes both at once: the user's
    row lock serialises the "last way to sign in" rule, so exactly one deletion succeeds."""
    from clerk_users.errors import ClerkError
    from clerk_users.oauth import external_accounts

    user = make_user(username=None, email_address=[], password=None)
    user.set_unusable_password()
    user.save()
    accounts = []
    for uid in ("1", "2"):
        social = SocialAccount.objects.create(user=user, provider="github", uid=uid)
        accounts.append(
            ExternalAccount.objects.create(
                user=user,
                provider="oauth_github",
                provider_user_id=uid,
                social_account=social,
                verification_status="verified",
            )
        )
    barrier = threading.Barrier(2)
    outcomes: list[Any] = [None, None]

    def run(i: int) -> None:
        try:
            account = ExternalAccount.objects.select_related("user").get(pk=accounts[i].pk)
            barrier.wait(timeout=20)
            external_accounts.delete_external_account(account, keep_sign_in=True)
            outcomes[i] = "deleted"
        except ClerkError as exc:
            outcomes[i] = exc.clerk_code
        except BaseException as exc:  # asserted below
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(map(str, outcomes)) == ["deleted", "last_identification_deletion_failed"]
    assert ExternalAccount.objects.filter(user=user).count() == 1
    assert SocialAccount.objects.filter(user=user).count() == 1
