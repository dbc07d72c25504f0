"""The README's receiver example, run as written against a message this app signed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .conftest import deliver

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_receiver() -> Any:
    section = README.read_text().split("## Webhooks", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"\*\*Receive\*\*.*?```python\n(.*?)```", section, re.S).group(1)
    namespace: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    return namespace["receive"]


def test_readme_receiver_accepts_our_messages_and_refuses_forgeries(
    endpoint: Any, receiver: Any, make_user: Any, capsys: Any
) -> None:
    receive = readme_receiver()
    user = make_user()
    deliver()
    request = receiver.requests[0]
    headers, body = request["headers"], request["body"].encode()
    assert receive(endpoint.secret, body, headers) == (200, "ok")
    assert f"new user {user.pk} message {headers['svix-id']}" in capsys.readouterr().out
    assert (
        receive(endpoint.secret, body.replace(b"user.created", b"user.deleted"), headers)[0] == 400
    )
    assert receive("whsec_" + "A" * 32, body, headers)[0] == 400
