"""The reporter's confidentiality (对举报人信息严格保密): who filed a report is kept only sealed
(AES-GCM under the ID-number key, bound to the report's token) and found again by a keyed hash
of the citizen; steps, audit entries and evidence rows name a pseudonym. Only the reporter's own
notices are addressed to them, and only an officer with the ``reports`` role may unseal.

The machine reaches the reporter through :class:`ReporterParty` (``register_party``)."""

from __future__ import annotations

import json
from typing import Any

import msgspec

from backend.cases.machine import register_party
from backend.cases.store import CaseState
from backend.notifications.outbox import emit
from backend.platform import runtime
from backend.platform.audit import Actor
from backend.platform.crypto import blind_index, constant_time_equal, decrypt, encrypt
from backend.platform.rows import Connection
from backend.records.catalog import catalog_set
from backend.reports import content, store
from backend.reports.kind import REPORT
from backend.reports.store import ReportLocked

REPORTER = Actor("citizen", "reporter")  # the pseudonym in steps, audit and evidence rows
NOTICE = "report.changed"


def token_of(citizen_id: int) -> str:
    """The keyed hash that finds a citizen's reports without naming them."""
    key = runtime.current().settings.key_bytes("id_index_key")
    return blind_index(key, f"reporter:{citizen_id}")


def _bound(token: str) -> bytes:
    return b"report-reporter:" + token.encode()


def seal(citizen_id: int, token: str) -> bytes:
    key = runtime.current().settings.key_bytes("id_encryption_key")
    return encrypt(key, json.dumps({"citizen": citizen_id}), _bound(token))


def unseal(sealed: bytes, token: str) -> int:
    key = runtime.current().settings.key_bytes("id_encryption_key")
    citizen: int = json.loads(decrypt(key, sealed, _bound(token)))["citizen"]
    return citizen


def category_names(domain: str) -> tuple[str, str]:
    """The domain's names in the newest catalog that has it."""
    for catalog in reversed(catalog_set().versions):
        found = catalog.domains.get(domain)
        if found is not None:
            return found.name_zh, found.name_en
    return domain, domain


class ReporterParty:
    """How the case machine reaches a report's people: its reporter, sealed."""

    @property
    def locked_row(self) -> type[msgspec.Struct]:
        return ReportLocked

    @property
    def evidence_max_files(self) -> int:
        return content.in_force_today().evidence_max_files

    @property
    def citizen_actor(self) -> Actor:
        return REPORTER

    def owns(self, row: Any, citizen_id: int) -> bool:
        return constant_time_equal(row.reporter_token, token_of(citizen_id))

    async def owns_case(self, conn: Connection, case_id: int, citizen_id: int) -> bool:
        return await store.owned_ids(conn, token_of(citizen_id), case_id)

    async def emit(
        self,
        conn: Connection,
        row: CaseState,
        state: str,
        payload: dict[str, Any],
        *,
        key: str,
        notice: str,
    ) -> None:
        """``report.changed`` to the reporter alone: the masked subject, the category, the
        state and the reason; never the subject's full name or code."""
        assert isinstance(row, ReportLocked), "the machine locks reports as ReportLocked"
        citizen = unseal(row.reporter_sealed, row.reporter_token)
        zh, en = category_names(row.category)
        body = {
            "caseKind": "report",
            "caseId": row.id,
            "state": state,
            "subject": row.subject_name_masked,
            "categoryName": zh,
            "categoryNameEn": en,
            "reason": payload.get("reason"),
            "dueOn": payload.get("dueOn"),
        }
        await emit(conn, citizen, NOTICE, body, dedupe_key=f"report:{row.id}:{state}{key}")


register_party(REPORT, ReporterParty())
