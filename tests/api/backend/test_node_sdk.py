"""Clerk's Node SDK (``@clerk/backend`` 3.25, as package.json pins it) against a live server:
users, email addresses, phone numbers, sessions (paginated), JWT templates (paginated), JWKS
and organization memberships, each SDK object checked field by field. Beside the token proof
(tests/sessions/test_tokens.py), run the same way: ``node tests/js/backend_sdk.mjs``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from clerk_users.models import User
from clerk_users.sessions import lifecycle as sessions
from clerk_users.sessions import signing_keys
from tests import node

pytestmark = pytest.mark.django_db(transaction=True)


def node_backend(payload: dict[str, Any]) -> dict[str, Any]:
    node.require_clerk_backend()
    package = node.ROOT / "node_modules/@clerk/backend/package.json"
    version = json.loads(package.read_text())["version"]
    assert int(version.split(".")[0]) >= 3, version
    return node.run_script("backend_sdk.mjs", payload, timeout=120)


def test_clerk_node_sdk_drives_the_backend_api(live_server: Any, secret_key: str) -> None:
    owner = User.objects.create_user("session_owner", email_address="owner@example.com")
    session = sessions.create_session(owner)
    older = sessions.create_session(owner)
    out = node_backend(
        {
            "apiUrl": live_server.url + "/api/backend",
            "apiVersion": "v1",
            "secretKey": secret_key,
            "sessionId": session.id,
            "sessionUserId": owner.pk,
        }
    )
    errors = {k: v for k, v in out.items() if isinstance(v, dict) and "error" in v}
    assert set(errors) == {
        "users.getUser.missing",
        "sessions.getSessionList.noFilter",
        "emailAddresses.deleteEmailAddress.primary",
    }, errors
    # Errors arrive as the SDK's ClerkAPIResponseError, with Clerk's codes.
    assert errors["users.getUser.missing"]["status"] == 404
    assert errors["users.getUser.missing"]["errors"][0]["code"] == "resource_not_found"
    assert errors["sessions.getSessionList.noFilter"]["errors"][0]["code"] == "form_param_missing"
    # No GitHub account connected: an empty page (paginated=true, as the SDK sends it).
    assert out["users.getUserOauthAccessToken"] == {"data": [], "totalCount": 0}

    created = out["users.createUser"]
    user_id = created["id"]
    assert created["username"] == "node_user" and created["firstName"] == "Node"
    assert created["lastName"] == "Proof" and created["publicMetadata"] == {"plan": "pro"}
    assert created["passwordEnabled"] is True and created["banned"] is False
    assert [e["emailAddress"] for e in created["emailAddresses"]] == ["node@example.com"]
    assert created["emailAddresses"][0]["verification"]["status"] == "verified"
    assert created["primaryEmailAddressId"] == created["emailAddresses"][0]["id"]
    assert [p["phoneNumber"] for p in created["phoneNumbers"]] == ["+14155550123"]
    assert created["createdAt"] >= int(owner.created_at.timestamp() * 1000)
    assert out["users.getUser"]["id"] == user_id
    listed = out["users.getUserList"]
    assert listed["totalCount"] == 2 and [u["id"] for u in listed["data"]] == [user_id, owner.pk]
    assert out["users.getCount"] == 1
    assert out["users.updateUser"]["firstName"] == "Nodette"
    assert out["users.updateUserMetadata"]["privateMetadata"] == {"tier": 2}
    assert out["users.verifyPassword"] == {"verified": True}
    assert out["users.banUser"]["banned"] is True and out["users.unbanUser"]["banned"] is False
    assert out["users.lockUser"]["locked"] is True and out["users.unlockUser"]["locked"] is False
    assert out["users.getOrganizationMembershipList"] == {"data": [], "totalCount": 0}
    assert out["users.getOrganizationInvitationList"] == {"data": [], "totalCount": 0}

    email = out["emailAddresses.createEmailAddress"]
    assert email["emailAddress"] == "second@example.com"
    assert email["verification"]["status"] == "verified"
    assert out["emailAddresses.getEmailAddress"]["id"] == email["id"]
    assert out["emailAddresses.updateEmailAddress"]["id"] == email["id"]
    refused = errors["emailAddresses.deleteEmailAddress.primary"]["errors"][0]
    assert refused["code"] == "primary_identification_cannot_be_deleted"  # it became primary
    phone = out["phoneNumbers.createPhoneNumber"]
    assert phone["phoneNumber"] == "+14155550124" and phone["verification"] is None
    assert out["phoneNumbers.updatePhoneNumber"]["verification"]["status"] == "verified"
    assert out["phoneNumbers.deletePhoneNumber"]["deleted"] is True

    page = out["sessions.getSessionList"]
    assert page["totalCount"] == 2
    assert [s["id"] for s in page["data"]] == [older.id, session.id]
    assert page["data"][0]["userId"] == owner.pk and page["data"][0]["status"] == "active"
    assert out["sessions.getSession"]["id"] == session.id
    assert out["sessions.getToken"]["jwt"].count(".") == 2
    assert out["sessions.revokeSession"]["status"] == "revoked"

    template = out["jwtTemplates.create"]
    assert template["name"] == "node_proof" and template["lifetime"] == 60
    templates = out["jwtTemplates.list"]
    assert templates["totalCount"] == 1 and templates["data"][0]["id"] == template["id"]
    assert out["jwtTemplates.get"]["id"] == template["id"]
    assert out["jwtTemplates.update"]["lifetime"] == 120
    assert out["jwtTemplates.delete"]["deleted"] is True
    assert out["jwks.getJwks"]["keys"][0]["kid"] == signing_keys.active_key().kid
    assert out["users.deleteUser"]["deleted"] is True
    assert not User.objects.filter(pk=user_id).exists()
