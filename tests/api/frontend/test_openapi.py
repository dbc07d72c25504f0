"""The Frontend API's OpenAPI schema (drf-spectacular) and its docs page."""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ROUTES = {
    "/me": {"get", "patch", "delete"},
    "/me/metadata": {"patch"},
    "/me/change_password": {"post"},
    "/me/email_addresses": {"get", "post"},
    "/me/email_addresses/{id}": {"get", "delete"},
    "/me/email_addresses/{id}/prepare_verification": {"post"},
    "/me/email_addresses/{id}/attempt_verification": {"post"},
    "/me/phone_numbers": {"get", "post"},
    "/me/phone_numbers/{id}": {"get", "delete"},
    "/me/phone_numbers/{id}/attempt_verification": {"post"},
    "/me/web3_wallets": {"get", "post"},
    "/me/web3_wallets/{id}/attempt_verification": {"post"},
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/frontend/v1/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_schema_lists_the_frontend_routes_only(schema):
    assert schema["servers"] == [{"url": "/api/frontend/v1"}]
    for path, methods in ROUTES.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), path
    assert not any(path.startswith("/users") for path in schema["paths"])


def test_frontend_user_schema_has_no_private_metadata(schema):
    components = schema["components"]["schemas"]
    user = components["FrontendUser"]
    assert "unsafe_metadata" in user["properties"]
    assert "private_metadata" not in user["properties"]
    envelope = components["FrontendUserResponse"]
    assert set(envelope["properties"]) == {"response", "client"}


def test_request_bodies_accept_json_and_forms(schema):
    body = schema["paths"]["/me"]["patch"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded", "multipart/form-data"} <= set(
        body
    )
    props = schema["components"]["schemas"]["PatchedUpdateMeInput"]["properties"]
    assert "private_metadata" not in props and "public_metadata" not in props
    attempt = schema["paths"]["/me/web3_wallets/{id}/attempt_verification"]["post"]
    ref = attempt["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/AttemptSignatureInput")


def test_docs_page():
    response = Client().get("/api/frontend/v1/docs/")
    assert response.status_code == 200
    assert b"openapi.json" in response.content
