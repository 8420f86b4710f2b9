"""A fake FCM v1 HTTP server on 127.0.0.1 for the real firebase-admin code path.

It answers ``POST /v1/projects/<project>/messages:send`` with success, UNREGISTERED, QUOTA_EXCEEDED
or a 5xx, as scripted per token, can hold a request unanswered (to kill a worker mid-send), and
records every request it received and which ones it answered with success.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
ANSWERS: dict[str, tuple[int, dict[str, Any]]] = {
    "unregistered": (404, {"error": {"code": 404, "message": "Requested entity was not found.",
                     "status": "NOT_FOUND",
                     "details": [{"@type": FCM_ERROR, "errorCode": "UNREGISTERED"}]}}),
    "quota": (429, {"error": {"code": 429, "message": "Quota exceeded.",
              "status": "RESOURCE_EXHAUSTED",
              "details": [{"@type": FCM_ERROR, "errorCode": "QUOTA_EXCEEDED"}]}}),
    "unavailable": (503, {"error": {"code": 503, "message": "The service is unavailable.",
                    "status": "UNAVAILABLE"}}),
    "internal": (500, {"error": {"code": 500, "message": "Internal error.",
                 "status": "INTERNAL"}}),
}  # fmt: skip


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


@dataclass
class FakeFcm:
    scripts: dict[str, deque[str]] = field(default_factory=lambda: defaultdict(deque))
    received: list[Received] = field(default_factory=list)
    holding: bool = False
    dropping: bool = False
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0

    def script(self, token: str, *answers: str) -> None:
        """Answers for the next requests to ``token`` ("unregistered", "quota", "unavailable",
        "internal", "ok"); afterwards success."""
        self.scripts[token].extend(answers)

    def hold(self) -> None:
        """Keep the next requests unanswered until :meth:`drop_held`."""
        self.holding, self.dropping = True, False
        self.released.clear()

    def drop_held(self) -> None:
        """Close the held requests without an answer (their sender was killed) and stop holding."""
        self.dropping, self.holding = True, False
        self.released.set()

    def delivered(self) -> list[Received]:
        return [r for r in self.received if r.answered == "ok"]

    def answer(
        self, message: dict[str, Any], headers: Any, path: str
    ) -> tuple[int, Any, Received, str]:
        token = message.get("token", "")
        notification = message.get("notification", {})
        record = Received(
            token=token, title=notification.get("title", ""), body=notification.get("body", ""),
            data=message.get("data", {}), collapse_key=message.get("android", {}).get(
                "collapse_key"), authorization=headers.get("Authorization", ""), path=path,
        )  # fmt: skip
        with self.lock:
            self.received.append(record)
            script = self.scripts[token]
            answer = script.popleft() if script else "ok"
            self.counter += 1
            number = self.counter
        if self.holding:
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

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            status, payload, record, answer = fake.answer(
                body.get("message", {}), self.headers, self.path
            )
            if answer == "dropped":
                record.answered = "dropped"
                self.close_connection = True
                return
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
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
