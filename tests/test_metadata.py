"""Metadata: JSON objects only, 8 KB per field, deep merge where null deletes, replace."""

from __future__ import annotations

import pytest

from clerk_users import metadata
from clerk_users.errors import ClerkError
from clerk_users.models import User
from tests.snapshots import db_snapshot


def test_merge_is_deep_and_null_deletes():
    base = {"a": 1, "nested": {"keep": True, "drop": 1, "deeper": {"x": 1}}, "gone": "y"}
    patch = {"b": 2, "nested": {"drop": None, "deeper": {"y": 2}}, "gone": None}
    assert metadata.merge(base, patch) == {
        "a": 1,
        "b": 2,
        "nested": {"keep": True, "deeper": {"x": 1, "y": 2}},
    }
    assert base["nested"]["drop"] == 1  # the input is not mutated


def test_merge_replaces_non_objects_and_lists():
    assert metadata.merge({"a": [1, 2], "b": {"c": 1}}, {"a": [3], "b": 5}) == {"a": [3], "b": 5}
    assert metadata.merge({"a": 1}, {"a": {"b": None, "c": 1}}) == {"a": {"c": 1}}


def test_validate_accepts_objects_and_json_strings():
    assert metadata.validate({"a": 1}, "public_metadata") == {"a": 1}
    assert metadata.validate('{"a": 1}', "public_metadata") == {"a": 1}
    assert metadata.validate("", "public_metadata") == {}


@pytest.mark.parametrize("value", [[1, 2], "[1]", "not json", 5, None, "null", '"str"'])
def test_validate_refuses_non_objects(value):
    with pytest.raises(ClerkError) as info:
        metadata.validate(value, "public_metadata")
    assert info.value.code == "form_param_format_invalid"
    assert info.value.param_name == "public_metadata"


def test_size_limit_is_8kb_of_serialized_json():
    at_limit = {"k": "x" * (8192 - len('{"k":""}'))}
    assert metadata.validate(at_limit, "private_metadata") == at_limit
    with pytest.raises(ClerkError) as info:
        metadata.validate({"k": "x" * 8192}, "private_metadata")
    assert info.value.code == "form_metadata_too_large"
    assert info.value.status == 422


def test_size_limit_counts_utf8_bytes_and_is_configurable(settings):
    settings.CLERK_USERS = {**settings.CLERK_USERS, "METADATA_MAX_BYTES": 20}
    with pytest.raises(ClerkError):
        metadata.validate({"k": "é" * 8}, "unsafe_metadata")  # 16 chars, 24 bytes
    assert metadata.validate({"k": "e" * 8}, "unsafe_metadata")


@pytest.mark.django_db
def test_update_metadata_merges(user):
    metadata.update_metadata(user, {"public_metadata": {"a": 1, "n": {"x": 1}}})
    metadata.update_metadata(user, {"public_metadata": {"n": {"y": 2}, "a": None}})
    user.refresh_from_db()
    assert user.public_metadata == {"n": {"x": 1, "y": 2}}


@pytest.mark.django_db
def test_update_metadata_replaces(user):
    metadata.update_metadata(user, {"private_metadata": {"a": 1, "b": 2}})
    metadata.update_metadata(user, {"private_metadata": {"c": 3}}, replace=True)
    user.refresh_from_db()
    assert user.private_metadata == {"c": 3}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes, code",
    [
        ({"public_metadata": [1]}, "form_param_format_invalid"),
        ({"public_metadata": "nope"}, "form_param_format_invalid"),
        (
            {"public_metadata": {"a": 1}, "private_metadata": {"big": "x" * 9000}},
            "form_metadata_too_large",
        ),
        ({"unknown_metadata": {}}, "form_param_unknown"),
    ],
)
def test_bad_metadata_changes_nothing(user, changes, code):
    metadata.update_metadata(user, {"public_metadata": {"keep": 1}})
    before = db_snapshot()
    with pytest.raises(ClerkError) as info:
        metadata.update_metadata(user, changes)
    assert info.value.code == code
    assert db_snapshot() == before


@pytest.mark.django_db
def test_merge_that_grows_over_the_limit_is_refused(user):
    metadata.update_metadata(user, {"public_metadata": {"a": "x" * 5000}})
    before = db_snapshot()
    with pytest.raises(ClerkError) as info:
        metadata.update_metadata(user, {"public_metadata": {"b": "y" * 5000}})
    assert info.value.code == "form_metadata_too_large"
    assert db_snapshot() == before


@pytest.mark.django_db
def test_self_update_only_allows_unsafe(user):
    before = db_snapshot()
    with pytest.raises(ClerkError) as info:
        metadata.update_metadata(user, {"public_metadata": {"a": 1}}, allowed=("unsafe_metadata",))
    assert info.value.code == "form_param_unknown"
    assert db_snapshot() == before


@pytest.mark.django_db
def test_create_user_refuses_bad_metadata():
    before = db_snapshot()
    with pytest.raises(ClerkError) as info:
        User.objects.create_user("meta_user", public_metadata=["not", "an", "object"])
    assert info.value.code == "form_param_format_invalid"
    with pytest.raises(ClerkError) as info:
        User.objects.create_user("meta_user", unsafe_metadata={"x": "y" * 9000})
    assert info.value.code == "form_metadata_too_large"
    assert db_snapshot() == before


@pytest.mark.django_db
def test_update_refuses_bad_metadata(user):
    before = db_snapshot()
    with pytest.raises(ClerkError) as info:
        user.update(unsafe_metadata="[]", first_name="Nope")
    assert info.value.code == "form_param_format_invalid"
    assert db_snapshot() == before


def _nested(depth):
    value = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    "value",
    [
        {"a": "x\x00"},  # PostgreSQL jsonb refuses NUL
        {"a\x00": 1},
        {"a": ["ok", {"b": "\x00"}]},
        {"a": "\ud800"},  # a lone surrogate cannot be encoded to measure the size
        {"\udfff": 1},
        {"a": float("inf")},
        _nested(metadata.MAX_DEPTH + 1),
        _nested(5000),  # deeper than Python's recursion limit: walked without recursion
    ],
)
def test_validate_refuses_unstorable_values(value):
    with pytest.raises(ClerkError) as info:
        metadata.validate(value, "public_metadata")
    assert info.value.code == "form_param_format_invalid"
    assert info.value.param_name == "public_metadata"


def test_validate_accepts_the_depth_cap_and_merge_handles_it():
    value = _nested(metadata.MAX_DEPTH)
    assert metadata.validate(value, "public_metadata") == value
    assert metadata.merge(value, value) == value


@pytest.mark.django_db
@pytest.mark.parametrize("value", [{"a": "x\x00"}, {"a": "\ud800"}, _nested(5000)])
def test_update_metadata_refuses_unstorable_patches_and_changes_nothing(user, value):
    before = db_snapshot()
    with pytest.raises(ClerkError) as info:
        metadata.update_metadata(user, {"unsafe_metadata": value})
    assert info.value.param_name == "unsafe_metadata"
    assert db_snapshot() == before
