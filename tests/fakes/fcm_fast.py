"""A fast fake FCM v1 server for throughput: asyncio, HTTP/1.1 keep-alive and HTTP/2 (h2c with
prior knowledge) on one port, run in its own process so the sender's load is generated outside it.

The drill fake (:mod:`tests.fakes.fcm`) stays what the fault tests script (holds, outages, kills);
it is a thread per connection and answers a few hundred requests a second, so it measured itself
rather than our sender. This one answers in the event loop, never blocks, and keeps only counters:

- ``POST /v1/projects/<project>/messages:send``: 200 with a message name, or 404 UNREGISTERED when
  the token starts with ``dead-`` (so a test can have dead tokens without scripting across
  processes). Every answer waits ``delay`` seconds first (0: none) without blocking the loop.
- ``GET /_stats``: JSON counters: requests, answers by kind, the peak of requests being answered
  at once (overlap: proof the sender sends concurrently), connections now and at most, HTTP/2
  streams, and how many (token, event id) pairs were accepted more than once.
- ``POST /_reset``: zero the counters.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, cast

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings

H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
MAX_STREAMS = 1000  # streams one HTTP/2 connection may have open: more than any sender here
_UNREGISTERED = json.dumps(
    {
        "error": {
            "code": 404,
            "message": "Requested entity was not found.",
            "status": "NOT_FOUND",
            "details": [
                {
                    "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                    "errorCode": "UNREGISTERED",
                }
            ],
        }
    }
).encode()


@dataclass
class Counters:
    requests: int = 0
    answers: Counter[str] = field(default_factory=Counter)
    busy: int = 0
    peak_busy: int = 0
    connections: int = 0
    peak_connections: int = 0
    h2_streams: int = 0
    accepted: Counter[tuple[str, str]] = field(default_factory=Counter)

    def as_json(self) -> bytes:
        return json.dumps(
            {
                "requests": self.requests,
                "answers": dict(self.answers),
                "peakBusy": self.peak_busy,
                "busy": self.busy,
                "connections": self.connections,
                "peakConnections": self.peak_connections,
                "h2Streams": self.h2_streams,
                "accepted": len(self.accepted),
                "acceptedTwice": sum(n - 1 for n in self.accepted.values() if n > 1),
            }
        ).encode()


class FastFcm:
    """What every connection shares: the counters and how to answer."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.counters = Counters()
        self.number = 0

    async def answer(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        if path == "/_stats":
            return 200, self.counters.as_json()
        if path == "/_reset":
            self.counters = Counters(connections=self.counters.connections)
            return 200, b"{}"
        if method != "POST" or not path.endswith("/messages:send"):
            return 404, b'{"error": {"code": 404, "status": "NOT_FOUND"}}'
        c = self.counters
        c.requests += 1
        c.busy += 1
        c.peak_busy = max(c.peak_busy, c.busy)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return self._message(body)
        finally:
            c.busy -= 1

    def _message(self, body: bytes) -> tuple[int, bytes]:
        message = json.loads(body or b"{}").get("message", {})
        token = message.get("token", "")
        if token.startswith("dead-"):
            self.counters.answers["unregistered"] += 1
            return 404, _UNREGISTERED
        self.number += 1
        self.counters.answers["ok"] += 1
        self.counters.accepted[(token, message.get("data", {}).get("eventId", ""))] += 1
        return 200, b'{"name": "projects/fake/messages/%d"}' % self.number

    def opened(self) -> None:
        self.counters.connections += 1
        self.counters.peak_connections = max(
            self.counters.peak_connections, self.counters.connections
        )

    def closed(self) -> None:
        self.counters.connections -= 1


class _Connection(asyncio.Protocol):
    """One client connection: HTTP/1.1 with keep-alive until it sends the HTTP/2 preface."""

    def __init__(self, fake: FastFcm) -> None:
        self.fake = fake
        self.buffer = b""
        self.h2: _H2 | None = None
        self.transport: asyncio.Transport | None = None
        self.queue: asyncio.Queue[tuple[str, str, bytes] | None] = asyncio.Queue()
        self.writer: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport; they behave as one.
        self.transport = cast(asyncio.Transport, transport)
        self.fake.opened()

    def connection_lost(self, exc: Exception | None) -> None:
        self.fake.closed()
        self.queue.put_nowait(None)

    def data_received(self, data: bytes) -> None:
        if self.h2 is not None:
            self.h2.received(data)
            return
        self.buffer += data
        if self.writer is None:
            if H2_PREFACE.startswith(self.buffer):
                return  # too little yet to tell HTTP/2 from HTTP/1.1
            if self.buffer.startswith(H2_PREFACE):
                assert self.transport is not None
                self.h2 = _H2(self.fake, self.transport)
                self.h2.received(self.buffer)
                self.buffer = b""
                return
            self.writer = asyncio.get_running_loop().create_task(self._answer_in_order())
        self._parse_requests()

    def _parse_requests(self) -> None:
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1").split("\r\n")
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            method, path, _ = head[0].split(" ", 2)
            self.queue.put_nowait((method, path, body))

    async def _answer_in_order(self) -> None:
        # HTTP/1.1 answers go back in request order (a pipelining client relies on it).
        while (request := await self.queue.get()) is not None:
            status, payload = await self.fake.answer(*request)
            if self.transport is None or self.transport.is_closing():
                return
            self.transport.write(
                b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                % (status, b"OK" if status == 200 else b"Error", len(payload))
                + payload
            )


class _H2:
    """HTTP/2 without TLS (prior knowledge): each stream is answered in its own task."""

    def __init__(self, fake: FastFcm, transport: asyncio.Transport) -> None:
        self.fake = fake
        self.transport = transport
        self.conn = h2.connection.H2Connection(
            config=h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
        )
        # Many streams at once from the first frame on (an update would hold only once acked).
        self.conn.local_settings = h2.settings.Settings(
            client=False,
            initial_values={
                h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: MAX_STREAMS,
                h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: 65536,
            },
        )
        self.conn.initiate_connection()
        self.streams: dict[int, tuple[dict[str, str], bytearray]] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.transport.write(self.conn.data_to_send())

    def received(self, data: bytes) -> None:
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            # h2 has queued the GOAWAY that says why: send it and hang up.
            self.transport.write(self.conn.data_to_send())
            self.transport.close()
            return
        for event in events:
            if isinstance(event, h2.events.RequestReceived):
                headers = {str(k): str(v) for k, v in event.headers or []}
                self.streams[event.stream_id] = (headers, bytearray())
            elif isinstance(event, h2.events.DataReceived):
                self.streams[event.stream_id][1].extend(event.data or b"")
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                self._answer(event.stream_id)
        self.transport.write(self.conn.data_to_send())

    def _answer(self, stream_id: int | None) -> None:
        if stream_id is None:
            return
        self.fake.counters.h2_streams += 1
        headers, body = self.streams.pop(stream_id)
        task = asyncio.get_running_loop().create_task(self._reply(stream_id, headers, bytes(body)))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _reply(self, stream_id: int, headers: dict[str, str], body: bytes) -> None:
        status, payload = await self.fake.answer(headers[":method"], headers[":path"], body)
        if self.transport.is_closing():
            return
        self.conn.send_headers(
            stream_id,
            [
                (":status", str(status)),
                ("content-type", "application/json"),
                ("content-length", str(len(payload))),
            ],
        )
        self.conn.send_data(stream_id, payload, end_stream=True)
        self.transport.write(self.conn.data_to_send())


async def serve(fake: FastFcm, port_out: Connection | None = None, port: int = 0) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _Connection(fake), "127.0.0.1", port, backlog=4096, reuse_address=True
    )
    bound = server.sockets[0].getsockname()[1]
    if port_out is not None:
        port_out.send(f"http://127.0.0.1:{bound}")
    async with server:
        await server.serve_forever()


def _main(port_out: Connection, delay: float) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # the stdlib loop works too, somewhat slower
        pass
    asyncio.run(serve(FastFcm(delay), port_out))


@contextlib.contextmanager
def fast_fcm_process(delay: float = 0.0) -> Iterator[str]:
    """The fast fake in its own process; yields its base URL."""
    receive, send = multiprocessing.get_context("spawn").Pipe(duplex=False)
    process = multiprocessing.get_context("spawn").Process(
        target=_main, args=(send, delay), daemon=True
    )
    process.start()
    try:
        if not receive.poll(30):
            raise RuntimeError("the fast fake FCM did not start")
        yield str(receive.recv())
    finally:
        process.terminate()
        process.join(10)


def stats(url: str) -> dict[str, Any]:
    """The fake's counters (a plain blocking GET: call it with asyncio.to_thread from a loop)."""
    import httpx

    result: dict[str, Any] = httpx.get(f"{url}/_stats", timeout=10).json()
    return result


def reset(url: str) -> None:
    import httpx

    httpx.post(f"{url}/_reset", timeout=10)


if __name__ == "__main__":  # run it by hand: python -m tests.fakes.fcm_fast [port]
    asyncio.run(serve(FastFcm(), port=int(sys.argv[1]) if len(sys.argv) > 1 else 8765))
