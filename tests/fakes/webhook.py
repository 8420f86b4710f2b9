"""A fake webhook receiver on 127.0.0.1 for an enforcing body: it checks each request's
signature, answers with a scripted status (e.g. 500 for the next N requests, then 200), can hold
a request unanswered (to cut a sender off mid-delivery), and records every request and which
event ids it acknowledged, deduplicating as a real receiver must."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    event_id: int
    body: dict[str, Any]
    signed: bool
    status: int


@dataclass
class WebhookReceiver:
    secret: str = ""
    script: deque[int] = field(default_factory=deque)  # statuses for the next requests
    hold: threading.Event | None = None  # while set, requests wait before answering
    received: list[Received] = field(default_factory=list)
    pending: int = 0  # requests taken and not answered yet (held)
    acknowledged: list[int] = field(default_factory=list)  # event ids answered 2xx, deduped
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/events"

    def fail_next(self, count: int, status: int = 500) -> None:
        self.script.extend([status] * count)

    def verify(self, header: str, body: bytes) -> bool:
        parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        at, given = parts.get("t", ""), parts.get("v1", "")
        expected = hmac.new(self.secret.encode(), f"{at}.".encode() + body, hashlib.sha256)
        fresh = at.isdigit() and abs(time.time() - int(at)) < 300
        return fresh and hmac.compare_digest(expected.hexdigest(), given)

    def _handle(self, handler: BaseHTTPRequestHandler) -> int:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", "0")))
        if self.hold is not None:
            with self._lock:
                self.pending += 1
            self.hold.wait(timeout=30)
            with self._lock:
                self.pending -= 1
        # with no secret set (a benchmark's receiver) every request counts as signed
        header = handler.headers.get("X-CCC-Signature", "")
        signed = self.verify(header, body) if self.secret else bool(header)
        event_id = int(handler.headers.get("X-CCC-Event-Id", "0"))
        with self._lock:
            status = self.script.popleft() if self.script else 200
            if not signed:
                status = 401
            self.received.append(Received(event_id, json.loads(body), signed, status))
            if 200 <= status < 300 and event_id not in self.acknowledged:
                self.acknowledged.append(event_id)
        return status

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                status = receiver._handle(self)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
