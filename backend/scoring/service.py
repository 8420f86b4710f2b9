"""Re-scoring: read a citizen's records, assess them with the pure engine, then compare and
write the card snapshot (and a history row when points or grade move) in one transaction.

Running it twice changes nothing. Concurrent runs for one citizen serialise on an advisory lock;
a run that read older data than the stored card (a lower change counter or an earlier business
date) never overwrites it. A run that writes or confirms the card at change counter C also sets
``citizen.scored_counter`` to C in the same transaction, so ``change_counter <> scored_counter``
means exactly "the card is behind the records" (the minute sweep reads that).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import logging
from collections.abc import Mapping
from typing import Any, Protocol

import msgspec

from backend.platform import runtime
from backend.platform.caching import etag_for_version
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection, transaction
from backend.platform.language import DEFAULT as DEFAULT_LANGUAGE
from backend.platform.language import LANGUAGES, Language
from backend.platform.metrics import RESCORES
from backend.platform.redis import namespaced
from backend.platform.rows import Connection
from backend.scoring import store
from backend.scoring.notify import emit_card_changes
from backend.scoring.present import card_view
from backend.scoring.store import StoredCard
from backend.scoring.teaser import benefits_teaser
from points_engine import Assessment, BadgeEarned, RecordFact, assess

log = logging.getLogger("backend.scoring")
CARD_CACHE_SECONDS = 6 * 3600
# The shape of the card body: part of the cache key and the ETag, so a release that changes the
# shape never serves (or answers 304 for) a body cached by the one before.
CARD_FORMAT = "card2"


class Outcome(enum.StrEnum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    STALE = "stale"
    MISSING = "missing"


def fact_from_row(row: Any) -> RecordFact:
    """A raw row of ``store.scored_records`` as the engine's fact."""
    catalogs = runtime.current().catalogs
    catalog = catalogs.by_version(row["catalog_version"]) or catalogs.latest
    record_type = catalog.get(row["record_type"])
    return RecordFact(
        id=row["id"],
        record_type=row["record_type"],
        domain=row["domain"],
        polarity=row["polarity"],
        severity=row["severity"],
        points_per_unit=record_type.points if record_type else 0,
        quantity=row["quantity"],
        bonus_category=record_type.bonus_category if record_type else None,
        occurred_on=row["occurred_on"],
        decided_on=row["decided_on"],
        display_until=row["display_until"],
        repairable_from=row["repairable_from"],
        repair_paths=tuple(record_type.repair_paths) if record_type else (),
        status=row["status"],
        under_objection=row["under_objection"],
        repaired_on=row["repaired_on"],
        department=row["department"],
        catalog_version=row["catalog_version"],
        unit=record_type.unit if record_type else "case",
        name_zh=record_type.name_zh if record_type else row["record_type"],
        name_en=record_type.name_en if record_type else row["record_type"],
    )


_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def fingerprint(assessment: Assessment, *, red_list: bool = False) -> str:
    """What the citizen can see, minus the day counts that change every day by themselves and
    the percentile (the nightly statistics refresh it, see ``statistics``)."""
    countdowns = [
        (c.record_id, c.repairable_from, c.repair_possible_now, c.display_until)
        for c in assessment.countdowns
    ]
    visible = (
        card_view(assessment, _EPOCH, None, DEFAULT_LANGUAGE, red_list=red_list),
        assessment.lines,
        assessment.not_counting,
        assessment.suspended,
        countdowns,
    )
    return hashlib.sha256(msgspec.json.encode(visible)).hexdigest()


class CardBody(msgspec.Struct, frozen=True):
    """The pre-encoded card in one language, with the ETag of exactly that body."""

    body: bytes
    etag: str


def card_cache_key(citizen_id: int, language: Language) -> str:
    namespace = runtime.current().settings.redis_namespace
    return namespaced(namespace, CARD_FORMAT, language, citizen_id)


def card_etag(citizen_id: int, revision: int, language: Language) -> str:
    """From what is stored, not from the body: the revision moves with every write of the card.
    The citizen is in it too, so a phone shared by two accounts never gets another's 304; weak,
    because compression changes the bytes and not the meaning."""
    return "W/" + etag_for_version(CARD_FORMAT, citizen_id, revision, language)


def encode_cards(
    assessment: Assessment, assessed_at: dt.datetime, percentile: int | None, *, red_list: bool
) -> dict[Language, bytes]:
    """The card body in every language the API speaks (one snapshot per language)."""
    teaser = benefits_teaser(assessment)
    return {
        language: msgspec.json.encode(
            card_view(
                assessment, assessed_at, percentile, language, teaser=teaser, red_list=red_list
            )
        )
        for language in LANGUAGES
    }


async def _read_state(citizen_id: int) -> tuple[int, list[RecordFact]] | None:
    async with connection() as conn:
        # The counter first, then the records: a change committing in between is in the records
        # but not in the counter, so the card is written at the older counter and the citizen
        # stays behind until a later run (or the sweep) reads the newer one.
        counter = await store.change_counter(conn, citizen_id)
        if counter is None:
            return None
        rows = await store.scored_records(conn, citizen_id)
    return counter, [fact_from_row(row) for row in rows]


async def assess_citizen(citizen_id: int, as_of: dt.date) -> tuple[int, Assessment] | None:
    """The change counter read and a fresh assessment of the records (nothing is written)."""
    state = await _read_state(citizen_id)
    if state is None:
        return None
    counter, facts = state
    return counter, assess(facts, runtime.current().rules.in_force(as_of), as_of)


async def rescore(citizen_id: int, *, reason: str = "records-changed") -> Outcome:
    """Compute → compare → write, on the business date of the runtime clock. Returns what
    happened to the stored card."""
    RESCORES.labels(reason=reason).inc()
    as_of = today_in_shanghai()
    state = await assess_citizen(citizen_id, as_of)
    if state is None:
        return Outcome.MISSING
    counter, assessment = state
    outcome, written = await _write(citizen_id, counter, as_of, assessment, reason)
    if written is not None:
        await cache_cards(citizen_id, *written, replace=True)
    return outcome


async def _write(
    citizen_id: int, counter: int, as_of: dt.date, assessment: Assessment, reason: str
) -> tuple[Outcome, tuple[int, dict[Language, bytes]] | None]:
    """What happened, and for a change the new revision and bodies (to cache after commit)."""
    async with transaction() as conn:
        # Serialise writers for one citizen without blocking record ingest on the citizen row.
        await store.lock_for_rescore(conn, citizen_id)
        red_list = await store.red_listed(conn, citizen_id, as_of)
        learned = await store.learning_badges(conn, citizen_id)
        assessment = with_learning_badges(assessment, learned)
        fp = fingerprint(assessment, red_list=red_list)
        existing = await store.stored_card(conn, citizen_id)
        outcome = outcome_of(existing, counter, as_of, fp)
        if outcome is Outcome.STALE:
            return outcome, None
        if outcome is Outcome.UNCHANGED and existing is not None:  # unchanged: a stored card
            if needs_confirming(existing, counter, as_of):
                await store.confirm_card(conn, citizen_id, counter=counter, as_of=as_of)
            await _mark_scored(conn, citizen_id, counter)
            return outcome, None
        written = await write_change(
            conn,
            citizen_id=citizen_id,
            counter=counter,
            as_of=as_of,
            assessment=assessment,
            fp=fp,
            existing=existing,
            reason=reason,
            red_list=red_list,
        )
        await _mark_scored(conn, citizen_id, counter)
    return Outcome.CHANGED, written


class ScoredState(Protocol):
    """What decides a re-score's outcome: the stored card's counter, date and fingerprint."""

    @property
    def scored_counter(self) -> int: ...
    @property
    def as_of(self) -> dt.date: ...
    @property
    def fingerprint(self) -> str: ...


def outcome_of(stored: ScoredState | None, counter: int, as_of: dt.date, fp: str) -> Outcome:
    """Compare a fresh assessment (read at ``counter`` on ``as_of``, fingerprint ``fp``) with the
    stored card: shared by the per-citizen and the batch path, so both decide alike."""
    if stored is not None and (stored.scored_counter, stored.as_of) > (counter, as_of):
        return Outcome.STALE  # read older data than the card holds: never overwrite it
    if stored is not None and stored.fingerprint == fp:
        return Outcome.UNCHANGED
    return Outcome.CHANGED


def needs_confirming(stored: ScoredState, counter: int, as_of: dt.date) -> bool:
    """An unchanged card is confirmed only when it holds for a later counter or date."""
    return (stored.scored_counter, stored.as_of) != (counter, as_of)


def with_learning_badges(assessment: Assessment, learned: tuple[BadgeEarned, ...]) -> Assessment:
    """Quiz badges sit beside the engine's: on the card, never in the points."""
    if not learned:
        return assessment
    return msgspec.structs.replace(assessment, badges=assessment.badges + learned)


async def _mark_scored(conn: Connection, citizen_id: int, counter: int) -> None:
    """The card now reflects the records up to ``counter``: the citizen is no longer behind,
    unless a later change moved ``change_counter`` past it. Last in the transaction, so the
    citizen row (which ingest also updates) is held only until the commit."""
    await store.mark_scored(conn, citizen_id, counter)


async def write_change(
    conn: Connection,
    *,
    citizen_id: int,
    counter: int,
    as_of: dt.date,
    assessment: Assessment,
    fp: str,
    existing: StoredCard | None,
    reason: str,
    red_list: bool,
) -> tuple[int, dict[Language, bytes]]:
    """Write the new card, tell the citizen what moved, and keep a history row for points or
    grade. The events' dedupe keys carry the card's new revision, so a move back to a value
    told earlier is told again, and a retry of this same write (same revision) is not."""
    before = (
        msgspec.json.decode(existing.assessment_json, type=Assessment)
        if existing is not None
        else None
    )
    revision, bodies = await _store(
        conn, citizen_id, counter, as_of, assessment, fp, red_list=red_list
    )
    await emit_card_changes(conn, citizen_id, before, assessment, revision=revision)
    moved = existing is None or (existing.points, existing.grade) != (
        assessment.points,
        assessment.grade.code,
    )
    if moved:
        await store.insert_score_history(
            conn,
            citizen_id,
            points=assessment.points,
            grade=assessment.grade.code,
            previous_points=existing.points if existing else None,
            previous_grade=existing.grade if existing else None,
            rules_version=assessment.rules_version,
            reason=reason if existing else "first-assessment",
            as_of=as_of,
        )
    return revision, bodies


async def _store(
    conn: Connection,
    citizen_id: int,
    counter: int,
    as_of: dt.date,
    assessment: Assessment,
    fp: str,
    *,
    red_list: bool,
) -> tuple[int, dict[Language, bytes]]:
    """Upsert the snapshot; returns its revision (1 for a first card) and its bodies. The stored
    body (``card_json``) is the default language's; the others are built from the same stored
    assessment, time and percentile when a read misses the cache (``card_body``). The bodies
    carry the citizen's latest nightly percentile, and ``credit_card.percentile`` says which,
    so the nightly refresh finds the bodies it has to rewrite."""
    assessed_at = dt.datetime.now(dt.UTC)
    percentile = await store.latest_percentile(conn, citizen_id)
    bodies = encode_cards(assessment, assessed_at, percentile, red_list=red_list)
    revision = await store.upsert_card(
        conn,
        citizen_id,
        points=assessment.points,
        grade=assessment.grade.code,
        rules_version=assessment.rules_version,
        clean_years_flag=assessment.clean_years_flag,
        as_of=as_of,
        next_change_on=assessment.next_change_on,
        scored_counter=counter,
        fingerprint=fp,
        assessment_json=msgspec.json.encode(assessment),
        card_json=bodies[DEFAULT_LANGUAGE],
        assessed_at=assessed_at,
        percentile=percentile,
        red_list=red_list,
    )
    return revision, bodies


async def cache_cards(
    citizen_id: int, revision: int, bodies: Mapping[Language, bytes], *, replace: bool
) -> None:
    """A writer replaces; a reader only fills a gap, so it never puts back an older body. Each
    copy starts with its revision line, so a hit needs nothing else to name its ETag."""
    try:
        async with runtime.current().redis.pipeline(transaction=False) as pipe:
            for language, body in bodies.items():
                pipe.set(
                    card_cache_key(citizen_id, language),
                    b"%d\n%s" % (revision, body),
                    ex=CARD_CACHE_SECONDS,
                    nx=not replace,
                )
            await pipe.execute()
    except Exception:
        log.warning("could not cache the card of citizen %s", citizen_id, exc_info=True)


async def card_body(
    citizen_id: int, language: Language, prefetched: tuple[bool, bytes | None] = (False, None)
) -> CardBody:
    """The pre-encoded card in ``language``: from Redis, else from the snapshot, else scored now.
    ``prefetched``: (read, value) of the cache key when the request's gate already read it in
    its round trip (``backend.platform.gate``), so it is not read again."""
    read, cached = prefetched
    if not read:
        try:
            cached = await runtime.current().redis.get(card_cache_key(citizen_id, language))
        except Exception:  # noqa: BLE001
            cached = None
    if cached is not None:
        stored_revision, _, cached_body = cached.partition(b"\n")
        etag = card_etag(citizen_id, int(stored_revision), language)
        return CardBody(body=cached_body, etag=etag)
    snapshot = await _snapshot_body(citizen_id, language)
    if snapshot is None:
        await rescore(citizen_id, reason="first-assessment")
        snapshot = await _snapshot_body(citizen_id, language)
    assert snapshot is not None, "a scored citizen has a snapshot"
    revision, body = snapshot
    await cache_cards(citizen_id, revision, {language: body}, replace=False)
    return CardBody(body=body, etag=card_etag(citizen_id, revision, language))


async def _snapshot_body(citizen_id: int, language: Language) -> tuple[int, bytes] | None:
    """The stored revision and body: the default language's as stored, another built from the
    same stored assessment, time and percentile (one row, so body and revision agree)."""
    if language == DEFAULT_LANGUAGE:
        async with connection() as conn:
            stored = await store.stored_body(conn, citizen_id)
        return None if stored is None else (stored.revision, bytes(stored.card_json))
    async with connection() as conn:
        inputs = await store.stored_inputs(conn, citizen_id)
    if inputs is None:
        return None
    assessment = msgspec.json.decode(inputs.assessment_json, type=Assessment)
    view = card_view(
        assessment, inputs.assessed_at, inputs.percentile, language, red_list=inputs.red_list
    )
    return inputs.revision, msgspec.json.encode(view)


async def stored_assessment(citizen_id: int) -> Assessment:
    async with connection() as conn:
        raw = await store.stored_assessment_json(conn, citizen_id)
    if raw is None:
        await rescore(citizen_id, reason="first-assessment")
        return await stored_assessment(citizen_id)
    return msgspec.json.decode(raw, type=Assessment)
