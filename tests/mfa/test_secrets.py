"""Issue 12, finding 6: TOTP secrets and recovery-code seeds are encrypted at rest and never
shown in the admin. Before the fix they were plaintext in ``mfa_authenticator.data`` and on
the admin page (these tests failed)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.test import Client

from clerk_users.mfa import adapter as mfa_adapter
from clerk_users.mfa import authenticators as mfa
from clerk_users.models import TOTPEnrollment, User
from tests import totp

pytestmark = pytest.mark.django_db
SECRET = "JBSWY3DPEHPK3PXP"


def code_for(secret: str) -> str:
    return totp.code(secret)


def test_secrets_are_encrypted_and_still_work(user: Any) -> None:
    mfa.import_totp(user, SECRET)
    codes = mfa.regenerate_backup_codes(user)
    totp = Authenticator.objects.get(user=user, type="totp")
    recovery = Authenticator.objects.get(user=user, type="recovery_codes")
    assert totp.data["secret"].startswith("fernet:") and SECRET not in str(totp.data)
    assert recovery.data["seed"].startswith("fernet:")
    assert mfa.verify_code(user, code_for(SECRET)) == (True, "totp")
    assert mfa.verify_code(user, codes[0]) == (True, "backup_code")
    mfa.begin_totp(User.objects.create_user("enrolling", "a long password"))
    assert TOTPEnrollment.objects.get().secret.startswith("fernet:")


def test_secrets_survive_a_secret_key_rotation(user: Any, settings: Any) -> None:
    mfa.import_totp(user, SECRET)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a brand new secret key for the site"
    assert mfa.verify_code(user, code_for(SECRET)) == (True, "totp")
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(ValueError):
        mfa_adapter.decrypt(Authenticator.objects.get(user=user).data["secret"])


def test_the_data_migration_encrypts_plaintext_rows(user: Any) -> None:
    Authenticator.objects.create(user=user, type="totp", data={"secret": SECRET})
    Authenticator.objects.create(
        user=user, type="recovery_codes", data={"migrated_codes": ["abcd1234", "efgh5678"]}
    )
    migration = importlib.import_module(
        "clerk_users.migrations.0008_unverified_claims_reverification"
    )
    migration.encrypt_mfa_secrets(apps, None)
    migration.encrypt_mfa_secrets(apps, None)  # idempotent
    totp = Authenticator.objects.get(user=user, type="totp")
    assert mfa_adapter.decrypt(totp.data["secret"]) == SECRET
    assert mfa.verify_code(user, code_for(SECRET)) == (True, "totp")
    assert mfa.verify_code(user, "efgh5678") == (True, "backup_code")


def test_the_admin_never_shows_a_secret(user: Any) -> None:
    mfa.import_totp(user, SECRET)
    mfa.regenerate_backup_codes(user)
    staff = User.objects.create_superuser("root", "a long password", email_address=[])
    client = Client()
    client.force_login(staff)
    for authenticator in Authenticator.objects.filter(user=user):
        page = client.get(f"/admin/mfa/authenticator/{authenticator.pk}/change/")
        assert page.status_code == 200
        content = page.content.decode()
        assert "fernet:" not in content and SECRET not in content and "seed" not in content
    listing = client.get("/admin/mfa/authenticator/")
    assert listing.status_code == 200 and "fernet:" not in listing.content.decode()
