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
from backend.platform.errors import Conflict, FieldError, InvalidInput, NotFound

log = logging.getLogger("backend.content")


class ContentVersionInvalid(InvalidInput):
    code = "content-version-invalid"
    title = "The content version does not validate"


class ContentVersionExists(Conflict):
    code = "content-version-exists"
    title = "This content version already exists"


class ContentKindUnknown(NotFound):
    code = "content-kind-not-found"
    title = "No such kind of content"


def check_kind(kind: str) -> None:
    """NotFound unless ``kind`` is a kind of content this process knows."""
    live = live_content()
    if kind not in live.kinds:
        raise ContentKindUnknown(
            f"unknown content kind {kind!r}; known: {', '.join(live.kinds)}", field="kind"
        )


def validate_version(kind: str, body: str) -> StoredVersion:
    """``body`` as a new version of ``kind``, checked by the same checkers as the seed together
    with the versions in force and the kinds depending on it. The version name and the
    effective date come from the body's header table. Bad input raises a problem naming the
    version, the entry and the field; a taken name or effective date, a conflict."""
    check_kind(kind)
    live = live_content()
    spec = live.kinds[kind]
    try:
        version, effective_from = header_of(spec, f"{kind} draft", body)
    except ValueError as exc:
        raise ContentVersionInvalid(str(exc), errors=[FieldError("body", str(exc))]) from exc
    candidate = StoredVersion(kind=kind, version=version, effective_from=effective_from, body=body)
    stored = live.versions.get(kind, [])
    if any(v.version == version for v in stored):
        raise ContentVersionExists(f"{kind} version {version} exists", field="version")
    if any(v.effective_from == effective_from for v in stored):
        raise ContentVersionExists(
            f"a {kind} version already takes effect on {effective_from.isoformat()}",
            field="effectiveFrom",
        )
    try:
        live.build({**live.versions, kind: [*stored, candidate]}, live.affected([kind]))
    except Exception as exc:  # the kind's own error class, naming version, entry and field
        raise ContentVersionInvalid(str(exc), errors=[FieldError("body", str(exc))]) from exc
    return candidate


async def announce(kind: str) -> None:
    """Bump the kind's generation so every process reloads it within seconds.

    With Redis away the bump is not retried: every process also compares a fingerprint of the
    stored versions every :data:`~backend.content.live.FINGERPRINT_SECONDS` and reloads on
    change, so the version arrives within half a minute instead of seconds, with no request
    held up by a retry."""
    rt = runtime.current()
    try:
        await bump_generations(rt.redis, rt.settings.redis_namespace, [kind])
    except (RedisError, OSError):
        log.warning("%s: a new version is stored; Redis unavailable to announce it", kind)


async def publish_version(
    kind: str,
    version: str,
    body: str,
    effective_from: dt.date,
    *,
    published_by: str = "officer",
) -> StoredVersion:
    """Validate ``body`` as version ``version`` of ``kind`` (``validate_version``), store it and
    announce it. The version and date given must be the ones the body's header names."""
    live = live_content()
    if kind not in live.kinds:  # a request field here, not a path: invalid rather than absent
        raise ContentVersionInvalid(
            f"unknown content kind {kind!r}; known: {', '.join(live.kinds)}", field="kind"
        )
    _check_header(
        live.kinds[kind],
        StoredVersion(kind=kind, version=version, effective_from=effective_from, body=body),
    )
    candidate = validate_version(kind, body)
    if not await store.insert_version(
        candidate, published_by=published_by, imported_at=runtime.current().clock.now()
    ):
        raise ContentVersionExists(f"{kind} version {version} exists", field="version")
    await announce(kind)
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
