"""A fake FCM v1 HTTP server on 127.0.0.1 for the real firebase-admin code path.

It answers ``POST /v1/projects/<project>/messages:send`` with success, UNREGISTERED, QUOTA_EXCEEDED
or a 5xx, as scripted per token or for the next N requests of any token (optionally with a
``Retry-After``), can answer slowly, can hold requests unanswered (to kill a worker mid-send,
either before or after it "accepted" them), records every request it received and which ones it
answered with success, and counts the connections open now and at most.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
ANSWERS: dict[str, tuple[int, dict[str, Any]]] = {
    "unregistered": (
        404,
        {
            "error": {
                "code": 404,
                "message": "Requested entity was not found.",
                "status": "NOT_FOUND",
                "details": [{"@type": FCM_ERROR, "errorCode": "UNREGISTERED"}],
            }
        },
    ),
    "quota": (
        429,
        {
            "error": {
                "code": 429,
                "message": "Quota exceeded.",
                "status": "RESOURCE_EXHAUSTED",
                "details": [{"@type": FCM_ERROR, "errorCode": "QUOTA_EXCEEDED"}],
            }
        },
    ),
    "unavailable": (
        503,
        {"error": {"code": 503, "message": "The service is unavailable.", "status": "UNAVAILABLE"}},
    ),
    "internal": (500, {"error": {"code": 500, "message": "Internal error.", "status": "INTERNAL"}}),
}


@dataclass
class Received:
    token: str
    title: str
    body: str
    data: dict[str, str]
    collapse_key: str | None
    authorization: str
    path: str
    answered: str = ""
    at: float = field(default_factory=time.monotonic)


@dataclass
class FakeFcm:
    scripts: dict[str, deque[str]] = field(default_factory=lambda: defaultdict(deque))
    received: list[Received] = field(default_factory=list)
    holding: bool = False
    dropping: bool = False
    accept_held: bool = False
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0
    failing: deque[str] = field(default_factory=deque)  # answers for the next requests, any token
    failing_until: float = 0.0  # monotonic time until which every request gets failing_answer
    failing_seconds: float = 0.0  # an outage that starts with the next request (fail_for)
    failing_answer: str = "quota"
    retry_after: str | None = None  # Retry-After header on 429/503 answers
    delay: float = 0.0  # seconds before each answer
    connections: int = 0
    peak_connections: int = 0
    busy: int = 0  # requests being answered right now

    def script(self, token: str, *answers: str) -> None:
        """Answers for the next requests to ``token`` ("unregistered", "quota", "unavailable",
        "internal", "ok"); afterwards success."""
        self.scripts[token].extend(answers)

    def fail_next(self, count: int, answer: str = "unavailable") -> None:
        """Answer the next ``count`` requests (any token) with ``answer``."""
        with self.lock:
            self.failing.extend([answer] * count)

    def fail_for(self, seconds: float, answer: str = "quota") -> None:
        """Answer every request for ``seconds`` with ``answer`` (an outage), counted from the
        next request: the sender runs into it however long it takes to start (a loaded box)."""
        self.failing_answer, self.failing_seconds = answer, seconds

    def hold(self, *, accept: bool = False) -> None:
        """Keep the next requests unanswered until :meth:`drop_held`. With ``accept``, FCM has
        taken them (they count as delivered) and only the answer never reaches the sender."""
        self.holding, self.dropping, self.accept_held = True, False, accept
        self.released.clear()

    def drop_held(self) -> None:
        """Close the held requests without an answer (their sender was killed) and stop holding."""
        self.dropping, self.holding = True, False
        self.released.set()

    def delivered(self) -> list[Received]:
        return [r for r in self.received if r.answered in ("ok", "accepted")]

    def per_event(self) -> dict[tuple[str, str], int]:
        """How often each (token, event id) reached a phone: 1 each is exactly once."""
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for r in self.delivered():
            counts[(r.token, r.data.get("eventId", ""))] += 1
        return dict(counts)

    def answer(
        self, message: dict[str, Any], headers: Any, path: str
    ) -> tuple[int, Any, Received, str]:
        token = message.get("token", "")
        notification = message.get("notification", {})
        record = Received(
            token=token,
            title=notification.get("title", ""),
            body=notification.get("body", ""),
            data=message.get("data", {}),
            collapse_key=message.get("android", {}).get("collapse_key"),
            authorization=headers.get("Authorization", ""),
            path=path,
        )
        with self.lock:
            self.received.append(record)
            script = self.scripts[token]
            if self.failing_seconds:  # the outage starts with this request
                self.failing_until = time.monotonic() + self.failing_seconds
                self.failing_seconds = 0.0
            if script:
                answer = script.popleft()
            elif self.failing:
                answer = self.failing.popleft()
            elif time.monotonic() < self.failing_until:
                answer = self.failing_answer
            else:
                answer = "ok"
            self.counter += 1
            number = self.counter
        if self.delay:
            time.sleep(self.delay)
        if self.holding:
            if self.accept_held and answer == "ok":
                record.answered = "accepted"
            self.released.wait(timeout=60)
            if self.dropping:
                return 0, None, record, "dropped"
        if answer == "ok":
            return 200, {"name": f"projects/fake/messages/{number}"}, record, answer
        status, payload = ANSWERS[answer]
        return status, payload, record, answer


def _handler(fake: FakeFcm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as FCM does

        def setup(self) -> None:
            super().setup()
            with fake.lock:
                fake.connections += 1
                fake.peak_connections = max(fake.peak_connections, fake.connections)

        def finish(self) -> None:
            with fake.lock:
                fake.connections -= 1
            super().finish()

        def do_POST(self) -> None:
            with fake.lock:
                fake.busy += 1
            try:
                self._answer()
            finally:
                with fake.lock:
                    fake.busy -= 1

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            status, payload, record, answer = fake.answer(
                body.get("message", {}), self.headers, self.path
            )
            if answer == "dropped":
                if record.answered != "accepted":
                    record.answered = "dropped"
                self.close_connection = True
                return
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if fake.retry_after and status in (429, 503):
                    self.send_header("Retry-After", fake.retry_after)
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return  # the sender is gone: this answer never arrived
            record.answered = answer

        def log_message(self, *args: Any) -> None:
            return None

    return Handler


class _Server(ThreadingHTTPServer):
    request_queue_size = 1024  # firebase-admin opens up to 500 connections at once


class FcmServer:
    def __init__(self) -> None:
        self.fake = FakeFcm()
        self.httpd = _Server(("127.0.0.1", 0), _handler(self.fake))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FakeFcm:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
