"""Our ``GET /me`` and ``GET /users/{id}`` beside allauth's headless endpoints and a plain
``JsonResponse`` view, in one process, as requests per second and ratios.

    .venv/bin/python benchmarks/peer.py [--seconds 5]

In-process through Django's test client (no network) on the test settings plus
``allauth.headless`` (SQLite in memory; ``DATABASE_URL`` selects PostgreSQL), for one signed-in
user with 3 email addresses, 2 phone numbers and a web3 wallet:

- ``GET /api/frontend/v1/me`` (session cookie) and ``GET /api/backend/v1/users/{id}`` (secret
  key): Clerk's user JSON;
- allauth headless ``GET /_allauth/browser/v1/auth/session`` and ``.../account/email``;
- a plain function view answering ``JsonResponse({"id": request.user.pk})``: the floor.

The target (issue 13): ``GET /me`` >= 1.0x allauth's ``auth/session``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH: another checkout can be measured


def _settings() -> None:
    """The test settings plus allauth.headless, under a module name Django can import."""
    import tests.settings as base

    module = types.ModuleType("peer_settings")
    module.__dict__.update({k: v for k, v in vars(base).items() if k.isupper()})
    module.INSTALLED_APPS = [*base.INSTALLED_APPS, "allauth.headless"]  # type: ignore[attr-defined]
    module.ROOT_URLCONF = "peer_urls"  # type: ignore[attr-defined]
    module.DEBUG = False  # type: ignore[attr-defined]
    module.HEADLESS_SERVE_SPECIFICATION = False  # type: ignore[attr-defined]
    sys.modules["peer_settings"] = module
    os.environ["DJANGO_SETTINGS_MODULE"] = "peer_settings"


def _urls() -> None:
    from django.http import JsonResponse
    from django.urls import include, path

    def plain(request: Any) -> JsonResponse:
        return JsonResponse({"id": request.user.pk})

    module = types.ModuleType("peer_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("plain/me", plain),
        path("_allauth/", include("allauth.headless.urls")),
        path("", include("example_project.urls")),
    ]
    sys.modules["peer_urls"] = module


def _rate(client: Any, url: str, seconds: float, headers: dict[str, str]) -> float:
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        client.get(url, headers=headers)
        count += 1
    return count / elapsed


def _rates(rows: list[tuple[str, Any, str, dict]], seconds: float, rounds: int = 10) -> dict:
    """Median rate of each row over ``rounds`` interleaved slices: a busy machine slows
    every row alike instead of whichever ran during the busy moment."""
    for _, client, url, headers in rows:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    samples: dict[str, list[float]] = {label: [] for label, *_ in rows}
    for _ in range(rounds):
        for label, client, url, headers in rows:
            samples[label].append(_rate(client, url, seconds / rounds, headers))
    return {label: statistics.median(values) for label, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="time per endpoint")
    args = parser.parse_args()
    _settings()
    import django

    django.setup()
    _urls()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import get_runner, override_settings, setup_test_environment

    from clerk_users import secret_keys
    from clerk_users.models import User

    setup_test_environment()
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    try:
        rates = {"BACKEND_API_RATE": "100000000/10s", "FRONTEND_UPDATE_RATE": "100000000/10s"}
        with override_settings(CLERK_USERS={**settings.CLERK_USERS, **rates}):
            user = User.objects.create_user(
                "peer",
                "correct horse battery",
                email_address=["p1@example.com", "p2@example.com", "p3@example.com"],
                phone_number=["+14155550101", "+16285550102"],
                web3_wallet="0x" + "5" * 40,
                first_name="Peer",
                last_name="Bench",
            )
            _, key = secret_keys.create_secret_key("peer benchmark")
            browser = Client()
            browser.force_login(user, backend=settings.AUTHENTICATION_BACKENDS[0])
            server = {"Authorization": f"Bearer {key}"}
            rows = [
                ("plain JsonResponse view", browser, "/plain/me", {}),
                ("allauth GET .../auth/session", browser, "/_allauth/browser/v1/auth/session", {}),
                (
                    "allauth GET .../account/email",
                    browser,
                    "/_allauth/browser/v1/account/email",
                    {},
                ),
                ("our Frontend GET /me", browser, "/api/frontend/v1/me", {}),
                (
                    "our Backend GET /users/{id}",
                    Client(),
                    f"/api/backend/v1/users/{user.pk}",
                    server,
                ),
            ]
            engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
            print(f"database: {engine}; 1 user, 3 emails, 2 phones, 1 wallet; {args.seconds}s each")
            results = _rates(rows, args.seconds)
            me = results["our Frontend GET /me"]
            for label, rate in results.items():
                print(f"{label:<34} {rate:8.1f} req/s   GET /me / this: {me / rate:5.2f}x")
    finally:
        runner.teardown_databases(old_config)


if __name__ == "__main__":
    main()
