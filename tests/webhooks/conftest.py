"""A real HTTP receiver on 127.0.0.1 (a threaded ``http.server``) and webhook fixtures."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class Receiver:
    """Records every request; answers from ``plan`` (a list consumed in order, then
    ``default``): an int status, ``"hang"`` (sleeps ``hang_for``), ``"reset"`` (closes the
    connection with an RST), ``"redirect"`` (302 to /elsewhere)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.plan: list[Any] = []
        self.default: Any = 200
        self.hang_for = 2.0
        self.delay = 0.0  # seconds before every answer (widens race windows)
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/clerk"

    def next_answer(self) -> Any:
        with self.lock:
            return self.plan.pop(0) if self.plan else self.default

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.requests]

    def types(self) -> list[str]:
        return [e["type"] for e in self.events()]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall between header and body

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            body = self.rfile.read(length).decode()
            with receiver.lock:
                receiver.requests.append(
                    {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                )
            answer = receiver.next_answer()
            if receiver.delay:
                time.sleep(receiver.delay)
            if answer == "hang":
                time.sleep(receiver.hang_for)
                answer = 200
            if answer == "reset":
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.connection.close()
                self.close_connection = True
                return
            status = 302 if answer == "redirect" else int(answer)
            text = b"ok" if status < 300 else f"answer {status}".encode()
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(found))
    server.daemon_threads = True
    found.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture
def make_endpoint(db: Any) -> Callable[..., Any]:
    from clerk_users.webhooks import endpoints

    def make(url: str, **kwargs: Any) -> Any:
        return endpoints.create_endpoint(url, **kwargs)

    return make


@pytest.fixture
def endpoint(make_endpoint: Callable[..., Any], receiver: Receiver) -> Any:
    return make_endpoint(receiver.url)


def deliver() -> int:
    from clerk_users.webhooks import delivery

    return delivery.deliver_due()


def messages(**filters: Any) -> list[Any]:
    from clerk_users.models import WebhookMessage

    return list(WebhookMessage.objects.filter(**filters).order_by("seq"))


def types_of(**filters: Any) -> list[str]:
    return [m.event_type for m in messages(**filters)]


def payloads(**filters: Any) -> list[dict[str, Any]]:
    return [json.loads(m.body) for m in messages(**filters)]
