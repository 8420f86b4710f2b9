"""A TCP forwarder a test can cut, to take PostgreSQL (or any TCP server) away from a process
without touching the server itself, which other tests and sessions share.

    with TcpProxy.to_url(database_url) as proxy:   # forwards a free local port to the server
        env["DATABASE_URL"] = proxy.url             # same URL, through the proxy
        ...
        proxy.cut()       # every open connection is reset, new ones are refused
        ...
        proxy.restore()   # listens again on the same port; clients reconnect as usual

It runs its own event loop in a thread, so it keeps forwarding while the test blocks (waits for
a subprocess) and works the same from sync and async tests; ``cut`` and ``restore`` return once
done, within milliseconds. ``connections`` counts the connections accepted so far (the drills
use it to see that a client reconnected).
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

T = TypeVar("T")
_CHUNK = 64 * 1024


class TcpProxy:
    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5432) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = 0  # chosen on start, kept across cut and restore
        self.connections = 0
        self._source_url: str | None = None
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="tcp-proxy", daemon=True
        )

    @classmethod
    def to_url(cls, url: str) -> TcpProxy:
        """A proxy to the host and port of ``url`` (e.g. a ``postgresql://`` URL); its ``url``
        is the same URL pointed at the proxy."""
        parts = urlsplit(url)
        if not parts.hostname or parts.hostname.startswith("/"):
            raise ValueError(f"not a TCP URL: {url}")
        proxy = cls(parts.hostname, parts.port or 5432)
        proxy._source_url = url
        return proxy

    @property
    def url(self) -> str:
        """The URL given to ``to_url``, with host and port replaced by the proxy's."""
        if self._source_url is None:
            raise ValueError("made without a URL: use TcpProxy.to_url")
        parts = urlsplit(self._source_url)
        user = parts.netloc.rpartition("@")[0]
        netloc = f"{user}@127.0.0.1:{self.port}" if user else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    @property
    def is_cut(self) -> bool:
        return self._server is None

    def start(self) -> TcpProxy:
        self._thread.start()
        self._run(self._listen())
        return self

    def cut(self) -> None:
        """Stop listening (connects are refused) and reset every open connection."""
        self._run(self._cut())

    def restore(self) -> None:
        """Listen again on the same port."""
        if self.is_cut:
            self._run(self._listen())

    def close(self) -> None:
        if self._thread.is_alive():
            self._run(self._cut())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _cut(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            _reset(writer)
        self._writers.clear()
        if server is not None:
            await server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.is_cut:  # accepted just before the cut
            _reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            _reset(writer)
            return
        if self.is_cut:  # cut while the upstream connection was opening
            _reset(writer)
            _reset(up_writer)
            return
        self.connections += 1
        self._writers |= {writer, up_writer}
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        self._writers -= {writer, up_writer}


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST, as a dead network path or a killed server looks to the client."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
