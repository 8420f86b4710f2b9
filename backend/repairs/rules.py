"""What the rules say about repairing one record on one day (no I/O but the open-case look-up):
the record must be bad, standing, on display, of a type with repair paths and past its minimum
display period (``repairable_from``), with no open objection or repair application."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from backend.platform import runtime
from backend.records.catalog import RecordType
from backend.repairs.schemas import Blocker


@dataclass(frozen=True)
class Eligibility:
    record_type: RecordType | None
    paths: tuple[str, ...]
    possible_from: dt.date | None
    blocker: Blocker | None


def record_type_of(record: Any) -> RecordType | None:
    catalogs = runtime.current().catalogs
    catalog = catalogs.by_version(record["catalog_version"]) or catalogs.latest
    return catalog.get(record["record_type"])


def eligibility(
    record: Any, today: dt.date, *, open_objection: bool, open_repair: int | None
) -> Eligibility:
    """What the rules say about repairing ``record`` on ``today``."""
    record_type = record_type_of(record)
    bad = record["polarity"] == "bad"
    paths = tuple(record_type.repair_paths) if record_type and bad else ()
    possible_from = record["repairable_from"] if paths else None
    blocker = _blocker(record, today, paths, possible_from, open_objection, open_repair)
    return Eligibility(record_type, paths, possible_from, blocker)


def _blocker(
    record: Any, today: dt.date, paths: tuple[str, ...], possible_from: dt.date | None,
    open_objection: bool, open_repair: int | None,
) -> Blocker | None:  # fmt: skip
    rid = record["id"]
    checks = [
        (record["polarity"] != "bad", "record-not-bad", "good records are not repaired"),
        (record["status"] == "revoked", "record-revoked",
         f"record {rid} has been revoked: it no longer counts or shows"),
        (record["status"] == "repaired", "record-already-repaired",
         f"record {rid} has already been repaired"),
        (record["display_until"] <= today, "record-no-longer-shown",
         f"the display period of record {rid} ended on {record['display_until']}: it no longer"
         " counts or shows, so there is nothing to repair"),
        (not paths, "record-not-repairable",
         f"the record type {record['record_type']} allows no repair path"),
        (possible_from is not None and possible_from > today, "repair-too-early",
         f"repair of record {rid} can be applied for from {possible_from}, when its minimum"
         " display period has passed"),
        (open_objection, "objection-open",
         f"record {rid} has an open objection: wait for its result before applying for repair"),
        (open_repair is not None, "repair-already-open",
         f"record {rid} already has an open repair application ({open_repair})"),
    ]  # fmt: skip
    for failed, code, reason in checks:
        if failed:
            return Blocker(code=code, reason=reason)
    return None


async def open_cases(conn: Any, record_id: int) -> tuple[bool, int | None]:
    """Whether the record has an open objection, and its open repair application's id."""
    objection = await conn.fetchval(
        "SELECT id FROM objection WHERE record = $1"
        " AND status IN ('submitted', 'accepted', 'verifying') LIMIT 1",
        record_id,
    )
    repair = await conn.fetchval(
        "SELECT id FROM repair_application WHERE record = $1"
        " AND status IN ('submitted', 'accepted') LIMIT 1",
        record_id,
    )
    return objection is not None, repair
