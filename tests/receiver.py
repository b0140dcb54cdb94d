"""A real HTTP receiver on loopback for apprise's ``json://`` notices (tests and bench/notice_latency.py).

Apprise POSTs ``{"title": …, "message": …}`` to ``json://127.0.0.1:PORT/PATH``; each request is kept
with the moment it arrived (``time.perf_counter()``) and its path, so a test can say who got what.
A receiver can also refuse (HTTP 500), to stand for a service that is down.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    at: float
    path: str
    body: dict


@dataclass
class Receiver:
    refuse: bool = False
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def __enter__(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                at = time.perf_counter()
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"raw": raw.decode(errors="replace")}
                if not receiver.refuse:
                    receiver.received.append(Received(at, self.path, body))
                self.send_response(500 if receiver.refuse else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.server_address[1]

    def url(self, path: str = "") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def to(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path.strip("/") == path]
