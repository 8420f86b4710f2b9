"""The personal credit report: gather the citizen's public credit information as the app shows
it today, render it, sign it, keep what checks it (never the content), and answer the public
check of a report by its number or short code for 30 days."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import secrets

import msgspec

from backend.benefits.service import my_benefits
from backend.creditreport import render, signing, store
from backend.creditreport.facts import (
    CaseLine,
    MeasureLine,
    QuerySummary,
    RecordLine,
    ReportFacts,
)
from backend.creditreport.fonts import static_font
from backend.creditreport.schemas import ReportCheck
from backend.identity.id_number import mask_id_number
from backend.identity.service import decrypt_id_number
from backend.platform import runtime
from backend.platform.database import connection, transaction
from backend.platform.errors import NotFound
from backend.platform.language import say
from backend.records.catalog import catalog_set

VALID_DAYS = 30
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed
STATUS_WORDS = {
    "submitted": "已提交",
    "accepted": "已受理",
    "verifying": "核查中",
    "rejected": "不予受理",
    "withdrawn": "已撤回",
    "upheld": "维持原记录",
    "corrected": "已更正",
    "revoked": "已撤销",
    "approved": "准予修复",
    "denied": "不予修复",
    "terminated": "已终止办理",
}


def _names(record_type: str, version: str) -> tuple[str, str, int]:
    """(title, legal basis, points) as the record's catalog version has them."""
    catalogs = catalog_set()
    catalog = catalogs.by_version(version) or catalogs.latest
    entry = catalog.record_types.get(record_type)
    if entry is None:
        return record_type, "", 0
    return entry.name_zh, entry.legal_basis, entry.points


def _short_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def _number(made_at: dt.datetime) -> str:
    return f"XY{made_at:%Y%m%d}{secrets.token_hex(4).upper()}"


async def _facts(
    citizen_id: int, number: str, code: str, made_at: dt.datetime, *, masked: bool
) -> ReportFacts:
    today = runtime.clock().today()
    settings = runtime.current().settings
    eligibility = await my_benefits(citizen_id)  # first: it scores a citizen with no card yet
    async with connection() as conn:
        person = await store.person(conn, citizen_id)
        if person is None:
            raise NotFound(say("没有您的信用信息", "no credit information on file"))
        records = await store.records_in_display(conn, citizen_id, today)
        cases = await store.cases(conn, citizen_id)
        looks = await store.looks_since(conn, citizen_id, made_at - dt.timedelta(days=365))
        black = await store.black_listed(conn, citizen_id, today)
    lines = []
    for r in records:
        title, basis, points = _names(r.record_type, r.catalog_version)
        lines.append(
            RecordLine(
                title=title,
                department=r.department,
                decided_on=r.decided_on,
                display_until=r.display_until,
                legal_basis=basis,
                polarity=r.polarity,
                points=points,
            )
        )
    return ReportFacts(
        number=number,
        short_code=code,
        made_at=made_at,
        name=person.name,
        id_number=_id_shown(decrypt_id_number(person.id_number_encrypted), masked=masked),
        points=eligibility.points,
        grade=eligibility.grade.code,
        grade_name=eligibility.grade.name_zh,
        rules_version=person.rules_version or "—",
        records=tuple(lines),
        cases=tuple(
            CaseLine(
                kind=c.kind,
                case_id=c.id,
                record_title=_names(c.record_type, c.catalog_version)[0],
                status=STATUS_WORDS.get(c.status, c.status),
                decided_on=c.decided_on,
                reason=c.decision_reason,
            )
            for c in cases
        ),
        red_list=bool(person.red_list),
        black_list=black,
        measures=tuple(
            MeasureLine(
                name=m.name_zh,
                kind="强制 Mandatory" if m.kind == "mandatory" else "推荐 Recommended",
                legal_basis=m.legal_basis,
                ends_on=m.ends_on,
            )
            for m in eligibility.restrictions
        ),
        queries=tuple(
            QuerySummary(organisation=q.organisation, looks=q.looks, last=q.last.date())
            for q in looks
        ),
        check_url=f"{settings.public_base_url.rstrip('/')}/v1/public/credit-reports/{number}",
    )


def _id_shown(id_number: str, *, masked: bool) -> str:
    """In full to the citizen themselves, masked in a report anyone else receives."""
    return mask_id_number(id_number) if masked else id_number


async def make(citizen_id: int, *, masked: bool = False) -> tuple[ReportFacts, bytes]:
    """A new signed report of the citizen's information (the ID number masked when it is for an
    institution), and what checks it kept."""
    settings = runtime.current().settings
    made_at = runtime.clock().now().replace(microsecond=0)
    number, code = _number(made_at), _short_code()
    facts = await _facts(citizen_id, number, code, made_at, masked=masked)
    key = settings.key_bytes("verification_signing_key")
    kid = signing.kid_of(key)
    font = await asyncio.to_thread(static_font, settings.var_dir)
    unsigned = await asyncio.to_thread(render.render, facts, font, kid)
    signed, signature = signing.sign(number, unsigned, key)
    issued = store.Issued(
        number=number,
        short_code=code,
        citizen=citizen_id,
        made_at=made_at,
        expires_at=made_at + dt.timedelta(days=VALID_DAYS),
        fingerprint=hashlib.sha256(signed).hexdigest(),
        facts_sha256=hashlib.sha256(msgspec.json.encode(facts)).hexdigest(),
        signature=signature,
        kid=kid,
    )
    async with transaction() as conn:
        await store.save(conn, issued)
    return facts, signed


async def check(key: str) -> ReportCheck:
    """Valid or not, and the fingerprint: never the content. An expired report answers invalid
    with its dates, an unknown one invalid with nulls."""
    async with connection() as conn:
        found = await store.issued(conn, key.strip().upper()) if len(key) <= 40 else None
    if found is None:
        return ReportCheck(
            valid=False, number=None, fingerprint=None, made_at=None, expires_at=None, kid=None
        )
    now = runtime.clock().now()
    return ReportCheck(
        valid=now < found.expires_at,
        number=found.number,
        fingerprint=found.fingerprint,
        made_at=found.made_at,
        expires_at=found.expires_at,
        kid=found.kid,
    )
