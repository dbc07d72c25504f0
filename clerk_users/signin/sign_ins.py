"""Clerk's sign-in state machine (``/client/sign_ins``) on allauth's rules.

``needs_identifier`` -> ``needs_first_factor`` -> (``needs_new_password``) ->
(``needs_second_factor``) -> ``complete``. First factors: ``password`` (allauth's
``authenticate``: its ``login_failed`` rate limit, the backend, our lockout), ``email_code`` /
``phone_code`` (codes to a verified identifier), ``reset_password_email_code`` /
``reset_password_phone_code`` then ``reset_password``, and ``oauth_<provider>`` (allauth's
login flow, ``signin.oauth``). Second factors through allauth.mfa: ``totp``, ``backup_code``.

Only verified identifiers identify a user (an unverified address claims nothing). An
identifier nobody has answers, when allauth's ``ACCOUNT_PREVENT_ENUMERATION`` is on (its
default), exactly as an account with a password and that address would: the factors are
offered, codes are "sent" (nothing goes out) and every attempt fails; allauth's login page
tells no more. With it off, Clerk's ``form_identifier_not_found``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from clerk_users import errors, passwords, verification
from clerk_users.app_settings import app_settings
from clerk_users.mfa import authenticators as mfa
from clerk_users.models import (
    EmailAddress,
    Identification,
    PhoneNumber,
    SignInAttempt,
    SignInStatus,
)
from clerk_users.signin import client, codes, login
from clerk_users.signin.factors import (
    factor_target,
    first_factors,
    identify,
    prevent_enumeration,
    second_factors,
)

CODE_FIRST_FACTORS = {
    "email_code": "email_address",
    "phone_code": "phone_number",
    "reset_password_email_code": "email_address",
    "reset_password_phone_code": "phone_number",
}
RESET_STRATEGIES = ("reset_password_email_code", "reset_password_phone_code")
SECOND_FACTORS = ("totp", "backup_code")
# ClerkJS's conventions and Clerk's optional parameters we accept and ignore.
IGNORED = frozenset(
    {
        "locale",
        "timezone",
        "captcha_token",
        "captcha_error",
        "captcha_widget_type",
        "captcha_action",
    }
)


# -- parameters ---------------------------------------------------------------------------------
def check_params(params: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    """Refuse unknown parameters (``form_param_unknown``); drop ClerkJS's extras."""
    for name in params:
        if name not in allowed and name not in IGNORED:
            raise errors.param_unknown(name)
    return {k: v for k, v in params.items() if k in allowed and v is not None}


def _status_error(attempt: SignInAttempt, action: str) -> errors.ClerkError:
    return errors.ClerkError(
        "sign_in_status_invalid",
        "not allowed now",
        long_message=f"This sign-in is {attempt.status}: {action} is not possible now.",
        status=400,
    )


def _require(attempt: SignInAttempt, action: str, *statuses: str) -> None:
    if attempt.status not in statuses:
        raise _status_error(attempt, action)


def _strategy_invalid(strategy: Any) -> errors.ClerkError:
    return errors.ClerkError(
        "strategy_for_user_invalid",
        "is not supported",
        long_message=f"{strategy} is not a way to sign in to this account.",
        param_name="strategy",
    )


def _unknown_strategy(strategy: Any, allowed: Any) -> errors.ClerkError:
    if strategy is None or strategy == "":
        return errors.param_missing("strategy")
    return errors.ClerkError(
        "form_param_value_invalid",
        "is invalid",
        long_message=f"strategy must be one of: {', '.join(sorted(allowed))}.",
        param_name="strategy",
    )


def _factor(attempt: SignInAttempt, strategy: str, params: dict[str, Any]) -> dict[str, Any]:
    """The offered factor ``strategy`` names (with the identifier id given, if any)."""
    offered = [f for f in first_factors(attempt) if f["strategy"] == strategy]
    if not offered:
        raise _strategy_invalid(strategy)
    kind = CODE_FIRST_FACTORS.get(strategy)
    if kind is None:
        return offered[0]
    wanted = params.get(f"{kind}_id")
    if wanted is None:
        matching = [f for f in offered if f["safe_identifier"] == attempt.identifier]
        return (matching or offered)[0]
    for factor in offered:
        if factor[f"{kind}_id"] == wanted:
            return factor
    raise errors.ClerkError(
        "form_param_value_invalid",
        "is invalid",
        long_message=f"{kind}_id does not name a {strategy} factor of this sign-in.",
        param_name=f"{kind}_id",
    )


# -- lifecycle ----------------------------------------------------------------------------------
def abandon_at() -> Any:
    return timezone.now() + timedelta(seconds=app_settings.SIGN_IN_ABANDON_AFTER)


def get(request: Any, sign_in_id: str) -> SignInAttempt:
    """This client's sign-in (404 for another client's, a malformed or an abandoned one)."""
    attempt = client.get_attempt(SignInAttempt, request, sign_in_id, "sia")
    if attempt.status != SignInStatus.COMPLETE and attempt.abandon_at <= timezone.now():
        if attempt.status != SignInStatus.ABANDONED:
            SignInAttempt.objects.filter(pk=attempt.pk).update(status=SignInStatus.ABANDONED)
        raise errors.NotFound(f"No sign in was found with id {sign_in_id}")
    return attempt


def for_action(request: Any, sign_in_id: str, action: str) -> SignInAttempt:
    attempt = get(request, sign_in_id)
    if attempt.status == SignInStatus.COMPLETE:
        raise _status_error(attempt, action)
    return attempt


CREATE_PARAMS = {
    "identifier",
    "strategy",
    "password",
    "redirect_url",
    "action_complete_redirect_url",
    "transfer",
    "oidc_prompt",
    "oidc_login_hint",
}


def create(request: Any, params: dict[str, Any]) -> SignInAttempt:
    """``POST /client/sign_ins``: a new sign-in replaces the client's current one."""
    from clerk_users.api.frontend.base import session_user

    params = check_params(params, CREATE_PARAMS)
    if session_user(client.django_request(request)) is not None:
        raise errors.ClerkError(
            "session_exists",
            "You're already signed in",
            long_message="You're already signed in. Sign out before signing in again.",
            status=400,
        )
    strategy = params.get("strategy")
    if strategy is not None and not isinstance(strategy, str):
        raise errors.format_invalid("strategy", "strategy must be a string.")
    if params.get("transfer"):
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message="Transfers between sign-up and sign-in are not supported.",
            param_name="transfer",
        )
    attempt = SignInAttempt(client_id=client.ensure_client_id(request), abandon_at=abandon_at())
    if strategy and strategy.startswith("oauth_"):
        from clerk_users.signin import oauth

        oauth.check(request, strategy, params)
    elif strategy and strategy not in ("password", *CODE_FIRST_FACTORS):
        raise _unknown_strategy(strategy, ["password", *CODE_FIRST_FACTORS, "oauth_<provider>"])
    if "identifier" in params:
        kind, value, user = identify(params["identifier"])
        if user is None and not prevent_enumeration():
            raise errors.ClerkError(
                "form_identifier_not_found",
                "Couldn't find your account.",
                param_name="identifier",
            )
        attempt.identifier, attempt.identifier_kind, attempt.user = value, kind, user
        attempt.status = SignInStatus.NEEDS_FIRST_FACTOR
    elif strategy and not strategy.startswith("oauth_"):
        raise errors.param_missing("identifier")
    if strategy == "password" and not isinstance(params.get("password"), str):
        raise errors.param_missing("password")
    attempt.save(force_insert=True)
    client.remember(request, client.SIGN_IN_KEY, attempt.pk)
    if strategy == "password":
        attempt_first_factor(request, attempt, {"strategy": "password", **params})
    elif strategy in CODE_FIRST_FACTORS:
        prepare_first_factor(request, attempt, {"strategy": strategy})
    elif strategy:
        from clerk_users.signin import oauth

        oauth.prepare(request, attempt, strategy, params)
    return attempt


PREPARE_PARAMS = {
    "strategy",
    "email_address_id",
    "phone_number_id",
    "redirect_url",
    "action_complete_redirect_url",
    "oidc_prompt",
    "oidc_login_hint",
    "default",
    "channel",
}


def prepare_first_factor(
    request: Any, attempt: SignInAttempt, params: dict[str, Any]
) -> SignInAttempt:
    """Send a code (``email_code``, ``phone_code``, ``reset_password_*``) or start OAuth."""
    from allauth.core import ratelimit

    params = check_params(params, PREPARE_PARAMS)
    _require(attempt, "prepare_first_factor", SignInStatus.NEEDS_FIRST_FACTOR)
    strategy = params.get("strategy")
    if isinstance(strategy, str) and strategy.startswith("oauth_"):
        from clerk_users.signin import oauth

        oauth.check(request, strategy, params)
        oauth.prepare(request, attempt, strategy, params)
        return attempt
    if strategy not in CODE_FIRST_FACTORS:
        raise _unknown_strategy(strategy, [*CODE_FIRST_FACTORS, "oauth_<provider>"])
    factor = _factor(attempt, strategy, params)
    kind = CODE_FIRST_FACTORS[strategy]
    if attempt.user is not None:
        login.ensure_can_sign_in(attempt.user)
    target = factor_target(attempt, factor, kind)
    value = target.value if target is not None else attempt.identifier
    action = "reset_password" if strategy in RESET_STRATEGIES else "request_login_code"
    if not ratelimit.consume(client.django_request(request), action=action, key=value):
        raise errors.too_many_requests(60)
    # Per address/number and hour across every sign-in and sign-up (and /me), account or not.
    verification.limit_sends(kind, value)
    attempt.factor_identification_id = target.pk if target is not None else factor[f"{kind}_id"]
    attempt.save(update_fields=["factor_identification_id", "updated_at"])
    if target is None:  # nobody has it (or the account has no such identifier): send nothing
        codes.start_without_code(attempt, "first_factor", strategy)
        return attempt
    code = codes.issue(attempt, "first_factor", strategy)
    _send(target, code)
    return attempt


def _send(target: Identification, code: str) -> None:
    from clerk_users.adapter import get_adapter

    adapter = get_adapter()
    if target.kind == "email_address":
        adapter.send_verification_email(target, code)
    else:
        adapter.send_verification_sms(target, code)


def _code_target(attempt: SignInAttempt, kind: str) -> tuple[str, str]:
    """The ``(kind, value)`` whose hourly guesses a sign-in code counts toward."""
    model = EmailAddress if kind == "email_address" else PhoneNumber
    found = model.objects.filter(pk=attempt.factor_identification_id).first()
    return kind, found.value if found is not None else attempt.identifier


ATTEMPT_PARAMS = {"strategy", "code", "password"}


def attempt_first_factor(
    request: Any, attempt: SignInAttempt, params: dict[str, Any]
) -> SignInAttempt:
    params = check_params(params, ATTEMPT_PARAMS | {"identifier"})
    _require(attempt, "attempt_first_factor", SignInStatus.NEEDS_FIRST_FACTOR)
    strategy = params.get("strategy")
    if strategy == "password":
        _attempt_password(request, attempt, params.get("password"))
    elif strategy in CODE_FIRST_FACTORS:
        _factor(attempt, strategy, {})
        user = attempt.user
        if user is not None:
            login.ensure_can_sign_in(user)
        target = _code_target(attempt, CODE_FIRST_FACTORS[strategy])
        codes.check(attempt, "first_factor", strategy, params.get("code"), user=user, target=target)
        if user is None:  # a decoy's code can never be right (there is none)
            raise errors.ClerkError("form_code_incorrect", "is incorrect", param_name="code")
        if strategy in RESET_STRATEGIES:
            attempt.status = SignInStatus.NEEDS_NEW_PASSWORD
            attempt.save(update_fields=["status", "updated_at"])
            return attempt
        login.record(request, user, "code", **{CODE_FIRST_FACTORS[strategy]: attempt.identifier})
        _first_factor_done(request, attempt)
    else:
        raise _unknown_strategy(strategy, ["password", *CODE_FIRST_FACTORS])
    return attempt


def _password_incorrect() -> errors.ClerkError:
    return errors.ClerkError(
        "form_password_incorrect",
        "Password is incorrect. Try again, or use another method.",
        param_name="password",
    )


def _attempt_password(request: Any, attempt: SignInAttempt, password: Any) -> None:
    """allauth's ``authenticate`` (rate limit, backend, lockout), for the identified user."""
    from allauth.account.adapter import get_adapter

    if not isinstance(password, str) or not password:
        raise errors.param_missing("password")
    _factor(attempt, "password", {})
    user = attempt.user
    django_request = client.django_request(request)
    credentials: dict[str, Any] = {"password": password}
    if user is not None:
        login.ensure_can_sign_in(user)
        if user.username:
            credentials["username"] = user.username
        else:
            email = user.primary_email_address
            credentials["email"] = email.email_address if email else attempt.identifier
    else:
        key = "email" if attempt.identifier_kind == "email_address" else "username"
        credentials[key] = attempt.identifier
    adapter = get_adapter(django_request)
    try:
        found = adapter.authenticate(django_request, **credentials)
    except ValidationError:  # allauth's login_failed rate limit
        raise errors.too_many_requests(60) from None
    if user is None or found is None or found.pk != user.pk:
        if user is not None:
            user.refresh_from_db()
            login.ensure_can_sign_in(user)  # this failure may have locked the account
        raise _password_incorrect()
    codes_fields = {"first_factor_strategy": "password", "first_factor_status": "verified"}
    SignInAttempt.objects.filter(pk=attempt.pk).update(**codes_fields)
    for name, value in codes_fields.items():
        setattr(attempt, name, value)
    login.record(request, user, "password", **{attempt.identifier_kind: attempt.identifier})
    _first_factor_done(request, attempt)


def _first_factor_done(request: Any, attempt: SignInAttempt) -> None:
    now = timezone.now()
    attempt.first_factor_verified_at = now
    if second_factors(attempt):
        attempt.status = SignInStatus.NEEDS_SECOND_FACTOR
        attempt.save(update_fields=["first_factor_verified_at", "status", "updated_at"])
        return
    attempt.save(update_fields=["first_factor_verified_at", "updated_at"])
    _complete(request, attempt)


def _complete(request: Any, attempt: SignInAttempt) -> None:
    session_id = login.log_in(
        request,
        attempt.user,
        first_factor_verified_at=attempt.first_factor_verified_at,
        second_factor_verified_at=attempt.second_factor_verified_at,
    )
    attempt.status = SignInStatus.COMPLETE
    attempt.created_session_id = session_id
    attempt.save(update_fields=["status", "created_session_id", "updated_at"])


def prepare_second_factor(
    request: Any, attempt: SignInAttempt, params: dict[str, Any]
) -> SignInAttempt:
    """Nothing to send for ``totp`` / ``backup_code``; SMS and email second factors are not
    offered (allauth.mfa has none)."""
    params = check_params(params, {"strategy", "phone_number_id", "email_address_id"})
    _require(attempt, "prepare_second_factor", SignInStatus.NEEDS_SECOND_FACTOR)
    strategy = params.get("strategy")
    if strategy not in ("totp", "backup_code", "phone_code", "email_code"):
        raise _unknown_strategy(strategy, ["totp", "backup_code"])
    if strategy not in {f["strategy"] for f in second_factors(attempt)}:
        raise _strategy_invalid(strategy)
    return attempt


def attempt_second_factor(
    request: Any, attempt: SignInAttempt, params: dict[str, Any]
) -> SignInAttempt:
    params = check_params(params, {"strategy", "code"})
    _require(attempt, "attempt_second_factor", SignInStatus.NEEDS_SECOND_FACTOR)
    strategy = params.get("strategy")
    if strategy not in SECOND_FACTORS:
        raise _unknown_strategy(strategy, SECOND_FACTORS)
    user = attempt.user
    assert user is not None  # a decoy never gets past the first factor
    login.ensure_can_sign_in(user)
    # Not in a transaction: the lockout's counting must survive the error it raises.
    if not mfa.verify_second_factor(user, strategy, params.get("code")):  # counts a failure
        raise errors.code_incorrect()
    now = timezone.now()
    attempt.second_factor_strategy = strategy
    attempt.second_factor_status = "verified"
    attempt.second_factor_verified_at = now
    attempt.save(
        update_fields=[
            "second_factor_strategy",
            "second_factor_status",
            "second_factor_verified_at",
            "updated_at",
        ]
    )
    login.record(request, user, "mfa", type="totp" if strategy == "totp" else "recovery_codes")
    _complete(request, attempt)
    return attempt


def reset_password(request: Any, attempt: SignInAttempt, params: dict[str, Any]) -> SignInAttempt:
    """``needs_new_password`` -> set the password (validators), end every other session of the
    user (their Django sessions die with the old password hash anyway), then sign in or ask
    for the second factor."""
    from allauth.account import signals

    params = check_params(params, {"password", "sign_out_of_other_sessions"})
    _require(attempt, "reset_password", SignInStatus.NEEDS_NEW_PASSWORD)
    user = attempt.user
    assert user is not None  # a decoy never gets past the first factor
    login.ensure_can_sign_in(user)
    password = passwords.validate_new_password(params.get("password"), user)
    passwords.set_password(user, password, skip_checks=True)
    from clerk_users.sessions import lifecycle as sessions

    sessions.revoke_all_sessions(user)
    signals.password_reset.send(
        sender=type(user), request=client.django_request(request), user=user
    )
    login.record(request, user, "password_reset")
    _first_factor_done(request, attempt)
    return attempt
