"""Profile images (the profile-images feature, issue 6, fills this module in)."""

from __future__ import annotations

from typing import Any


def has_image(user: Any) -> bool:
    return False


def profile_image_id(user: Any) -> str | None:
    return None


def image_url(user: Any) -> str:
    return ""
