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
    """The contract's reference user (copied from shared/spec/examples) parses with the SDK."""
    path = Path(__file__).resolve().parent / "data" / "backend-user.json"
    sdk.User.model_validate(json.loads(path.read_text()))


@pytest.mark.django_db
def test_backend_user_has_every_field_of_the_reference(user):
    reference = json.loads(
        (Path(__file__).resolve().parent / "data" / "backend-user.json").read_text()
    )
    ours = user_json(User.objects.with_identifiers().get(pk=user.pk))
    assert set(reference) <= set(ours)


@pytest.mark.django_db
def test_frontend_user_has_every_field_of_the_reference_and_no_private(user):
    reference = json.loads(
        (Path(__file__).resolve().parent / "data" / "frontend-me.json").read_text()
    )
    ours = user_json(User.objects.with_identifiers().get(pk=user.pk), backend=False)
    assert set(reference["response"]) <= set(ours)
    assert "private_metadata" not in ours
