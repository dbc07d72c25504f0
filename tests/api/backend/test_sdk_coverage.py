"""Every operation of the official SDK's ``users``, ``email_addresses``, ``phone_numbers``,
``sessions``, ``jwt_templates`` and ``jwks`` groups (billing, organizations and trusted devices
left out) is routed here: its path resolves to a real view that allows its method, and a call
through the SDK against a live server is answered by that view (never 405 nor 5xx; any body
that is not an error parses with the SDK's models)."""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest
from clerk_backend_api import models
from clerk_backend_api.basesdk import BaseSDK
from clerk_backend_api.emailaddresses import EmailAddresses
from clerk_backend_api.jwks_sdk import JwksSDK
from clerk_backend_api.jwttemplates import JwtTemplates
from clerk_backend_api.phonenumbers import PhoneNumbers
from clerk_backend_api.sessions import Sessions
from clerk_backend_api.users import Users
from django.urls import resolve

from clerk_users.api.errors import not_found_view
from tests.sessions.helpers import settings_keys

from .conftest import BASE

__all__ = ["settings_keys"]

GROUPS = {
    "users": Users,
    "email_addresses": EmailAddresses,
    "phone_numbers": PhoneNumbers,
    "sessions": Sessions,
    "jwt_templates": JwtTemplates,
    "jwks": JwksSDK,
}
LEFT_OUT = re.compile(r"billing|organization|trusted_device")
# CONTRACT.md §6 says 54; the SDK 7.0.0 has 55 such operations (sessions.create and
# users.delete_passkey included), and all of them are served.
EXPECTED_COUNT = 55


def _operations() -> list[tuple[str, str, str, str, Any]]:
    """(group, method name, HTTP method, path template, function) of each SDK operation."""
    found = []
    for group, cls in GROUPS.items():
        for name, function in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("_") or name.endswith("_async") or hasattr(BaseSDK, name):
                continue
            if LEFT_OUT.search(name):
                continue
            source = inspect.getsource(function)
            match = re.search(r'method="(\w+)",\s*path="([^"]+)"', source)
            assert match, f"{group}.{name}: no request found in the SDK source"
            found.append((group, name, match[1], match[2], function))
    return found


OPERATIONS = _operations()

# Minimal arguments, by parameter name (ids are made up unless they name the test's user).
VALUES: dict[str, Any] = {
    "user_ids": ["user_missing"],
    "password": "not the password",
    "code": "000000",
    "email_address": "someone@example.com",
    "phone_number": "+14155550199",
    "provider": "oauth_google",
    "template_name": "missing",
    "name": "coverage",
    "claims": {"role": "x"},
    "verification_id": "idn_missing",
    "expired_token": "not.a.token",
    "refresh_token": "refresh",
    "request_origin": "https://example.com",
}
# Optional arguments given anyway, so the call reaches the view's own checks.
EXTRA: dict[tuple[str, str], dict[str, Any]] = {
    ("users", "set_profile_image"): {"file": {"file_name": "a.png", "content": b"not an image"}},
}
REQUESTS: dict[tuple[str, str], Any] = {
    ("users", "list"): {},
    ("users", "count"): {},
    ("email_addresses", "create"): {"user_id": "USER", "email_address": "new@example.com"},
    ("phone_numbers", "create"): {"user_id": "USER", "phone_number": "+14155550198"},
    ("sessions", "create"): {"user_id": "USER"},
    ("jwt_templates", "create"): {"name": "coverage", "claims": {"role": "x"}},
}


def _arguments(group: str, name: str, function: Any, user_id: str) -> dict[str, Any]:
    arguments: dict[str, Any] = dict(EXTRA.get((group, name), {}))
    if (group, name) in REQUESTS:
        body = REQUESTS[(group, name)]
        arguments["request"] = {k: user_id if v == "USER" else v for k, v in body.items()}
    for param in list(inspect.signature(function).parameters.values())[1:]:
        if param.default is not inspect.Parameter.empty or param.name in arguments:
            continue
        if param.name == "user_id":
            arguments["user_id"] = user_id
        elif param.name.endswith("_id"):
            arguments[param.name] = f"{param.name.split('_')[0]}_missing"
        else:
            arguments[param.name] = VALUES[param.name]
    return arguments


def test_operation_count() -> None:
    names = sorted(f"{group}.{name}" for group, name, *_ in OPERATIONS)
    assert len(names) == EXPECTED_COUNT, names
    assert "sessions.create" in names and "users.delete_web3_wallet" in names


@pytest.mark.parametrize(
    ("group", "name", "method", "path"),
    [op[:4] for op in OPERATIONS],
    ids=[f"{op[0]}.{op[1]}" for op in OPERATIONS],
)
def test_operation_is_routed(group: str, name: str, method: str, path: str) -> None:
    url = BASE + re.sub(r"\{(\w+)\}", lambda m: f"{m[1]}_x1", path)
    match = resolve(url)
    assert match.func is not not_found_view, f"{method} {path} falls to the catch-all"
    actions = getattr(match.func, "actions", None)
    if actions is not None:  # a ViewSet route
        assert method.lower() in actions, f"{method} not allowed on {path}"
    else:
        assert hasattr(match.func.cls, method.lower()), f"{method} not allowed on {path}"


@pytest.mark.django_db(transaction=True)
def test_every_operation_answers_through_the_sdk(clerk: Any, user: Any, settings_keys: Any) -> None:
    # The user is deleted last so the other operations act on an existing user.
    ordered = sorted(OPERATIONS, key=lambda op: (op[0], op[1]) == ("users", "delete"))
    statuses = {}
    for group, name, _method, path, function in ordered:
        call = getattr(getattr(clerk, group), name)
        try:
            call(**_arguments(group, name, function, user.pk))
            status = 200
        except (models.ClerkErrors, models.SDKError) as exc:
            status = exc.raw_response.status_code
            body = exc.raw_response.json()
            assert body["errors"][0]["code"], f"{group}.{name}: not a Clerk error body"
        assert status < 500 and status != 405, f"{group}.{name} ({path}) answered {status}"
        statuses[f"{group}.{name}"] = status
    assert len(statuses) == EXPECTED_COUNT
    # Operations on the existing user succeed (the routes reached real views with real data).
    for ok in [
        "users.get",
        "users.ban",
        "users.unban",
        "email_addresses.create",
        "phone_numbers.create",
        "sessions.create",
        "jwt_templates.create",
        "jwks.get_jwks",
        "users.delete",
    ]:
        assert statuses[ok] == 200, (ok, statuses)
