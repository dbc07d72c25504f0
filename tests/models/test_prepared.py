"""``PreparedQuery`` runs a queryset compiled once per database and builds what the ORM
builds; ``active_session_with_user`` (every Frontend request's authentication) keeps the rule
of what is active: revocation, expiry and abandonment hold at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Prefetch
from django.utils import timezone

from clerk_users.models import EmailAddress, Session, User
from clerk_users.models.prepared import PreparedQuery, named_placeholders
from clerk_users.models.sessions import active_session_with_user
from clerk_users.sessions import lifecycle as sessions

pytestmark = pytest.mark.django_db


def _values(instance: Any) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def _session(user: Any, **fields: Any) -> Session:
    now = timezone.now()
    defaults = {"expire_at": now + timedelta(days=7), "abandon_at": now + timedelta(days=30)}
    return Session.objects.create(user=user, **{**defaults, **fields})


def test_builds_the_instances_the_queryset_builds(
    make_user: Any, django_assert_num_queries: Any
) -> None:
    user = make_user(public_metadata={"plan": "pro"}, first_name="Ada")
    session = _session(user, verification={"level": "first_factor"}, ip_address="192.0.2.1")
    expected = Session.objects.select_related("user").get(pk=session.pk)
    with django_assert_num_queries(1):
        found = active_session_with_user(session.pk, user.pk)
        assert found is not None
        assert _values(found) == _values(expected)  # JSON, datetimes, booleans converted
        assert _values(found.user) == _values(expected.user)  # joined, not queried
    assert found._state.adding is False and found._state.db == "default"


def test_compiled_once_per_database_then_run_with_new_values(make_user: Any) -> None:
    built = []

    def build(username: str) -> Any:
        built.append(username)
        return User.objects.filter(username=username).order_by()[:1]

    prepared = PreparedQuery(build, User, username="username")
    first, second = make_user(), make_user()
    assert [u.pk for u in prepared(username=first.username)] == [first.pk]
    assert [u.pk for u in prepared(username=second.username)] == [second.pk]
    assert prepared(username="nobody") == []
    assert len(built) == 1


def test_follows_the_querysets_prefetch_lookups(
    make_user: Any, django_assert_num_queries: Any
) -> None:
    user = make_user(email_address=["p1@example.com", "p2@example.com"])
    ordered = EmailAddress.objects.order_by("email_address")
    prepared = PreparedQuery(
        lambda pk: User.objects.filter(pk=pk).prefetch_related(
            Prefetch("email_addresses", queryset=ordered)
        ),
        User,
        pk="id",
    )
    with django_assert_num_queries(2):
        (found,) = prepared(pk=user.pk)
        emails = [e.email_address for e in found.email_addresses.all()]
    assert emails == ["p1@example.com", "p2@example.com"]


def test_a_parameter_the_lookup_changes_cannot_be_prepared(make_user: Any) -> None:
    prepared = PreparedQuery(
        lambda name: User.objects.filter(username__contains=name), User, name="username"
    )
    with pytest.raises(ValueError, match="does not reach the SQL unchanged"):
        prepared(name="x")


def test_named_placeholders_keep_literal_percent_signs() -> None:
    sql = "SELECT 1 WHERE a = %s AND b LIKE '%%s' AND c = %s"
    assert named_placeholders(sql, ["x", "_c1"]) == (
        "SELECT 1 WHERE a = %(x)s AND b LIKE '%%s' AND c = %(_c1)s"
    )
    with pytest.raises(ValueError):
        named_placeholders("SELECT %s", ["x", "y"])


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "revoked"},
        {"status": "ended"},
        {"expire_at": timezone.now() - timedelta(seconds=1)},
        {"abandon_at": timezone.now() - timedelta(seconds=1)},
    ],
    ids=["revoked", "ended", "expired", "abandoned"],
)
def test_an_inactive_session_is_not_found(make_user: Any, fields: dict[str, Any]) -> None:
    user = make_user()
    session = _session(user)
    assert active_session_with_user(session.pk, user.pk) is not None
    Session.objects.filter(pk=session.pk).update(**fields)
    assert active_session_with_user(session.pk, user.pk) is None


def test_revocation_holds_on_the_next_lookup(make_user: Any) -> None:
    user = make_user()
    session = _session(user)
    assert active_session_with_user(session.pk, user.pk) is not None
    sessions.revoke_session(session)
    assert active_session_with_user(session.pk, user.pk) is None


def test_the_session_of_another_user_is_not_found(make_user: Any) -> None:
    user, other = make_user(), make_user()
    session = _session(user)
    assert active_session_with_user(session.pk, other.pk) is None
    assert active_session_with_user("sess_missing", user.pk) is None
