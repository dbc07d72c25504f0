"""``Clerk.user`` in a real browser: ClerkJS 6.40.0, unchanged, against the live server.

Each test signs in through allauth's login page, loads ClerkJS from the site's own static
files and drives ClerkJS's public API; the server's state is checked through the Backend API
(what Clerk's SDKs read) or the database.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
from django.core import mail
from django.test import Client

from clerk_users import identifiers, secret_keys, sms
from clerk_users.mfa import authenticators as mfa
from clerk_users.models import ExternalAccount, JWTTemplate, Session
from tests.browser.conftest import clerk, load_clerk, route_guard, sign_in

pytestmark = pytest.mark.browser

USER_ATTRIBUTES = """async (c) => {
  const u = c.user;
  const ms = (d) => (d ? d.getTime() : null);
  return {
    id: u.id, externalId: u.externalId, username: u.username,
    firstName: u.firstName, lastName: u.lastName, fullName: u.fullName,
    primaryEmailAddressId: u.primaryEmailAddressId,
    primaryEmailAddress: u.primaryEmailAddress && u.primaryEmailAddress.emailAddress,
    primaryPhoneNumberId: u.primaryPhoneNumberId,
    primaryPhoneNumber: u.primaryPhoneNumber && u.primaryPhoneNumber.phoneNumber,
    primaryWeb3WalletId: u.primaryWeb3WalletId,
    imageUrl: u.imageUrl, hasImage: u.hasImage,
    emailAddresses: u.emailAddresses.map((e) => [e.id, e.emailAddress, e.verification.status]),
    phoneNumbers: u.phoneNumbers.map((p) => [p.id, p.phoneNumber, p.verification.status]),
    web3Wallets: u.web3Wallets.map((w) => [w.id, w.web3Wallet]),
    externalAccounts: u.externalAccounts.map((a) => [a.id, a.provider, a.verification.status]),
    verifiedExternalAccounts: u.verifiedExternalAccounts.map((a) => a.id),
    unverifiedExternalAccounts: u.unverifiedExternalAccounts.map((a) => a.id),
    passkeys: u.passkeys.length, enterpriseAccounts: u.enterpriseAccounts.length,
    passwordEnabled: u.passwordEnabled, totpEnabled: u.totpEnabled,
    backupCodeEnabled: u.backupCodeEnabled, twoFactorEnabled: u.twoFactorEnabled,
    publicMetadata: u.publicMetadata, unsafeMetadata: u.unsafeMetadata,
    privateMetadata: u.privateMetadata === undefined ? "absent" : u.privateMetadata,
    lastSignInAt: ms(u.lastSignInAt), createdAt: ms(u.createdAt), updatedAt: ms(u.updatedAt),
    deleteSelfEnabled: u.deleteSelfEnabled, legalAcceptedAt: ms(u.legalAcceptedAt),
    createOrganizationEnabled: u.createOrganizationEnabled,
    hasVerifiedEmailAddress: u.hasVerifiedEmailAddress,
    hasVerifiedPhoneNumber: u.hasVerifiedPhoneNumber,
  };
}"""


def backend_user(user_id: str, site: str) -> dict[str, Any]:
    """The user as the Backend API answers it (what Clerk's SDKs read), on the site's host."""
    _key, raw = secret_keys.create_secret_key("browser tests")
    response = Client(HTTP_HOST=urlsplit(site).netloc).get(
        f"/api/backend/v1/users/{user_id}", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 200
    return response.json()


def test_clerk_user_attributes_equal_the_backend_json(site, page, make_browser_user):
    user = make_browser_user(
        first_name="Grace",
        last_name="Hopper",
        email_address=["grace@example.com", "hopper@example.com"],
        phone_number="+14155550142",
        external_id="ext-42",
        public_metadata={"plan": "pro"},
        unsafe_metadata={"theme": "dark"},
    )
    user.create_email_address("pending@example.com")
    ExternalAccount.objects.create(
        user=user, provider="oauth_github", provider_user_id="1", verification_status="verified"
    )
    ExternalAccount.objects.create(
        user=user, provider="oauth_google", provider_user_id="2", verification_status="failed"
    )
    sign_in(page, site, user.username)
    load_clerk(page, site)
    js = clerk(page, USER_ATTRIBUTES)
    be = backend_user(user.pk, site)
    emails = {e["id"]: e for e in be["email_addresses"]}
    primary_email = emails[be["primary_email_address_id"]]["email_address"]
    assert js == {
        "id": be["id"],
        "externalId": be["external_id"],
        "username": be["username"],
        "firstName": be["first_name"],
        "lastName": be["last_name"],
        "fullName": f"{be['first_name']} {be['last_name']}",
        "primaryEmailAddressId": be["primary_email_address_id"],
        "primaryEmailAddress": primary_email,
        "primaryPhoneNumberId": be["primary_phone_number_id"],
        "primaryPhoneNumber": be["phone_numbers"][0]["phone_number"],
        "primaryWeb3WalletId": be["primary_web3_wallet_id"],
        "imageUrl": be["image_url"],
        "hasImage": be["has_image"],
        "emailAddresses": [
            [
                e["id"],
                e["email_address"],
                e["verification"]["status"] if e["verification"] else None,
            ]
            for e in be["email_addresses"]
        ],
        "phoneNumbers": [
            [p["id"], p["phone_number"], p["verification"]["status"]] for p in be["phone_numbers"]
        ],
        "web3Wallets": [],
        "externalAccounts": [
            [a["id"], a["provider"].removeprefix("oauth_"), a["verification"]["status"]]
            for a in be["external_accounts"]
        ],
        "verifiedExternalAccounts": [
            a["id"] for a in be["external_accounts"] if a["verification"]["status"] == "verified"
        ],
        "unverifiedExternalAccounts": [
            a["id"] for a in be["external_accounts"] if a["verification"]["status"] != "verified"
        ],
        "passkeys": 0,
        "enterpriseAccounts": 0,
        "passwordEnabled": be["password_enabled"],
        "totpEnabled": be["totp_enabled"],
        "backupCodeEnabled": be["backup_code_enabled"],
        "twoFactorEnabled": be["two_factor_enabled"],
        "publicMetadata": be["public_metadata"],
        "unsafeMetadata": be["unsafe_metadata"],
        "privateMetadata": "absent",
        "lastSignInAt": be["last_sign_in_at"],
        "createdAt": be["created_at"],
        "updatedAt": be["updated_at"],
        "deleteSelfEnabled": be["delete_self_enabled"],
        "legalAcceptedAt": be["legal_accepted_at"],
        "createOrganizationEnabled": be["create_organization_enabled"],
        "hasVerifiedEmailAddress": True,
        "hasVerifiedPhoneNumber": True,
    }
    assert len(js["emailAddresses"]) == 3 and js["verifiedExternalAccounts"]
    assert js["lastSignInAt"] is not None


def test_user_update_is_saved_and_clerk_user_follows(signed_in):
    page, user = signed_in.page, signed_in.user
    second = user.create_email_address("second@example.com")
    identifiers.verify(second, "admin")
    load_clerk(page, signed_in.site)
    js = clerk(
        page,
        """async (c, arg) => {
          await c.user.update({firstName: "Ada", lastName: "Lovelace", username: "adalove",
                               unsafeMetadata: {theme: {dark: true}}});
          await c.user.update({primaryEmailAddressId: arg});
          return {first: c.user.firstName, last: c.user.lastName, username: c.user.username,
                  unsafe: c.user.unsafeMetadata, primary: c.user.primaryEmailAddressId};
        }""",
        second.id,
    )
    assert js == {
        "first": "Ada",
        "last": "Lovelace",
        "username": "adalove",
        "unsafe": {"theme": {"dark": True}},
        "primary": second.id,
    }
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.username) == ("Ada", "Lovelace", "adalove")
    assert user.unsafe_metadata == {"theme": {"dark": True}}
    assert user.primary_email_address_id == second.id


def test_update_with_a_bad_username_is_a_clerk_error_and_changes_nothing(signed_in):
    page, user = signed_in.page, signed_in.user
    load_clerk(page, signed_in.site)
    code = clerk(
        page,
        """async (c) => {
          try { await c.user.update({username: "x"}); return "no error"; }
          catch (e) { return e.errors && e.errors[0].code; }
        }""",
    )
    assert code.startswith("form_")
    user.refresh_from_db()
    assert user.username.startswith("browser")


def code_in(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found, text
    return found.group(1)


def test_create_and_verify_an_email_address(signed_in):
    page, user = signed_in.page, signed_in.user
    load_clerk(page, signed_in.site)
    mail.outbox.clear()
    email_id = clerk(
        page,
        """async (c) => {
          const e = await c.user.createEmailAddress({email: "new@example.com"});
          await e.prepareVerification({strategy: "email_code"});
          return e.id;
        }""",
    )
    (message,) = [m for m in mail.outbox if "new@example.com" in m.to]
    status = clerk(
        page,
        """async (c, arg) => {
          const e = c.user.emailAddresses.find((x) => x.id === arg.id);
          const wrong = await e.attemptVerification({code: "000000"}).then(
            () => "accepted", (err) => err.errors[0].code);
          const done = await e.attemptVerification({code: arg.code});
          return [wrong, done.verification.status,
                  c.user.emailAddresses.find((x) => x.id === arg.id).verification.status];
        }""",
        {"id": email_id, "code": code_in(message.body)},
    )
    assert status == ["form_code_incorrect", "verified", "verified"]
    assert user.email_addresses.get(pk=email_id).is_verified


def test_create_and_verify_a_phone_number(signed_in):
    page, user = signed_in.page, signed_in.user
    load_clerk(page, signed_in.site)
    sms.outbox.clear()
    phone_id = clerk(
        page,
        """async (c) => {
          const p = await c.user.createPhoneNumber({phoneNumber: "+14155550177"});
          await p.prepareVerification();
          return p.id;
        }""",
    )
    (message,) = [m for m in sms.outbox if m.to == "+14155550177"]
    status = clerk(
        page,
        """async (c, arg) => {
          const p = c.user.phoneNumbers.find((x) => x.id === arg.id);
          const done = await p.attemptVerification({code: arg.code});
          return [done.verification.status, c.user.primaryPhoneNumberId];
        }""",
        {"id": phone_id, "code": code_in(message.body)},
    )
    assert status == ["verified", phone_id]
    assert user.phone_numbers.get(pk=phone_id).is_verified


def test_create_external_account_redirect_url_starts_allauths_flow(signed_in, context):
    page = signed_in.page
    load_clerk(page, signed_in.site)
    js = clerk(
        page,
        """async (c, site) => {
          const a = await c.user.createExternalAccount({strategy: "oauth_github",
                                                        redirectUrl: site + "/profile/"});
          return {id: a.id, status: a.verification.status,
                  url: String(a.verification.externalVerificationRedirectURL)};
        }""",
        signed_in.site,
    )
    assert js["status"] == "unverified"
    assert js["url"].startswith(signed_in.site + "/api/frontend/v1/oauth/start/")
    # Follow it with the browser's cookies (the browser itself may not leave the machine).
    client = Client()
    for cookie in context.cookies():
        client.cookies[cookie["name"]] = cookie["value"]
    response = client.get(urlsplit(js["url"]).path)
    assert response.status_code == 302
    assert response["Location"].startswith("https://github.com/login/oauth/authorize?")
    assert "state=" in response["Location"]


PNG_BLOB = """(canvas => { canvas.width = 32; canvas.height = 24;
  const g = canvas.getContext("2d"); g.fillStyle = "#c33"; g.fillRect(0, 0, 32, 24);
  return canvas; })(document.createElement("canvas"))"""


def test_set_profile_image_with_a_blob_a_string_and_null(signed_in):
    page, user = signed_in.page, signed_in.user
    load_clerk(page, signed_in.site)
    result = clerk(
        page,
        f"""async (c) => {{
          const canvas = {PNG_BLOB};
          const blob = await new Promise((r) => canvas.toBlob(r, "image/png"));
          const out = [];
          const image1 = await c.user.setProfileImage({{file: blob}});
          await c.user.reload();
          const fetched = await fetch(c.user.imageUrl);
          out.push([image1.id, c.user.hasImage, fetched.status,
                    fetched.headers.get("content-type")]);
          const image2 = await c.user.setProfileImage({{file: canvas.toDataURL("image/png")}});
          await c.user.reload();
          out.push([image2.id, c.user.hasImage]);
          await c.user.setProfileImage({{file: null}});
          await c.user.reload();
          out.push([c.user.hasImage]);
          return out;
        }}""",
    )
    (first_id, has1, status, content_type), (second_id, has2), (has3,) = result
    assert has1 and has2 and not has3
    assert status == 200 and content_type.startswith("image/")
    assert first_id != second_id and first_id.startswith("img_")
    user.refresh_from_db()
    assert user.profile_image_id is None


def test_get_sessions_lists_the_users_devices(signed_in, browser, site):
    page, user = signed_in.page, signed_in.user
    other = browser.new_context()
    other.blocked = []
    other.route("**/*", route_guard(other.blocked))
    try:
        sign_in(other.new_page(), site, user.username)
    finally:
        other.close()
    assert other.blocked == []
    load_clerk(page, site)
    js = clerk(
        page,
        """async (c) => (await c.user.getSessions()).map((s) => ({
          id: s.id, status: s.status, browser: s.latestActivity.browserName,
          current: s.id === c.session.id}))""",
    )
    active = set(Session.objects.active().filter(user=user).values_list("id", flat=True))
    assert {s["id"] for s in js} == active and len(active) == 2
    assert sum(s["current"] for s in js) == 1
    assert all(s["status"] == "active" and s["browser"] for s in js)


def test_session_get_token_verifies_with_the_jwks(signed_in):
    page, user = signed_in.page, signed_in.user
    JWTTemplate.objects.create(
        name="backend", claims={"email": "{{user.primary_email_address}}", "aud": "api"}
    )
    load_clerk(page, signed_in.site)
    tokens = clerk(
        page,
        """async (c) => [await c.session.getToken({skipCache: true}),
                         await c.session.getToken({template: "backend"}), c.session.id]""",
    )
    token, template_token, session_id = tokens
    jwks = Client().get("/api/frontend/v1/.well-known/jwks.json").json()
    keys = jwt.PyJWKSet.from_dict(jwks)
    kid = jwt.get_unverified_header(token)["kid"]
    claims = jwt.decode(token, keys[kid].key, algorithms=["RS256"])
    assert (claims["sub"], claims["sid"]) == (user.pk, session_id)
    assert claims["azp"] == signed_in.site
    assert claims["exp"] - claims["iat"] == 60
    kid = jwt.get_unverified_header(template_token)["kid"]
    claims = jwt.decode(template_token, keys[kid].key, algorithms=["RS256"], audience="api")
    assert claims["email"] == user.primary_email_address.email_address
    assert claims["sub"] == user.pk


def test_two_factor_enabled_follows_allauth_mfa(signed_in):
    page, user = signed_in.page, signed_in.user
    load_clerk(page, signed_in.site)
    before = clerk(page, "async (c) => [c.user.twoFactorEnabled, c.user.totpEnabled]")
    mfa.import_totp(user, "JBSWY3DPEHPK3PXP")
    after = clerk(
        page,
        "async (c) => { await c.user.reload(); return [c.user.twoFactorEnabled, c.user.totpEnabled]; }",
    )
    assert before == [False, False]
    assert after == [True, True]
