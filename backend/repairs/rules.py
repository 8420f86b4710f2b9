"""What the rules say about repairing one record on one day (no I/O but the open-case look-up):
the record must be bad, standing, on display, of a type with repair paths and past its minimum
display period (``repairable_from``), with no open objection or repair application."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from backend.cases.machine import open_case_id, open_record_changing_case, record_title
from backend.cases.store import CaseRecord
from backend.platform import runtime
from backend.platform.language import say
from backend.platform.rows import Connection
from backend.records.catalog import RecordType, RepairPath
from backend.repairs.kind import REPAIR
from backend.repairs.schemas import Blocker


@dataclass(frozen=True)
class Eligibility:
    record_type: RecordType | None
    paths: tuple[RepairPath, ...]
    possible_from: dt.date | None
    blocker: Blocker | None


def record_type_of(record: CaseRecord) -> RecordType | None:
    catalogs = runtime.current().catalogs
    catalog = catalogs.by_version(record.catalog_version) or catalogs.latest
    found: RecordType | None = catalog.get(record.record_type)
    return found


def eligibility(
    record: CaseRecord, today: dt.date, *, open_objection: bool, open_repair: int | None
) -> Eligibility:
    """What the rules say about repairing ``record`` on ``today``; the blocker's reason is in
    the request's language."""
    record_type = record_type_of(record)
    bad = record.polarity == "bad"
    paths = tuple(record_type.repair_paths) if record_type and bad else ()
    possible_from = record.repairable_from if paths else None
    blocker = _blocker(record, today, paths, possible_from, open_objection, open_repair)
    return Eligibility(record_type, paths, possible_from, blocker)


def _blocker(
    record: CaseRecord,
    today: dt.date,
    paths: tuple[RepairPath, ...],
    possible_from: dt.date | None,
    open_objection: bool,
    open_repair: int | None,
) -> Blocker | None:
    rid, until = record.id, record.display_until
    title = record_title(record.record_type, record.catalog_version)
    checks = [
        (
            record.polarity != "bad",
            "record-not-bad",
            say("良好记录无需修复", "good records are not repaired"),
        ),
        (
            record.status == "revoked",
            "record-revoked",
            say(
                f"记录（编号 {rid}）已被撤销，不再展示和计分",
                f"record {rid} has been revoked: it no longer counts or shows",
            ),
        ),
        (
            record.status == "repaired",
            "record-already-repaired",
            say(f"记录（编号 {rid}）已完成信用修复", f"record {rid} has already been repaired"),
        ),
        (
            until <= today,
            "record-no-longer-shown",
            say(
                f"记录（编号 {rid}）的公示期已于 {until} 届满，不再展示和计分，无需修复",
                f"the display period of record {rid} ended on {until}: it no longer counts or"
                " shows, so there is nothing to repair",
            ),
        ),
        (
            not paths,
            "record-not-repairable",
            say(
                f"“{title}”类记录不适用信用修复",
                f"this kind of record ({title}) cannot be repaired",
            ),
        ),
        (
            possible_from is not None and possible_from > today,
            "repair-too-early",
            say(
                f"记录（编号 {rid}）自 {possible_from} 起可申请信用修复（最短公示期届满后）",
                f"repair of record {rid} can be applied for from {possible_from}, when its"
                " minimum display period has passed",
            ),
        ),
        (
            open_objection,
            "objection-open",
            say(
                f"记录（编号 {rid}）有处理中的异议申请，请等待异议处理结果后再申请修复",
                f"record {rid} has an open objection: wait for its result before applying for"
                " repair",
            ),
        ),
        (
            open_repair is not None,
            "repair-already-open",
            say(
                f"记录（编号 {rid}）已有一件处理中的信用修复申请（编号 {open_repair}）",
                f"record {rid} already has an open repair application ({open_repair})",
            ),
        ),
    ]
    for failed, code, reason in checks:
        if failed:
            return Blocker(code=code, reason=reason)
    return None


async def open_cases(conn: Connection, record_id: int) -> tuple[bool, int | None]:
    """Whether the record has an open case that may change it (an objection), and its open
    repair application's id."""
    objection = await open_record_changing_case(conn, record_id)
    repair = await open_case_id(conn, REPAIR, record_id)
    return objection is not None, repair
