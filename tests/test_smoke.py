from __future__ import annotations

import json
from pathlib import Path

import pytest
from clerk_backend_api import models as sdk

from clerk_users.api.serializers import user_json
from clerk_users.models import User


@pytest.mark.django_db
def test_create_user_and_backend_json_parses_with_sdk(user):
    user = User.objects.with_identifiers().get(pk=user.pk)
    data = json.loads(json.dumps(user_json(user)))
    parsed = sdk.User.model_validate(data)
    assert parsed.id == user.pk
    assert parsed.email_addresses[0].email_address == user.primary_email_address.email_address


def test_reference_example_parses():
    path = Path(__file__).resolve().parents[2] / "shared" / "spec" / "examples" / "backend-user.json"
    if not path.exists():
        pytest.fail("the contract's examples/backend-user.json is missing")
    sdk.User.model_validate(json.loads(path.read_text()))
