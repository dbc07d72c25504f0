"""The one place for site policy: how codes are delivered, which redirects are allowed.

Subclass ``DefaultClerkUsersAdapter`` and point ``CLERK_USERS["ADAPTER"]`` at it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from clerk_users import sms
from clerk_users.app_settings import app_settings


class DefaultClerkUsersAdapter:
    def verification_email(self, email_address: Any, code: str) -> dict[str, str]:
        """Subject and body of the code email (also the ``email.created`` webhook's)."""
        minutes = app_settings.VERIFICATION_CODE_LIFETIME // 60
        return {
            "subject": f"{code} is your verification code",
            "body": f"Your verification code is {code}. It expires in {minutes} minutes.",
        }

    def verification_sms(self, phone_number: Any, code: str) -> str:
        """Text of the code SMS (also the ``sms.created`` webhook's)."""
        return f"{code} is your verification code."

    def send_verification_email(self, email_address: Any, code: str) -> None:
        content = self.verification_email(email_address, code)
        send_mail(
            subject=content["subject"],
            message=content["body"],
            from_email=app_settings.EMAIL_FROM or settings.DEFAULT_FROM_EMAIL,
            recipient_list=[email_address.email_address],
        )

    def send_verification_sms(self, phone_number: Any, code: str) -> None:
        sms.send_sms(phone_number.phone_number, self.verification_sms(phone_number, code))

    def is_redirect_allowed(self, url: str, request: Any = None) -> bool:
        from clerk_users.internal.urls import is_allowed_redirect

        return is_allowed_redirect(url, request)


def get_adapter() -> DefaultClerkUsersAdapter:
    return import_string(app_settings.ADAPTER)()
