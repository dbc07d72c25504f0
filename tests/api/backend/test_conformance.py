"""Conformance with Clerk's published Backend API (spec 2026-05-12), judged by Clerk's own
Python SDK: errors are its typed ``ClerkErrors``, pages have Clerk's shapes, spec-valid
input is accepted and what Clerk refuses is refused."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import clerk_backend_api
import pytest
from clerk_backend_api import models
from django.test import Client

from clerk_users.api.backend import conformance
from clerk_users.models import JWTTemplate, User
from clerk_users.sessions import lifecycle as sessions

from .conftest import BASE

SDK = Path(clerk_backend_api.__file__).parent


def sdk_clerk_errors_statuses() -> dict[str, frozenset[int]]:
    """operationId -> the statuses the installed SDK parses as ``ClerkErrors``."""
    found: dict[str, frozenset[int]] = {}
    for name in ("users", "sessions", "jwttemplates", "emailaddresses", "phonenumbers"):
        source = (SDK / f"{name}.py").read_text()
        for method in re.split(r"\n    (?:async )?def ", source)[1:]:
            op = re.search(r'operation_id="(\w+)"', method)
            if not op:
                continue
            statuses: set[int] = set()
            for match in re.finditer(
                r"match_response\(\s*http_res,\s*(\[[^\]]*\]|\"[^\"]*\"),\s*\"application/json\""
                r"\s*\):\s*response_data = unmarshal_json_response\(\s*models\.ClerkErrorsData",
                method,
            ):
                statuses |= {int(s) for s in re.findall(r"\d{3}", match.group(1))}
            found[op.group(1)] = frozenset(statuses)
    return found


def test_documented_statuses_are_the_sdks() -> None:
    sdk = sdk_clerk_errors_statuses()
    for operation, statuses in conformance.DOCUMENTED.items():
        if operation == "GetJWKS":
            continue  # in jwks_sdk.py: no error status at all
        assert sdk[operation] == statuses, operation


def test_every_route_maps_to_a_clerk_operation(client: Any) -> None:
    """Each operation of our OpenAPI resolves to an entry of the table (so errors conform)."""
    from django.urls import resolve

    paths = client.get(BASE + "/openapi.json").json()["paths"]
    for path, item in paths.items():
        match = resolve(BASE + re.sub(r"\{[^}]+\}", "x", path))
        for method in item:
            assert (match.url_name, method.upper()) in conformance.OPERATIONS, (path, method)


@pytest.mark.parametrize(
    "natural, documented, answered",
    [
        (422, {400, 401}, 400),
        (404, {403}, 403),
        (429, {400, 403, 404}, 400),
        (422, {401, 404}, 422),  # never moved to 404
        (422, {403}, 403),
        (401, {400}, 401),
        (422, {400, 422}, 422),
    ],
)
def test_nearest_documented_status(natural: int, documented: set[int], answered: int) -> None:
    conformance.DOCUMENTED["_test"] = frozenset(documented)
    try:
        assert conformance.documented_status("_test", natural) == answered
    finally:
        del conformance.DOCUMENTED["_test"]


pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def user() -> Any:
    return User.objects.create_user("ada_l", email_address="ada@example.com")


def test_errors_are_typed_clerk_errors(clerk: Any, user: Any) -> None:
    calls = [
        lambda: clerk.users.lock(user_id="user_missing"),  # 404 -> 403 (documented)
        lambda: clerk.users.unlock(user_id="user_missing"),
        lambda: clerk.users.get_organization_memberships(user_id="user_missing"),
        lambda: clerk.sessions.list(),  # user_id or client_id required
        lambda: clerk.sessions.list(user_id=user.pk, limit=0),
        lambda: clerk.users.create(first_name="Nobody"),  # no identifier
        lambda: clerk.users.list(request={"order_by": "nope"}),
        lambda: clerk.users.get(user_id="user_missing"),
        lambda: clerk.jwt_templates.get(template_id="jtmp_missing"),
        lambda: clerk.users.delete_profile_image(user_id="user_missing"),
        lambda: clerk.email_addresses.get(email_address_id="idn_missing"),
        lambda: clerk.users.update(user_id=user.pk, username="!"),
    ]
    for call in calls:
        with pytest.raises(models.ClerkErrors) as info:
            call()
        assert info.value.data.errors[0].code


def test_user_without_identifier_needs_skip_user_requirement(clerk: Any) -> None:
    with pytest.raises(models.ClerkErrors) as info:
        clerk.users.create()
    assert info.value.data.errors[0].code == "form_param_missing"
    assert not User.objects.exists()
    created = clerk.users.create(skip_user_requirement=True, first_name="Ghost")
    assert created.first_name == "Ghost" and created.email_addresses == []
    assert clerk.users.create(username="named_only").username == "named_only"


def test_starting_after_pages_through_users(api: Any) -> None:
    """The SDK 7.0.0 predates the cursor: raw requests, as @clerk/backend 3.25 sends them."""
    made = [User.objects.create_user(f"user_{i:02d}") for i in range(7)]
    seen: list[str] = []
    query: dict[str, Any] = {"limit": 3}
    while True:
        page = api.get("/users", query).json()
        seen += [u["id"] for u in page]
        if len(page) < 3:
            break
        query["starting_after"] = page[-1]["id"]
    assert seen == [u.pk for u in sorted(made, key=lambda u: (u.created_at, u.pk), reverse=True)]
    ascending = api.get(
        "/users", {"limit": 10, "order_by": "+created_at", "starting_after": made[2].pk}
    ).json()
    assert [u["id"] for u in ascending] == [u.pk for u in made[3:]]
    for bad, param in [
        ({"starting_after": made[0].pk, "offset": 2}, "offset"),
        ({"starting_after": made[0].pk, "order_by": "username"}, "order_by"),
        ({"starting_after": "user_missing"}, "starting_after"),
    ]:
        response = api.get("/users", bad)
        assert response.status_code == 422
        assert response.json()["errors"][0]["meta"]["param_name"] == param


def _login(user: Any) -> None:
    Client().force_login(user)


def test_sessions_statuses_and_pages(api: Any, clerk: Any, user: Any) -> None:
    for _ in range(3):
        sessions.create_session(user)
    assert clerk.sessions.list(user_id=user.pk, status=models.QueryParamStatus.REPLACED) == []
    bad = api.get("/sessions", {"user_id": user.pk, "status": "pending"})
    assert bad.status_code == 422
    page = api.get("/sessions", {"user_id": user.pk, "paginated": "true", "limit": 2}).json()
    assert page["total_count"] == 3 and len(page["data"]) == 2
    assert page["data"][0]["object"] == "session"
    listed = clerk.sessions.list(user_id=user.pk)
    assert len(listed) == 3
    activity = api.get("/sessions", {"user_id": user.pk}).json()[0]["latest_activity"]
    # Unknown strings are left out (Clerk's schema: optional, never null).
    assert None not in activity.values() and {"object", "id", "is_mobile"} <= set(activity)


def test_jwt_templates_paginated(api: Any, clerk: Any) -> None:
    for name in ("a", "b", "c"):
        JWTTemplate.objects.create(name=name, claims={"x": 1})
    page = api.get("/jwt_templates", {"paginated": "true", "limit": 2, "offset": 2}).json()
    assert page["total_count"] == 3 and [t["name"] for t in page["data"]] == ["a"]
    assert len(clerk.jwt_templates.list()) == 3


def test_user_organization_lists_are_empty_pages(api: Any, clerk: Any, user: Any) -> None:
    memberships = clerk.users.get_organization_memberships(user_id=user.pk)
    assert memberships.data == [] and memberships.total_count == 0
    invitations = clerk.users.get_organization_invitations(user_id=user.pk)
    assert invitations.data == [] and invitations.total_count == 0
    devices = clerk.users.list_trusted_devices(user_id=user.pk)
    assert devices.data == [] and devices.total_count == 0
    assert api.get(f"/users/{user.pk}/organization_memberships", {"limit": 0}).status_code == 403
    assert api.get("/users/user_missing/trusted_devices").status_code == 404


def test_send_limit_is_typed_on_both_prepares(clerk: Any, user: Any) -> None:
    """A second code within the cooldown: phone prepare documents 429, email prepare does
    not (400 there, Retry-After kept); both are ClerkErrors."""
    email = clerk.email_addresses.create(
        request={"user_id": user.pk, "email_address": "again@example.com"}
    )
    phone = clerk.phone_numbers.create(request={"user_id": user.pk, "phone_number": "+14155550188"})
    clerk.email_addresses.prepare_verification(email_address_id=email.id)
    clerk.phone_numbers.prepare_verification(phone_number_id=phone.id)
    with pytest.raises(models.ClerkErrors) as info:
        clerk.email_addresses.prepare_verification(email_address_id=email.id)
    assert info.value.raw_response.status_code == 400
    assert info.value.data.errors[0].code == "too_many_requests"
    assert int(info.value.raw_response.headers["Retry-After"]) >= 1
    with pytest.raises(models.ClerkErrors) as info:
        clerk.phone_numbers.prepare_verification(phone_number_id=phone.id)
    assert info.value.raw_response.status_code == 429
