"""Clerk-style ids: prefix + 27 base62 characters, sortable by creation time."""

from __future__ import annotations

import re
import time

import pytest

from clerk_users import ids

BODY = re.compile(r"^[0-9A-Za-z]{27}$")


def test_shape():
    value = ids.generate_id("user")
    prefix, body = value.split("_", 1)
    assert prefix == "user"
    assert BODY.match(body)
    assert ids.is_valid(value, "user")
    assert not ids.is_valid(value, "idn")
    assert not ids.is_valid("user_short", "user")
    assert not ids.is_valid("user_" + "!" * 27, "user")
    assert not ids.is_valid(None, "user")


def test_time_sortable_across_seconds():
    now = time.time()
    earlier = [ids.generate_id("idn", now - 100 + i) for i in range(50)]
    assert earlier == sorted(earlier)
    assert ids.generate_id("idn", now) > ids.generate_id("idn", now - 1)


def test_timestamp_round_trip():
    stamp = 1_750_000_000
    assert ids.timestamp_of(ids.generate_id("sess", stamp)) == stamp
    with pytest.raises(ValueError):
        ids.timestamp_of("user_abc")


def test_unique_within_a_second():
    stamp = time.time()
    values = {ids.generate_id("user", stamp) for _ in range(10_000)}
    assert len(values) == 10_000


def test_fixed_width_even_for_small_numbers():
    assert len(ids.ksuid(ids.KSUID_EPOCH)) == 27


@pytest.mark.django_db
def test_models_use_prefixed_primary_keys(user):
    from clerk_users.models import ExternalAccount

    assert ids.is_valid(user.pk, "user")
    assert ids.is_valid(user.primary_email_address_id, "idn")
    assert ids.is_valid(user.create_phone_number("+14155550123").pk, "idn")
    assert ids.is_valid(user.create_web3_wallet("0x" + "1" * 40).pk, "idn")
    account = ExternalAccount.objects.create(user=user, provider="oauth_github")
    assert ids.is_valid(account.pk, "eac")
    assert ids.is_valid(account.identification_id, "idn")
