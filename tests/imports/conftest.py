"""The Backend API fixtures (secret key, Clerk's Python SDK on the live server)."""

from tests.api.backend.conftest import api, clerk, secret_key  # noqa: F401
