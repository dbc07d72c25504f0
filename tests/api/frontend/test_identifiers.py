"""``/me/email_addresses`` and ``/me/phone_numbers``: create, list, read, delete, verify by code."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from clerk_users import identifiers
from clerk_users.models import EmailAddress, PhoneNumber
from tests.api.frontend.conftest import error_code

pytestmark = pytest.mark.django_db

KINDS = {
    "email_address": {
        "path": "me/email_addresses",
        "value": "New.Person@Example.com",
        "stored": "new.person@example.com",
        "strategy": "email_code",
        "model": EmailAddress,
        "bad": "not-an-email",
    },
    "phone_number": {
        "path": "me/phone_numbers",
        "value": "+1 (415) 555-0199",
        "stored": "+14155550199",
        "strategy": "phone_code",
        "model": PhoneNumber,
        "bad": "12",
    },
}


@pytest.fixture(params=list(KINDS))
def kind(request):
    return request.param


def last_code(kind, sms_outbox):
    text = mail.outbox[-1].subject if kind == "email_address" else sms_outbox[-1].body
    return re.search(r"\b(\d{6})\b", text).group(1)


def create(api, kind, body="json"):
    spec = KINDS[kind]
    response = api.post(spec["path"], {kind: spec["value"]}, body=body)
    assert response.status_code == 200, response.content
    return response.json()["response"]


def test_create_is_unverified_and_listed(api, user, kind, body):
    spec = KINDS[kind]
    data = create(api, kind, body)
    assert data["object"] == kind
    assert data[kind] == spec["stored"]
    assert data["verification"] is None
    assert spec["model"].objects.get(pk=data["id"]).user_id == user.pk
    listed = api.get(spec["path"]).json()["response"]
    assert data["id"] in [item["id"] for item in listed]
    assert api.get(f"{spec['path']}/{data['id']}").json()["response"]["id"] == data["id"]
    me = api.get("me").json()["response"]
    assert data["id"] in [item["id"] for item in me[spec["path"].split("/")[1]]]


def test_create_errors(api, user, other_user, kind, body):
    spec = KINDS[kind]
    model = spec["model"]
    before = model.objects.count()
    cases = [
        ({}, 422, "form_param_missing"),
        ({kind: spec["bad"]}, 422, "form_param_format_invalid"),
        ({kind: spec["value"], "verified": "true"}, 422, "form_param_unknown"),
    ]
    for payload, status, code in cases:
        response = api.post(spec["path"], payload, body=body)
        assert (response.status_code, error_code(response)) == (status, code), payload
    assert model.objects.count() == before
    create(api, kind, body)
    response = api.post(spec["path"], {kind: spec["value"]}, body=body)
    assert (response.status_code, error_code(response)) == (422, "form_identifier_exists")
    assert model.objects.count() == before + 1


def test_email_taken_by_another_user_in_other_case(api, other_user, body):
    taken = other_user.primary_email_address.email_address.upper()
    response = api.post("me/email_addresses", {"email_address": taken}, body=body)
    assert (response.status_code, error_code(response)) == (422, "form_identifier_exists")


def test_verify_by_code(api, user, kind, body, sms_outbox):
    spec = KINDS[kind]
    data = create(api, kind)
    base = f"{spec['path']}/{data['id']}"
    response = api.post(f"{base}/prepare_verification", {"strategy": spec["strategy"]}, body=body)
    assert response.status_code == 200, response.content
    verification = response.json()["response"]["verification"]
    assert verification["status"] == "unverified"
    assert verification["strategy"] == spec["strategy"]
    assert verification["object"] == "verification_otp"
    code = last_code(kind, sms_outbox)
    response = api.post(f"{base}/attempt_verification", {"code": code}, body=body)
    assert response.status_code == 200, response.content
    assert response.json()["response"]["verification"]["status"] == "verified"
    me = api.get("me").json()["response"]
    if kind == "phone_number":  # the user had no phone: the first verified one is primary
        assert me["primary_phone_number_id"] == data["id"]
    # verified: a new code cannot be requested, nor an attempt made
    response = api.post(f"{base}/prepare_verification", {"strategy": spec["strategy"]}, body=body)
    assert (response.status_code, error_code(response)) == (400, "verification_already_verified")
    response = api.post(f"{base}/attempt_verification", {"code": code}, body=body)
    assert (response.status_code, error_code(response)) == (400, "verification_already_verified")


def test_wrong_codes_then_failed_then_correct_code_refused(api, user, kind, body, sms_outbox):
    spec = KINDS[kind]
    data = create(api, kind)
    base = f"{spec['path']}/{data['id']}"
    api.post(f"{base}/prepare_verification", {"strategy": spec["strategy"]}, body=body)
    code = last_code(kind, sms_outbox)
    wrong = "000000" if code != "000000" else "111111"
    for remaining in (2, 1, 0):
        response = api.post(f"{base}/attempt_verification", {"code": wrong}, body=body)
        assert (response.status_code, error_code(response)) == (422, "form_code_incorrect")
        assert response.json()["errors"][0]["meta"]["attempts_remaining"] == remaining
    response = api.post(f"{base}/attempt_verification", {"code": code}, body=body)
    assert (response.status_code, error_code(response)) == (400, "verification_failed")
    identifier = spec["model"].objects.get(pk=data["id"])
    assert identifier.verification_status == "failed"
    assert identifier.verification_attempts == 3


def test_attempt_and_prepare_errors(api, user, kind, body, sms_outbox):
    spec = KINDS[kind]
    data = create(api, kind)
    base = f"{spec['path']}/{data['id']}"
    response = api.post(f"{base}/attempt_verification", {"code": "123456"}, body=body)
    assert (response.status_code, error_code(response)) == (400, "verification_missing")
    response = api.post(f"{base}/prepare_verification", {}, body=body)
    assert (response.status_code, error_code(response)) == (422, "form_param_missing")
    other = "phone_code" if kind == "email_address" else "email_code"
    response = api.post(f"{base}/prepare_verification", {"strategy": other}, body=body)
    assert (response.status_code, error_code(response)) == (422, "form_param_value_invalid")
    response = api.post(f"{base}/prepare_verification", {"strategy": spec["strategy"]}, body=body)
    assert response.status_code == 200
    response = api.post(f"{base}/prepare_verification", {"strategy": spec["strategy"]}, body=body)
    assert (response.status_code, error_code(response)) == (429, "too_many_requests")
    assert 0 < int(response["Retry-After"]) <= 30
    response = api.post(f"{base}/attempt_verification", {}, body=body)
    assert (response.status_code, error_code(response)) == (422, "form_param_missing")
    response = api.post(f"{base}/attempt_verification", {"code": "1", "x": "y"}, body=body)
    assert (response.status_code, error_code(response)) == (422, "form_param_unknown")
    assert spec["model"].objects.get(pk=data["id"]).verification_attempts == 0


def test_expired_code(api, user, kind, sms_outbox):
    spec = KINDS[kind]
    data = create(api, kind)
    base = f"{spec['path']}/{data['id']}"
    api.post(f"{base}/prepare_verification", {"strategy": spec["strategy"]})
    code = last_code(kind, sms_outbox)
    from datetime import timedelta

    from django.utils import timezone

    spec["model"].objects.filter(pk=data["id"]).update(
        verification_expire_at=timezone.now() - timedelta(seconds=1)
    )
    response = api.post(f"{base}/attempt_verification", {"code": code})
    assert (response.status_code, error_code(response)) == (400, "verification_expired")
    assert spec["model"].objects.get(pk=data["id"]).verification_status == "expired"


def test_delete_identifier(api, user, kind, body):
    spec = KINDS[kind]
    data = create(api, kind)
    response = api.delete(f"{spec['path']}/{data['id']}", body=body)
    assert response.status_code == 200
    assert response.json()["response"] == {"object": kind, "id": data["id"], "deleted": True}
    assert not spec["model"].objects.filter(pk=data["id"]).exists()
    response = api.get(f"{spec['path']}/{data['id']}")
    assert (response.status_code, error_code(response)) == (404, "resource_not_found")


def test_delete_primary_email_refused_while_others_exist(api, user):
    primary = user.primary_email_address
    identifiers.verify(user.create_email_address("second@example.com"))
    response = api.delete(f"me/email_addresses/{primary.pk}")
    assert (response.status_code, error_code(response)) == (
        422,
        "primary_identification_cannot_be_deleted",
    )
    assert EmailAddress.objects.filter(pk=primary.pk).exists()


def test_unknown_id_is_404(api, kind):
    spec = KINDS[kind]
    for method, suffix in [
        ("get", ""),
        ("delete", ""),
        ("post", "/prepare_verification"),
        ("post", "/attempt_verification"),
    ]:
        response = api.call(method, f"{spec['path']}/idn_doesnotexist{suffix}", {})
        assert (response.status_code, error_code(response)) == (404, "resource_not_found")
