"""Counting this process's Redis round trips: every command packet written to Redis (one
packet is one round trip: a pipeline or a script call is one packet)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from redis.asyncio.connection import Connection


class Sent:
    """Every command packet written to Redis by this process (one packet: one round trip)."""

    def __init__(self) -> None:
        self.packets: list[bytes] = []

    def reset(self) -> None:
        self.packets.clear()

    def trips(self) -> list[bytes]:
        # The live-content poll (HGETALL of the generations) runs on its own clock: not ours.
        return [p for p in self.packets if b"HGETALL" not in p[:40]]


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sent]:
    record = Sent()
    original = Connection.send_packed_command

    async def counting(self: Connection, command: Any, check_health: bool = True) -> None:
        packet = command if isinstance(command, bytes | str) else b"".join(command)
        record.packets.append(packet if isinstance(packet, bytes) else packet.encode())
        await original(self, command, check_health)

    monkeypatch.setattr(Connection, "send_packed_command", counting)
    yield record
