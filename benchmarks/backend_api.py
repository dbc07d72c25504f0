"""Requests per second of the Backend API against a hand-written Django view.

    .venv/bin/python benchmarks/backend_api.py [--seconds 3] [--users 100]

Runs in-process through Django's WSGI handler (no network, so framework cost is what is
measured) on the test settings (SQLite in memory; ``DATABASE_URL`` selects PostgreSQL).
It creates ``--users`` users with 3 email addresses, 2 phone numbers and a web3 wallet each,
then times, for the same rows and the same JSON:

- ``GET /api/backend/v1/users/{id}`` and ``GET /api/backend/v1/users?limit=100`` (DRF views
  with secret-key auth, the per-key rate limit and Clerk's error handling), and
- a plain Django function view (no DRF, no auth, no throttle) that loads the same rows with
  ``with_identifiers()`` and returns ``JsonResponse`` built by the same ``user_json``:
  the floor any framework on top of these queries could reach.

The ratio API / hand-written is printed; the target is >= 0.5.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def _hand_written_urls() -> types.ModuleType:
    from django.http import Http404, JsonResponse
    from django.urls import include, path

    from clerk_users.api.backend.views.users import users_queryset
    from clerk_users.api.serializers import user_json
    from clerk_users.images.profile import request_context

    def hand_user(request: Any, user_id: str) -> JsonResponse:
        with request_context(request):  # absolute image URLs, as the API answers
            user = users_queryset().filter(pk=user_id).first()
            if user is None:
                raise Http404
            return JsonResponse(user_json(user))

    def hand_users(request: Any) -> JsonResponse:
        limit = int(request.GET.get("limit", 10))
        with request_context(request):
            users = users_queryset().order_by("-created_at", "-pk")[:limit]
            return JsonResponse([user_json(u) for u in users], safe=False)

    module = types.ModuleType("benchmark_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("hand/users/<str:user_id>", hand_user),
        path("hand/users", hand_users),
        path("", include("example_project.urls")),
    ]
    sys.modules[module.__name__] = module
    return module


def _populate(count: int) -> list[str]:
    from clerk_users.models import User

    ids = []
    for n in range(count):
        user = User.objects.create_user(
            f"bench{n:04d}",
            "correct horse battery",
            email_address=[f"b{n}@example.com", f"b{n}.2@example.com", f"b{n}.3@example.com"],
            phone_number=[f"+1415555{n:04d}", f"+1628555{n:04d}"],
            web3_wallet=f"0x{n + 1:040x}",
            first_name="Bench",
            last_name=f"User {n}",
            public_metadata={"plan": "pro", "n": n},
        )
        ids.append(user.pk)
    return ids


def _rate(client: Any, url: str, seconds: float, headers: dict[str, str]) -> tuple[float, bytes]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    body = response.content
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        client.get(url, headers=headers)
        count += 1
    return count / elapsed, body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    parser.add_argument("--users", type=int, default=100)
    args = parser.parse_args()

    import django

    django.setup()
    import json

    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    from clerk_users import secret_keys

    setup_test_environment()
    from django.test.utils import get_runner

    runner = get_runner(settings)(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    try:
        call_command("check", verbosity=0)
        urls = _hand_written_urls()
        rate = {"BACKEND_API_RATE": "100000000/10s"}
        with override_settings(
            ROOT_URLCONF=urls.__name__, DEBUG=False, CLERK_USERS={**settings.CLERK_USERS, **rate}
        ):
            ids = _populate(args.users)
            _, key = secret_keys.create_secret_key("benchmark")
            client = Client()
            auth = {"Authorization": f"Bearer {key}"}
            pairs = [
                ("GET /users/{id}", f"/api/backend/v1/users/{ids[0]}", f"/hand/users/{ids[0]}"),
                (
                    "GET /users?limit=100",
                    "/api/backend/v1/users?limit=100",
                    "/hand/users?limit=100",
                ),
            ]
            print(
                f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
                f"{args.users} users x (3 emails, 2 phones, 1 wallet), {args.seconds}s each"
            )
            for label, api_url, hand_url in pairs:
                api_rps, api_body = _rate(client, api_url, args.seconds, auth)
                hand_rps, hand_body = _rate(client, hand_url, args.seconds, {})
                same = json.loads(api_body) == json.loads(hand_body)
                if not same and os.environ.get("BENCH_DIFF"):
                    a, h = json.loads(api_body), json.loads(hand_body)
                    a, h = (a[0], h[0]) if isinstance(a, list) else (a, h)
                    print({k: (a.get(k), h.get(k)) for k in a if a.get(k) != h.get(k)})
                print(
                    f"{label:<24} API {api_rps:8.1f} req/s   hand-written {hand_rps:8.1f} req/s"
                    f"   ratio {api_rps / hand_rps:5.2f}   same JSON: {same}"
                )
    finally:
        runner.teardown_databases(old_config)


if __name__ == "__main__":
    main()
