"""The Frontend API's schema against the real views (schemathesis, bounded): no 5xx, only
documented statuses and bodies, JSON everywhere, schema-violating input refused."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings

from clerk_users.sessions import signing_keys, tokens
from tests.sessions.helpers import make_session, pem

ROUTES = r"^/me(/(metadata|change_password|email_addresses|phone_numbers|web3_wallets)(/.*)?)?$"

schema = schemathesis.openapi.from_wsgi(
    "/api/frontend/v1/openapi.json", get_wsgi_application()
).include(path_regex=ROUTES)


pytestmark = pytest.mark.usefixtures("wsgi_in_test_transaction")


@pytest.fixture
def bearer(make_user: Any, settings: Any) -> str:
    settings.CLERK_USERS = {**settings.CLERK_USERS, "SIGNING_KEYS": [pem(0)]}
    signing_keys.clear_cache()
    person = make_user(phone_number="+14155550142")
    person.create_email_address("pending@example.com")
    yield tokens.session_token(make_session(person))
    signing_keys.clear_cache()


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_frontend_operations_conform(case: Any, bearer: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {bearer}"},
        excluded_checks=[schemathesis.specs.openapi.checks.positive_data_acceptance],
    )
