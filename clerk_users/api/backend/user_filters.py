"""Filters, ordering and pagination of ``GET /users`` and ``GET /users/count`` (Clerk's).

Each filter is one ``WHERE`` condition; identifier filters use ``pk IN (subquery)`` so a user
matching through several identifiers is returned once and no ``DISTINCT`` is needed. Bad
values are refused with Clerk's 422 (``form_param_format_invalid`` /
``form_param_value_invalid`` with ``meta.param_name``), never ignored silently.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

import phonenumbers
from django.db import connection
from django.db.models import CharField, F, Func, Q, QuerySet, Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact

from clerk_users import errors, normalization
from clerk_users.api.backend import user_search
from clerk_users.app_settings import app_settings
from clerk_users.models import EmailAddress, ExternalAccount, PhoneNumber, Web3Wallet

LIST_PARAMS = (
    "email_address",
    "phone_number",
    "external_id",
    "username",
    "web3_wallet",
    "user_id",
    "organization_id",
    "provider_user_id",
)
TEXT_PARAMS = user_search.TEXT_PARAMS
TIME_PARAMS = {
    "last_active_at_before": ("last_active_at", "lt"),
    "last_active_at_after": ("last_active_at", "gt"),
    "last_active_at_since": ("last_active_at", "gte"),
    "created_at_before": ("created_at", "lt"),
    "created_at_after": ("created_at", "gt"),
    "last_sign_in_at_before": ("last_login", "lt"),
    "last_sign_in_at_after": ("last_login", "gt"),
}
FILTER_PARAMS = frozenset((*LIST_PARAMS, *TEXT_PARAMS, *TIME_PARAMS, "banned", "provider"))
PAGE_PARAMS = frozenset(("limit", "offset", "order_by"))
ORDER_FIELDS = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    # The primaries' sort keys on the user row (``identifiers.primary_columns`` keeps them).
    "email_address": "primary_email_address_sort_key",
    "web3wallet": "primary_web3_wallet_sort_key",
    "first_name": "first_name",
    "last_name": "last_name",
    "phone_number": "primary_phone_number_sort_key",
    "username": "username",
    "last_active_at": "last_active_at",
    "last_sign_in_at": "last_login",
}
MAX_VALUES = 100
MAX_LIMIT = 500
DEFAULT_LIMIT = 10
# Far above any real table, far below a 64-bit SQL integer (OFFSET must not overflow).
MAX_OFFSET = 10**9
METADATA_PREFIXES = ("public_metadata.", "private_metadata.")
METADATA_MAX_DEPTH = 10
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
INTEGER_RE = re.compile(r"-?[0-9]{1,18}")  # ASCII digits only: no "+5", " 5" or Arabic digits
_ORDER = re.compile(r"([+\- ]?)([a-z0-9_]+)")  # one optional sign (a space is an unescaped +)


def _value_invalid(param: str, message: str) -> errors.ClerkError:
    return errors.ClerkError(
        "form_param_value_invalid", "is invalid", long_message=message, param_name=param
    )


def _values(params: Any, name: str) -> list[str]:
    values = [v for v in params.getlist(name) if v != ""]
    if len(values) > MAX_VALUES:
        raise _value_invalid(name, f"{name} accepts at most {MAX_VALUES} values.")
    return values


def _signed(values: list[str]) -> tuple[list[str], list[str]]:
    """Split Clerk's ``+id`` / ``-id`` values into (include, exclude). An unescaped ``+`` in a
    query string arrives as a space, so a leading space means ``+`` too."""
    include, exclude = [], []
    for value in values:
        if value.startswith("-"):
            exclude.append(value[1:])
        elif value.startswith(("+", " ")):
            include.append(value[1:])
        else:
            include.append(value)
    return include, exclude


def _phone(value: str) -> str:
    try:
        parsed = phonenumbers.parse(value.strip(), app_settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return value.strip()
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def parse_bool(params: Any, name: str) -> bool | None:
    raw = params.get(name)
    if raw is None:
        return None
    lowered = raw.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise errors.format_invalid(name, f"{name} must be true or false.")


def parse_int(params: Any, name: str, *, minimum: int, maximum: int | None = None) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not isinstance(raw, str) or not INTEGER_RE.fullmatch(raw):
        raise errors.format_invalid(name, f"{name} must be an integer (ASCII digits).")
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise _value_invalid(name, f"{name} must be {bounds}.")
    return value


def _time(params: Any, name: str) -> datetime | None:
    value = parse_int(params, name, minimum=0, maximum=253402300799999)
    if value is None:
        return None
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def filter_users(queryset: QuerySet, params: Any, *, query: str = "union") -> QuerySet:
    """Apply every filter of contract §6 found in ``params`` (a QueryDict); ``query`` says
    how ``query=`` is written (``user_search.text_conditions``)."""
    conditions = Q()
    emails = [
        normalization.email_key(v) or v.strip().lower() for v in _values(params, "email_address")
    ]
    if emails:
        # LOWER(email_address) IN (...): the expression of the unique index.
        matching = EmailAddress.objects.annotate(_lower=Lower("email_address"))
        conditions &= Q(pk__in=matching.filter(_lower__in=emails).values("user_id"))
    phones = [_phone(v) for v in _values(params, "phone_number")]
    if phones:
        conditions &= Q(
            pk__in=PhoneNumber.objects.filter(phone_number__in=phones).values("user_id")
        )
    wallets = [v.strip().lower() for v in _values(params, "web3_wallet")]
    if wallets:
        matching = Web3Wallet.objects.annotate(_lower=Lower("web3_wallet"))
        conditions &= Q(pk__in=matching.filter(_lower__in=wallets).values("user_id"))
    usernames = [v.strip().lower() for v in _values(params, "username")]
    if usernames:
        conditions &= Q(username__in=usernames)
    for name, field in (("user_id", "pk"), ("external_id", "external_id")):
        include, exclude = _signed(_values(params, name))
        if include:
            conditions &= Q(**{f"{field}__in": include})
        if exclude:
            conditions &= ~Q(**{f"{field}__in": exclude})
    if _values(params, "organization_id"):
        # No organizations here: no user is a member of any, so the filter matches nobody.
        conditions &= Q(pk__in=[])
    provider = params.get("provider") or None
    provider_user_ids = _values(params, "provider_user_id")
    if provider_user_ids and not provider:
        raise errors.param_missing("provider")
    if provider and not provider_user_ids:
        raise errors.param_missing("provider_user_id")
    if provider:
        conditions &= Q(
            pk__in=ExternalAccount.objects.filter(
                provider=provider, provider_user_id__in=provider_user_ids
            ).values("user_id")
        )
    conditions &= user_search.text_conditions(params, query=query)
    conditions &= metadata_conditions(params)
    banned = parse_bool(params, "banned")
    if banned is not None:
        conditions &= Q(banned=banned)
    for name, (field, lookup) in TIME_PARAMS.items():
        moment = _time(params, name)
        if moment is not None:
            conditions &= Q(**{f"{field}__{lookup}": moment})
    return queryset.filter(conditions)


def order_users(queryset: QuerySet, params: Any) -> QuerySet:
    """Clerk's ``order_by``: only the first value counts; ``+`` (default) or ``-``."""
    values = params.getlist("order_by")
    raw = values[0] if values else "-created_at"
    match = _ORDER.fullmatch(raw)
    direction = "-" if match and match.group(1) == "-" else "+"
    name = match.group(2) if match else ""
    if name not in ORDER_FIELDS:
        raise _value_invalid(
            "order_by",
            f"order_by must be one of {', '.join(ORDER_FIELDS)}, optionally prefixed with + or -.",
        )
    path = ORDER_FIELDS[name]
    field = F(path)
    # NULLS LAST only where NULLs can occur: on a NOT NULL column it would keep PostgreSQL
    # from reading the (column, id) index backwards (a sort of the whole table instead).
    # Users without a value (no username, no primary email...) come last either way.
    nulls_last = queryset.model._meta.get_field(path).null or None
    if direction == "-":
        return queryset.order_by(field.desc(nulls_last=nulls_last), F("pk").desc())
    return queryset.order_by(field.asc(nulls_last=nulls_last), F("pk").asc())


# From this offset on, a page is read as ids first (an index-only walk of the order's
# ``(column, id)`` index), then those users (a deep ``OFFSET`` on full rows reads them all).
DEEP_OFFSET = 1000


def list_page(queryset: QuerySet, params: Any, offset: int, limit: int) -> list[Any]:
    """The users of one ``GET /users`` page: filtered, ordered, ``offset``/``limit``."""
    found = user_search.walk_page(queryset, params, order_users, offset, limit)
    if found is not None:
        return found
    ordered = order_users(filter_users(queryset, params, query="page"), params)
    if offset < DEEP_OFFSET:
        return list(ordered[offset : offset + limit])
    ids = list(ordered.values_list("pk", flat=True)[offset : offset + limit])
    users = {user.pk: user for user in queryset.filter(pk__in=ids)}
    return [users[pk] for pk in ids if pk in users]


def count_users(queryset: QuerySet, params: Any) -> int:
    """``GET /users/count``: ``query`` alone is counted from its union of index scans
    (``user_search.count_matches``); any other filter, through ``filter_users``."""
    text = user_search.query_text(params)
    if text and all(name == "query" for name in params):
        total = user_search.count_matches(text)
        if total is not None:
            return total
    return filter_users(queryset, params).count()


def page(params: Any) -> tuple[int, int]:
    limit = parse_int(params, "limit", minimum=1, maximum=MAX_LIMIT)
    offset = parse_int(params, "offset", minimum=0, maximum=MAX_OFFSET)
    return (DEFAULT_LIMIT if limit is None else limit), (offset or 0)


def check_known(params: Any, allowed: frozenset[str]) -> None:
    """Refuse unknown query parameters (a typo must not silently return every user)."""
    for name in params:
        if name not in allowed and not name.startswith(METADATA_PREFIXES):
            raise errors.param_unknown(name)


def metadata_conditions(params: Any) -> Q:
    """``public_metadata.<dotted.path>=<value>`` (and ``private_metadata.``): users whose
    metadata holds ``value`` at that path. Several values of one parameter match any of them;
    several parameters must all match. Compared as JSON: see ``_metadata_value``."""
    conditions = Q()
    for name in params:
        if not name.startswith(METADATA_PREFIXES):
            continue
        field, _, path = name.partition(".")
        segments = path.split(".")
        if len(segments) > METADATA_MAX_DEPTH or not all(
            _SEGMENT.fullmatch(segment) for segment in segments
        ):
            raise errors.format_invalid(
                name,
                f"{name}: the path must be 1 to {METADATA_MAX_DEPTH} dot-separated keys of "
                "letters, digits, _ or -.",
            )
        # An explicit ``__exact`` so a key named like a lookup ("contains", "in") stays a key.
        lookup = f"{field}__{'__'.join(segments)}__exact"
        matches = Q()
        for raw in params.getlist(name):
            value = _metadata_value(raw)
            if (value is None or isinstance(value, bool)) and connection.vendor == "sqlite":
                # Django's SQLite key lookup matches true/false/null against the strings
                # "true"/"false"/"null" too; JSON_TYPE tells them apart.
                json_type = Func(
                    F(field),
                    Value(_json_path(segments)),
                    function="JSON_TYPE",
                    output_field=CharField(),
                )
                matches |= Q(Exact(json_type, json.dumps(value)))
            elif connection.vendor == "postgresql" and not any(s.isdigit() for s in segments):
                # ``metadata @> '{"a": {"b": value}}'``: served by the GIN jsonb_path_ops
                # index of migration 0007. Containment of a scalar under object keys is
                # equality, as the path lookup below (a numeric segment is an array position,
                # which containment cannot express: that shape keeps the path lookup).
                matches |= Q(**{f"{field}__contains": _nest(segments, value)})
            else:
                matches |= Q(**{lookup: value})
        conditions &= matches
    return conditions


def _nest(segments: list[str], value: Any) -> dict[str, Any]:
    nested: Any = value
    for segment in reversed(segments):
        nested = {segment: nested}
    return nested


def _json_path(segments: list[str]) -> str:
    """SQLite's JSON path for ``segments``, as Django's key lookups write it (a numeric
    segment indexes an array)."""
    return "$" + "".join(f"[{s}]" if s.isdigit() else f".{json.dumps(s)}" for s in segments)


def _metadata_value(raw: str) -> Any:
    """``true``/``false``/``null``/a finite number match that JSON value; anything else
    (including ``"quoted"``, ``[1]`` or ``{}``) matches the string as given."""
    if raw != raw.strip():
        return raw
    try:
        value = json.loads(raw, parse_constant=lambda _: raw)
    except ValueError:
        return raw
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return raw
