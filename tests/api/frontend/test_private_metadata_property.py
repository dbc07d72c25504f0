"""Property: whatever metadata the Backend domain writes, no Frontend response ever carries
``private_metadata`` or any of its keys or values."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clerk_users import metadata
from tests.api.frontend.conftest import FrontendClient

pytestmark = pytest.mark.django_db

# Markers that cannot collide with anything else in a response (ids, timestamps, field names).
SECRET = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=6, max_size=12).map(
    lambda s: f"PRIV{s}"
)
LEAF = st.one_of(SECRET, st.integers(min_value=10**12, max_value=10**15).map(lambda n: f"PRIV{n}"))
PRIVATE = st.recursive(
    st.dictionaries(SECRET, LEAF, min_size=1, max_size=4),
    lambda children: st.dictionaries(
        SECRET, st.one_of(LEAF, children, st.lists(LEAF, max_size=3)), min_size=1, max_size=4
    ),
    max_leaves=12,
)
PUBLIC = st.dictionaries(st.sampled_from(["plan", "role", "tier"]), st.integers(0, 9), max_size=3)


def strings_in(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
    else:
        yield str(value)


def keys_in(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from keys_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys_in(item)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(private=PRIVATE, public=PUBLIC, unsafe=PUBLIC)
def test_private_metadata_never_reaches_the_frontend(make_user, private, public, unsafe):
    cache.clear()
    user = make_user()
    metadata.update_metadata(
        user,
        {"private_metadata": private, "public_metadata": public, "unsafe_metadata": unsafe},
        replace=True,
    )
    client = FrontendClient(user)
    email_id = user.primary_email_address_id
    responses = [
        client.get("me"),
        client.patch("me", {"first_name": "Prop"}),
        client.patch("me/metadata", {"unsafe_metadata": {"k": 1}}),
        client.patch("me", {"private_metadata": {"x": 1}}),
        client.patch("me/metadata", {"private_metadata": {"x": 1}}),
        client.get("me/email_addresses"),
        client.get(f"me/email_addresses/{email_id}"),
        client.post(
            "me/change_password",
            {"current_password": "correct horse battery", "new_password": "new pass 12345"},
        ),
    ]
    secrets = set(strings_in(private))
    for response in responses:
        text = response.content.decode()
        for secret in secrets:
            assert secret not in text
        body = json.loads(text)
        assert "private_metadata" not in set(keys_in(body))
        if response.status_code == 200 and isinstance(body["response"], dict):
            if body["response"].get("object") == "user":
                assert body["response"]["public_metadata"] == public
    user.refresh_from_db()
    assert user.private_metadata == private
