# ruff: noqa: RUF002  (this module is about confusable characters: its docstring shows some)
"""One normalisation for every email address this app stores or compares (issue 12).

An address is stored, indexed and compared in one canonical ASCII form: the whole address
NFKC-normalised (fullwidth ``ｇｍａｉｌ`` is ``gmail``), the local part lowercase ASCII, the
domain lowercased, without its trailing root dot and IDNA-encoded (punycode, UTS #46), so
``dave@gmaıl.com`` (dotless ı) is stored as ``dave@xn--gmal-nza.com`` and can never be equal
to ``dave@gmail.com`` — in Python, in SQL (``UPPER('ı') = 'I'`` on PostgreSQL) or in
allauth's lookups (which get the same canonical form through our adapters).

Refused with ``form_param_format_invalid``: invisible characters anywhere (zero-width,
bidi controls, other format or control characters, inner whitespace), a non-ASCII local
part, a local part that is not a plain dot-atom (``"demo"@``, ``demo(x)@``: RFC 5321
delivers them to ``demo@``, so they would be a second identifier for one mailbox), and
confusable domains: a label mixing scripts (Latin with a Cyrillic ``а``) or a label written
wholly in another script with letters that all look Latin (``аррӏе``), as
UTS #39 describes, with the ``confusable_homoglyphs`` data.

Use :func:`normalize_email` when accepting an address (it raises) and :func:`email_key`
when looking one up (``None`` for anything that cannot be stored, so it matches nothing).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

import idna
from confusable_homoglyphs import categories, confusables
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from clerk_users import errors

# Unicode categories never visible in an address: format (ZWSP U+200B, ZWJ, bidi controls
# U+202A-202E/U+2066-2069, soft hyphen...), controls, surrogates, private use, unassigned,
# and separators (an inner space or U+2028).
INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})
NEUTRAL_SCRIPTS = frozenset({"COMMON", "INHERITED"})
MAX_LENGTH = 320
# RFC 5322's dot-atom (atext runs joined by single dots), the only local part accepted: a
# quoted string (``"demo"@``), a comment (``demo(x)@``) or an escaped character reaches the
# same mailbox as its plain spelling, so one mailbox would have several stored forms.
DOT_ATOM = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


class EmailRefused(ValueError):
    """Why an address cannot be stored (the message ends up in ``long_message``)."""


def has_invisible(value: str) -> bool:
    return any(unicodedata.category(ch) in INVISIBLE_CATEGORIES for ch in value)


@functools.lru_cache(maxsize=4096)
def _is_confusable_label(label: str) -> bool:
    """A domain label that could pass for another: mixed scripts, or a whole label in a
    non-Latin script made only of letters confusable with Latin ones."""
    if label.isascii():
        return False
    scripts = {
        categories.alias(ch) for ch in label if ch.isalpha()
    } - NEUTRAL_SCRIPTS  # digits and hyphens belong to every script
    if len(scripts) > 1:
        return True
    if scripts and scripts != {"LATIN"}:
        letters = {ch for ch in label if ch.isalpha()}
        return all(confusables.is_confusable(ch, preferred_aliases=["latin"]) for ch in letters)
    return False


def canonical_email(value: str) -> str:
    """The canonical form of ``value`` or ``EmailRefused`` (see the module docstring)."""
    if not isinstance(value, str):
        raise EmailRefused("must be a string")
    text = value.strip(" \t\r\n")
    if not text or len(text) > MAX_LENGTH * 4:
        raise EmailRefused("is empty or too long")
    if has_invisible(text):
        raise EmailRefused("contains invisible or control characters")
    text = unicodedata.normalize("NFKC", text)
    if has_invisible(text) or text.count("@") != 1:
        raise EmailRefused("is not one local part and one domain")
    local, domain = text.split("@")
    local = local.lower()
    if not local.isascii():
        raise EmailRefused("has a local part with characters other than ASCII")
    if not DOT_ATOM.fullmatch(local):
        raise EmailRefused(
            "has a local part that is not plain (quotes, comments, escapes or stray dots alias "
            "another spelling of the same mailbox)"
        )
    domain = domain.lower()
    if domain.endswith("."):
        domain = domain[:-1]  # the DNS root: gmail.com. is gmail.com
    if not domain:
        raise EmailRefused("has no domain")
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
        shown = idna.decode(ascii_domain)  # punycode typed as such is checked as shown
    except (idna.IDNAError, UnicodeError) as exc:
        raise EmailRefused(f"has a domain that is not a valid internationalised name ({exc})")
    if any(_is_confusable_label(label) for label in shown.split(".")):
        raise EmailRefused("has a domain that mixes scripts or imitates Latin letters")
    email = f"{local}@{ascii_domain}"
    if len(email) > MAX_LENGTH:
        raise EmailRefused("is too long")
    try:
        validate_email(email)
    except ValidationError:
        raise EmailRefused("is not a valid email address") from None
    return email


def normalize_email(value: Any, param: str = "email_address") -> str:
    """The canonical form of an address being accepted; ``form_param_format_invalid``
    (422, naming ``param``) when it cannot be stored."""
    try:
        return canonical_email(value)
    except EmailRefused as exc:
        raise errors.format_invalid(
            param, f"{param} must be a valid email address; this one {exc}."
        ) from None


def email_key(value: Any) -> str | None:
    """The form to look ``value`` up with (exact match on stored addresses); ``None`` when
    it cannot be an address we store, so a lookalike matches nothing."""
    try:
        return canonical_email(value)
    except EmailRefused:
        return None


def display_email(value: str) -> str:
    """The address with its domain decoded for display (``bücher.de``, not punycode)."""
    local, _, domain = value.partition("@")
    try:
        return f"{local}@{idna.decode(domain)}"
    except (idna.IDNAError, UnicodeError):
        return value
