"""Sessions: creation on login, activity and revocation (contract §3, §8).

A Clerk ``Session`` is created by ``django.contrib.auth.signals.user_logged_in`` (so allauth,
the admin login and a plain ``login()`` all create one) and stores the Django session key.
Revoking a session deletes that Django session from the session store, so the next request
with the cookie is anonymous whatever the session engine keeps, and marks the row revoked,
so the session mints no token and its Bearer tokens are refused by the Frontend API.

Why not ``allauth.usersessions``: it deletes its row when a session ends (Clerk keeps
sessions with a final status: revoked, ended, expired...), has no ``sess_`` ids, no
``expire_at``/``abandon_at`` and no parsed activity, and writes ``last_seen_at`` on every
request; the tokens need a status to check. We reuse the same hook (``user_logged_in``).
"""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import signals as auth_signals
from django.db import transaction
from django.utils import timezone

from clerk_users import errors, signals
from clerk_users.app_settings import app_settings

SESSION_ID_KEY = "_clerk_session_id"
# The browser's Clerk client id (ClerkJS's ``client.id``), kept across sign-ins in one browser.
CLIENT_ID_KEY = "_clerk_client_id"


def _session_store() -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore


def storable_key(session_key: str | None) -> str | None:
    """The Django session key when it names a stored session (db, cache, file engines);
    None for engines whose "key" is the whole session (signed cookies): nothing to delete."""
    return session_key if session_key and len(session_key) <= 64 else None


def create_session(user: Any, request: Any = None) -> Any:
    """Create the Clerk session of a login (and the first activity from ``request``)."""
    from clerk_users.models import Session
    from clerk_users.sessions import activity

    now = timezone.now()
    session_key = None
    expire_at = now + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    django_session = getattr(request, "session", None)
    if django_session is not None:
        if not django_session.session_key:
            django_session.save()
        session_key = storable_key(django_session.session_key)
        try:
            expire_at = django_session.get_expiry_date()
        except (AttributeError, TypeError):
            pass
    abandon_at = max(expire_at, now + timedelta(seconds=app_settings.SESSION_ABANDON_AFTER))
    browser_client = django_session.get(CLIENT_ID_KEY) if django_session is not None else None
    session = Session(
        **({"client_id": browser_client} if isinstance(browser_client, str) else {}),
        user=user,
        session_key=session_key,
        expire_at=expire_at,
        abandon_at=abandon_at,
        last_active_at=now,
        created_at=now,
        first_factor_verified_at=now,  # a sign-in proves a first factor
    )
    if request is not None:
        for field, value in activity.from_request(request).items():
            setattr(session, field, value)
    with transaction.atomic():
        session.save(force_insert=True)
        signals.session_created.send(sender=Session, session=session)  # same transaction
    if django_session is not None:
        django_session[SESSION_ID_KEY] = session.id
        django_session[CLIENT_ID_KEY] = session.client_id
    user._clerk_session_id = session.id
    return session


def _on_login(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    if user is not None and getattr(user, "pk", None):
        create_session(user, request)


def _on_logout(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    session_id = None
    if request is not None and hasattr(request, "session"):
        session_id = request.session.get(SESSION_ID_KEY)
    if session_id:
        end_session(session_id, status="ended")


def connect() -> None:
    auth_signals.user_logged_in.connect(_on_login, dispatch_uid="clerk_users.sessions.login")
    auth_signals.user_logged_out.connect(_on_logout, dispatch_uid="clerk_users.sessions.logout")


# -- ending sessions ---------------------------------------------------------------------
def _delete_django_sessions(keys: list[str]) -> None:
    store = _session_store()
    for key in keys:
        if key:
            store(session_key=key).delete()


def revoked_cache_key(session_id: str) -> str:
    return f"clerk_users:session_ended:{session_id}"


def _mark_revoked(session_ids: list[str]) -> None:
    """Tell every process sharing the cache that these sessions ended (the middleware reads
    it: this covers session engines whose sessions cannot be deleted, e.g. signed cookies)."""
    from django.core.cache import cache

    if session_ids:
        timeout = max(settings.SESSION_COOKIE_AGE, app_settings.SESSION_ABANDON_AFTER)
        cache.set_many({revoked_cache_key(sid): 1 for sid in session_ids}, timeout=timeout)


def end_session(session_or_id: Any, *, status: str = "revoked") -> Any:
    """Set a final ``status`` on an active session and drop its Django session at once."""
    from clerk_users.models import Session, SessionStatus
    from clerk_users.sessions import tokens

    session_id = getattr(session_or_id, "pk", session_or_id)
    now = timezone.now()
    with transaction.atomic():
        session = Session.objects.select_for_update().filter(pk=session_id).first()
        if session is None:
            raise errors.NotFound(f"No session was found with id {session_id}")
        if session.status == SessionStatus.ACTIVE:
            session.status = status
            session.ended_at = now
            session.save(update_fields=["status", "ended_at", "updated_at"])
            _mark_revoked([session.id])
            _delete_django_sessions([session.session_key or ""])
            # Inside the transaction (the webhook outbox row commits with the status).
            if status == SessionStatus.REVOKED:
                signals.session_revoked.send(sender=Session, session=session)
            else:
                signals.session_ended.send(sender=Session, session=session)
    tokens.forget_session(session.id)
    if isinstance(session_or_id, Session):
        session_or_id.status, session_or_id.ended_at = session.status, session.ended_at
    return session


def revoke_session(session_or_id: Any) -> Any:
    return end_session(session_or_id, status="revoked")


def _revoke_many(queryset: Any) -> int:
    from clerk_users.models import Session, SessionStatus
    from clerk_users.sessions import tokens

    with transaction.atomic():
        rows = list(
            queryset.select_for_update()
            .filter(status=SessionStatus.ACTIVE)
            .values_list("id", "session_key")
        )
        Session.objects.filter(pk__in=[r[0] for r in rows]).update(
            status=SessionStatus.REVOKED, ended_at=timezone.now(), updated_at=timezone.now()
        )
        _mark_revoked([r[0] for r in rows])
        _delete_django_sessions([r[1] for r in rows if r[1]])
        if rows:
            for session in Session.objects.filter(pk__in=[r[0] for r in rows]):
                signals.session_revoked.send(sender=Session, session=session)
    for session_id, _key in rows:
        tokens.forget_session(session_id)
    return len(rows)


def revoke_all_sessions(user: Any) -> int:
    """Revoke every active session of ``user`` (ban, delete). Returns how many."""
    from clerk_users.models import Session

    return _revoke_many(Session.objects.filter(user_id=user.pk))


def store_session_key(request: Any) -> None:
    """Record the request's current Django session key on its Clerk session.

    Call it whenever the key changes (``cycle_key``: ``update_session_auth_hash`` after a
    password change, a privilege change): revocation deletes the Django session by the key
    stored on the row, and an old, already-gone key would leave the live cookie working.
    """
    from clerk_users.models import Session

    session_id = session_id_of(request)
    django_session = getattr(request, "session", None)
    if not session_id or django_session is None:
        return
    key = storable_key(django_session.session_key)
    if key:
        Session.objects.filter(pk=session_id).exclude(session_key=key).update(
            session_key=key, updated_at=timezone.now()
        )


def keep_signed_in_after_password_change(request: Any, user: Any) -> None:
    """``update_session_auth_hash`` (which cycles the Django session key, so the session
    stays signed in under the new password) and store the new key on the Clerk session."""
    from django.contrib.auth import update_session_auth_hash

    django_session = getattr(request, "session", None)
    if django_session is None or not django_session.session_key:
        _rehash_stored_session(user)
        return
    update_session_auth_hash(request, user)
    store_session_key(request)


def _rehash_stored_session(user: Any) -> None:
    """A Bearer-authenticated change (no cookie in this request): keep the acting Clerk
    session's own Django session valid under the new password hash, as
    ``update_session_auth_hash`` does for a cookie request."""
    from django.contrib.auth import HASH_SESSION_KEY

    from clerk_users.models import Session

    session_id = getattr(user, "_clerk_session_id", None)
    key = (
        Session.objects.filter(pk=session_id).values_list("session_key", flat=True).first()
        if session_id
        else None
    )
    if not key:
        return
    stored = _session_store()(session_key=key)
    if stored.exists(key) and stored.get(HASH_SESSION_KEY) is not None:
        stored[HASH_SESSION_KEY] = user.get_session_auth_hash()
        stored.save()


def revoke_other_sessions(user: Any, keep_session_key: str | None = None) -> int:
    """Revoke the user's sessions except the one whose Django session key is
    ``keep_session_key`` (password change with ``sign_out_of_other_sessions``)."""
    from clerk_users.models import Session

    queryset = Session.objects.filter(user_id=user.pk)
    keep_id = getattr(user, "_clerk_session_id", None)
    if keep_session_key:
        # The Django session key may have been cycled (``update_session_auth_hash``) since
        # the login; the Clerk session id stored in the session data survives that.
        keep_id = _session_store()(session_key=keep_session_key).get(SESSION_ID_KEY) or keep_id
        queryset = queryset.exclude(session_key=keep_session_key)
        if keep_id:
            Session.objects.filter(pk=keep_id).update(session_key=keep_session_key)
    if keep_id:
        queryset = queryset.exclude(pk=keep_id)
    return _revoke_many(queryset)


def end_sessions_after_password_change(user: Any) -> int:
    """End the sessions that a new password killed: all of ``user``'s, except the session
    acting on this very user object (``user._clerk_session_id``), which the password-change
    view keeps signed in. Returns how many ended."""
    from clerk_users.models import Session

    queryset = Session.objects.filter(user_id=user.pk)
    keep_id = getattr(user, "_clerk_session_id", None)
    if keep_id:
        queryset = queryset.exclude(pk=keep_id)
    return _revoke_many(queryset)


# -- reading -----------------------------------------------------------------------------
def sessions_of(user: Any, *, status: str | None = "active") -> Any:
    """The user's sessions, newest first; ``status="active"`` keeps only usable ones."""
    from clerk_users.models import Session

    queryset = Session.objects.filter(user_id=user.pk)
    return sessions_of_status(queryset, status) if status else queryset


def sessions_of_status(queryset: Any, status: str) -> Any:
    """Filter by the status as read now (an active row past ``expire_at`` is expired)."""
    from django.db.models import Q

    now = timezone.now()
    if status == "active":
        return queryset.active()
    if status == "expired":
        return queryset.filter(Q(status="expired") | Q(status="active", expire_at__lte=now))
    if status == "abandoned":
        return queryset.filter(
            Q(status="abandoned") | Q(status="active", expire_at__gt=now, abandon_at__lte=now)
        )
    return queryset.filter(status=status)


def get_session(session_id: str, *, user: Any = None) -> Any:
    from clerk_users import ids
    from clerk_users.models import Session

    if not ids.is_valid(session_id, "sess"):
        raise errors.NotFound(f"No session was found with id {session_id}")
    queryset = Session.objects.select_related("user")
    if user is not None:
        queryset = queryset.filter(user_id=user.pk)
    session = queryset.filter(pk=session_id).first()
    if session is None:
        raise errors.NotFound(f"No session was found with id {session_id}")
    return session


def session_id_of(request: Any) -> str | None:
    session = getattr(request, "session", None)
    return session.get(SESSION_ID_KEY) if session is not None else None
