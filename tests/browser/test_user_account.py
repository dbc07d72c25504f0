"""More of ``Clerk.user`` in the browser: passwords, TOTP and backup codes, second-factor
phone numbers, deleting identifiers and the account, and the session's touch."""

from __future__ import annotations

import pytest

from clerk_users import identifiers
from clerk_users.models import Session, User
from tests import totp as totp_codes
from tests.browser.conftest import PASSWORD, clerk, load_clerk

pytestmark = pytest.mark.browser


def totp(secret: str) -> str:
    return totp_codes.code(secret, margin=10)


def test_update_password_then_remove_it(signed_in, settings):
    page, user = signed_in.page, signed_in.user
    load_clerk(page, signed_in.site)
    result = clerk(
        page,
        """async (c, old) => {
          const wrong = await c.user.updatePassword({currentPassword: "nope",
              newPassword: "a brand new passphrase"}).then(() => "ok", (e) => e.errors[0].code);
          await c.user.updatePassword({currentPassword: old, newPassword: "a brand new passphrase"});
          return [wrong, c.user.passwordEnabled];
        }""",
        PASSWORD,
    )
    assert result == ["form_password_incorrect", True]
    user.refresh_from_db()
    assert user.check_password("a brand new passphrase")
    settings.ACCOUNT_SIGNUP_FIELDS = ["email*", "username*"]  # passwords become optional
    enabled = clerk(
        page,
        """async (c) => { await c.user.removePassword({currentPassword: "a brand new passphrase"});
                          return c.user.passwordEnabled; }""",
    )
    assert enabled is False
    user.refresh_from_db()
    assert not user.has_usable_password()
    # this browser stays signed in (the session follows the password change)
    assert clerk(page, "async (c) => (await fetch('/api/frontend/v1/me')).status") == 200


def test_totp_and_backup_codes(signed_in):
    page, user = signed_in.page, signed_in.user
    load_clerk(page, signed_in.site)
    secret = clerk(page, "async (c) => (await c.user.createTOTP()).secret")
    verified = clerk(
        page,
        """async (c, code) => { const t = await c.user.verifyTOTP({code});
                               await c.user.reload();
                               return [t.verified, c.user.totpEnabled, c.user.twoFactorEnabled]; }""",
        totp(secret),
    )
    assert verified == [True, True, True]
    codes = clerk(page, "async (c) => (await c.user.createBackupCode()).codes")
    assert len(codes) >= 8
    user = User.objects.get(pk=user.pk)
    assert user.totp_enabled and user.backup_code_enabled
    after = clerk(
        page,
        "async (c) => { await c.user.disableTOTP(); await c.user.reload(); return c.user.totpEnabled; }",
    )
    assert after is False
    assert not User.objects.get(pk=user.pk).totp_enabled


def test_phone_number_as_second_factor(signed_in):
    page, user = signed_in.page, signed_in.user
    phone = user.create_phone_number("+14155550190")
    identifiers.verify(phone, "admin")
    load_clerk(page, signed_in.site)
    flags = clerk(
        page,
        """async (c, id) => {
          const p = c.user.phoneNumbers.find((x) => x.id === id);
          await p.setReservedForSecondFactor({reserved: true});
          await p.makeDefaultSecondFactor();
          const q = c.user.phoneNumbers.find((x) => x.id === id);
          return [q.reservedForSecondFactor, q.defaultSecondFactor];
        }""",
        phone.id,
    )
    assert flags == [True, True]
    phone.refresh_from_db()
    assert phone.reserved_for_second_factor and phone.default_second_factor


def test_destroy_an_email_address_and_touch_the_session(signed_in):
    page, user = signed_in.page, signed_in.user
    extra = user.create_email_address("extra@example.com")
    load_clerk(page, signed_in.site)
    result = clerk(
        page,
        """async (c, id) => {
          await c.user.emailAddresses.find((x) => x.id === id).destroy();
          await c.user.reload();
          const touched = await c.session.touch();
          return [c.user.emailAddresses.length, touched.status, touched.id === c.session.id];
        }""",
        extra.id,
    )
    assert result == [1, "active", True]
    assert not user.email_addresses.filter(pk=extra.pk).exists()


def test_delete_the_account(signed_in):
    page, user = signed_in.page, signed_in.user
    session = Session.objects.get(user=user, status="active")
    load_clerk(page, signed_in.site)
    clerk(page, "async (c) => { await c.user.delete(); return true; }")
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Session.objects.filter(pk=session.pk).exists()
    assert clerk(page, "async (c) => (await fetch('/api/frontend/v1/me')).status") == 401
