"""Session tokens: claims and lifetime, signing keys and JWKS, refusals, rotation, services,
the ``get_token`` cache, and verification by PyJWT's ``PyJWKClient`` and ``@clerk/backend``."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import jwt
import pytest
from django.core.checks import run_checks
from django.test import RequestFactory
from django.utils import timezone

from clerk_users import errors
from clerk_users.models import JWTTemplate, SigningKey
from clerk_users.sessions import lifecycle as sessions
from clerk_users.sessions import signing_keys, tokens
from tests import node
from tests.sessions.helpers import forge, make_session, pem, public_key, public_pem, settings_keys

__all__ = ["settings_keys"]
FRONTEND_JWKS = "/api/frontend/v1/.well-known/jwks.json"


@pytest.fixture
def session(user: Any, settings_keys: Any) -> Any:
    return make_session(user)


def decode(token: str, index: int = 0, **kwargs: Any) -> dict[str, Any]:
    return jwt.decode(token, public_key(index), algorithms=["RS256"], **kwargs)


# -- claims ------------------------------------------------------------------------------
def test_session_token_claims_and_60_second_lifetime(session: Any, user: Any) -> None:
    before = int(time.time())
    token = session.get_token()
    claims = decode(token)
    assert set(claims) == {"iss", "sub", "sid", "iat", "nbf", "exp", "v", "fva"}
    assert claims["fva"][1] == -1  # minutes since each factor; -1: no second factor yet
    assert claims["sub"] == user.pk and claims["sid"] == session.id
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] == claims["iat"] + 60
    assert claims["nbf"] <= claims["iat"]
    assert claims["v"] == 2
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    assert header["kid"] == signing_keys.active_key().kid


def test_lifetime_and_issuer_follow_settings(session: Any, settings: Any) -> None:
    settings.CLERK_USERS = {
        **settings.CLERK_USERS,
        "SESSION_TOKEN_LIFETIME": 120,
        "SESSION_TOKEN_ISSUER": "https://clerk.example.com",
    }
    claims = decode(session.get_token())
    assert claims["exp"] - claims["iat"] == 120
    assert claims["iss"] == "https://clerk.example.com"
    assert tokens.verify_session_token(session.get_token(), issuer="https://clerk.example.com")
    with pytest.raises(tokens.TokenError):
        tokens.verify_session_token(session.get_token(), issuer="https://evil.example.com")


def test_azp_is_the_request_origin_only_when_allowed(session: Any) -> None:
    factory = RequestFactory()
    allowed = factory.post("/", HTTP_ORIGIN="http://localhost:3000")
    assert decode(tokens.session_token(session, request=allowed))["azp"] == "http://localhost:3000"
    same_site = factory.post("/", HTTP_ORIGIN="http://testserver")
    assert decode(tokens.session_token(session, request=same_site))["azp"] == "http://testserver"
    foreign = factory.post("/", HTTP_ORIGIN="https://evil.example.com")
    assert "azp" not in decode(tokens.session_token(session, request=foreign))
    issuer = decode(tokens.session_token(session, request=same_site))["iss"]
    assert issuer == "http://testserver/api/frontend/v1"  # {iss}/.well-known/jwks.json


def test_kid_is_the_rfc7638_thumbprint() -> None:
    # The example key of RFC 7638, section 3.1.
    jwk = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6"
        "tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-6"
        "5YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyr"
        "dkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKn"
        "qDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert signing_keys.thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_jwks_publishes_public_parts_only(session: Any) -> None:
    keys = signing_keys.jwks()["keys"]
    assert len(keys) == 1
    assert set(keys[0]) == {"use", "kty", "kid", "alg", "n", "e"}
    assert keys[0]["kid"] == signing_keys.thumbprint(keys[0])


# -- refusals ----------------------------------------------------------------------------
def _claims(session: Any, **changes: Any) -> dict[str, Any]:
    claims = tokens.session_claims(session)
    claims.update(changes)
    return claims


def test_verify_accepts_a_genuine_token(session: Any) -> None:
    assert tokens.verify_session_token(session.get_token())["sid"] == session.id


def test_refuses_alg_none(session: Any) -> None:
    kid = signing_keys.active_key().kid
    token = forge({"alg": "none", "typ": "JWT", "kid": kid}, _claims(session))
    with pytest.raises(tokens.TokenError):
        tokens.verify_session_token(token)


def test_refuses_hs256_signed_with_the_public_key(session: Any) -> None:
    kid = signing_keys.active_key().kid
    token = forge({"alg": "HS256", "typ": "JWT", "kid": kid}, _claims(session), public_pem(0))
    with pytest.raises(tokens.TokenError):
        tokens.verify_session_token(token)


def test_refuses_expired_and_not_yet_valid(session: Any) -> None:
    key = signing_keys.active_key()
    now = int(time.time())
    expired = jwt.encode(
        _claims(session, iat=now - 200, nbf=now - 200, exp=now - 100),
        key.private_key,
        algorithm="RS256",
        headers={"kid": key.kid},
    )
    with pytest.raises(tokens.TokenError) as info:
        tokens.verify_session_token(expired)
    assert info.value.clerk_code == "token_expired"
    future = jwt.encode(
        _claims(session, iat=now + 100, nbf=now + 100, exp=now + 160),
        key.private_key,
        algorithm="RS256",
        headers={"kid": key.kid},
    )
    with pytest.raises(tokens.TokenError) as info:
        tokens.verify_session_token(future)
    assert info.value.clerk_code == "token_not_active_yet"


def test_refuses_unknown_kid_and_foreign_key(session: Any) -> None:
    other = signing_keys.load_private_key(pem(1))
    unknown = jwt.encode(_claims(session), other, algorithm="RS256", headers={"kid": "nope"})
    with pytest.raises(tokens.TokenError):
        tokens.verify_session_token(unknown)
    # Our kid, signed by someone else's key: the signature check fails.
    stolen_kid = jwt.encode(
        _claims(session), other, algorithm="RS256", headers={"kid": signing_keys.active_key().kid}
    )
    with pytest.raises(tokens.TokenError):
        tokens.verify_session_token(stolen_kid)


@pytest.mark.parametrize("header", ["jku", "x5u", "jwk"])
def test_refuses_key_carrying_headers(session: Any, header: str) -> None:
    key = signing_keys.active_key()
    value: Any = "https://evil.example.com/jwks.json" if header != "jwk" else key.public_jwk
    token = jwt.encode(
        _claims(session),
        key.private_key,
        algorithm="RS256",
        headers={"kid": key.kid, header: value},
    )
    with pytest.raises(tokens.TokenError):
        tokens.verify_session_token(token)


# -- only session tokens pass as session tokens ---------------------------------------------
def test_template_and_service_tokens_are_not_session_tokens(session: Any, settings: Any) -> None:
    """Template and service tokens share the signing key and carry ``sub``; a template one
    may live ten years. None of them may pass as a session token."""
    JWTTemplate.objects.create(name="thirdparty", claims={"role": "x"}, lifetime=315_360_000)
    template = session.get_token("thirdparty")
    claims = decode(template)
    assert "sid" not in claims and "v" not in claims and claims["jti"]
    hasura = session.get_token("hasura")
    assert "v" not in decode(hasura) and decode(hasura)["jti"]
    # Worst case: Firebase's service account set to the session signing key and its kid.
    account = {
        "client_email": "firebase-adminsdk@demo.iam.gserviceaccount.com",
        "private_key_id": signing_keys.active_key().kid,
        "private_key": pem(0),
    }
    settings.CLERK_USERS = {**settings.CLERK_USERS, "FIREBASE_SERVICE_ACCOUNT": account}
    firebase = session.get_token("firebase")
    for token in (template, hasura, firebase):
        with pytest.raises(tokens.TokenError):
            tokens.verify_session_token(token)
    assert tokens.verify_session_token(session.get_token())["sid"] == session.id


@pytest.mark.parametrize(
    "changes",
    [{"jti": "abc"}, {"v": None}, {"v": 1}, {"lifetime": 3600}, {"lifetime": 66}],
)
def test_refuses_session_shaped_tokens_that_are_not_session_tokens(
    session: Any, changes: dict[str, Any]
) -> None:
    key = signing_keys.active_key()
    claims = _claims(session)
    lifetime = changes.pop("lifetime", None)
    if lifetime is not None:
        claims["exp"] = claims["iat"] + lifetime
    claims.update(changes)
    claims = {name: value for name, value in claims.items() if value is not None}
    token = jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    with pytest.raises(tokens.TokenError):
        tokens.verify_session_token(token)


def test_lifetime_bound_is_the_session_lifetime_plus_skew(session: Any) -> None:
    key = signing_keys.active_key()
    claims = _claims(session)
    claims["exp"] = claims["iat"] + 65  # 60 s + the 5 s clock skew
    token = jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    assert tokens.verify_session_token(token)["sid"] == session.id
    longer = tokens.session_token(session, expires_in_seconds=600)  # the Backend API's option
    with pytest.raises(tokens.TokenError):
        tokens.verify_session_token(longer)
    assert tokens.verify_session_token(longer, max_lifetime=600)["sid"] == session.id


def test_refuses_garbage() -> None:
    for value in ("", "abc", "a.b.c", "a.b", None):
        with pytest.raises(tokens.TokenError):
            tokens.verify_session_token(value)  # type: ignore[arg-type]


# -- keys and rotation -------------------------------------------------------------------
@pytest.fixture
def db_keys(settings: Any, db: Any) -> Any:
    settings.CLERK_USERS = {**settings.CLERK_USERS, "SIGNING_KEYS": []}
    signing_keys.clear_cache()
    yield
    signing_keys.clear_cache()


def test_development_key_is_generated_once_and_stored(db_keys: Any, user: Any) -> None:
    assert SigningKey.objects.count() == 0
    token = make_session(user).get_token()
    assert SigningKey.objects.count() == 1
    stored = SigningKey.objects.get()
    assert jwt.get_unverified_header(token)["kid"] == stored.kid
    signing_keys.clear_cache()
    make_session(user).get_token()
    assert SigningKey.objects.count() == 1
    assert "PRIVATE KEY" not in json.dumps(signing_keys.jwks())


def test_token_stays_valid_across_rotation_until_the_old_key_retires(
    db_keys: Any, user: Any, settings: Any
) -> None:
    session = make_session(user)
    old_token = session.get_token()
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    new_kid, retired = signing_keys.rotate()
    assert retired == old_kid and new_kid != old_kid
    new_token = session.get_token()
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    assert {k["kid"] for k in signing_keys.jwks()["keys"]} == {old_kid, new_kid}
    assert tokens.verify_session_token(old_token)["sid"] == session.id
    assert tokens.verify_session_token(new_token)["sid"] == session.id
    # Once the retired key is past its publication window it leaves the JWKS.
    SigningKey.objects.filter(kid=old_kid).update(retired_at=timezone.now() - timedelta(days=2))
    signing_keys.clear_cache()
    assert {k["kid"] for k in signing_keys.jwks()["keys"]} == {new_kid}
    with pytest.raises(tokens.TokenError):
        tokens.verify_session_token(old_token)
    assert tokens.verify_session_token(new_token)


def test_settings_keys_rotation_keeps_the_old_key_published(
    settings_keys: Any, session: Any, settings: Any
) -> None:
    old_token = session.get_token()
    settings.CLERK_USERS = {**settings.CLERK_USERS, "SIGNING_KEYS": [pem(1), pem(0)]}
    new_token = session.get_token()
    assert decode(new_token, 1)["sid"] == session.id
    assert len(signing_keys.jwks()["keys"]) == 2
    assert tokens.verify_session_token(old_token)
    retired = {"private_key": pem(0), "retired_at": time.time() - 3 * 24 * 3600}
    settings.CLERK_USERS = {**settings.CLERK_USERS, "SIGNING_KEYS": [pem(1), retired]}
    assert len(signing_keys.jwks()["keys"]) == 1
    with pytest.raises(tokens.TokenError):
        tokens.verify_session_token(old_token)


def test_rotate_command(db_keys: Any, user: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    make_session(user).get_token()
    out = StringIO()
    call_command("clerk_users_rotate_signing_key", stdout=out)
    assert SigningKey.objects.filter(retired_at__isnull=True).count() == 1
    assert SigningKey.objects.count() == 2
    assert signing_keys.active_key().kid in out.getvalue()


def test_system_checks_on_signing_keys(settings: Any, db: Any) -> None:
    settings.DEBUG = False
    settings.CLERK_USERS = {**settings.CLERK_USERS, "SIGNING_KEYS": []}
    ids = {m.id for m in run_checks()}
    assert "clerk_users.W101" in ids
    settings.CLERK_USERS = {**settings.CLERK_USERS, "SIGNING_KEYS": ["not a pem"]}
    assert "clerk_users.E102" in {m.id for m in run_checks()}
    settings.CLERK_USERS = {**settings.CLERK_USERS, "SIGNING_KEYS": [pem(0)]}
    ids = {m.id for m in run_checks()}
    assert not ids & {"clerk_users.W101", "clerk_users.E102"}


# -- the get_token cache -----------------------------------------------------------------
def test_user_get_token_is_cached_while_more_than_the_leeway_remains(
    session: Any, user: Any, monkeypatch: Any
) -> None:
    user._clerk_session_id = session.id
    first = user.get_token()
    assert user.get_token() == first
    real = time.time
    monkeypatch.setattr(tokens.time, "time", lambda: real() + 48)  # ~11-12 s left > leeway 10
    assert user.get_token() == first
    monkeypatch.setattr(tokens.time, "time", lambda: real() + 51)  # 9 s left: a new token
    second = user.get_token()
    assert second != first
    assert decode(second, leeway=120)["iat"] >= decode(first)["iat"] + 50


def test_leeway_is_capped_at_the_token_lifetime(session: Any, user: Any) -> None:
    user._clerk_session_id = session.id
    first = user.get_token(leeway_in_seconds=600)  # capped at 60: never reused
    time.sleep(1.01)
    assert user.get_token(leeway_in_seconds=600) != first


def test_revoked_session_mints_no_token(session: Any, user: Any) -> None:
    user._clerk_session_id = session.id
    user.get_token()
    sessions.revoke_session(session)
    with pytest.raises(errors.ClerkError) as info:
        session.get_token()
    assert info.value.clerk_code == "session_not_active"
    with pytest.raises(errors.ClerkError):
        user.get_token()  # the cached token of a revoked session is not handed out


def test_cached_token_of_a_session_revoked_by_another_process_is_not_handed_out(
    session: Any, user: Any, monkeypatch: Any
) -> None:
    user._clerk_session_id = session.id
    user.get_token()
    # Another process revokes: it cannot clear this process's cache, only the shared one.
    monkeypatch.setattr(tokens, "forget_session", lambda session_id: None)
    sessions.revoke_session(session)
    assert tokens._token_cache  # still cached here...
    real = time.time
    monkeypatch.setattr(
        tokens.time, "time", lambda: real() + tokens.REVOCATION_CHECK_INTERVAL
    )  # ...and within the check interval the shared revocation marker stops it
    with pytest.raises(errors.ClerkError) as info:
        user.get_token()
    assert info.value.clerk_code == "session_not_active"


def test_user_without_session_gets_no_token(user: Any, settings_keys: Any) -> None:
    with pytest.raises(errors.ClerkError):
        user.get_token()


# -- services ----------------------------------------------------------------------------
def test_hasura_claims_from_settings_and_metadata(session: Any, user: Any, settings: Any) -> None:
    claims = decode(session.get_token("hasura"))
    assert claims[tokens.HASURA_NAMESPACE] == {
        "x-hasura-user-id": user.pk,
        "x-hasura-default-role": "user",
        "x-hasura-allowed-roles": ["user"],
    }
    user.public_metadata = {"hasura": {"default_role": "editor", "allowed_roles": ["editor"]}}
    user.save()
    session.user.refresh_from_db()
    claims = decode(session.get_token("hasura"))[tokens.HASURA_NAMESPACE]
    assert claims["x-hasura-default-role"] == "editor"
    assert claims["x-hasura-allowed-roles"] == ["editor"]


def test_firebase_custom_token(session: Any, user: Any, settings: Any) -> None:
    account = {
        "type": "service_account",
        "client_email": "firebase-adminsdk@demo.iam.gserviceaccount.com",
        "private_key_id": "abc123",
        "private_key": pem(1),
    }
    settings.CLERK_USERS = {**settings.CLERK_USERS, "FIREBASE_SERVICE_ACCOUNT": account}
    token = session.get_token("firebase")
    assert jwt.get_unverified_header(token)["kid"] == "abc123"
    claims = jwt.decode(
        token, public_key(1), algorithms=["RS256"], audience=tokens.FIREBASE_AUDIENCE
    )
    assert claims["iss"] == claims["sub"] == account["client_email"]
    assert claims["uid"] == user.pk
    assert claims["claims"] == {"sid": session.id}
    assert claims["exp"] - claims["iat"] == 3600


def test_firebase_without_configuration_is_a_clerk_error(session: Any) -> None:
    with pytest.raises(errors.ClerkError) as info:
        session.get_token("firebase")
    assert info.value.clerk_code == "firebase_not_configured"


# -- third-party verifiers ---------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_pyjwkclient_verifies_against_the_live_jwks(
    live_server: Any, make_user: Any, settings_keys: Any
) -> None:
    from django.test import RequestFactory

    session = make_session(make_user())
    host = live_server.url.split("://", 1)[1]
    token = tokens.session_token(session, request=RequestFactory().get("/", HTTP_HOST=host))
    issuer = jwt.decode(token, options={"verify_signature": False})["iss"]
    assert issuer + "/.well-known/jwks.json" == live_server.url + FRONTEND_JWKS
    client = jwt.PyJWKClient(issuer + "/.well-known/jwks.json")
    signing_key = client.get_signing_key_from_jwt(token)
    claims = jwt.decode(token, signing_key.key, algorithms=["RS256"])
    assert claims["sid"] == session.id
    other = signing_keys.load_private_key(pem(1))
    forged = jwt.encode(
        tokens.session_claims(session), other, algorithm="RS256", headers={"kid": "unknown"}
    )
    with pytest.raises(jwt.PyJWKClientError):
        client.get_signing_key_from_jwt(forged)


def node_verify(token: str, options: dict[str, Any]) -> dict[str, Any]:
    return node.run_script("verify_token.mjs", {"token": token, "options": options})


def test_clerk_node_sdk_verifies_our_tokens(session: Any) -> None:
    key = public_pem(0).decode()
    token = tokens.session_token(
        session, request=RequestFactory().post("/", HTTP_ORIGIN="http://localhost:3000")
    )
    result = node_verify(token, {"jwtKey": key, "authorizedParties": ["http://localhost:3000"]})
    assert result["ok"], result
    assert result["payload"]["sid"] == session.id and result["payload"]["sub"] == session.user_id
    # The SDK refuses what it must refuse, too.
    assert not node_verify(token, {"jwtKey": key, "authorizedParties": ["https://other.example"]})[
        "ok"
    ]
    now = int(time.time())
    active = signing_keys.active_key()
    expired = jwt.encode(
        _claims(session, iat=now - 300, nbf=now - 300, exp=now - 200),
        active.private_key,
        algorithm="RS256",
        headers={"kid": active.kid},
    )
    assert not node_verify(expired, {"jwtKey": key})["ok"]
    forged = forge({"alg": "HS256", "kid": active.kid}, _claims(session), public_pem(0))
    assert not node_verify(forged, {"jwtKey": key})["ok"]


def test_system_checks_on_session_settings(settings: Any, db: Any) -> None:
    assert not {m.id for m in run_checks()} & {"clerk_users.E103", "clerk_users.W102"}
    settings.CLERK_USERS = {
        **settings.CLERK_USERS,
        "TOKEN_CLOCK_SKEW": 3600,
        "AUTHORIZED_PARTIES": ["not an origin"],
        "FIREBASE_SERVICE_ACCOUNT": {"client_email": "x@example.com"},
    }
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if m != "clerk_users.sessions.middleware.SessionActivityMiddleware"
    ]
    ids = {m.id for m in run_checks()}
    assert {"clerk_users.E103", "clerk_users.E104", "clerk_users.E105", "clerk_users.W102"} <= ids
