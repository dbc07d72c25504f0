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
# kwargs: session (status "ended" or "removed"; "revoked" sends session_revoked)
session_ended = Signal()
# A message the site sends (webhooks: email.created / sms.created). kwargs: to, subject,
# body, slug, data, user_id, identifier_id (email_sent); to, body, slug, data, user_id,
# identifier_id (sms_sent)
email_sent = Signal()
sms_sent = Signal()
