"""Merchant verification (商户核验): single-use codes the citizen makes for one benefit, their
redemption by a merchant scoped to that benefit, consent-based checks, and recorded redemptions.

A code is answered when it is made: the engine evaluates the benefit's rule on the stored
assessment, and the answer (eligible or not, the grade band the benefit needs, the masked name)
is signed into the QR payload, so a merchant can check it offline with the public key. Redeeming
online is what makes it count: one ``UPDATE ... WHERE live AND redeemed_at IS NULL RETURNING``
consumes it, so of two parallel redemptions exactly one succeeds; the query-log row and the
outbox event are written in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import secrets
from typing import Any, Literal

import segno

from backend.benefits.schemas import BenefitRef
from backend.benefits.service import grade_ref, known_benefit, status_for
from backend.identity.id_number import mask_name
from backend.identity.principals import ClientPrincipal
from backend.notifications.events import VerificationMade, emit_event
from backend.platform import runtime
from backend.platform.audit import write_audit
from backend.platform.calendar import today_in_shanghai
from backend.platform.database import connection, transaction
from backend.platform.errors import InvalidInput, ProblemError
from backend.platform.language import say
from backend.platform.redis import namespaced
from backend.platform.rows import Connection
from backend.scoring.service import stored_assessment
from backend.verification import signing, store
from backend.verification.consents import valid_consent
from backend.verification.errors import (
    LOCKED_DETAIL,
    CodeExpired,
    CodeUnknown,
    CodeUsed,
    CreditLocked,
    NotEligible,
    NotScoped,
    PayloadInvalid,
    RedemptionRecorded,
    TooManyCodes,
    TooManyGuesses,
    UsedCodeGone,
    VerificationNotFound,
)
from backend.verification.lock import refuse_if_locked
from backend.verification.query_log import write_query_log
from backend.verification.schemas import (
    CheckAnswer,
    CodeIssued,
    CodeStatus,
    ConsentCheckRequest,
    RedeemRequest,
    RedemptionIn,
    RedemptionOut,
    VerificationKey,
)

log = logging.getLogger("backend.verification")

CODE_DIGITS = 8
MAX_LIVE_CODES = 5  # per citizen: enough for a queue at a counter, too few to hoard the space
GUESS_LIMIT = 20  # unknown (or out-of-scope) numeric codes one merchant may try ...
GUESS_WINDOW_SECONDS = 600  # ... per ten minutes
_INSERT_ATTEMPTS = 5
UNKNOWN_CODE_DETAIL = ("没有这个核验码", "no such verification code")
ImageKind = Literal["svg", "png"]


# --- keys ---------------------------------------------------------------------------------------


def _private_key() -> bytes:
    return runtime.current().settings.key_bytes("verification_signing_key")


def public_key() -> bytes:
    """The 32 raw bytes of the public key that verifies what is signed now."""
    return signing.public_key_bytes(_private_key())


def public_keys() -> dict[str, bytes]:
    """Every public key by its id: the current one first, then the retired keys still listed
    in ``VERIFICATION_OLD_PUBLIC_KEYS`` (what they signed still checks)."""
    retired = runtime.current().settings.keyrings.verification_old_public
    return {signing.key_id(raw): raw for raw in (public_key(), *retired)}


def _jwk(raw: bytes) -> dict[str, str]:
    x, kid = signing.b64url(raw), signing.key_id(raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "use": "sig", "alg": "EdDSA"}


def verification_key() -> VerificationKey:
    raw = public_key()
    return VerificationKey(
        algorithm=signing.ALGORITHM,
        curve="Ed25519",
        key_id=signing.key_id(raw),
        public_key=signing.b64url(raw),
        public_key_pem=signing.public_key_pem(_private_key()),
        jwk=_jwk(raw),
        token_type=signing.TOKEN_TYPE,
        issuer=signing.ISSUER,
        keys=[_jwk(key) for key in public_keys().values()],
    )


# --- helpers ------------------------------------------------------------------------------------


def _benefit_ref(code: str) -> BenefitRef:
    benefit = known_benefit(code).benefit(code)
    assert benefit is not None
    return BenefitRef(code=benefit.code, name_zh=benefit.name_zh, name_en=benefit.name_en)


def _scoped_benefits(merchant: ClientPrincipal) -> list[str]:
    return sorted(s.removeprefix("benefit:") for s in merchant.scopes if s.startswith("benefit:"))


def _rules() -> Any:
    return runtime.current().rules.in_force(today_in_shanghai())


def _answer(
    check: store.CheckMade, benefit: BenefitRef, basis: Literal["code", "consent"]
) -> CheckAnswer:
    return CheckAnswer(
        verification_id=check.public_id,
        benefit=benefit,
        eligible=check.eligible,
        required_grade=grade_ref(check.required_grade, _rules()),
        citizen_name=mask_name(check.name),
        checked_at=check.redeemed_at,
        basis=basis,
    )


async def _log_and_notify(
    conn: Connection,
    check: store.CheckMade,
    merchant: ClientPrincipal,
    basis: str,
    benefit: BenefitRef,
) -> None:
    """The query-log row and the 'merchant verified you' event, in the caller's transaction."""
    # Stored once and read in either language: both, by name (never the benefit's code).
    await write_query_log(
        conn,
        check.citizen,
        merchant.actor,
        merchant.name,
        seen=f"是否符合“{benefit.name_zh}”的条件、所需等级、脱敏姓名 (eligibility for"
        f" “{benefit.name_en}”, the grade band it needs, masked name)",
        purpose=f"守信激励：{benefit.name_zh} (benefit: {benefit.name_en})",
        basis=basis,
    )
    await emit_event(
        conn,
        check.citizen,
        VerificationMade(
            organisation=merchant.name, benefit=benefit.name_zh, benefit_name_en=benefit.name_en
        ),
        dedupe_key=f"verification.redeemed:{check.public_id}",
    )


def _new_public_id() -> str:
    return "vf_" + secrets.token_urlsafe(16)


def _new_numeric_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


# --- citizen: make a code -----------------------------------------------------------------------


async def make_code(citizen_id: int, benefit_code: str) -> CodeIssued:
    """A single-use code for one benefit, valid ``verification_code_seconds``."""
    known_benefit(benefit_code)
    status = status_for(await stored_assessment(citizen_id), benefit_code)
    seconds = runtime.current().settings.verification_code_seconds
    issued = dt.datetime.now(dt.UTC).replace(microsecond=0)
    expires = issued + dt.timedelta(seconds=seconds)
    public_id = _new_public_id()
    async with transaction() as conn:
        await refuse_if_locked(conn, citizen_id)
        live = await store.live_code_count(conn, citizen_id)
        if live >= MAX_LIVE_CODES:
            raise TooManyCodes(
                say(
                    f"您已有 {live} 个有效的核验码，请先使用或等其过期",
                    f"you already have {live} live codes; use one or wait until they expire",
                )
            )
        name = await store.citizen_name(conn, citizen_id)
        claims = signing.new_claims(
            public_id,
            benefit_code,
            status.eligible,
            status.required_grade.code,
            mask_name(name),
            issued,
            seconds,
        )
        payload = signing.sign(claims, _private_key())
        new_code = store.NewCode(
            public_id=public_id,
            citizen=citizen_id,
            benefit=benefit_code,
            payload=payload,
            eligible=status.eligible,
            required_grade=status.required_grade.code,
            created_at=issued,
            expires_at=expires,
        )
        code = await _insert_code(conn, new_code)
    return _issued(
        public_id=public_id,
        benefit=benefit_code,
        code=code,
        payload=payload,
        created_at=issued,
        expires_at=expires,
        eligible=status.eligible,
        required_grade=status.required_grade.code,
        now=issued,
    )


def code_url(public_id: str) -> str:
    """Where the citizen reads one of their codes back (getMyVerificationCode)."""
    return f"/v1/me/verification-codes/{public_id}"


def _issued(
    *,
    public_id: str,
    benefit: str,
    code: str,
    payload: str,
    created_at: dt.datetime,
    expires_at: dt.datetime,
    eligible: bool,
    required_grade: str,
    now: dt.datetime,
    redeemed_at: dt.datetime | None = None,
) -> CodeIssued:
    """The code as the citizen sees it, with its status at ``now`` (the database's clock)."""
    if redeemed_at is not None:
        state: CodeStatus = "redeemed"
    elif expires_at <= now:
        state = "expired"
    else:
        state = "live"
    return CodeIssued(
        verification_id=public_id,
        benefit=_benefit_ref(benefit),
        code=code,
        payload=payload,
        expires_at=expires_at,
        valid_seconds=int((expires_at - created_at).total_seconds()),
        eligible=eligible,
        required_grade=grade_ref(required_grade, _rules()),
        qr_svg=f"{code_url(public_id)}/qr.svg",
        qr_png=f"{code_url(public_id)}/qr.png",
        status=state,
        redeemed_at=redeemed_at,
    )


async def my_code(citizen_id: int, verification_id: str) -> CodeIssued:
    """One of the citizen's own codes, with what became of it (live, redeemed, expired)."""
    async with connection() as conn:
        stored = await store.citizen_code(conn, citizen_id, verification_id)
    if stored is None:
        raise _no_such_code(verification_id)
    return _issued(
        public_id=stored.public_id,
        benefit=stored.benefit,
        code=stored.numeric_code,
        payload=stored.payload,
        created_at=stored.created_at,
        expires_at=stored.expires_at,
        eligible=stored.eligible,
        required_grade=stored.required_grade,
        redeemed_at=stored.redeemed_at,
        now=stored.now,
    )


def _no_such_code(verification_id: str) -> VerificationNotFound:
    return VerificationNotFound(
        say(
            f"您没有核验码 {verification_id!r}",
            f"you have no verification code {verification_id!r}",
        )
    )


async def _insert_code(conn: Connection, new_code: store.NewCode) -> str:
    """Insert with a fresh numeric code, drawing again if it clashes with a live one."""
    for _ in range(_INSERT_ATTEMPTS):
        code = _new_numeric_code()
        if await store.insert_code(conn, new_code, code):
            return code
    raise RuntimeError("could not draw a free verification code")  # 10^8 codes: never


async def qr_image(citizen_id: int, verification_id: str, kind: ImageKind) -> bytes:
    """The QR of one of the citizen's own live codes, as SVG or PNG."""
    async with connection() as conn:
        image = await store.code_image(conn, citizen_id, verification_id)
    if image is None:
        raise _no_such_code(verification_id)
    if image.used:
        raise UsedCodeGone(
            say("该核验码已被使用，请重新生成", "this code has been redeemed; make a new one")
        )
    if image.expired:
        raise CodeExpired(
            say("该核验码已过期，请重新生成", "this code has expired; make a new one")
        )
    qr = segno.make(image.payload, error="m", micro=False)
    buffer = io.BytesIO()
    if kind == "svg":
        qr.save(buffer, kind="svg", scale=4, border=4, title="verification code")
    else:
        qr.save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


# --- merchant: redeem ---------------------------------------------------------------------------

_OFFLINE_WORDS = {"malformed": "不是本系统签发的核验内容", "signature": "签名不符，内容已被篡改"}


def _key_of(request: RedeemRequest) -> tuple[store.CodeKey, str]:
    """(what names the code, its value); checks the payload's signature first."""
    if (request.code is None) == (request.payload is None):
        raise InvalidInput(
            say("code 和 payload 须且只须提供一个", "send exactly one of code and payload"),
            field="code",
        )
    if request.payload is None:
        assert request.code is not None
        return "numeric_code", request.code
    try:
        key = public_keys().get(signing.header_key_id(request.payload), public_key())
        claims = signing.verify_offline(request.payload, key, check_expiry=False)
    except signing.OfflineCheckError as exc:
        raise PayloadInvalid(
            say(
                f"二维码内容无效：{_OFFLINE_WORDS.get(exc.reason, '格式不正确')}",
                f"the payload is not valid: {exc}",
            ),
            field="payload",
        ) from exc
    return "public_id", claims.jti


async def redeem(
    merchant: ClientPrincipal,
    request: RedeemRequest,
    *,
    guesses: tuple[bool, bytes | None] = (False, None),
) -> CheckAnswer:
    """Consume a code once and answer the check; refusals say why (used, expired, locked),
    except that a code for a benefit outside the merchant's scopes is answered as unknown.
    ``guesses``: the gate's read of the merchant's unknown-code counter, if it made one."""
    key, value = _key_of(request)
    if key == "numeric_code":
        await _refuse_guessing(merchant, guesses)
    scoped = _scoped_benefits(merchant)
    async with transaction() as conn:
        check = await store.redeem_code(
            conn, key, value, merchant_id=merchant.client_id, benefits=scoped
        )
        if check is None:
            raise await _refusal(conn, key, value, scoped, merchant)
        benefit = _benefit_ref(check.benefit)
        await _log_and_notify(
            conn, check, merchant, f"verification code {check.public_id}", benefit
        )
    return _answer(check, benefit, "code")


async def _refusal(
    conn: Connection,
    key: store.CodeKey,
    value: str,
    scoped: list[str],
    merchant: ClientPrincipal,
) -> ProblemError:
    state = await store.code_state(conn, key, value)
    if state is None or state.benefit not in scoped:
        # A code for a benefit this merchant does not offer is, to it, no code at all: the same
        # answer, and the same count toward the guess limit, so typing codes at random cannot
        # tell which ones are live for other benefits (or whether they were used or expired).
        if state is not None:
            log.info("merchant %s presented a code outside its scopes", merchant.code)
        if key == "numeric_code":
            await _count_guess(merchant)
        return CodeUnknown(say(*UNKNOWN_CODE_DETAIL))
    if state.locked:
        return CreditLocked(say(*LOCKED_DETAIL))
    if state.used:
        return CodeUsed(
            say(
                "该核验码已被使用，每个核验码只能使用一次",
                "this code has already been redeemed; each code counts once",
            )
        )
    return CodeExpired(
        say(
            "该核验码已过期，请市民重新生成",
            "this code has expired; ask the citizen to make a new one",
        )
    )


def guess_key(merchant_id: int) -> str:
    """The Redis key counting a merchant's unknown typed codes (read by the gate with the
    merchant's rate limit, in the same round trip: see ``routes.redeem``'s ``PREFETCH``)."""
    settings = runtime.current().settings
    return namespaced(settings.redis_namespace, "verify-misses", merchant_id)


async def _refuse_guessing(merchant: ClientPrincipal, counted: tuple[bool, bytes | None]) -> None:
    """Typed codes are short: a merchant trying too many unknown ones is paused for a while.
    ``counted`` is the gate's read of the counter (read here when the gate did not read it)."""
    try:
        redis = runtime.current().redis
        read, misses = counted
        if not read:
            misses = await redis.get(guess_key(merchant.client_id))
        if misses is not None and int(misses) >= GUESS_LIMIT:
            wait = max(int(await redis.ttl(guess_key(merchant.client_id))), 1)
            raise TooManyGuesses(
                say(
                    f"无效核验码尝试次数过多，请 {wait} 秒后再试",
                    f"too many unknown codes; try again in {wait} seconds",
                ),
                retry_after=wait,
            )
    except TooManyGuesses:
        raise
    except Exception:  # noqa: BLE001 - Redis away: the payload path and expiry still protect
        log.warning("could not read the guess counter of merchant %s", merchant.code)


async def _count_guess(merchant: ClientPrincipal) -> None:
    """One round trip: the count, and the window set by the first miss only (``EXPIRE NX``,
    Redis 7) so that misses do not keep extending it."""
    try:
        async with runtime.current().redis.pipeline(transaction=True) as pipe:
            key = guess_key(merchant.client_id)
            pipe.incr(key)
            pipe.expire(key, GUESS_WINDOW_SECONDS, nx=True)
            await pipe.execute()
    except Exception:  # noqa: BLE001 - best effort
        log.warning("could not count an unknown code of merchant %s", merchant.code)


# --- merchant: consent checks and recorded redemptions ------------------------------------------


async def consent_check(merchant: ClientPrincipal, request: ConsentCheckRequest) -> CheckAnswer:
    """A check under the citizen's standing consent instead of a code: logged the same way."""
    known_benefit(request.benefit)
    if request.benefit not in _scoped_benefits(merchant):
        raise NotScoped(
            say(
                f"您的 API 密钥没有权益 {request.benefit} 的权限范围",
                f"your API key is not scoped to benefit:{request.benefit}",
            )
        )
    async with connection() as conn:
        first = await valid_consent(conn, request.consent_id, merchant.client_id, share=False)
    status = status_for(await stored_assessment(first.citizen), request.benefit)
    async with transaction() as conn:
        consent = await valid_consent(conn, request.consent_id, merchant.client_id, share=True)
        await refuse_if_locked(conn, consent.citizen)
        check = await store.insert_consent_check(
            conn,
            consent,
            public_id=_new_public_id(),
            benefit=request.benefit,
            eligible=status.eligible,
            required_grade=status.required_grade.code,
            merchant_id=merchant.client_id,
        )
        benefit = _benefit_ref(request.benefit)
        await _log_and_notify(conn, check, merchant, f"consent {consent.id}", benefit)
    return _answer(check, benefit, "consent")


def redemption_url(verification_id: str) -> str:
    """Where the merchant reads a recorded redemption back (getRedemption)."""
    return f"/v1/merchant/verifications/{verification_id}/redemption"


def _no_verification(verification_id: str) -> VerificationNotFound:
    return VerificationNotFound(
        say(
            f"贵单位没有做过核验 {verification_id!r}",
            f"your organisation made no verification {verification_id!r}",
        )
    )


def _redemption_out(
    recorded: store.Redemption, benefit_code: str, verification_id: str
) -> RedemptionOut:
    benefit = _benefit_ref(benefit_code)
    return RedemptionOut(
        id=recorded.id,
        verification_id=verification_id,
        benefit=benefit.code,
        benefit_name=say(benefit.name_zh, benefit.name_en),
        description=recorded.description,
        reference=recorded.reference,
        recorded_at=recorded.recorded_at,
    )


async def record_redemption(
    merchant: ClientPrincipal, verification_id: str, data: RedemptionIn
) -> RedemptionOut:
    """What the merchant did on a verification it made (e.g. deposit waived); once."""
    async with transaction() as conn:
        check = await store.merchant_check(conn, verification_id, merchant.client_id)
        if check is None:
            raise _no_verification(verification_id)
        if not check.eligible:
            raise NotEligible(
                say(
                    "该市民不符合此权益的条件，无可记录的兑现",
                    "the citizen does not meet this benefit's rule: nothing to record",
                )
            )
        recorded = await store.insert_redemption(
            conn,
            check,
            merchant_id=merchant.client_id,
            description=data.description,
            reference=data.reference,
        )
        if recorded is None:
            raise RedemptionRecorded(
                say(
                    "此次核验已记录过兑现",
                    "a redemption is already recorded for this verification",
                )
            )
        await write_audit(
            conn,
            merchant.actor,
            "benefit.redemption",
            "verification",
            verification_id,
            after={"benefit": check.benefit, "description": data.description},
        )
        out = _redemption_out(recorded, check.benefit, verification_id)
    return out


async def redemption(merchant: ClientPrincipal, verification_id: str) -> RedemptionOut:
    """The redemption this merchant recorded on one of its verifications."""
    async with connection() as conn:
        recorded = await store.redemption_of(conn, verification_id, merchant.client_id)
    if recorded is None:
        raise VerificationNotFound(
            say(
                f"核验 {verification_id!r} 没有贵单位记录的兑现",
                f"your organisation recorded no redemption on verification {verification_id!r}",
            ),
            code="redemption-not-found",
        )
    return _redemption_out(recorded, recorded.benefit, verification_id)
