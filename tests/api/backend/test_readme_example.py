"""The README's Backend API example, run as written against a live server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[3] / "README.md"


@pytest.mark.django_db(transaction=True)
def test_readme_sdk_example_runs(
    live_server: Any, secret_key: str, capsys: Any, monkeypatch: Any
) -> None:
    """(tests/test_readme.py runs it too, in a shell; this checks what it prints.)"""
    text = README.read_text()
    section = text[text.index("## Backend API") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    code = code.replace("http://127.0.0.1:8000", live_server.url)
    monkeypatch.setenv("CLERK_SECRET_KEY", secret_key)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "1"
    assert "'plan': 'pro'" in out[1]
    assert out[-1] == "verified=True"
