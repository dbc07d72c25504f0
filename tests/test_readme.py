"""Every ``python``, ``bash``, ``sh`` and ``shell`` block of README.md runs as written.

As a new user would: on a fresh copy of the repository (its files as git lists them) with a
fresh SQLite database, in README order. Shell blocks run in one shell session (``.venv/bin``
first on ``PATH``; what a block exports is there for the next ones); Python blocks are piped
into ``python manage.py shell``, each twice (pasting a block again must work too). A block
that starts ``runserver`` is started in the background, must answer ``/`` and a static file
with 200, and is stopped at the end. Two rewrites, both of the machine and not of the
example: ``runserver``'s default ``127.0.0.1:8000`` and the README's ``:8001`` become free
ports (CI may have those taken), and the quick start's ``pip install`` runs offline against
the packages this test runs with (``PIP_NO_INDEX``, no build isolation, a ``.pth`` to them).

A block preceded by ``<!-- readme-test: skip (reason) -->`` is not run; the reason is
required and such blocks are few (``test_skips_are_rare_and_justified``).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RUN_LANGS = {"python", "bash", "sh", "shell"}
BLOCK = re.compile(
    r"(?:^<!-- readme-test: skip \((?P<skip>[^\n]+?)\) -->\n)?^```(?P<lang>[\w-]*)\n(?P<code>.*?)^```$",
    re.S | re.M,
)
# Variables of this test process that would make the README's commands see another project,
# another database or the test settings instead of the example's.
DROPPED_ENV = (
    "DJANGO_SETTINGS_MODULE",
    "PYTHONPATH",
    "DATABASE_URL",
    "REDIS_URL",
    "VIRTUAL_ENV",
    "PYTHONHOME",
)


@dataclass
class Block:
    lang: str
    code: str
    line: int
    skip: str | None


def readme_blocks() -> list[Block]:
    text = README.read_text()
    return [
        Block(m["lang"], m["code"], text.count("\n", 0, m.start("code")), m["skip"])
        for m in BLOCK.finditer(text)
    ]


def runnable_blocks() -> list[Block]:
    return [b for b in readme_blocks() if b.lang in RUN_LANGS and not b.skip]


def test_blocks_are_found_and_skips_are_rare_and_justified() -> None:
    blocks = readme_blocks()
    langs = {b.lang for b in blocks}
    assert {"python", "bash"} <= langs
    assert len(runnable_blocks()) >= 10
    skipped = [b for b in blocks if b.skip]
    assert all(len(b.skip or "") >= 15 for b in skipped), "say why a block cannot run"
    assert len(skipped) <= 3, [b.line for b in skipped]
    # A marker must sit right above its block: one that is not is a mistake.
    markers = re.findall(r"^<!-- readme-test: skip", README.read_text(), re.M)
    assert len(markers) == len(skipped)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _copy_repository(target: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in filter(None, listed):
        source = ROOT / raw.decode()
        if source.is_file():
            dest = target / raw.decode()
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest)


def _offline_venv(root: Path) -> None:
    """``.venv`` (with its own pip) that sees this test's installed packages through a ``.pth``:
    pip then finds every requirement installed and downloads nothing. The README's own
    ``python3 -m venv .venv`` runs over it."""
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(root / ".venv")], check=True)
    purelib = Path(sysconfig.get_paths()["purelib"])
    site = root / ".venv" / purelib.relative_to(Path(sys.prefix))
    (site / "zz_readme_test_packages.pth").write_text(f"{purelib}\n")


@dataclass
class Shell:
    """One terminal session on the copy: env carried across blocks, servers kept running."""

    root: Path
    env: dict[str, str]
    ports: dict[str, int]
    servers: list[tuple[subprocess.Popen[bytes], Path]] = field(default_factory=list)

    def rewrite(self, code: str) -> str:
        for readme_port, port in self.ports.items():
            code = code.replace(f"127.0.0.1:{readme_port}", f"127.0.0.1:{port}")
        default = f"runserver 127.0.0.1:{self.ports['8000']}"
        return re.sub(r"runserver(?=\s*(?:$|&&|;|\|))", default, code, flags=re.M)

    def run_shell(self, block: Block) -> None:
        code = self.rewrite(block.code)
        if "runserver" in code:
            self.start_server(code, block)
            return
        state = self.root / ".readme-test-env"
        result = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", f'{code}\nenv -0 > "{state}"'],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, _failure(block, result.stdout, result.stderr)
        self.env = dict(item.split("=", 1) for item in state.read_text().split("\0") if "=" in item)

    def run_python(self, block: Block) -> str:
        result = subprocess.run(
            [str(self.root / ".venv" / "bin" / "python"), "manage.py", "shell"],
            input=self.rewrite(block.code),
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, _failure(block, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr, _failure(block, result.stdout, result.stderr)
        return result.stdout

    def start_server(self, code: str, block: Block) -> None:
        port = int(re.findall(r"runserver 127\.0\.0\.1:(\d+)", code)[-1])
        log = self.root / f".readme-test-server-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                ["bash", "-e", "-c", code],
                cwd=self.root,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # the whole chain is stopped at the end
            )
        self.servers.append((process, log))
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            assert process.poll() is None, _failure(block, log.read_text(), "")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                    assert page.status == 200
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(_failure(block, log.read_text(), "runserver did not answer"))
        css = f"http://127.0.0.1:{port}/static/example/site.css"
        with urllib.request.urlopen(css, timeout=10) as response:
            assert response.status == 200

    def stop(self) -> None:
        for process, _log in self.servers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def _failure(block: Block, stdout: str, stderr: str) -> str:
    return (
        f"README.md block at line {block.line} ({block.lang}) failed:\n{block.code}\n"
        f"--- stdout ---\n{stdout[-4000:]}\n--- stderr ---\n{stderr[-4000:]}"
    )


@pytest.fixture(scope="module")
def shell(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shell]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.fail("the README test copies the repository's files as git lists them")
    root = tmp_path_factory.mktemp("readme")
    _copy_repository(root)
    _offline_venv(root)
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    env.update(
        PATH=f"{root / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        PIP_NO_INDEX="1",
        PIP_NO_BUILD_ISOLATION="0",  # pip's inverted spelling: build in this environment
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    session = Shell(root, env, {"8000": _free_port(), "8001": _free_port()})
    yield session
    session.stop()


@pytest.mark.slow
def test_every_readme_block_runs_as_written(shell: Shell) -> None:
    outputs: list[str] = []
    for block in runnable_blocks():
        if block.lang == "python":
            outputs.append(shell.run_python(block))
            outputs.append(shell.run_python(block))  # pasted twice: same result, no error
        else:
            shell.run_shell(block)
    # The quick start: the key alone on the last line of clerk_users_demo, no check warning.
    quick_start = shell.servers[0][1].read_text()
    assert "WARNINGS" not in quick_start and "W050" not in quick_start, quick_start
    lines = quick_start.splitlines()
    key_line = lines.index(next(line for line in lines if "alone on the next line" in line))
    assert re.fullmatch(r"sk_test_\w+", lines[key_line + 1])
    assert re.findall(r"\bsk_\w+", quick_start) == [lines[key_line + 1]]
    # The Python API block printed what its comments say, both times.
    api = [out for out in outputs if "G Hopper hopper@example.com +14155550123" in out]
    assert len(api) == 2 and api[0] == api[1]


def test_rewrites_only_ports() -> None:
    session = Shell(Path("."), {}, {"8000": 1234, "8001": 5678})
    assert session.rewrite("a && python manage.py runserver") == (
        "a && python manage.py runserver 127.0.0.1:1234"
    )
    assert session.rewrite("python manage.py runserver 127.0.0.1:8001") == (
        "python manage.py runserver 127.0.0.1:5678"
    )
    assert (
        session.rewrite('url = "http://127.0.0.1:8000/api"') == 'url = "http://127.0.0.1:1234/api"'
    )
