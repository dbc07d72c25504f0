"""Pluggable SMS backends, chosen by ``CLERK_USERS["SMS_BACKEND"]`` (a dotted path).

A backend is any class with ``send_messages(messages) -> int``. The console backend prints;
the in-memory backend keeps every message in ``clerk_users.sms.outbox`` as Django's locmem
email backend keeps ``mail.outbox``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import import_string

from clerk_users.app_settings import app_settings


@dataclass
class SMSMessage:
    to: str
    body: str


outbox: list[SMSMessage] = []


class BaseSMSBackend:
    def __init__(self, **kwargs: Any) -> None:
        self.options = kwargs

    def send_messages(self, messages: list[SMSMessage]) -> int:
        raise NotImplementedError


class ConsoleSMSBackend(BaseSMSBackend):
    def send_messages(self, messages: list[SMSMessage]) -> int:
        for message in messages:
            sys.stdout.write(f"SMS to {message.to}: {message.body}\n")
        sys.stdout.flush()
        return len(messages)


class InMemorySMSBackend(BaseSMSBackend):
    def send_messages(self, messages: list[SMSMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


def get_backend() -> BaseSMSBackend:
    return import_string(app_settings.SMS_BACKEND)()


def send_sms(to: str, body: str) -> int:
    return get_backend().send_messages([SMSMessage(to=to, body=body)])
