"""TOTP codes for the tests: one place that computes them, clear of a step's boundary."""

from __future__ import annotations

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

STEP = 30  # allauth's MFA_TOTP_PERIOD


def code(secret: str, offset: int = 0, *, margin: float = 3) -> str:
    """The code of base32 ``secret`` for the current time step (``offset`` steps away).

    allauth accepts only the current step's code (``MFA_TOTP_TOLERANCE`` 0), so a code
    computed in a step's last moments is refused by the server a few milliseconds later:
    a test then fails on its own clock (seen in CI: "Incorrect code" on enabling TOTP).
    When fewer than ``margin`` seconds remain in the step, wait for the next one; a browser
    test, which types the code through ClerkJS, asks for a wider margin.
    """
    left = STEP - time.time() % STEP
    if left < margin:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // STEP + offset))
