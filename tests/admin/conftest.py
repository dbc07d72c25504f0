"""Fixtures of the admin tests."""

from __future__ import annotations

import pytest

from clerk_users.models import User


@pytest.fixture
def staff_client(client, db):
    admin = User.objects.create_superuser("boss", "a good admin password")
    client.force_login(admin)
    client.admin = admin
    return client
