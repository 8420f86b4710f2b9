"""The SQL of scoring: the records a card is assessed from, the card snapshot (``credit_card``)
and its history, the nightly percentiles, and the citizens the jobs re-score. Services and jobs
own the transactions and pass their connection in."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec

from backend.platform.rows import Connection, affected, columns, row_as, rows_as
from points_engine import BadgeEarned

RESCORE_LOCK = 1  # advisory lock class for re-scoring; the object is the citizen id


class CitizenCounter(msgspec.Struct, frozen=True, kw_only=True):
    """A citizen and the change counter of their records."""

    id: int
    change_counter: int


class StoredCard(msgspec.Struct, frozen=True, kw_only=True):
    """What re-scoring compares a fresh assessment with."""

    points: int
    grade: str
    fingerprint: str
    scored_counter: int
    as_of: dt.date
    assessment_json: bytes


class StoredBody(msgspec.Struct, frozen=True, kw_only=True):
    """The stored card body (the default language's) and its revision."""

    revision: int
    card_json: bytes


class StoredInputs(msgspec.Struct, frozen=True, kw_only=True):
    """What the card body in another language is built from, and its revision."""

    revision: int
    assessment_json: bytes
    assessed_at: dt.datetime
    percentile: int | None
    red_list: bool


class MovedPercentile(msgspec.Struct, frozen=True, kw_only=True):
    """A card body whose baked percentile is not the citizen's latest one."""

    citizen: int
    card_json: bytes
    percentile: int


class ScoreHistoryRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    points: int
    grade: str
    previous_points: int | None
    previous_grade: str | None
    reason: str
    rules_version: str
    as_of: dt.date
    at: dt.datetime


class NewRecordRow(msgspec.Struct, frozen=True, kw_only=True):
    """A record new on the card, with its department's name."""

    id: int
    record_type: str
    catalog_version: str
    department: str


# --- re-scoring -----------------------------------------------------------------------------

# One select list for the per-citizen and the batch read, so both give the engine the same facts.
_SCORED_COLUMNS = (
    "r.id, r.record_type, r.catalog_version, r.domain, r.polarity, r.severity,"
    " r.quantity, r.occurred_on, r.decided_on, r.display_until, r.repairable_from, r.status,"
    " r.under_objection, r.repaired_on, d.code AS department"
    " FROM record r JOIN api_client d ON d.id = r.department"
)
_SCORED_RECORDS = f"SELECT {_SCORED_COLUMNS} WHERE r.citizen = $1"
_SCORED_RECORDS_OF_MANY = f"SELECT r.citizen, {_SCORED_COLUMNS} WHERE r.citizen = ANY($1::bigint[])"


async def change_counter(conn: Connection, citizen_id: int) -> int | None:
    """The citizen's change counter; None for no such citizen."""
    counter = await conn.fetchval("SELECT change_counter FROM citizen WHERE id = $1", citizen_id)
    return None if counter is None else int(counter)


async def scored_records(conn: Connection, citizen_id: int) -> list[asyncpg.Record]:
    """Every record of the citizen, with the reporting department's code. Rows stay raw: each
    becomes the engine's ``RecordFact`` at once, and re-scoring everyone is measured
    (benchmarks/bench_card.py), so a Struct in between would only cost."""
    return await conn.fetch(_SCORED_RECORDS, citizen_id)


async def lock_for_rescore(conn: Connection, citizen_id: int) -> None:
    """Serialise the writers of one citizen's card until the transaction ends."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock($1, ($2 % 2147483647)::int)", RESCORE_LOCK, citizen_id
    )


async def lock_many_for_rescore(conn: Connection, citizen_ids: list[int]) -> None:
    """The same lock for many citizens, taken in id order (so two such runs never deadlock)."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock($1, (c % 2147483647)::int)"
        " FROM unnest($2::bigint[]) AS c ORDER BY c",
        RESCORE_LOCK,
        citizen_ids,
    )


async def stored_card(conn: Connection, citizen_id: int) -> StoredCard | None:
    row = await conn.fetchrow(
        f"SELECT {columns(StoredCard)} FROM credit_card WHERE citizen = $1", citizen_id
    )
    return row_as(StoredCard, row)


async def confirm_card(conn: Connection, citizen_id: int, *, counter: int, as_of: dt.date) -> None:
    """The stored card holds for a later change counter or business date."""
    await conn.execute(
        "UPDATE credit_card SET scored_counter = $2, as_of = $3 WHERE citizen = $1",
        citizen_id,
        counter,
        as_of,
    )


async def mark_scored(conn: Connection, citizen_id: int, counter: int) -> None:
    await conn.execute(
        "UPDATE citizen SET scored_counter = $2 WHERE id = $1 AND scored_counter < $2",
        citizen_id,
        counter,
    )


async def insert_score_history(
    conn: Connection,
    citizen_id: int,
    *,
    points: int,
    grade: str,
    previous_points: int | None,
    previous_grade: str | None,
    rules_version: str,
    reason: str,
    as_of: dt.date,
) -> None:
    await conn.execute(
        "INSERT INTO score_history (citizen, points, grade, previous_points,"
        " previous_grade, rules_version, reason, as_of, at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())",
        citizen_id,
        points,
        grade,
        previous_points,
        previous_grade,
        rules_version,
        reason,
        as_of,
    )


async def latest_percentile(conn: Connection, citizen_id: int) -> int | None:
    """The citizen's percentile of the last nightly ranking; None before their first."""
    percentile: int | None = await conn.fetchval(
        "SELECT percentile FROM points_percentile WHERE citizen = $1", citizen_id
    )
    return percentile


async def upsert_card(
    conn: Connection,
    citizen_id: int,
    *,
    points: int,
    grade: str,
    rules_version: str,
    clean_years_flag: bool,
    as_of: dt.date,
    next_change_on: dt.date | None,
    scored_counter: int,
    fingerprint: str,
    assessment_json: bytes,
    card_json: bytes,
    assessed_at: dt.datetime,
    percentile: int | None,
    red_list: bool,
) -> int:
    """Write the snapshot; returns its revision (1 for a first card)."""
    revision = await conn.fetchval(
        "INSERT INTO credit_card (citizen, points, grade, rules_version, clean_years_flag, as_of,"
        " next_change_on, scored_counter, fingerprint, assessment_json, card_json, assessed_at,"
        " percentile, red_list, revision)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1)"
        " ON CONFLICT (citizen) DO UPDATE SET points = EXCLUDED.points, grade = EXCLUDED.grade,"
        " rules_version = EXCLUDED.rules_version, clean_years_flag = EXCLUDED.clean_years_flag,"
        " as_of = EXCLUDED.as_of, next_change_on = EXCLUDED.next_change_on,"
        " scored_counter = EXCLUDED.scored_counter, fingerprint = EXCLUDED.fingerprint,"
        " assessment_json = EXCLUDED.assessment_json, card_json = EXCLUDED.card_json,"
        " assessed_at = EXCLUDED.assessed_at, percentile = EXCLUDED.percentile,"
        " red_list = EXCLUDED.red_list, revision = credit_card.revision + 1"
        " RETURNING revision",
        citizen_id,
        points,
        grade,
        rules_version,
        clean_years_flag,
        as_of,
        next_change_on,
        scored_counter,
        fingerprint,
        assessment_json,
        card_json,
        assessed_at,
        percentile,
        red_list,
    )
    return int(revision)


async def red_listed(conn: Connection, citizen_id: int, today: dt.date) -> bool:
    """Published on the red list today: an entry approved and not past its period, whose record
    (if it has one) still stands. An entry by a grade rule stands until the nightly lists run
    ends it (the rule's grade is content the lists domain reads, not this one)."""
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM list_entry e WHERE e.citizen = $1 AND e.list = 'red'"
        " AND e.status = 'published' AND e.published_until > $2 AND (e.record IS NULL"
        " OR EXISTS (SELECT 1 FROM record r WHERE r.citizen = e.citizen AND r.id = e.record"
        " AND r.status = 'active' AND r.display_until > $2)))",
        citizen_id,
        today,
    )
    return found


async def learning_badges(conn: Connection, citizen_id: int) -> tuple[BadgeEarned, ...]:
    """The badges the citizen earned by passing quizzes (never points), named as earned."""
    rows = await conn.fetch(
        "SELECT quiz_code, badge_zh, badge_en, business_date FROM quiz_attempt"
        " WHERE citizen = $1 AND earned_badge ORDER BY business_date, id",
        citizen_id,
    )
    return tuple(_learning_badge(row) for row in rows)


def _learning_badge(row: asyncpg.Record) -> BadgeEarned:
    return BadgeEarned(
        code=f"quiz:{row['quiz_code']}",
        name_zh=row["badge_zh"],
        name_en=row["badge_en"],
        earned_on=row["business_date"],
        record_id=None,
    )


# --- re-scoring in batches (rescore-all, the nightly) -------------------------------------------
# The same reads and writes as above for many citizens a statement; each keeps the per-citizen
# statement's predicate, so a batch decides exactly as one citizen at a time would.


class CardState(msgspec.Struct, frozen=True, kw_only=True):
    """What a batch compares a fresh assessment with: the stored card without its assessment
    (most cards do not change, and the assessment is the bulk of the row)."""

    citizen: int
    fingerprint: str
    scored_counter: int
    as_of: dt.date


async def scored_records_of_many(conn: Connection, citizen_ids: list[int]) -> list[asyncpg.Record]:
    """``scored_records`` of these citizens, each row with its ``citizen``."""
    return await conn.fetch(_SCORED_RECORDS_OF_MANY, citizen_ids)


async def card_states(conn: Connection, citizen_ids: list[int]) -> dict[int, CardState]:
    rows = await conn.fetch(
        f"SELECT {columns(CardState)} FROM credit_card WHERE citizen = ANY($1::bigint[])",
        citizen_ids,
    )
    return {state.citizen: state for state in rows_as(CardState, rows)}


async def stored_cards(conn: Connection, citizen_ids: list[int]) -> dict[int, StoredCard]:
    """``stored_card`` of these citizens (those with a card)."""
    rows = await conn.fetch(
        f"SELECT citizen, {columns(StoredCard)} FROM credit_card WHERE citizen = ANY($1::bigint[])",
        citizen_ids,
    )
    return {
        row["citizen"]: StoredCard(**{name: row[name] for name in StoredCard.__struct_fields__})
        for row in rows
    }


async def red_listed_among(conn: Connection, citizen_ids: list[int], today: dt.date) -> set[int]:
    """Of these citizens, those ``red_listed`` today."""
    rows = await conn.fetch(
        "SELECT DISTINCT e.citizen FROM list_entry e WHERE e.citizen = ANY($1::bigint[])"
        " AND e.list = 'red' AND e.status = 'published' AND e.published_until > $2"
        " AND (e.record IS NULL OR EXISTS (SELECT 1 FROM record r WHERE r.citizen = e.citizen"
        " AND r.id = e.record AND r.status = 'active' AND r.display_until > $2))",
        citizen_ids,
        today,
    )
    return {row["citizen"] for row in rows}


async def learning_badges_of_many(
    conn: Connection, citizen_ids: list[int]
) -> dict[int, tuple[BadgeEarned, ...]]:
    """``learning_badges`` of these citizens (those with any), each in the same order."""
    rows = await conn.fetch(
        "SELECT citizen, quiz_code, badge_zh, badge_en, business_date FROM quiz_attempt"
        " WHERE citizen = ANY($1::bigint[]) AND earned_badge ORDER BY citizen, business_date, id",
        citizen_ids,
    )
    badges: dict[int, list[BadgeEarned]] = {}
    for row in rows:
        badges.setdefault(row["citizen"], []).append(_learning_badge(row))
    return {citizen: tuple(earned) for citizen, earned in badges.items()}


async def confirm_cards(
    conn: Connection, citizen_ids: list[int], counters: list[int], *, as_of: dt.date
) -> None:
    """``confirm_card`` for many citizens, each at its own counter."""
    await conn.execute(
        "UPDATE credit_card k SET scored_counter = t.counter, as_of = $3"
        " FROM unnest($1::bigint[], $2::bigint[]) AS t(citizen, counter)"
        " WHERE k.citizen = t.citizen",
        citizen_ids,
        counters,
        as_of,
    )


async def mark_many_scored(conn: Connection, citizen_ids: list[int], counters: list[int]) -> None:
    """``mark_scored`` for many citizens. Ingest locks citizen rows too (the ``change_counter``
    bump): callers make this the last statement of their transaction, so the rows are held only
    until the commit, and run it again on a deadlock (the batch is idempotent)."""
    await conn.execute(
        "UPDATE citizen c SET scored_counter = t.counter"
        " FROM unnest($1::bigint[], $2::bigint[]) AS t(id, counter)"
        " WHERE c.id = t.id AND c.scored_counter < t.counter",
        citizen_ids,
        counters,
    )


async def behind_among(conn: Connection, citizen_ids: list[int]) -> list[CitizenCounter]:
    """Of these citizens, those whose card is behind their records, with their counter."""
    rows = await conn.fetch(
        f"SELECT {columns(CitizenCounter)} FROM citizen"
        " WHERE id = ANY($1::bigint[]) AND change_counter <> scored_counter ORDER BY id",
        citizen_ids,
    )
    return rows_as(CitizenCounter, rows)


# --- reading the card ---------------------------------------------------------------------------


async def stored_body(conn: Connection, citizen_id: int) -> StoredBody | None:
    row = await conn.fetchrow(
        f"SELECT {columns(StoredBody)} FROM credit_card WHERE citizen = $1", citizen_id
    )
    return row_as(StoredBody, row)


async def stored_inputs(conn: Connection, citizen_id: int) -> StoredInputs | None:
    row = await conn.fetchrow(
        f"SELECT {columns(StoredInputs)} FROM credit_card WHERE citizen = $1", citizen_id
    )
    return row_as(StoredInputs, row)


async def stored_assessment_json(conn: Connection, citizen_id: int) -> bytes | None:
    """The stored assessment, encoded; None before the citizen's first card."""
    raw: bytes | None = await conn.fetchval(
        "SELECT assessment_json FROM credit_card WHERE citizen = $1", citizen_id
    )
    return raw


async def score_history(
    conn: Connection, citizen_id: int, *, before_id: int | None, limit: int
) -> list[ScoreHistoryRow]:
    """The citizen's history rows, newest first, those before ``before_id`` when given."""
    rows = await conn.fetch(
        f"SELECT {columns(ScoreHistoryRow)} FROM score_history"
        " WHERE citizen = $1 AND ($2::bigint IS NULL OR id < $2)"
        " ORDER BY id DESC LIMIT $3",
        citizen_id,
        before_id,
        limit,
    )
    return rows_as(ScoreHistoryRow, rows)


async def new_records(
    conn: Connection, citizen_id: int, record_ids: list[int]
) -> list[NewRecordRow]:
    """These records of the citizen, with their department's name."""
    rows = await conn.fetch(
        "SELECT r.id, r.record_type, r.catalog_version, d.name AS department"
        " FROM record r JOIN api_client d ON d.id = r.department"
        " WHERE r.citizen = $1 AND r.id = ANY($2::bigint[])",
        citizen_id,
        record_ids,
    )
    return rows_as(NewRecordRow, rows)


# --- nightly percentiles ------------------------------------------------------------------------


async def rank_points(conn: Connection, computed_on: dt.date) -> int:
    """Store every scored citizen's percentile (the share with fewer points, in whole percent);
    returns how many citizens were ranked."""
    status = await conn.execute(
        "INSERT INTO points_percentile (citizen, percentile, computed_on)"
        " SELECT citizen, floor(percent_rank() OVER (ORDER BY points) * 100)::int, $1"
        " FROM credit_card ON CONFLICT (citizen) DO UPDATE SET"
        " percentile = EXCLUDED.percentile, computed_on = EXCLUDED.computed_on",
        computed_on,
    )
    return affected(status)


async def citizens_with_moved_percentile(conn: Connection, *, after: int, limit: int) -> list[int]:
    """The citizens, in id order after ``after``, whose card carries another percentile than
    their latest one."""
    rows = await conn.fetch(
        "SELECT k.citizen FROM credit_card k JOIN points_percentile p ON p.citizen = k.citizen"
        " WHERE k.percentile IS DISTINCT FROM p.percentile AND k.citizen > $1"
        " ORDER BY k.citizen LIMIT $2",
        after,
        limit,
    )
    return [row[0] for row in rows]


async def moved_percentiles(conn: Connection, citizen_ids: list[int]) -> list[MovedPercentile]:
    """Of these citizens, the card bodies whose percentile moved, with the new percentile."""
    rows = await conn.fetch(
        "SELECT k.citizen, k.card_json, p.percentile FROM credit_card k"
        " JOIN points_percentile p ON p.citizen = k.citizen"
        " WHERE k.citizen = ANY($1::bigint[]) AND k.percentile IS DISTINCT FROM p.percentile",
        citizen_ids,
    )
    return rows_as(MovedPercentile, rows)


async def rewrite_card_bodies(
    conn: Connection, citizens: list[int], bodies: list[bytes], percentiles: list[int]
) -> None:
    """Put new bodies and the percentiles they carry on these cards, each a new revision."""
    await conn.execute(
        "UPDATE credit_card k SET card_json = t.body, percentile = t.percentile,"
        " revision = k.revision + 1"
        " FROM unnest($1::bigint[], $2::bytea[], $3::int[]) AS t(citizen, body, percentile)"
        " WHERE k.citizen = t.citizen",
        citizens,
        bodies,
        percentiles,
    )


# --- the citizens the jobs re-score -------------------------------------------------------------


async def change_counters(conn: Connection, citizen_ids: list[int]) -> list[CitizenCounter]:
    rows = await conn.fetch(
        f"SELECT {columns(CitizenCounter)} FROM citizen WHERE id = ANY($1::bigint[])", citizen_ids
    )
    return rows_as(CitizenCounter, rows)


async def is_behind(conn: Connection, citizen_id: int) -> bool:
    """Whether the citizen's card is behind their records (False for no such citizen)."""
    behind = await conn.fetchval(
        "SELECT change_counter <> scored_counter FROM citizen WHERE id = $1", citizen_id
    )
    return bool(behind)


# citizen_behind_idx: a partial index holding only the citizens who are behind.
BEHIND_SQL = (
    "SELECT id, change_counter FROM citizen"
    " WHERE change_counter <> scored_counter AND id > $1 ORDER BY id LIMIT $2"
)


async def citizens_behind(conn: Connection, *, after: int, limit: int) -> list[CitizenCounter]:
    """The citizens whose card is behind their records, in id order after ``after``."""
    return rows_as(CitizenCounter, await conn.fetch(BEHIND_SQL, after, limit))


async def cards_due(conn: Connection, *, by: dt.date, after: int, limit: int) -> list[int]:
    """The citizens, in id order after ``after``, whose card changes by ``by``."""
    rows = await conn.fetch(
        "SELECT citizen FROM credit_card WHERE next_change_on <= $1 AND citizen > $2"
        " ORDER BY citizen LIMIT $3",
        by,
        after,
        limit,
    )
    return [row[0] for row in rows]


async def cards_on_other_rules(
    conn: Connection, *, version: str, after: int, limit: int
) -> list[int]:
    """The citizens, in id order after ``after``, whose card was scored by another rules
    version."""
    rows = await conn.fetch(
        "SELECT citizen FROM credit_card WHERE rules_version <> $1 AND citizen > $2"
        " ORDER BY citizen LIMIT $3",
        version,
        after,
        limit,
    )
    return [row[0] for row in rows]


async def count_citizens_after(conn: Connection, after: int) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM citizen WHERE id > $1", after))


async def citizen_ids_after(conn: Connection, *, after: int, limit: int) -> list[int]:
    rows = await conn.fetch(
        "SELECT id FROM citizen WHERE id > $1 ORDER BY id LIMIT $2", after, limit
    )
    return [row["id"] for row in rows]
