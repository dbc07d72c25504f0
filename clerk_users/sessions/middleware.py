"""``SessionActivityMiddleware``: ends revoked sessions at once and records activity.

Place it after ``AuthenticationMiddleware``. Per request it costs one cache read and one
``cache.add`` (the throttle gate); the database is written at most once per session per
``ACTIVITY_THROTTLE`` seconds: the session's ``last_active_at`` and latest activity, and the
user's ``last_active_at``. When that write finds the session no longer active (revoked in
another process, expired), the request continues as anonymous.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, empty

from clerk_users.app_settings import app_settings
from clerk_users.sessions import activity
from clerk_users.sessions import lifecycle as sessions


def activity_cache_key(session_id: str) -> str:
    return f"clerk_users:session_activity:{session_id}"


class SessionActivityMiddleware:
    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        session_id = sessions.session_id_of(request)
        if session_id:
            if self._still_active(request, session_id):
                request.clerk_session_id = session_id
                self._attach(request, session_id)
            else:
                request.session.flush()
                request.user = AnonymousUser()
        return self.get_response(request)

    def _still_active(self, request: Any, session_id: str) -> bool:
        if cache.get(sessions.revoked_cache_key(session_id)):
            return False
        throttle = app_settings.ACTIVITY_THROTTLE
        if not cache.add(activity_cache_key(session_id), 1, timeout=throttle):
            return True
        return record_activity(request, session_id)

    @staticmethod
    def _attach(request: Any, session_id: str) -> None:
        """Let ``request.user.get_token()`` know its session, without loading the user."""
        lazy = request.user

        def load() -> Any:
            if isinstance(lazy, SimpleLazyObject):
                if getattr(lazy, "_wrapped") is empty:  # noqa: B009 (private to mypy)
                    getattr(lazy, "_setup")()  # noqa: B009
                user = getattr(lazy, "_wrapped")  # noqa: B009
            else:
                user = lazy
            if getattr(user, "is_authenticated", False):
                user._clerk_session_id = session_id
            return user

        request.user = SimpleLazyObject(load)


def record_activity(request: Any, session_id: str) -> bool:
    """Write the latest activity of an active session; False when it is not active."""
    from django.contrib.auth import get_user_model

    from clerk_users.models import Session, SessionStatus

    now = timezone.now()
    fields = activity.from_request(request)
    updated = Session.objects.filter(
        pk=session_id, status=SessionStatus.ACTIVE, expire_at__gt=now, abandon_at__gt=now
    ).update(
        last_active_at=now,
        updated_at=now,
        session_key=sessions.storable_key(request.session.session_key),
        **fields,
    )
    if not updated:
        Session.objects.filter(
            pk=session_id, status=SessionStatus.ACTIVE, expire_at__lte=now
        ).update(status=SessionStatus.EXPIRED, ended_at=now, updated_at=now)
        Session.objects.filter(
            pk=session_id, status=SessionStatus.ACTIVE, abandon_at__lte=now
        ).update(status=SessionStatus.ABANDONED, ended_at=now, updated_at=now)
        return False
    user_id = request.session.get("_auth_user_id")
    if user_id:
        get_user_model().objects.filter(pk=user_id).update(last_active_at=now)
    return True
