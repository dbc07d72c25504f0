"""Sessions: creation on login, activity and revocation.

Placeholder hooks called by ``users.ban`` and password changes; the sessions feature (issue 7)
implements them on the ``Session`` model.
"""

from __future__ import annotations

from typing import Any


def revoke_all_sessions(user: Any) -> int:
    return 0


def revoke_other_sessions(user: Any, keep_session_key: str | None = None) -> int:
    return 0
