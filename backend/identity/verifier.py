"""Real-name verification (三要素: name + ID number + phone)."""

from __future__ import annotations

from typing import Protocol

import msgspec

from backend.platform.database import connection


class VerificationResult(msgspec.Struct, frozen=True):
    ok: bool
    reason: str | None = None


class IdentityVerifier(Protocol):
    async def verify(self, name: str, id_number_index: str, phone: str) -> VerificationResult: ...


class RegistryIdentityVerifier:
    """Checks the population registry that authorised departments keep up to date."""

    async def verify(self, name: str, id_number_index: str, phone: str) -> VerificationResult:
        async with connection() as conn:
            row = await conn.fetchrow(
                "SELECT name, phone FROM population_registry WHERE id_number_index = $1",
                id_number_index,
            )
        if row is None:
            return VerificationResult(False, "the ID number is not in the population registry")
        if row["name"] != name:
            return VerificationResult(False, "the name does not match the registry")
        if row["phone"] != phone:
            return VerificationResult(False, "the phone is not the one registered to this ID")
        return VerificationResult(True)
