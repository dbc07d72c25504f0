"""Fresh-session gate for the admin's most sensitive views (attack finding F6).

The Django admin trusts the staff login; a stolen *stale* staff cookie (its Clerk session
verified no first factor within ``REVERIFICATION_MAX_AGE``) must not set a password without
the current one (the user admin's password form) or read a webhook signing secret. Those
views send such a browser to allauth's reauthentication page first (``?next=`` back here);
allauth's reauthentication refreshes the Clerk session's factor time
(``sessions.reverification``), so it is the same clock as the Frontend API's reverification
and allauth's own pages. Nothing is stored: a refused POST is not replayed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect

from clerk_users.app_settings import app_settings


def is_fresh(request: HttpRequest) -> bool:
    """Whether this browser's Clerk session verified a first factor recently enough."""
    from clerk_users.models import Session
    from clerk_users.sessions import lifecycle as sessions
    from clerk_users.sessions import reverification

    if app_settings.REVERIFICATION_MAX_AGE is None:
        return True
    session_id = sessions.session_id_of(request)
    session = Session.objects.active().filter(pk=session_id).first() if session_id else None
    return session is not None and reverification.is_fresh(session)


def reauthenticate_redirect(request: HttpRequest) -> HttpResponseRedirect | None:
    """None when the session is fresh; else the redirect to allauth's reauthentication
    (403 when the user has no way to reauthenticate, e.g. no password)."""
    if is_fresh(request):
        return None
    from allauth.account.adapter import get_adapter

    methods: list[dict[str, Any]] = get_adapter(request).get_reauthentication_methods(request.user)
    if not methods:
        raise PermissionDenied("Reauthenticate (sign in again) to do this.")
    query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
    return HttpResponseRedirect(f"{methods[0]['url']}?{query}")
