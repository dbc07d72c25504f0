"""Two-factor through allauth.mfa: enrollment via the Frontend API, backup codes, the Backend
verify/disable operations, import with ``POST /users``, flags on the user JSON."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator

from clerk_users import errors
from clerk_users.mfa import authenticators as mfa
from clerk_users.models import User
from tests import totp
from tests.api.frontend.conftest import FrontendClient
from tests.api.frontend.conftest import _generous_rates as _rates  # noqa: F401 (autouse)

pytestmark = pytest.mark.django_db
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
BACKEND = "/api/backend/v1"


def code_for(secret: str, offset: int = 0) -> str:
    return totp.code(secret, offset)


def code(response: Any) -> str:
    return response.json()["errors"][0]["code"]


@pytest.fixture
def backend(client: Any) -> Any:
    from clerk_users import secret_keys

    key = secret_keys.create_secret_key("mfa-tests")[1]
    headers = {"Authorization": f"Bearer {key}"}

    class Api:
        def post(self, path: str, data: Any = None) -> Any:
            return client.post(
                BACKEND + path, data or {}, content_type="application/json", headers=headers
            )

        def delete(self, path: str) -> Any:
            return client.delete(BACKEND + path, headers=headers)

        def get(self, path: str, data: Any = None) -> Any:
            return client.get(BACKEND + path, data or {}, headers=headers)

    return Api()


def test_frontend_totp_enrollment(user: Any) -> None:
    api = FrontendClient(user)
    begun = api.post("me/totp")
    assert begun.status_code == 200, begun.content
    totp = begun.json()["response"]
    assert totp["object"] == "totp" and totp["verified"] is False
    assert totp["uri"].startswith("otpauth://totp/") and f"secret={totp['secret']}" in totp["uri"]
    assert not mfa.two_factor_enabled(user)
    wrong = api.post("me/totp/attempt_verification", {"code": "000000"})
    assert wrong.status_code == 422 and code(wrong) == "form_code_incorrect"
    user.refresh_from_db()
    assert user.failed_code_attempts == 1 and not mfa.totp_enabled(user)
    done = api.post("me/totp/attempt_verification", {"code": code_for(totp["secret"])})
    assert done.status_code == 200, done.content
    verified = done.json()["response"]
    assert verified["verified"] is True and len(verified["backup_codes"]) == 10
    assert verified["secret"] is None
    user.refresh_from_db()
    assert user.mfa_enabled_at is not None
    me = api.get("me").json()["response"]
    assert (me["two_factor_enabled"], me["totp_enabled"], me["backup_code_enabled"]) == (
        True,
        True,
        True,
    )
    again = api.post("me/totp")
    assert again.status_code == 422 and code(again) == "totp_already_enabled"
    regenerated = api.post("me/backup_codes").json()["response"]
    assert regenerated["object"] == "backup_code"
    assert set(regenerated["codes"]).isdisjoint(verified["backup_codes"])
    removed = api.delete("me/totp")
    assert removed.status_code == 200
    assert removed.json()["response"] == {"object": "totp", "id": totp["id"], "deleted": True}
    user.refresh_from_db()
    assert user.mfa_disabled_at is not None
    assert not Authenticator.objects.filter(user=user).exists()  # backup codes alone go too
    assert api.delete("me/totp").status_code == 404


def test_attempt_without_enrollment_and_backup_codes_without_totp(user: Any) -> None:
    api = FrontendClient(user)
    response = api.post("me/totp/attempt_verification", {"code": "123456"})
    assert response.status_code == 400 and code(response) == "totp_not_started"
    assert api.post("me/totp/attempt_verification", {}).status_code == 422
    response = api.post("me/backup_codes")
    assert response.status_code == 422 and code(response) == "backup_codes_not_available"
    assert api.post("me/totp", {"unexpected": 1}).status_code == 422


def test_backend_verify_totp_and_backup_codes(user: Any, backend: Any) -> None:
    mfa.import_totp(user, SECRET)
    codes = mfa.regenerate_backup_codes(user)
    ok = backend.post(f"/users/{user.pk}/verify_totp", {"code": code_for(SECRET)})
    assert ok.json() == {"verified": True, "code_type": "totp"}
    replay = backend.post(f"/users/{user.pk}/verify_totp", {"code": code_for(SECRET)})
    assert replay.json()["verified"] is False  # a TOTP code is used once
    backup = backend.post(f"/users/{user.pk}/verify_totp", {"code": codes[0]})
    assert backup.json() == {"verified": True, "code_type": "backup_code"}
    assert (
        backend.post(f"/users/{user.pk}/verify_totp", {"code": codes[0]}).json()["verified"]
        is False
    )
    missing = backend.post(f"/users/{user.pk}/verify_totp", {})
    assert missing.status_code == 422 and code(missing) == "form_param_missing"
    assert backend.post("/users/user_nope/verify_totp", {"code": "1"}).status_code == 404


def test_backend_verify_totp_when_not_enabled(user: Any, backend: Any) -> None:
    response = backend.post(f"/users/{user.pk}/verify_totp", {"code": "123456"})
    assert response.status_code == 422 and code(response) == "totp_not_enabled"


@pytest.mark.parametrize(
    ("path", "left"),
    [("backup_code", {"totp"}), ("totp", set()), ("mfa", set())],
)
def test_backend_disable(user: Any, backend: Any, path: str, left: set[str]) -> None:
    mfa.import_totp(user, SECRET)
    mfa.regenerate_backup_codes(user)
    response = backend.delete(f"/users/{user.pk}/{path}")
    assert response.status_code == 200 and response.json() == {"user_id": user.pk}
    assert set(Authenticator.objects.filter(user=user).values_list("type", flat=True)) == left


def test_import_through_post_users(backend: Any) -> None:
    response = backend.post(
        "/users",
        {
            "username": "imported",
            "email_address": ["imp@example.com"],
            "totp_secret": SECRET,
            "backup_codes": ["abcd-1234", "efgh-5678"],
        },
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["two_factor_enabled"], data["totp_enabled"], data["backup_code_enabled"]) == (
        True,
        True,
        True,
    )
    user = User.objects.get(pk=data["id"])
    assert user.mfa_enabled_at is not None
    assert mfa.verify_code(user, code_for(SECRET)) == (True, "totp")
    assert mfa.verify_code(user, "abcd-1234") == (True, "backup_code")
    assert mfa.verify_code(user, "abcd-1234")[0] is False


@pytest.mark.parametrize(
    "extra",
    [{"totp_secret": "not base32!"}, {"totp_secret": "ABC"}, {"backup_codes": "x"}],
)
def test_bad_import_creates_nothing(backend: Any, extra: dict[str, Any]) -> None:
    response = backend.post("/users", {"username": "nobody", **extra})
    assert response.status_code == 422, response.content
    assert not User.objects.filter(username="nobody").exists()


def test_python_api_create_user_imports_second_factors(db: Any) -> None:
    user = User.objects.create_user("pyimport", totp_secret=SECRET, backup_codes=["zz-11-zz"])
    assert user.two_factor_enabled() and user.totp_enabled and user.backup_code_enabled
    with pytest.raises(errors.ClerkError):
        User.objects.create_user("pyimport2", totp_secret="x")
    assert not User.objects.filter(username="pyimport2").exists()


def test_user_list_stays_constant_query(
    make_user: Any, backend: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(3):
        mfa.import_totp(make_user(), SECRET)
    backend.get("/users")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert len(backend.get("/users", {"limit": 100}).json()) == 3
    for _ in range(6):
        mfa.import_totp(make_user(), SECRET)
    with django_assert_max_num_queries(len(small.captured_queries)):
        data = backend.get("/users", {"limit": 100}).json()
    assert len(data) == 9 and all(u["two_factor_enabled"] for u in data)


def test_sdk_parses_mfa_operations(live_server: Any, make_user: Any, transactional_db: Any) -> None:
    from clerk_backend_api import Clerk

    from clerk_users import secret_keys

    key = secret_keys.create_secret_key("sdk")[1]
    user = make_user()
    mfa.import_totp(user, SECRET)
    with Clerk(bearer_auth=key, server_url=live_server.url + BACKEND) as clerk:
        result = clerk.users.verify_totp(user_id=user.pk, code=code_for(SECRET))
        assert result.verified is True and result.code_type.value == "totp"
        assert clerk.users.delete_backup_codes(user_id=user.pk).user_id == user.pk
        assert clerk.users.delete_totp(user_id=user.pk).user_id == user.pk
        assert clerk.users.disable_mfa(user_id=user.pk).user_id == user.pk
    assert not mfa.two_factor_enabled(user)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_backup_code_is_consumed_once_under_concurrency(make_user: Any) -> None:
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrency proof runs on PostgreSQL")
    user = make_user()
    mfa.import_totp(user, SECRET)
    codes = mfa.regenerate_backup_codes(user)
    barrier = threading.Barrier(8)
    results: list[bool] = []

    def worker() -> None:
        try:
            fresh = User.objects.get(pk=user.pk)
            barrier.wait()
            results.append(mfa.verify_code(fresh, codes[0])[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    assert mfa.verify_code(user, codes[1]) == (True, "backup_code")
