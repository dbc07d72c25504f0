"""``with_identifiers()`` loads the user JSON in two queries (users + profile image, then one
UNION ALL of identifiers, external accounts and MFA authenticator types) and gives the JSON
that one prefetch per relation gave."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.db.models import Prefetch
from django.utils import timezone

from clerk_users.api.serializers import user_json
from clerk_users.models import EmailAddress, ExternalAccount, PhoneNumber, User, Web3Wallet

pytestmark = pytest.mark.django_db


def _rich_user(make_user: Any, n: int) -> Any:
    user = make_user(
        email_address=[f"rich{n}@example.com", f"rich{n}.b@example.com"],
        phone_number=[f"+1415555{n:04d}", f"+1628555{n:04d}"],
        web3_wallet=f"0x{n + 7:040x}",
        first_name="Rich",
        last_name=f"User{n}",
        public_metadata={"plan": "pro", "n": n},
    )
    account = ExternalAccount.objects.create(
        user=user,
        provider="oauth_github",
        provider_user_id=f"gh{n}",
        verification_status="verified",
        image_url=f"https://avatars.example.com/{n}.png",
    )
    linked = user.create_email_address(f"linked{n}@example.com")
    EmailAddress.objects.filter(pk=linked.pk).update(linked_external_account=account)
    pending = user.create_phone_number(f"+1212555{n:04d}")
    pending.prepare_verification("phone_code")
    if n % 2:
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={})
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x"}
        )
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return user


def _one_prefetch_per_relation() -> Any:
    """How users were loaded before: the reference for the JSON."""
    ordered = ("created_at", "id")
    return User.objects.prefetch_related(
        Prefetch("email_addresses", queryset=EmailAddress.objects.order_by(*ordered)),
        Prefetch("phone_numbers", queryset=PhoneNumber.objects.order_by(*ordered)),
        Prefetch("web3_wallets", queryset=Web3Wallet.objects.order_by(*ordered)),
        Prefetch("external_accounts", queryset=ExternalAccount.objects.order_by(*ordered)),
        "profile_image",
        "authenticator_set",
    ).order_by("-created_at", "-id")


def test_same_json_in_two_queries(make_user: Any, django_assert_num_queries: Any) -> None:
    for n in range(4):
        _rich_user(make_user, n)
    make_user()  # a bare one: no phone, wallet, account or authenticator
    expected = [user_json(u) for u in _one_prefetch_per_relation()]
    assert any(u["two_factor_enabled"] for u in expected)
    assert any(e["linked_to"] for u in expected for e in u["email_addresses"])
    with django_assert_num_queries(2):
        users = list(User.objects.with_identifiers().order_by("-created_at", "-id"))
        got = [user_json(u) for u in users]
        frontend = [user_json(u, backend=False) for u in users]
    assert got == expected
    assert frontend == [user_json(u, backend=False) for u in _one_prefetch_per_relation()]


def test_managers_see_what_prefetch_related_gives(
    make_user: Any, django_assert_num_queries: Any
) -> None:
    """The rows are held as plain lists (``related`` reads them); the related manager still
    gets the prefetched queryset, filtered on its user, the first time it asks for it."""
    from clerk_users.models import loading

    first, second = _rich_user(make_user, 1), _rich_user(make_user, 2)
    with django_assert_num_queries(2):
        users = {u.pk: u for u in User.objects.with_identifiers()}
    user = users[first.pk]
    with django_assert_num_queries(0):
        rows = loading.related(user, "email_addresses")
        assert isinstance(rows, loading.Loaded)
        managed = list(user.email_addresses.all())
        assert managed == list(rows) and len(managed) == 3
        assert list(user.external_accounts.all()) == list(
            loading.related(user, "external_accounts")
        )
    # Derived querysets query, and stay on this user's rows.
    with django_assert_num_queries(1):
        found = list(user.email_addresses.filter(email_address__startswith="rich"))
    assert {e.email_address for e in found} == {"rich1@example.com", "rich1.b@example.com"}
    assert all(e.user_id == first.pk for e in found)
    assert users[second.pk].phone_numbers.count() == 3
    # Django's prefetch on top of a loaded user reads the cache, not the database.
    from django.db.models import prefetch_related_objects

    with django_assert_num_queries(0):
        prefetch_related_objects([users[second.pk]], "web3_wallets")
    # refresh_from_db forgets them, as it forgets any prefetch.
    user.refresh_from_db()
    with django_assert_num_queries(1):
        assert len(list(user.email_addresses.all())) == 3


def test_a_loaded_user_pickles_and_copies(make_user: Any, django_assert_num_queries: Any) -> None:
    import copy
    import gc
    import pickle

    from clerk_users.models import loading

    made = _rich_user(make_user, 3)
    (user,) = User.objects.with_identifiers().filter(pk=made.pk)
    with django_assert_num_queries(0):
        restored = pickle.loads(pickle.dumps(user))
        assert type(restored._prefetched_objects_cache) is dict
        assert user_json(restored) == user_json(user)
    # A copy shares the cache (as with ``prefetch_related``) and reads the same rows.
    clone = copy.copy(user)
    with django_assert_num_queries(0):
        assert list(clone.email_addresses.all()) == list(user.email_addresses.all())
    # Loading the copy again gives it a cache of its own.
    loading.load_relations([clone], "default")
    assert clone._prefetched_objects_cache is not user._prefetched_objects_cache
    assert clone._prefetched_objects_cache._user is clone
    # A bare user (no rows point back at it) copied, then dropped: the copy still reads,
    # pickles and prefetches from the shared cache.
    bare = make_user(email_address=None)
    (loaded,) = User.objects.with_identifiers().filter(pk=bare.pk)
    orphan = copy.copy(loaded)
    del loaded
    gc.collect()
    with django_assert_num_queries(0):
        assert list(orphan.email_addresses.all()) == []
        pickle.dumps(orphan)
    from django.db.models import prefetch_related_objects

    prefetch_related_objects([orphan], "phone_numbers")
