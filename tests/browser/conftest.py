"""Browser tests: ClerkJS (``@clerk/clerk-js`` + ``@clerk/ui`` from node_modules) in Debian's
Chromium, driven by Playwright, against the live server (reusable by other issues).

Fixtures:
- ``browser``: Chromium launched with the flags ClerkJS needs (without
  ``--disable-blink-features=AutomationControlled`` it treats the browser as a bot);
- ``context``: a fresh browser context with the **route guard**: every request to a host other
  than 127.0.0.1/localhost is aborted and recorded in ``context.blocked`` (checked after
  each test: no request leaves the machine);
- ``site``: the live server's URL (transactional database, so the server sees test data);
- ``sign_in(page, user, password)``: signs in through allauth's login page;
- ``signed_in``: a page of a new signed-in user (``signed_in.user``, ``signed_in.password``);
- ``load_clerk(page, path)``: opens a site page that loads ClerkJS and waits for
  ``Clerk.load()``;
- ``clerk(page, js, arg)``: evaluates ``async (clerk, arg) => ...`` with the loaded Clerk.

Every Frontend API call the server answers is recorded (``fapi_log``) and summarised at the
end of the run. Chromium or the npm packages missing: skipped locally, a failure under CI.
"""

from __future__ import annotations

import logging
import os
import shutil
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser import fapi_log

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--disable-blink-features=AutomationControlled",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
BUNDLES = [
    ROOT / "node_modules" / "@clerk" / "clerk-js" / "dist" / "clerk.browser.js",
    ROOT / "node_modules" / "@clerk" / "ui" / "dist" / "ui.browser.js",
]
PASSWORD = "correct horse battery"


def _missing() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    for bundle in BUNDLES:
        if not bundle.exists():
            return f"{bundle.relative_to(ROOT)} is missing (npm ci)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        executable = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def route_guard(blocked: list[str]) -> Callable[[Any], None]:
    """Abort any request that would leave the machine; remember its URL."""

    def guard(route: Any) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS:
            blocked.append(url)
            route.abort()
        else:
            route.continue_()

    return guard


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.blocked = []
    context.route("**/*", route_guard(context.blocked))
    context.set_default_timeout(30_000)  # a loaded CI machine is slow, not broken
    yield context
    blocked = list(context.blocked)
    context.close()
    assert blocked == [], f"requests tried to leave the machine: {blocked}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Any:
    """Keep each phase's report on the test, for ``page``'s account of a failure."""
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


@pytest.fixture
def page(context: Any, request: Any) -> Iterator[Any]:
    page = context.new_page()
    page.console_messages = []
    page.requests = []
    page.on("console", lambda msg: page.console_messages.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: page.console_messages.append(f"pageerror: {exc}"))
    page.on("request", lambda r: page.requests.append(f"-> {r.method} {r.url}"))
    page.on("requestfinished", lambda r: page.requests.append(f"<- {r.method} {r.url}"))
    page.on("requestfailed", lambda r: page.requests.append(f"!! {r.method} {r.url} {r.failure}"))
    yield page
    report = getattr(request.node, "_report_call", None)
    if report is not None and report.failed:
        # A browser test that fails on a loaded machine says what the page did and saw:
        # its last requests (sent, answered, failed), the calls the server answered, the
        # console, and the visible text.
        try:
            text = page.evaluate("() => document.body.innerText")[-2000:]
        except Exception as exc:  # the page may be gone
            text = f"(no text: {exc})"
        report.sections.append(
            (
                "browser",
                "\n".join(
                    [
                        f"url: {page.url}",
                        "requests:",
                        *page.requests[-40:],
                        "answered (caller, method, path, status):",
                        *map(str, (fapi_log.CALLS or [])[-40:]),
                        "console:",
                        *page.console_messages[-30:],
                        "text:",
                        text,
                    ]
                ),
            )
        )


@pytest.fixture
def site(live_server: Any, transactional_db: Any, settings: Any) -> str:
    from django.core.cache import cache

    settings.CLERK_USERS = {
        **settings.CLERK_USERS,
        "USER_PROFILE_URL": "profile",
        "FRONTEND_UPDATE_RATE": "10000/10s",
        "FRONTEND_VERIFICATION_RATE": "10000/10s",
    }
    cache.clear()
    return live_server.url


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))


@pytest.fixture(autouse=True)
def _frontend_call_log(request: Any) -> Iterator[None]:
    """Record the Frontend API calls of each browser test (kept for the run's summary) and
    fail the test if the server answered any of them with a 5xx."""
    fapi_log.CALLS = []
    errors = _Errors()
    logger = logging.getLogger("clerk_users.api.errors")
    logger.addHandler(errors)
    try:
        yield
    finally:
        logger.removeHandler(errors)
        calls, fapi_log.CALLS = fapi_log.CALLS, None
        request.config._clerk_fapi_calls = [
            *getattr(request.config, "_clerk_fapi_calls", []),
            *calls,
        ]
    server_errors = [call for call in calls if call[3] >= 500]
    assert not server_errors, f"{server_errors}\n" + "\n".join(errors.texts)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    calls = getattr(config, "_clerk_fapi_calls", None)
    if not calls:
        return
    counts = Counter(calls)
    terminalreporter.section("Frontend API calls answered to ClerkJS (method path status: count)")
    for (caller, method, path, status), count in sorted(counts.items(), key=lambda i: i[0][2]):
        if caller == "clerkjs":
            terminalreporter.write_line(f"{method:6} {path} {status}: {count}")
    out = ROOT / "build" / "fapi-calls.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text("".join(f"{c} {m} {p} {s} {n}\n" for (c, m, p, s), n in sorted(counts.items())))


def sign_in(page: Any, site: str, login: str, password: str = PASSWORD) -> None:
    """Sign in through allauth's login page, as a person would."""
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{site}/")
    settle(page)


def settle(page: Any) -> None:
    """Wait until the page's requests are done (ClerkJS loading), so that the test's own
    database work never overlaps a request: on SQLite the live server shares the test's
    in-memory connection, where overlapping writers fail with "table is locked"."""
    page.wait_for_load_state("networkidle")


@pytest.fixture
def make_browser_user(transactional_db: Any) -> Callable[..., Any]:
    from clerk_users.models import User

    counter = iter(range(1, 10_000))

    def make(**kwargs: Any) -> Any:
        n = next(counter)
        kwargs.setdefault("username", f"browser{n:03d}")
        kwargs.setdefault("email_address", f"browser{n:03d}@example.com")
        kwargs.setdefault("password", PASSWORD)
        return User.objects.create_user(**kwargs)

    return make


@pytest.fixture
def signed_in(site: str, page: Any, make_browser_user: Callable[..., Any]) -> Any:
    user = make_browser_user(first_name="Grace", last_name="Hopper")
    sign_in(page, site, user.username)
    return SimpleNamespace(page=page, user=user, password=PASSWORD, site=site)


def load_clerk(page: Any, site: str, path: str = "/") -> None:
    """Open a page that loads ClerkJS (the example site's home or /profile/) and wait."""
    page.goto(f"{site}{path}")
    try:
        page.evaluate("() => window.clerkReady.then(() => true)")
    except Exception as exc:  # the page's console says why ClerkJS did not load
        raise AssertionError(f"Clerk.load() failed: {exc}\n" + "\n".join(page.console_messages))
    settle(page)


def clerk(page: Any, js: str, arg: Any = None) -> Any:
    """``await (js)(window.Clerk, arg)`` in the page; ``js`` is an async arrow function."""
    return page.evaluate(f"async (arg) => ({js})(window.Clerk, arg)", arg)


def submit(page: Any) -> None:
    """Click the form's primary button once it is enabled: on a loaded machine Clerk's forms
    can still be validating the last keystrokes, and a click on the disabled button submits
    nothing."""
    page.wait_for_function(
        "() => { const b = document.querySelector('.cl-formButtonPrimary');"
        " return b && !b.disabled; }"
    )
    page.locator(".cl-formButtonPrimary").first.click()


def submit_until_sent(
    page: Any,
    sent: Callable[[Any], bool],
    action: Callable[[], None] | None = None,
    *,
    tries: int = 3,
    seconds: float = 10,
) -> Any:
    """Submit a ClerkJS form (``action``, by default ``submit(page)``) until the page sends a
    request ``sent`` accepts; return that request's response.

    Under CI's load a click on an enabled "Add" button twice submitted nothing: no request
    left the page (the failure report listed every request), so the test waited 30 s for a
    response that could not come. A person clicks again; so does this, at most ``tries``
    times, and then fails saying the form sent nothing. A request that was sent is never
    sent twice: its response is awaited.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(tries):
        try:
            with page.expect_request(sent, timeout=seconds * 1000) as request:
                (action or (lambda: submit(page)))()
        except PlaywrightTimeout:
            continue
        if attempt:  # said in the run's warnings summary, so a lost click stays visible
            warnings.warn(f"the form sent its request on submission {attempt + 1}", stacklevel=2)
        return request.value.response()
    raise AssertionError(f"the form sent no matching request after {tries} submissions")


def request_path(request: Any) -> str:
    """A Playwright request's URL path, without the query and a trailing slash."""
    return urlsplit(request.url).path.rstrip("/")
