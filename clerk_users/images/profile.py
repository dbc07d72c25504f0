"""Profile images: storing, replacing and removing them, and the user's ``image_url``.

Validation and re-encoding live in ``clerk_users.images.validation``; this module decides where
the bytes go and what URL the user shows.

Storage: files go through ``django.core.files.storage`` (``storages[IMAGE_STORAGE]``, else
``default_storage``) under a server-generated name, ``profile_images/<img_id>.webp``; the
uploaded name is never used. Files are written only after the transaction that creates their
row commits (``transaction.on_commit``), so a rollback leaves no orphan file; the replaced image
is retired only once the new file is written. When an ``Image`` row is deleted (removal,
replacement, user deletion) its file is deleted after commit too, so a rollback never loses a
file still referenced.

URLs (``image_url``, ``public_url``) are absolute: the ``IMAGE_BASE_URL`` setting when set,
else the origin of the current API request (``request.build_absolute_uri``, which honours
Django's ``USE_X_FORWARDED_HOST`` / ``SECURE_PROXY_SSL_HEADER``), else whatever the storage
returns (absolute for S3-like storages, a ``MEDIA_URL`` path otherwise).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
from collections.abc import Iterator
from functools import partial
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage, storages
from django.db import transaction
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

from clerk_users import ids, signals
from clerk_users.app_settings import app_settings
from clerk_users.images import avatars
from clerk_users.images.validation import ProcessedImage, process_upload
from clerk_users.models.images import Image
from clerk_users.models.loading import related

logger = logging.getLogger(__name__)

DIRECTORY = "profile_images"

_current_request: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "clerk_users_image_request", default=None
)


@contextlib.contextmanager
def request_context(request: Any) -> Iterator[None]:
    """Make ``request`` the origin of absolute image URLs while the block runs."""
    token = _current_request.set(request)
    try:
        yield
    finally:
        _current_request.reset(token)


def absolute(url: str) -> str:
    """``url`` made absolute (see the module docstring for how the origin is chosen)."""
    if not url or url.startswith(("http://", "https://", "data:", "//")):
        return url
    base = app_settings.IMAGE_BASE_URL
    if base:
        return urljoin(base.rstrip("/") + "/", url)
    request = _current_request.get()
    if request is not None:
        try:
            return str(request.build_absolute_uri(url))
        except Exception:  # DisallowedHost and friends: keep the relative URL
            return url
    return url


def get_storage() -> Storage:
    alias = app_settings.IMAGE_STORAGE
    return storages[alias] if alias else default_storage


# -- wire shapes ------------------------------------------------------------------------------
def stored_url(image: Image) -> str:
    return absolute(get_storage().url(image.path))


def image_json(image: Image) -> dict[str, Any]:
    """Clerk's ``image`` resource."""
    return {"object": "image", "id": image.pk, "name": image.name, "public_url": stored_url(image)}


def has_image(user: Any) -> bool:
    return getattr(user, "profile_image_id", None) is not None


def profile_image_id(user: Any) -> str | None:
    return getattr(user, "profile_image_id", None)


def external_image_url(user: Any) -> str | None:
    """The picture of the user's first verified external account that has one."""
    for account in related(user, "external_accounts"):
        if account.is_verified and account.image_url:
            return str(account.image_url)
    return None


def default_avatar_url(user: Any) -> str:
    """URL of the generated avatar (initials on a colour derived from the user id)."""
    return _avatar_url(avatars.initials(user), avatars.color_index(user.pk))


def identifier_avatar_url(identifier: str) -> str:
    """A generated avatar that depends only on a typed identifier: what a sign-in shows
    before its first factor is verified, for an account and for nobody alike."""
    return _avatar_url(avatars.identifier_initials(identifier), avatars.color_index(identifier))


def _avatar_url(letters: str, index: int) -> str:
    path = _avatar_path(
        letters, index, settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), get_language()
    )
    return absolute(path) if path else avatars.data_uri(letters, index)


@functools.lru_cache(maxsize=4096)
def _avatar_path(
    letters: str, index: int, root: Any, urlconf: Any, prefix: str, language: str | None
) -> str | None:
    """The avatar view's path, or None where the Frontend API's URLs are not installed.

    Reversed once per initials and colour (a list page asks for one per user without an
    image, and ``reverse`` was a tenth of ``GET /users?limit=10``). What ``reverse`` reads
    is part of the key (the URL configuration, the script prefix, the active language for
    ``i18n_patterns``), so another urlconf, prefix or language (``override_settings``,
    ``set_urlconf``, ``SCRIPT_NAME``, ``translation.override``) never reuses a stale path.
    """
    try:
        return reverse(
            "clerk_users_frontend:default-avatar",
            kwargs={"version": avatars.VERSION, "initials": letters, "color": index},
        )
    except NoReverseMatch:
        return None


def image_url(user: Any) -> str:
    """Never empty: the uploaded image, else a provider picture, else a default avatar.

    Costs no query when the user was loaded with ``User.objects.with_identifiers()``
    (``profile_image`` and the external accounts are prefetched).
    """
    if has_image(user):
        image = user.profile_image
        if image is not None:
            return stored_url(image)
    return external_image_url(user) or default_avatar_url(user)


# -- writes -----------------------------------------------------------------------------------
def _after_commit(
    storage: Storage, image: Image, data: bytes, user_model: Any, user_pk: Any, old_id: Any
) -> None:
    """Once the new row is committed: write its file, then retire the previous image.

    If the storage fails, the user gets the previous image back (when nothing replaced the
    new one meanwhile), the new row goes and the error propagates. If the new row was
    already replaced or removed by a concurrent request, its freshly written file goes too,
    so no interleaving leaves an orphan file.
    """
    try:
        name = storage.save(image.path, ContentFile(data))
    except Exception:
        logger.exception("Storing profile image %s failed; keeping the previous one", image.pk)
        with transaction.atomic():
            restored = old_id and user_model._default_manager.filter(
                pk=user_pk, profile_image_id=image.pk
            ).update(profile_image_id=old_id)
            Image.objects.filter(pk=image.pk).delete()
            if old_id and not restored:
                Image.objects.filter(pk=old_id).delete()
        raise
    if name != image.path:  # the storage chose another name; keep the row truthful
        Image.objects.filter(pk=image.pk).update(path=name)
        image.path = name
    if not Image.objects.filter(pk=image.pk).exists():
        storage.delete(name)
    if old_id:
        Image.objects.filter(pk=old_id).delete()  # its file goes after this commits


def delete_file_on_commit(path: str) -> None:
    """Delete a stored file once the current transaction commits (now in autocommit)."""

    def delete() -> None:
        try:
            get_storage().delete(path)
        except Exception:
            logger.exception("Deleting profile image file %s failed", path)

    transaction.on_commit(delete)


def _lock_user(user: Any) -> Any:
    """Lock the user's row so concurrent replacements serialize (no orphaned Image rows)."""
    return (
        type(user)._default_manager.select_for_update().only("pk", "profile_image").get(pk=user.pk)
    )


def set_profile_image(user: Any, file: Any) -> Image | None:
    """Validate, re-encode and store ``file`` as ``user``'s profile image.

    ``None`` removes the image. Raises ``ClerkError`` (413/422) for a refused file, before
    anything is written. Returns the new ``Image`` (``None`` after a removal).
    """
    if file is None:
        remove_profile_image(user)
        return None
    return store_image(user, process_upload(file))


def store_image(user: Any, processed: ProcessedImage) -> Image:
    """Make an already validated image (``process_upload``) ``user``'s profile image."""
    image_id = ids.generate_id("img")
    name = f"{image_id}.{processed.extension}"
    image = Image(
        id=image_id,
        name=name,
        path=f"{DIRECTORY}/{name}",
        content_type=processed.content_type,
        width=processed.width,
        height=processed.height,
        size=processed.size,
    )
    with transaction.atomic():
        locked = _lock_user(user)
        old_id = locked.profile_image_id
        image.save(force_insert=True)
        user.profile_image = image
        user.save(update_fields=["profile_image", "updated_at"])
        # The file is written, and the previous image retired, only once this commits.
        transaction.on_commit(
            partial(
                _after_commit, get_storage(), image, processed.data, type(user), user.pk, old_id
            )
        )
        signals.user_updated.send(sender=type(user), user=user)  # same transaction (outbox)
    return image


def remove_profile_image(user: Any) -> str | None:
    """Remove ``user``'s profile image; return the removed image id (``None`` if none)."""
    with transaction.atomic():
        locked = _lock_user(user)
        old_id = locked.profile_image_id
        user.profile_image = None
        user.save(update_fields=["profile_image", "updated_at"])
        if old_id:
            Image.objects.filter(pk=old_id).delete()
            signals.user_updated.send(sender=type(user), user=user)
    return old_id
