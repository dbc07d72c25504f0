"""Default avatars: the user's initials on a colour derived from their id.

A user without an uploaded image or a provider picture still gets an ``image_url``. The URL
carries everything the picture depends on (initials and palette index), so the view needs
no database query, the response never changes for a URL (``immutable``, one-year cache) and
it leaks nothing the URL holder does not already know. Rendered PNGs are kept in Django's
cache; the set of possible URLs is small (36^2 initials x palette), so the cache cannot be
flooded with arbitrary keys.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from typing import Any

from django.core.cache import cache
from PIL import Image, ImageDraw, ImageFont

# Colours with enough contrast for white text (WCAG AA for large text).
PALETTE = (
    "#1f6feb",
    "#8250df",
    "#bf3989",
    "#cf222e",
    "#bc4c00",
    "#7d4e00",
    "#116329",
    "#0a7a6c",
    "#0550ae",
    "#6639ba",
    "#953800",
    "#57606a",
)
SIZE = 256
VERSION = "v1"
NO_INITIALS = "_"
INITIALS_RE = re.compile(r"[A-Z0-9]{1,2}|_")
CACHE_SECONDS = 365 * 24 * 3600


def _first_letter(text: str | None) -> str:
    """The first ASCII letter or digit of ``text`` after removing accents ("É" gives "E")."""
    if not text:
        return ""
    for char in unicodedata.normalize("NFKD", text):
        if char.isascii() and char.isalnum():
            return char.upper()
    return ""


def initials(user: Any) -> str:
    """Up to two initials from the names, else the username; ``_`` when there are none."""
    letters = _first_letter(user.first_name) + _first_letter(user.last_name)
    if not letters:
        letters = _first_letter(user.username)
    return letters or NO_INITIALS


def identifier_initials(identifier: str) -> str:
    """One initial from a typed identifier (its first letter or digit; ``_`` when none)."""
    return _first_letter(identifier) or NO_INITIALS


def color_index(user_id: str) -> int:
    """A stable palette index derived from the user id."""
    digest = hashlib.sha256(str(user_id).encode()).digest()
    return digest[0] % len(PALETTE)


def is_valid(initials_value: str, index: int) -> bool:
    return bool(INITIALS_RE.fullmatch(initials_value)) and 0 <= index < len(PALETTE)


def _render(initials_value: str, index: int) -> bytes:
    image = Image.new("RGB", (SIZE, SIZE), PALETTE[index])
    text = "" if initials_value == NO_INITIALS else initials_value
    if text:
        draw = ImageDraw.Draw(image)
        font = ImageFont.load_default(size=SIZE * 0.42)
        draw.text((SIZE / 2, SIZE / 2), text, fill="#ffffff", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def render_png(initials_value: str, index: int) -> bytes:
    """The avatar PNG for ``initials_value`` on palette colour ``index`` (cached)."""
    key = f"clerk_users:avatar:{VERSION}:{initials_value}:{index}"
    data = cache.get(key)
    if data is None:
        data = _render(initials_value, index)
        cache.set(key, data, CACHE_SECONDS)
    return data


def data_uri(initials_value: str, index: int) -> str:
    """An inline SVG avatar, for sites that do not mount the Frontend API."""
    from urllib.parse import quote

    text = "" if initials_value == NO_INITIALS else initials_value  # [A-Z0-9] only: no escaping
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}">'
        f'<rect width="100%" height="100%" fill="{PALETTE[index]}"/>'
        f'<text x="50%" y="50%" dy=".35em" text-anchor="middle" fill="#fff" '
        f'font-family="sans-serif" font-size="{int(SIZE * 0.42)}">{text}</text></svg>'
    )
    return "data:image/svg+xml," + quote(svg)
