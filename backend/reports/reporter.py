"""The reporter's confidentiality (对举报人信息严格保密): who filed a report is kept only sealed
(AES-GCM under the ID-number key, bound to the report's token) and found again by a keyed hash
of the citizen; steps, audit entries and evidence rows name a pseudonym. Only the reporter's own
notices are addressed to them, and only an officer with the ``reports`` role may unseal.

The machine reaches the reporter through :class:`ReporterParty` (``register_party``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import msgspec

from backend.cases.machine import register_party
from backend.cases.store import CaseState
from backend.identity.rotation import Rewrite
from backend.identity.rotation import register as register_rewrite
from backend.notifications.outbox import emit
from backend.platform import crypto, runtime
from backend.platform.audit import Actor
from backend.platform.config import Keyrings
from backend.platform.rows import Connection
from backend.records.catalog import catalog_set
from backend.reports import content, store
from backend.reports.kind import REPORT
from backend.reports.store import ReportLocked

REPORTER = Actor("citizen", "reporter")  # the pseudonym in steps, audit and evidence rows
NOTICE = "report.changed"


def token_of(citizen_id: int) -> str:
    """The keyed hash that finds a citizen's reports without naming them (current key)."""
    return crypto.keyed_index(_keys().id_index, f"reporter:{citizen_id}")


def tokens_of(citizen_id: int) -> list[str]:
    """The citizen's token under every configured index key: what finds their reports while
    a key rotation is under way."""
    return crypto.keyed_indexes(_keys().id_index, f"reporter:{citizen_id}")


def subject_keys(kind: str, name: str, code: str | None) -> list[str]:
    """The keys that find reports on one subject, under every index key, the current first:
    a person's ID number's blind index, an organisation's credit code's, else the name's."""
    ring = _keys().id_index
    if code is not None and kind == "person":
        return crypto.keyed_indexes(ring, code)  # the ID number's blind index
    if code is not None:
        return crypto.keyed_indexes(ring, f"uscc:{code}")
    return crypto.keyed_indexes(ring, f"name:{kind}:{''.join(name.split()).lower()}")


def seal_code(code: str) -> bytes:
    """A subject's ID number or credit code, encrypted (the ID-number keys)."""
    return crypto.seal(_keys().id_encryption, code)


def open_code(sealed: bytes) -> str:
    return crypto.unseal(_keys().id_encryption, sealed)


def _keys() -> Keyrings:
    return runtime.current().settings.keyrings


def _bound(token: str) -> bytes:
    return b"report-reporter:" + token.encode()


def seal(citizen_id: int, token: str) -> bytes:
    return crypto.seal(_keys().id_encryption, json.dumps({"citizen": citizen_id}), _bound(token))


def unseal(sealed: bytes, token: str) -> int:
    opened = crypto.unseal(_keys().id_encryption, sealed, _bound(token))
    citizen: int = json.loads(opened)["citizen"]
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
        tokens = tokens_of(citizen_id)
        return any(crypto.constant_time_equal(row.reporter_token, token) for token in tokens)

    async def owns_case(self, conn: Connection, case_id: int, citizen_id: int) -> bool:
        return await store.owned_ids(conn, tokens_of(citizen_id), case_id)

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


def _remake(row: Mapping[str, Any]) -> dict[str, Any]:
    """A report's sealed and keyed columns under the current keys (``rotate-keys``): the
    token is the reporter's, so the seal bound to it is remade with it."""
    citizen = unseal(bytes(row["reporter_sealed"]), row["reporter_token"])
    token = token_of(citizen)
    sealed_code = row["subject_code_encrypted"]
    code = None if sealed_code is None else open_code(bytes(sealed_code))
    return {
        "reporter_token": token,
        "reporter_sealed": seal(citizen, token),
        "subject_code_encrypted": None if code is None else seal_code(code),
        "subject_key": subject_keys(row["subject_kind"], row["subject_name"], code)[0],
    }


register_rewrite(
    Rewrite(
        table="report",
        key="id",
        sealed=("reporter_sealed", "subject_code_encrypted"),
        indexed=("reporter_token", "subject_key"),
        read=(
            "reporter_sealed",
            "reporter_token",
            "subject_code_encrypted",
            "subject_kind",
            "subject_name",
        ),
        remake=_remake,
    )
)
