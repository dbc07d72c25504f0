"""The CLERK_USERS settings object: defaults, override_settings, documentation."""

from __future__ import annotations

from pathlib import Path

from django.test import override_settings

from clerk_users.app_settings import DEFAULTS, app_settings


def test_defaults_when_unset():
    with override_settings(CLERK_USERS={}):
        assert app_settings.METADATA_MAX_BYTES == 8192
        assert app_settings.VERIFICATION_CODE_LENGTH == 6
        assert app_settings.VERIFICATION_CODE_LIFETIME == 600
        assert app_settings.VERIFICATION_MAX_ATTEMPTS == 3
        assert app_settings.VERIFICATION_RESEND_COOLDOWN == 30
        assert app_settings.LOCKOUT_MAX_ATTEMPTS == 10
        assert app_settings.LOCKOUT_DURATION == 3600
        assert app_settings.PHONE_DEFAULT_REGION is None
        assert app_settings.SMS_BACKEND == "clerk_users.sms.ConsoleSMSBackend"


def test_override_settings_is_honoured():
    with override_settings(CLERK_USERS={"METADATA_MAX_BYTES": 10}):
        assert app_settings.METADATA_MAX_BYTES == 10
    assert app_settings.METADATA_MAX_BYTES == 8192


def test_every_default_is_documented_in_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    missing = [key for key in DEFAULTS if f"`{key}`" not in readme]
    assert missing == []
