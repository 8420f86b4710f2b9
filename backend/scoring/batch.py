"""Re-scoring many citizens at once (``rescore-all`` and the nightly's batch jobs): the path of
``service.rescore`` with its reads, its locks and its writes of unchanged cards made one
statement per batch instead of one per citizen.

Each citizen ends as ``service.rescore`` would leave them, because every decision is the same
code on the same inputs:

- the change counters are read before the records, in separate statements as there, so a change
  committing in between is in the records but not in the counter: the card is written at the
  older counter and the citizen stays behind until a later run (or the minute sweep);
- the engine gets the same facts (``fact_from_row``) and the same rules;
- the writers of every citizen in the batch are serialised on the same advisory locks, taken in
  id order (``store.lock_many_for_rescore``; the percentile refresh takes them alike);
- red list, quiz badges and the stored card are read under those locks, and the outcome is
  decided by ``service.outcome_of`` from the same fingerprint (computed before the locks from
  an earlier read of the flag and badges, and again under them should either have moved);
- a changed card is written by ``service.write_change`` (card, events, history row) in the
  batch's transaction and cached after the commit, as one citizen's would be;
- the unchanged cards are confirmed, and every citizen not stale marked scored at the counter
  read, by one UNNEST UPDATE each, the last statement before the commit.

Running a batch twice changes nothing (compute, compare, write), so a job may run again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection, transaction
from backend.platform.language import Language
from backend.platform.metrics import RESCORES
from backend.platform.rows import Connection
from backend.scoring import store
from backend.scoring.service import (
    Outcome,
    cache_cards,
    fact_from_row,
    fingerprint,
    needs_confirming,
    outcome_of,
    with_learning_badges,
    write_change,
)
from points_engine import Assessment, BadgeEarned, RecordFact, assess

# Between two yields to the event loop while assessing: so the statements of a batch being
# written (rescore-all reads one batch while it writes another) go on meanwhile.
YIELD_EVERY = 50


class Scored(NamedTuple):
    """One citizen's fresh assessment, fingerprinted before the locks are taken."""

    counter: int  # the change counter read before the records
    assessment: Assessment  # the engine's, without the quiz badges
    red_list: bool
    learned: tuple[BadgeEarned, ...]
    fp: str  # of ``assessment`` with ``learned``, on ``red_list``


Assessed = dict[int, Scored]
Written = dict[int, tuple[int, dict[Language, bytes]]]  # citizen → (revision, bodies) to cache


class Fresh(NamedTuple):
    """One citizen's fresh card under the locks, compared with the stored one."""

    counter: int
    assessment: Assessment  # with the quiz badges, as stored
    fp: str
    red_list: bool
    stored: store.CardState | None
    outcome: Outcome


async def rescore_batch(citizen_ids: Iterable[int], *, reason: str) -> dict[int, Outcome]:
    """Compute → compare → write for these citizens on the business date of the runtime clock;
    returns what happened to each stored card."""
    ids = sorted(set(citizen_ids))
    if not ids:
        return {}
    RESCORES.labels(reason=reason).inc(len(ids))
    as_of = today_in_shanghai()
    assessed = await assess_batch(ids, as_of)
    outcomes = {citizen: Outcome.MISSING for citizen in ids if citizen not in assessed}
    outcomes.update(await write_batch(assessed, as_of, reason))
    return outcomes


async def assess_batch(citizen_ids: list[int], as_of: dt.date) -> Assessed:
    """The change counters read and fresh assessments of the records, fingerprinted (nothing is
    written); a citizen who does not exist is left out.

    The red-list flags and quiz badges are read here too, outside the locks, so the costly part
    (the fingerprint) is done before the locks are taken; ``write_batch`` reads them again under
    the locks and fingerprints again any citizen whose flag or badges moved in between."""
    async with connection() as conn:
        # The counters first, then the records: see ``service._read_state``.
        counters = await store.change_counters(conn, citizen_ids)
        rows = await store.scored_records_of_many(conn, citizen_ids)
        red = await store.red_listed_among(conn, citizen_ids, as_of)
        learned = await store.learning_badges_of_many(conn, citizen_ids)
    facts: dict[int, list[RecordFact]] = {c.id: [] for c in counters}
    for row in rows:
        if (found := facts.get(row["citizen"])) is not None:
            found.append(fact_from_row(row))
    rules = runtime.current().rules.in_force(as_of)
    assessed: Assessed = {}
    for n, c in enumerate(counters, 1):
        assessment = assess(facts[c.id], rules, as_of)
        badges = learned.get(c.id, ())
        fp = fingerprint(with_learning_badges(assessment, badges), red_list=c.id in red)
        assessed[c.id] = Scored(c.change_counter, assessment, c.id in red, badges, fp)
        if n % YIELD_EVERY == 0:
            await asyncio.sleep(0)
    return assessed


async def write_batch(assessed: Assessed, as_of: dt.date, reason: str) -> dict[int, Outcome]:
    """Compare and write the assessed citizens in one transaction; the changed cards are
    cached after the commit."""
    if not assessed:
        return {}
    ids = sorted(assessed)
    async with transaction() as conn:
        await store.lock_many_for_rescore(conn, ids)
        fresh = await _compare(conn, assessed, ids, as_of)
        written = await _write_changed(conn, fresh, as_of, reason)
        await _confirm_and_mark(conn, fresh, as_of)
    for citizen, (revision, bodies) in written.items():
        await cache_cards(citizen, revision, bodies, replace=True)
    return {citizen: card.outcome for citizen, card in fresh.items()}


async def _compare(
    conn: Connection, assessed: Assessed, ids: list[int], as_of: dt.date
) -> dict[int, Fresh]:
    red = await store.red_listed_among(conn, ids, as_of)
    learned = await store.learning_badges_of_many(conn, ids)
    stored = await store.card_states(conn, ids)
    fresh = {}
    for citizen in ids:
        scored = assessed[citizen]
        red_list, badges = citizen in red, learned.get(citizen, ())
        assessment = with_learning_badges(scored.assessment, badges)
        fp = scored.fp
        if (red_list, badges) != (scored.red_list, scored.learned):
            fp = fingerprint(assessment, red_list=red_list)
        state = stored.get(citizen)
        fresh[citizen] = Fresh(
            counter=scored.counter,
            assessment=assessment,
            fp=fp,
            red_list=red_list,
            stored=state,
            outcome=outcome_of(state, scored.counter, as_of, fp),
        )
    return fresh


async def _write_changed(
    conn: Connection, fresh: dict[int, Fresh], as_of: dt.date, reason: str
) -> Written:
    """The per-citizen write of every changed card (few on an ordinary run)."""
    changed = [citizen for citizen, card in fresh.items() if card.outcome is Outcome.CHANGED]
    if not changed:
        return {}
    existing = await store.stored_cards(conn, changed)
    written: Written = {}
    for citizen in changed:
        card = fresh[citizen]
        written[citizen] = await write_change(
            conn,
            citizen_id=citizen,
            counter=card.counter,
            as_of=as_of,
            assessment=card.assessment,
            fp=card.fp,
            existing=existing.get(citizen),
            reason=reason,
            red_list=card.red_list,
        )
    return written


async def _confirm_and_mark(conn: Connection, fresh: dict[int, Fresh], as_of: dt.date) -> None:
    confirm = [
        citizen
        for citizen, card in fresh.items()
        if card.outcome is Outcome.UNCHANGED
        and card.stored is not None
        and needs_confirming(card.stored, card.counter, as_of)
    ]
    if confirm:
        counters = [fresh[citizen].counter for citizen in confirm]
        await store.confirm_cards(conn, confirm, counters, as_of=as_of)
    scored = [citizen for citizen, card in fresh.items() if card.outcome is not Outcome.STALE]
    if scored:
        # Last: the citizen rows (which ingest also updates) are held only until the commit.
        await store.mark_many_scored(conn, scored, [fresh[c].counter for c in scored])
