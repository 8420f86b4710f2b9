"""Evidence files of cases (objections, repair applications, any kind).

A citizen uploads PDF, JPEG or PNG files (the type is read from the content, never from the
name or the declared type) to one of their open cases; each file is at most
``settings.evidence_max_bytes`` and a case holds at most ``settings.evidence_max_files``. Every
file of a request is checked before any is stored, so a refused request stores nothing. The
content goes to blob storage under its SHA-256 (the same file twice is stored once).

Files are served back to the citizen, the department handling the case and officers; each
download by a department or an officer is written to the citizen's query log. A closed case's
files are kept for the catalog's evidence retention, then their content is deleted
(:mod:`backend.cases.jobs`) and a download answers 404 ``evidence-purged``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, Protocol

import msgspec

from backend.cases import store
from backend.cases.kinds import KINDS, CaseKind
from backend.cases.machine import (
    Staff,
    locked_row_type,
    log_staff_look,
    not_found,
    party_of,
    status_words,
)
from backend.cases.schemas import EvidenceMediaType, EvidenceOut
from backend.cases.store import CaseState, EvidenceRow
from backend.identity.principals import ClientPrincipal
from backend.platform import runtime
from backend.platform.audit import Actor, write_audit
from backend.platform.database import connection, transaction
from backend.platform.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    ProblemError,
    ServiceUnavailable,
)
from backend.platform.language import say
from backend.platform.rows import Connection
from backend.platform.storage import CHUNK_BYTES, evidence_storage


class IncomingFile(Protocol):
    """An uploaded file as the routes hand it over (Litestar's ``IncomingFile`` is one): the
    service reads it in chunks and never sees the HTTP framework."""

    filename: str

    async def read(self, size: int = -1) -> bytes: ...

    async def seek(self, offset: int) -> int: ...


log = logging.getLogger("backend.evidence")

# Litestar's own cap on the whole multipart body of an upload request. The per-file limit is
# ``settings.evidence_max_bytes`` (default 10 MiB), checked here with a clear problem document.
UPLOAD_BODY_LIMIT = 64 * 1024 * 1024
SIGNATURES: tuple[tuple[bytes, EvidenceMediaType], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\"\\/]")
_MAX_ID = 2**63 - 1


ALLOWED_MEDIA_TYPES: tuple[EvidenceMediaType, ...] = ("application/pdf", "image/jpeg", "image/png")


class UnsupportedEvidenceType(ProblemError):
    status, code, title = 415, "evidence-type-not-allowed", "Unsupported evidence file type"


@dataclass(frozen=True)
class CheckedFile:
    upload: IncomingFile
    digest: str
    size: int
    media_type: EvidenceMediaType
    name: str


@dataclass(frozen=True)
class Download:
    media_type: EvidenceMediaType
    name: str
    size: int
    sha256: str  # the content's digest: the file never changes, so this is its ETag
    chunks: AsyncIterator[bytes]


SUFFIXES: dict[str, str] = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def neutral_name(evidence_id: int, media_type: str) -> str:
    """The name staff see for a file whose uploader is confidential (a reporter's): the name
    they gave it could say who they are."""
    return f"evidence-{evidence_id}{SUFFIXES.get(media_type, '')}"


def for_staff_of_sealed(files: list[EvidenceOut]) -> list[EvidenceOut]:
    """A sealed uploader's files as staff list them: neutral names."""
    return [
        msgspec.structs.replace(f, original_name=neutral_name(f.id, f.media_type)) for f in files
    ]


def sniff(head: bytes) -> EvidenceMediaType | None:
    """The media type the content's first bytes (magic numbers) show, or None."""
    for signature, media_type in SIGNATURES:
        if head.startswith(signature):
            return media_type
    return None


def _megabytes(size: int) -> str:
    """A byte limit as people read it: 10 MiB is "10 MB", anything else in bytes."""
    mib = 1024 * 1024
    return f"{size // mib} MB" if size % mib == 0 else say(f"{size} 字节", f"{size} bytes")


def clean_name(filename: str | None) -> str:
    """The file's own name without any directory part or control characters."""
    raw = filename or ""
    name = PurePosixPath(PureWindowsPath(raw).name).name
    name = _UNSAFE_NAME.sub("_", name).strip()
    return (name or "evidence")[:200]


async def check_file(upload: IncomingFile, index: int, max_bytes: int) -> CheckedFile:
    name = clean_name(upload.filename)
    field = f"files[{index}]"
    hasher, size, head = hashlib.sha256(), 0, b""
    await upload.seek(0)
    while chunk := await upload.read(CHUNK_BYTES):
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(
                say(
                    f"文件“{name}”超过了每个文件 {_megabytes(max_bytes)} 的上限",
                    f"'{name}' is larger than the limit of {_megabytes(max_bytes)} per file",
                ),
                field=field,
                code="evidence-too-large",
                extra={"maxBytes": max_bytes},
            )
        hasher.update(chunk)
    if size == 0:
        raise InvalidInput(say(f"文件“{name}”是空的", f"'{name}' is empty"), field=field)
    media_type = sniff(head)
    if media_type is None:
        raise UnsupportedEvidenceType(
            say(
                f"文件“{name}”不是 PDF、JPEG 或 PNG 文件（按文件内容判断，"
                "而不是文件名或声明的类型）",
                f"'{name}' is not a PDF, JPEG or PNG file (judged by its content, not by its"
                " name or declared type)",
            ),
            field=field,
            extra={"allowed": list(ALLOWED_MEDIA_TYPES)},
        )
    return CheckedFile(upload, hasher.hexdigest(), size, media_type, name)


async def _content(upload: IncomingFile) -> AsyncIterator[bytes]:
    await upload.seek(0)
    while chunk := await upload.read(CHUNK_BYTES):
        yield chunk


async def attach(
    kind: CaseKind,
    case_id: int,
    citizen_id: int,
    uploads: Sequence[IncomingFile],
    actor: Actor,
) -> list[EvidenceOut]:
    """Check every file, then store them and their rows for one of the citizen's open cases.
    A kind with a party (a report) finds its own cases and names the citizen by a pseudonym."""
    party = party_of(kind)
    if party is not None:
        actor = party.citizen_actor
    settings = runtime.current().settings
    if not uploads:
        raise InvalidInput(
            say(
                "请在 multipart 字段 files 中上传一个或多个文件",
                "send one or more files in the multipart field 'files'",
            ),
            field="files",
        )
    checked = [
        await check_file(upload, index, settings.evidence_max_bytes)
        for index, upload in enumerate(uploads)
    ]
    storage = evidence_storage()
    async with transaction() as conn:
        case = await _lock_own_case(conn, kind, case_id, citizen_id)
        stored = await store.count_evidence(conn, kind, case_id)
        most = party.evidence_max_files if party is not None else settings.evidence_max_files
        if stored + len(checked) > most:
            raise Conflict(
                say(
                    f"每个案件最多 {most} 个证明材料文件：已有 {stored} 个，本次又上传了"
                    f" {len(checked)} 个",
                    f"a case holds at most {most} evidence files; this one has {stored} and"
                    f" {len(checked)} more were sent",
                ),
                field="files",
                code="evidence-limit-reached",
                extra={"maxFiles": most, "stored": stored},
            )
        for item in checked:  # blobs first: a committed row always has its content
            await storage.put(item.digest, _content(item.upload))
        rows = [await _insert(conn, kind, case, item, actor) for item in checked]
        await write_audit(
            conn,
            actor,
            "evidence.add",
            kind.name,
            case_id,
            after={
                "files": [
                    {
                        "id": r.id,
                        "sha256": r.sha256,
                        "mediaType": r.media_type,
                        "size": r.size_bytes,
                    }
                    for r in rows
                ]
            },
        )
    return [evidence_out(row) for row in rows]


async def _lock_own_case(
    conn: Connection,
    kind: CaseKind,
    case_id: int,
    citizen_id: int,
) -> CaseState:
    """The case, locked (its record is not), so that the count of its files holds until the
    new ones are in."""
    case: Any = None
    if 1 <= case_id <= _MAX_ID:
        case = await store.locked_case(conn, kind, case_id, row_type=locked_row_type(kind))
    party = party_of(kind)
    mine = case is not None and (
        party.owns(case, citizen_id) if party else case.citizen == citizen_id
    )
    if not mine:
        raise not_found(kind, case_id)
    if not kind.is_open(case.status):
        zh, en = kind.words
        status = status_words(kind, case.status)
        raise Conflict(
            say(
                f"该{zh}（编号 {case_id}）已办结（{status}），不能再添加证明材料",
                f"{en} {case_id} is closed ({status}): no more evidence can be added",
            ),
            code="case-closed",
            extra={"status": case.status},
        )
    locked: CaseState = case
    return locked


async def _insert(
    conn: Connection, kind: CaseKind, case: CaseState, item: CheckedFile, actor: Actor
) -> EvidenceRow:
    return await store.insert_evidence(
        conn,
        kind,
        case,
        uploaded_by_kind=actor.kind,
        uploaded_by_id=actor.id,
        sha256=item.digest,
        media_type=item.media_type,
        size_bytes=item.size,
        original_name=item.name,
    )


def evidence_out(row: EvidenceRow) -> EvidenceOut:
    return EvidenceOut(
        id=row.id,
        media_type=row.media_type,
        size_bytes=row.size_bytes,
        original_name=row.original_name,
        sha256=row.sha256,
        uploaded_at=row.uploaded_at,
        purged_at=row.purged_at,
    )


async def list_for_case(conn: Connection, kind: CaseKind, case_id: int) -> list[EvidenceOut]:
    return [evidence_out(row) for row in await store.evidence_of_case(conn, kind, case_id)]


# --- downloads ----------------------------------------------------------------------------------


def _missing(evidence_id: int) -> NotFound:
    return NotFound(
        say(
            f"找不到您可查看的证明材料文件（编号 {evidence_id}）",
            f"evidence file {evidence_id} is not one you may read",
        ),
        code="evidence-not-found",
    )


async def _row(conn: Connection, evidence_id: int) -> EvidenceRow | None:
    if not 1 <= evidence_id <= _MAX_ID:
        return None
    return await store.evidence_by_id(conn, evidence_id)


async def _download(row: EvidenceRow) -> Download:
    if row.purged_at is not None:  # past its retention: the content is gone for good
        raise NotFound(
            say(
                f"证明材料文件（编号 {row.id}）已过保存期限，内容已删除",
                f"evidence file {row.id} was deleted after its retention period",
            ),
            code="evidence-purged",
        )
    storage = evidence_storage()
    if not await storage.exists(row.sha256):
        log.error("evidence %s: blob %s is missing from storage", row.id, row.sha256)
        raise ServiceUnavailable(
            say(
                "暂时无法读取该证明材料文件，请稍后再试",
                "the evidence file cannot be read now; try again later",
            )
        )
    return Download(
        media_type=row.media_type,
        name=row.original_name,
        size=row.size_bytes,
        sha256=row.sha256,
        chunks=storage.read(row.sha256),
    )


async def for_citizen(evidence_id: int, citizen_id: int) -> Download:
    async with connection() as conn:
        row = await _row(conn, evidence_id)
        mine = row is not None and row.citizen == citizen_id
        if row is not None and row.citizen is None:  # a report's file: is it the reporter's?
            party = party_of(KINDS[row.case_kind])
            mine = party is not None and await party.owns_case(conn, row.case_id, citizen_id)
    if row is None or not mine:
        raise _missing(evidence_id)
    return await _download(row)


async def for_staff(evidence_id: int, by: Staff) -> Download:
    """The handling department (its own cases only) or an officer; the look is logged."""
    async with transaction() as conn:
        row = await _row(conn, evidence_id)
        if row is None or (isinstance(by, ClientPrincipal) and row.department != by.client_id):
            raise _missing(evidence_id)
        case = f"{row.case_kind} {row.case_id}"
        seen = f"evidence file {row.id} ({row.original_name}) of {case}"
        if row.citizen is None:  # a report's file: nobody's credit was looked at; audited
            await write_audit(conn, by.actor, "evidence.read", row.case_kind, row.case_id)
        else:
            await log_staff_look(
                conn, row.citizen, by, seen=seen, purpose=f"handling {case}", basis=case
            )
        download = await _download(row)  # a missing blob rolls the log entry back
    if row.citizen is None:  # a report's file: the name the reporter gave stays with them
        download = dataclasses.replace(download, name=neutral_name(row.id, row.media_type))
    return download
