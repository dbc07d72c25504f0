"""Factory fixtures shared by the whole suite."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from clerk_users import sms

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _clean_sms_outbox() -> Any:
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _no_cached_webhook_endpoints() -> Any:
    """Each test starts with no webhook endpoint (as its database does): the endpoint list is
    cached across requests, and a cached endpoint of an earlier, rolled-back test would add
    rows (and queries) to this one."""
    from django.core.cache import cache

    from clerk_users.webhooks import outbox

    cache.set(outbox.CACHE_KEY, [], timeout=None)
    yield
    cache.set(outbox.CACHE_KEY, [], timeout=None)


@pytest.fixture
def sms_outbox() -> list[sms.SMSMessage]:
    return sms.outbox


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    """Create a user through the Python API; identifiers are verified (strategy admin)."""
    from clerk_users.models import User

    def make(**kwargs: Any) -> Any:
        n = next(_counter)
        kwargs.setdefault("username", f"user{n:04d}")
        kwargs.setdefault("email_address", f"user{n:04d}@example.com")
        kwargs.setdefault("password", "correct horse battery")
        return User.objects.create_user(**kwargs)

    return make


@pytest.fixture
def user(make_user: Callable[..., Any]) -> Any:
    return make_user(first_name="Grace", last_name="Hopper")


@pytest.fixture
def other_user(make_user: Callable[..., Any]) -> Any:
    return make_user()


@pytest.fixture
def wsgi_in_test_transaction() -> Any:
    """For tests that call the WSGI app directly (schemathesis): keep the test's database
    connection open across requests, as Django's test client does; otherwise the handler's
    ``request_started`` / ``request_finished`` signals close it mid-transaction on PostgreSQL."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def frozen_rate_window(monkeypatch: Any) -> float:
    """Pin the rate limiter's clock in the middle of a window, so a test that fills a
    fixed window cannot straddle two windows on a slow machine."""
    import types

    from clerk_users.api import throttling

    now = 1_800_000_005.0  # 5 s into a 10 s window (and mid-minute for per-minute rates)
    monkeypatch.setattr(throttling, "time", types.SimpleNamespace(time=lambda: now))
    return now
