"""Proofs run by Clerk's own Node SDK (``@clerk/backend``, installed by ``npm ci``): the
scripts in ``tests/js/`` read a JSON payload on standard input and print JSON last."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent  # the repository


def require_clerk_backend() -> None:
    """Skip without Node or ``@clerk/backend`` locally; under CI their absence fails."""
    if shutil.which("node") is None or not (ROOT / "node_modules" / "@clerk" / "backend").exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install node and @clerk/backend (npm ci) for this proof")
        pytest.skip("node or @clerk/backend is not installed (npm ci)")


def run_script(name: str, payload: Any, *, timeout: int = 60) -> dict[str, Any]:
    """Run ``tests/js/<name>`` with ``payload`` and return the JSON it printed last."""
    require_clerk_backend()
    result = subprocess.run(
        ["node", str(ROOT / "tests" / "js" / name)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])
