"""Whether an import is running, for code that reacts to user changes (webhooks).

``clerk_users_import_clerk`` runs inside ``suppress_webhooks()`` unless called with
``--webhooks``: a site leaving Clerk does not want 100,000 ``user.created`` events. Whatever
queues webhooks (the ``webhooks`` wing) asks ``webhooks_suppressed()`` and queues nothing
while it is true. A ContextVar, so it holds for this thread/task only and nests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_suppressed: ContextVar[bool] = ContextVar("clerk_users_webhooks_suppressed", default=False)


def webhooks_suppressed() -> bool:
    return _suppressed.get()


@contextmanager
def suppress_webhooks(suppress: bool = True) -> Iterator[None]:
    token = _suppressed.set(suppress)
    try:
        yield
    finally:
        _suppressed.reset(token)
