"""Signals for events only (webhooks, audit logs); rules never hang on them."""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: user
user_created = Signal()
user_updated = Signal()
user_deleted = Signal()
# kwargs: identifier
identifier_created = Signal()
identifier_verified = Signal()
identifier_deleted = Signal()
# kwargs: session
session_created = Signal()
session_revoked = Signal()
