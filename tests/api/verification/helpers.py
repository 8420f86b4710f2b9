"""Builders for the verification tests: merchants, codes, redemptions, citizens' ids."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from backend.identity import service as identity
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection

LIBRARY = "library-deposit-waiver"
BIKES = "public-bike-deposit-waiver"
CODES = "/v1/me/verification-codes"
REDEEM = "/v1/merchant/verifications:redeem"
QUERIES = "/v1/me/queries"
LOCK = "/v1/me/lock"
CONSENTS = "/v1/me/consents"
CONSENT_CHECKS = "/v1/merchant/consent-checks"
KEY = "/v1/public/verification-key"
BATCH = "/v1/department/records:batch"
# Everything a merchant may learn from a check, and nothing else.
ANSWER_FIELDS = {
    "verificationId",
    "benefit",
    "eligible",
    "requiredGrade",
    "citizenName",
    "checkedAt",
    "basis",
}


async def merchant(
    code: str = "city-library", name: str = "市图书馆", benefits: tuple[str, ...] = (LIBRARY,)
) -> dict[str, str]:
    """A merchant API client scoped to ``benefits``; returns its X-Api-Key header."""
    _, key = await identity.create_api_client(
        "merchant", code, name, [f"benefit:{b}" for b in benefits]
    )
    return {"X-Api-Key": key}


async def make_code(
    client: httpx.AsyncClient, headers: dict[str, str], benefit: str = LIBRARY
) -> dict[str, Any]:
    response = await client.post(CODES, json={"benefit": benefit}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def redeem(
    client: httpx.AsyncClient, merchant_headers: dict[str, str], **body: str
) -> httpx.Response:
    return await client.post(REDEEM, json=body, headers=merchant_headers)


async def citizen_id(number: str) -> int:
    async with connection() as conn:
        return int(
            await conn.fetchval(
                "SELECT id FROM citizen WHERE id_number_index = $1",
                identity.id_number_index(number),
            )
        )


async def expire(public_id: str) -> None:
    """Move a code's expiry into the past (as if its two minutes were over)."""
    async with connection() as conn:
        await conn.execute(
            "UPDATE verification SET expires_at = now() - interval '1 second' WHERE public_id = $1",
            public_id,
        )


def days_ago(days: int) -> str:
    return (today_in_shanghai() - dt.timedelta(days=days)).isoformat()
