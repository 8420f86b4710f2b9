"""A fake provincial credit platform on 127.0.0.1: it checks each batch's signature, answers per
item ({"results": [{"id", "status": "accepted" | "rejected", "reason"}]}), and can be scripted
to fail (a status for the next N batches), to be down (connection refused until it comes back
on the same port), to hold a batch unanswered (a sender times out or is killed meanwhile), to
reject given events with a reason, or to leave given events out of its answer. Like a real
platform it deduplicates on the event id: ``acknowledged`` lists each accepted event once."""

from __future__ import annotations

import contextlib
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
class Batch:
    batch_id: str
    ids: list[int]
    events: list[dict[str, Any]]
    signed: bool
    status: int


@dataclass
class ProvincialPlatform:
    secret: str = ""
    script: deque[int] = field(default_factory=deque)  # statuses for the next batches
    hold: threading.Event | None = None  # while set, batches wait before the answer
    reject: dict[int, str] = field(default_factory=dict)  # event id → reason
    unanswered: set[int] = field(default_factory=set)  # left out of the answer (once each)
    batches: list[Batch] = field(default_factory=list)
    pending: int = 0  # batches taken and not answered yet (held)
    acknowledged: list[int] = field(default_factory=list)  # accepted ids, each once
    rejected: dict[int, str] = field(default_factory=dict)
    _seen: set[int] = field(default_factory=set)
    _server: ThreadingHTTPServer | None = None
    _port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/exchange/batches"

    def fail_next(self, count: int, status: int = 500) -> None:
        self.script.extend([status] * count)

    def verify(self, header: str, body: bytes) -> bool:
        parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        at, given = parts.get("t", ""), parts.get("v1", "")
        expected = hmac.new(self.secret.encode(), f"{at}.".encode() + body, hashlib.sha256)
        fresh = at.isdigit() and abs(time.time() - int(at)) < 300
        return fresh and hmac.compare_digest(expected.hexdigest(), given)

    def _answer(self, handler: BaseHTTPRequestHandler) -> tuple[int, bytes]:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", "0")))
        if self.hold is not None:
            with self._lock:
                self.pending += 1
            self.hold.wait(timeout=30)
            with self._lock:
                self.pending -= 1
        # with no secret set (a benchmark's platform) every signed-looking batch counts
        header = handler.headers.get("X-CCC-Signature", "")
        signed = self.verify(header, body) if self.secret else bool(header)
        parsed = json.loads(body)
        events = parsed.get("events", [])
        ids = [int(e["id"]) for e in events]
        with self._lock:
            status = self.script.popleft() if self.script else 200
            if not signed:
                status = 401
            batch_id = handler.headers.get("X-CCC-Batch-Id", "")
            self.batches.append(Batch(batch_id, ids, events, signed, status))
            if not 200 <= status < 300:
                return status, b'{"error": "unavailable"}'
            results = []
            for event_id in ids:
                if event_id in self.unanswered:
                    self.unanswered.discard(event_id)
                    continue
                if event_id in self.reject:
                    self.rejected[event_id] = self.reject[event_id]
                    results.append(
                        {"id": event_id, "status": "rejected", "reason": self.reject[event_id]}
                    )
                    continue
                if event_id not in self._seen:
                    self._seen.add(event_id)
                    self.acknowledged.append(event_id)
                results.append({"id": event_id, "status": "accepted"})
        return status, json.dumps({"results": results}).encode()

    def start(self) -> ProvincialPlatform:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                status, answer = platform._answer(self)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the sender hung up (timed out, killed)
                    self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._server.daemon_threads = True
        self._port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def go_down(self) -> None:
        """Stop listening: senders get connection refused until :meth:`come_back`."""
        self.stop()

    def come_back(self) -> None:
        self.start()  # on the same port

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
