"""Publishing a content version (发布内容版本): validated by the same checkers as the seed,
stored, and announced to every process. Used by tests now and by officers' maker-checker
publishing next.
"""

from __future__ import annotations

import datetime as dt
import logging

from redis.exceptions import RedisError

from backend.content import store
from backend.content.kinds import ContentKind, header_of
from backend.content.live import bump_generations, live_content
from backend.content.store import StoredVersion
from backend.platform import runtime
from backend.platform.errors import Conflict, FieldError, InvalidInput

log = logging.getLogger("backend.content")


class ContentVersionInvalid(InvalidInput):
    code = "content-version-invalid"
    title = "The content version does not validate"


class ContentVersionExists(Conflict):
    code = "content-version-exists"
    title = "This content version already exists"


async def publish_version(
    kind: str,
    version: str,
    body: str,
    effective_from: dt.date,
    *,
    published_by: str = "officer",
) -> StoredVersion:
    """Validate ``body`` as version ``version`` of ``kind`` together with the versions in force
    and the kinds depending on it, store it, and bump the kind's generation so every process
    reloads it within seconds. Bad input raises a problem naming the entry and the field.

    With Redis away the version is stored all the same and the bump is not retried: every
    process also compares a fingerprint of the stored versions every
    :data:`~backend.content.live.FINGERPRINT_SECONDS` and reloads on change, so the version
    arrives within half a minute instead of seconds, with no request held up by a retry."""
    live = live_content()
    if kind not in live.kinds:
        raise ContentVersionInvalid(
            f"unknown content kind {kind!r}; known: {', '.join(live.kinds)}", field="kind"
        )
    candidate = StoredVersion(kind=kind, version=version, effective_from=effective_from, body=body)
    _check_header(live.kinds[kind], candidate)
    if live.versions and any(v.version == version for v in live.versions.get(kind, [])):
        raise ContentVersionExists(f"{kind} version {version} exists", field="version")
    versions = {**live.versions, kind: [*live.versions.get(kind, []), candidate]}
    try:
        live.build(versions, live.affected([kind]))
    except Exception as exc:  # the kind's own error class, naming version, entry and field
        raise ContentVersionInvalid(str(exc), errors=[FieldError("body", str(exc))]) from exc
    rt = runtime.current()
    if not await store.insert_version(
        candidate, published_by=published_by, imported_at=rt.clock.now()
    ):
        raise ContentVersionExists(f"{kind} version {version} exists", field="version")
    try:
        await bump_generations(rt.redis, rt.settings.redis_namespace, [kind])
    except (RedisError, OSError):
        log.warning("%s version %s stored; Redis unavailable to announce it", kind, version)
    return candidate


def _check_header(kind: ContentKind, candidate: StoredVersion) -> None:
    try:
        version, effective_from = header_of(kind, candidate.label, candidate.body)
    except ValueError as exc:
        raise ContentVersionInvalid(str(exc), errors=[FieldError("body", str(exc))]) from exc
    if version != candidate.version:
        raise ContentVersionInvalid(
            f"{candidate.label}: {kind.header}: field 'version': the body names {version!r}",
            field="version",
        )
    if effective_from != candidate.effective_from:
        raise ContentVersionInvalid(
            f"{candidate.label}: {kind.header}: field 'effective_from': the body names"
            f" {effective_from.isoformat()}",
            field="effectiveFrom",
        )
