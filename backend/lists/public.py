"""The public disclosure (公示) of the red list (守信红名单) and the serious-dishonesty list
(严重失信主体名单): what anyone may read without signing in, with identities masked, and the
look-up of one person by full name plus full ID number.

An entry is disclosed on a day when it is published (approved, within its publication period)
and still stands by :func:`backend.lists.standing.end_cause`, the same test the nightly job and
every officer and citizen view apply. The SQL keeps what it can decide (status, period, the
record active, in display and not under objection), the Python test has the last word (a
corrected record, a lost grade), so an entry leaves the disclosure the day its reason ends,
before any job has run.

The look-up answers one way whether the ID number is unknown, the name is not the one on file
or the person has nothing published: an empty list. It writes nothing about the person searched
and logs neither name nor ID number; only a per-address counter in Redis keeps look-ups few.
"""

from __future__ import annotations

import datetime as dt

from backend.identity.id_number import mask_id_number, mask_name
from backend.identity.service import (
    adopt_current_keys,
    decrypt_id_number,
    id_number_index,
    parse_id_number,
)
from backend.identity.verifier import names_match
from backend.lists import rules as list_rules
from backend.lists import store
from backend.lists.rules import ListRule
from backend.lists.schemas import ListName, PublicListEntry, PublicListLookup
from backend.lists.standing import end_cause
from backend.lists.store import EntryFacts, PublicFacts
from backend.platform import runtime
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection
from backend.platform.errors import InvalidInput, TooManyRequests
from backend.platform.language import say
from backend.platform.pagination import Page, check_limit, decode_cursor, encode_cursor
from backend.platform.redis import namespaced
from backend.records.catalog import Catalog, RecordType, catalog_set

# A page is filled from at most this many reads: entries the rules' own test ends (waiting for
# the nightly job) are skipped, and a page that meets more than that many in a row comes back
# short, with a cursor to go on from.
MAX_READS = 5
# The most entries one person can have on both lists at once is a handful; this only bounds
# the read.
LOOK_UP_MAX = 100
LOOK_UP_WINDOW_SECONDS = 3600


def _rule(facts: EntryFacts) -> ListRule | None:
    version = next(
        (v for v in list_rules.every_version() if v.version == facts.rules_version), None
    )
    return version.get(facts.rule_code) if version else None


def _stands(facts: EntryFacts, day: dt.date) -> bool:
    return end_cause(facts, _rule(facts), day) is None


# --- the catalog's words ----------------------------------------------------------------------


def _catalogs_for(version: str | None) -> list[Catalog]:
    """The version a record was reported under first, then every version newest first."""
    catalogs = catalog_set()
    reported = catalogs.by_version(version) if version else None
    return [c for c in (reported, *reversed(catalogs.catalogs)) if c is not None]


def _record_type(code: str, version: str | None) -> RecordType | None:
    return next((t for c in _catalogs_for(version) if (t := c.get(code)) is not None), None)


def _domain_names(code: str, version: str | None) -> tuple[str, str]:
    for catalog in _catalogs_for(version):
        domain = catalog.domains.get(code)
        if domain is not None:
            return domain.name_zh, domain.name_en
    return code, code


def known_domains() -> set[str]:
    """Every domain code any catalog version names."""
    return {code for catalog in catalog_set().catalogs for code in catalog.domains}


def _check_domain(domain: str | None) -> None:
    if domain is not None and domain not in known_domains():
        raise InvalidInput(
            say(f"没有代码为 {domain} 的领域", f"no domain with the code {domain}"),
            field="domain",
            code="domain-unknown",
        )


# --- one entry as the public reads it ---------------------------------------------------------


def _item(facts: PublicFacts) -> PublicListEntry:
    rule = _rule(facts)
    reason_zh = rule.reason_zh if rule else facts.rule_code
    reason_en = rule.reason_en if rule else facts.rule_code
    record_type = (
        _record_type(facts.record_type, facts.record_catalog_version) if facts.record_type else None
    )
    # A type no catalog knows any more still shows its code rather than nothing.
    type_zh, type_en = (
        (record_type.name_zh, record_type.name_en)
        if record_type
        else (facts.record_type, facts.record_type)
    )
    domain = facts.record_domain
    domain_zh, domain_en = (
        _domain_names(domain, facts.record_catalog_version) if domain else (None, None)
    )
    on_record = facts.record is not None
    assert facts.published_from is not None and facts.published_until is not None
    until = facts.published_until
    if facts.record_display_until is not None:
        until = min(until, facts.record_display_until)
    return PublicListEntry(
        id=facts.id,
        list=_list(facts.list),
        name_masked=mask_name(facts.citizen_name),
        id_number_masked=mask_id_number(decrypt_id_number(facts.id_number_encrypted)),
        rule_code=facts.rule_code,
        reason_zh=reason_zh,
        reason_en=reason_en,
        record_type=facts.record_type,
        record_type_zh=type_zh,
        record_type_en=type_en,
        domain=domain,
        domain_name_zh=domain_zh,
        domain_name_en=domain_en,
        decision_document_no=facts.record_document_no,
        department=facts.department_name,
        decided_on=facts.record_decided_on,
        legal_basis=(record_type.legal_basis if record_type else "") if on_record else reason_zh,
        published_from=facts.published_from,
        published_until=until,
    )


def _list(value: str) -> ListName:
    return "red" if value == "red" else "black"


# --- the lists ----------------------------------------------------------------------------------


async def entries(
    which: ListName,
    *,
    domain: str | None,
    department: str | None,
    cursor: str | None,
    limit: int,
) -> Page[PublicListEntry]:
    """One list's entries disclosed today, newest first (``publishedFrom``, then id). An
    unknown domain code answers 422 naming ``domain``; an unknown department finds nothing."""
    check_limit(limit)
    _check_domain(domain)
    after: tuple[dt.date, int] | None = decode_cursor(cursor, tuple[dt.date, int])
    day = today_in_shanghai()
    kept: list[PublicFacts] = []
    more = False
    async with connection() as conn:
        for _ in range(MAX_READS):
            rows = await store.published_entries(
                conn,
                today=day,
                which=which,
                domain=domain,
                department=department,
                after=after,
                limit=limit + 1,
            )
            kept += [row for row in rows if _stands(row, day)]
            more = len(rows) > limit
            if not more or len(kept) > limit:
                break
            assert rows[-1].published_from is not None
            after = (rows[-1].published_from, rows[-1].id)
    shown = kept[:limit]
    if len(kept) > limit:
        last = shown[-1]
        assert last.published_from is not None
        next_key: tuple[dt.date, int] | None = (last.published_from, last.id)
    else:
        next_key = after if more else None  # every read was used up: go on after the last
    return Page(
        items=[_item(row) for row in shown],
        next_cursor=encode_cursor(*next_key) if next_key else None,
    )


# --- the look-up of one person ------------------------------------------------------------------


async def _count_look_up(address: str) -> None:
    """Count this look-up against the address; past ``public_lookup_per_hour`` in the window,
    429 ``look-up-limited`` with Retry-After. The window starts at the first look-up."""
    rt = runtime.current()
    limit = rt.settings.public_lookup_per_hour
    key = namespaced(rt.settings.redis_namespace, "public-look-up", address)
    # SET NX starts the window once (EXPIRE NX needs Redis 7; the embedded server is older)
    async with rt.redis.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, ex=LOOK_UP_WINDOW_SECONDS, nx=True)
        pipe.incr(key)
        pipe.ttl(key)
        _, count, left = await pipe.execute()
    if int(count) > limit:
        raise TooManyRequests(
            say(
                f"查询过于频繁：每个地址每小时最多查询 {limit} 次，请稍后再试",
                f"too many look-ups: at most {limit} an hour from one address; try again later",
            ),
            code="look-up-limited",
            retry_after=max(int(left), 1),
        )


async def look_up(asked: PublicListLookup, address: str) -> list[PublicListEntry]:
    """The person's entries on both lists disclosed today, only when the full name is the one
    on file for the full ID number; otherwise, as for a person with nothing disclosed, an empty
    list. An ID number that is not valid answers 422 naming ``idNumber`` (not counted)."""
    id_number = parse_id_number(asked.id_number, "idNumber")
    await _count_look_up(address)
    await adopt_current_keys([id_number])  # during a key rotation: found under any key
    day = today_in_shanghai()
    async with connection() as conn:
        rows = await store.published_entries_of(
            conn, today=day, id_number_index=id_number_index(id_number), limit=LOOK_UP_MAX
        )
    # One read whatever the answer; the name is compared on what it found (every row is the
    # same person), so a wrong name costs what an unknown ID number does.
    if not rows or not names_match(rows[0].citizen_name, asked.name):
        return []
    return [_item(row) for row in rows if _stands(row, day)]
