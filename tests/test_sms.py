"""SMS backends: pluggable by dotted path; console prints, in-memory keeps an outbox."""

from __future__ import annotations

import pytest

from clerk_users import sms


def test_in_memory_backend_keeps_an_outbox(sms_outbox):
    assert sms.send_sms("+14155550123", "hello") == 1
    assert sms_outbox == [sms.SMSMessage(to="+14155550123", body="hello")]


def test_console_backend_prints(settings, capsys, sms_outbox):
    settings.CLERK_USERS = {
        **settings.CLERK_USERS,
        "SMS_BACKEND": "clerk_users.sms.ConsoleSMSBackend",
    }
    sms.send_sms("+14155550123", "code 123456")
    assert "SMS to +14155550123: code 123456" in capsys.readouterr().out
    assert sms_outbox == []


def test_custom_backend(settings):
    sent = []

    class Recorder(sms.BaseSMSBackend):
        def send_messages(self, messages):
            sent.extend(messages)
            return len(messages)

    import sys
    import types

    module = types.ModuleType("h2_sms_backend")
    module.Recorder = Recorder
    sys.modules["h2_sms_backend"] = module
    settings.CLERK_USERS = {**settings.CLERK_USERS, "SMS_BACKEND": "h2_sms_backend.Recorder"}
    sms.send_sms("+14155550123", "x")
    assert [m.to for m in sent] == ["+14155550123"]


def test_base_backend_is_abstract():
    with pytest.raises(NotImplementedError):
        sms.BaseSMSBackend().send_messages([])
