"""The Backend API's OpenAPI schema against the real views (schemathesis, bounded), the Swagger
UI page, and auth enforcement on every operation the schema lists."""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings

from .conftest import BASE

SCHEMA_URL = BASE + "/openapi.json"


# Loaded once at collection (pytest-django has configured Django by then); requests go through
# the WSGI app in-process, inside each test's database transaction.
schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, get_wsgi_application())


pytestmark = pytest.mark.usefixtures("wsgi_in_test_transaction")


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_operations_conform(case: Any, secret_key: str) -> None:
    """No 5xx, documented statuses and bodies, JSON everywhere, auth enforced, schema-violating
    input refused. (``positive_data_acceptance`` is left out: schema-valid input can still
    break a business rule, e.g. a weak password or an identifier already taken, and Clerk
    answers 422 for those.)"""
    case.call_and_validate(
        headers={"Authorization": f"Bearer {secret_key}"},
        excluded_checks=[schemathesis.specs.openapi.checks.positive_data_acceptance],
    )


def test_schema_lists_only_backend_operations_with_bearer_auth(client: Any) -> None:
    response = client.get(SCHEMA_URL)
    assert (
        response.status_code == 200
        and response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    ) or response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["servers"] == [{"url": BASE}]
    assert body["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    paths = body["paths"]
    for expected in [
        "/users",
        "/users/{user_id}",
        "/users/count",
        "/users/{user_id}/metadata",
        "/email_addresses",
        "/phone_numbers/{phone_number_id}",
        "/email_addresses/{email_address_id}/attempt_verification",
        "/users/ban",
    ]:
        assert expected in paths
    assert not any(p.startswith(("/me", "/api/frontend", "/openapi", "/docs")) for p in paths)
    user_list = paths["/users"]["get"]
    assert user_list["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert {"401", "422", "429"} <= set(user_list["responses"])
    names = {p["name"] for p in user_list["parameters"]}
    assert {
        "email_address",
        "query",
        "order_by",
        "limit",
        "offset",
        "provider_user_id",
        "last_sign_in_at_after",
        "banned",
    } <= names


def test_swagger_ui_page(client: Any) -> None:
    response = client.get(BASE + "/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower() and "openapi.json" in html
    from django.apps import apps

    if apps.is_installed("drf_spectacular_sidecar"):  # offline: assets served locally
        assert "cdn.jsdelivr" not in html and "drf_spectacular_sidecar" in html


@pytest.mark.django_db
def test_every_operation_requires_a_valid_key(client: Any, user: Any) -> None:
    paths = client.get(SCHEMA_URL).json()["paths"]
    checked = 0
    for template, operations in paths.items():
        path = re.sub(r"\{[^}]+\}", user.pk, template)
        for method in operations:
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            for headers in ({}, {"Authorization": "Bearer sk_test_wrong"}):
                response = (
                    getattr(client, method)(
                        BASE + path, data={}, content_type="application/json", headers=headers
                    )
                    if method != "get"
                    else client.get(BASE + path, headers=headers)
                )
                assert response.status_code == 401, (method, path, response.content)
                assert response.json()["errors"][0]["code"] == "authentication_invalid"
            checked += 1
    assert checked >= 25
    assert type(user).objects.filter(pk=user.pk).exists()
