"""System checks for the profile image settings (``python manage.py check``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

from clerk_users.app_settings import app_settings


@register()
def check_image_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from PIL import Image, features

    problems: list[Any] = []
    if not features.check("webp"):
        problems.append(
            Error(
                "Pillow was built without WebP support; profile images are stored as WebP.",
                hint="Install a Pillow wheel from PyPI (it bundles libwebp) or build it with "
                "libwebp.",
                id="clerk_users.E060",
            )
        )
    alias = app_settings.IMAGE_STORAGE
    if alias is not None and alias not in getattr(settings, "STORAGES", {}):
        problems.append(
            Error(
                f'CLERK_USERS["IMAGE_STORAGE"] = {alias!r} is not an alias in STORAGES.',
                hint='Add it to settings.STORAGES or set IMAGE_STORAGE to None (the "default" '
                "storage).",
                id="clerk_users.E061",
            )
        )
    pixels = app_settings.get("IMAGE_MAX_PIXELS")
    pillow_limit = Image.MAX_IMAGE_PIXELS
    if isinstance(pixels, int) and pillow_limit and pixels > pillow_limit:
        problems.append(
            Warning(
                f'CLERK_USERS["IMAGE_MAX_PIXELS"] ({pixels}) is above Pillow\'s '
                f"decompression bomb limit ({pillow_limit}).",
                hint="Such images are refused anyway; keep the cap well under Pillow's limit.",
                id="clerk_users.W060",
            )
        )
    base = app_settings.IMAGE_BASE_URL
    if base is not None and not (
        isinstance(base, str) and base.startswith(("https://", "http://"))
    ):
        problems.append(
            Error(
                f'CLERK_USERS["IMAGE_BASE_URL"] = {base!r} is not an http(s) URL.',
                hint='Give an origin such as "https://accounts.example.com", or None.',
                id="clerk_users.E062",
            )
        )
    return problems
