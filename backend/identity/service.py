"""Identity rules: one-time codes, sign-up with real-name check, sessions, API keys, officers."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Sequence
from enum import Enum

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from redis.exceptions import ConnectionError as RedisConnectionError

from backend.identity import notices, store
from backend.identity.id_number import InvalidIdNumber, mask_id_number, normalize_id_number
from backend.identity.lockout import clear_sign_in_failures, count_failure, refuse_if_locked_out
from backend.identity.principals import ClientPrincipal, OfficerPrincipal
from backend.identity.schemas import (
    CodeSent,
    NoticeDocumentOut,
    NoticesAcceptance,
    NoticesStatus,
    Profile,
    ProfileUpdate,
    PublicNotices,
    RegistryBatch,
    RegistryBatchResult,
    RegistryItemResult,
    SignUp,
    TokenPair,
)
from backend.identity.sms import SMS_UNAVAILABLE, SmsUnavailable, mask_phone
from backend.identity.verifier import normalize_person_name
from backend.platform import runtime
from backend.platform.audit import Actor, write_audit
from backend.platform.calendar import today_in_shanghai
from backend.platform.config import Settings
from backend.platform.crypto import (
    blind_index,
    constant_time_equal,
    keyed_index,
    keyed_indexes,
    seal,
    sha256_hex,
    unseal,
)
from backend.platform.database import connection, transaction
from backend.platform.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
)
from backend.platform.language import current_language, say
from backend.platform.redis import namespaced
from backend.platform.rows import Connection

log = logging.getLogger("backend.identity")
_hasher = PasswordHasher()
CLI = Actor("system", "cli")  # who acts when the command line creates an account
_DUMMY_HASH = _hasher.hash("not-a-password")


def revoked_session_key(settings: Settings, session_id: str) -> str:
    """Where a signed-out session's id is kept until its access tokens expire (the
    authentication middleware refuses tokens of a session listed there)."""
    return namespaced(settings.redis_namespace, "revoked-session", session_id)


# --- ID numbers -------------------------------------------------------------------------------


def id_number_index(id_number: str) -> str:
    """The blind index under the current key: what is written (and found, once rotated)."""
    return keyed_index(runtime.current().settings.keyrings.id_index, id_number)


def id_number_indexes(id_number: str) -> list[str]:
    """The blind index under every configured key, the current first."""
    return keyed_indexes(runtime.current().settings.keyrings.id_index, id_number)


def encrypt_id_number(id_number: str) -> bytes:
    return seal(runtime.current().settings.keyrings.id_encryption, id_number)


def decrypt_id_number(blob: bytes) -> str:
    return unseal(runtime.current().settings.keyrings.id_encryption, blob)


async def adopt_current_keys(id_numbers: Sequence[str], conn: Connection | None = None) -> None:
    """While old index keys are configured, move these ID numbers' citizen and registry rows
    still indexed under an old key to the current keys (a look-up ``= ANY`` of every key's
    index), so every look-up and upsert after this (``= $1`` on the current index) finds them.
    Without old keys it costs nothing: no query."""
    if not runtime.current().settings.keyrings.id_index.rotating or not id_numbers:
        return
    if conn is None:
        async with transaction() as own:
            return await adopt_current_keys(id_numbers, own)
    ring = runtime.current().settings.keyrings.id_index
    numbers = sorted(set(id_numbers))
    old = [index for n in numbers for index in keyed_indexes(ring, n)[1:]]
    current = [id_number_index(n) for n in numbers for _ in ring.old_ids]
    sealed = [encrypt_id_number(n) for n in numbers for _ in ring.old_ids]
    for table in ("population_registry", "citizen"):
        await store.move_to_current_index(conn, table, old, current, sealed)


# --- phone numbers ---------------------------------------------------------------------------
# Sealed with the ID encryption keys, bound to their purpose by the associated data (a phone's
# ciphertext never opens as an ID number, nor the reverse); found through a blind index under
# keys of their own (``keyrings.phone_index``), so a phone's index and an ID number's cannot be
# matched up. Look-ups while a rotation is under way match every key's index.

PHONE_SEALED_FOR = b"phone"


def phone_index(phone: str) -> str:
    """The phone's blind index under the current key: what is written."""
    return keyed_index(runtime.current().settings.keyrings.phone_index, phone)


def phone_indexes(phone: str) -> list[str]:
    """The phone's blind index under every configured key, the current first."""
    return keyed_indexes(runtime.current().settings.keyrings.phone_index, phone)


def encrypt_phone(phone: str) -> bytes:
    return seal(runtime.current().settings.keyrings.id_encryption, phone, PHONE_SEALED_FOR)


def decrypt_phone(blob: bytes) -> str:
    return unseal(runtime.current().settings.keyrings.id_encryption, blob, PHONE_SEALED_FOR)


def sealed_phone(phone: str) -> store.SealedPhone:
    return store.SealedPhone(
        encrypted=encrypt_phone(phone), index=phone_index(phone), indexes=phone_indexes(phone)
    )


def parse_id_number(value: str, field: str = "idNumber") -> str:
    try:
        return normalize_id_number(value)
    except InvalidIdNumber as exc:
        raise InvalidInput(
            say(f"身份证号无效：{exc.zh}", f"invalid ID number: {exc.en}"),
            field=field,
            code="invalid-id-number",
        ) from exc


# --- one-time codes ---------------------------------------------------------------------------


def _code_hash(phone: str, code: str) -> str:
    return blind_index(runtime.current().settings.key_bytes("otp_hash_key"), f"{phone}:{code}")


def _throttle_keys(phone: str) -> tuple[str, str]:
    """The phone's resend mark and its count of codes this hour, in Redis, named by its blind
    index: Redis keeps no phone in plain text either."""
    namespace = runtime.current().settings.redis_namespace
    index = phone_index(phone)
    return (
        namespaced(namespace, "otp", "resend", index),
        namespaced(namespace, "otp", "hourly", index),
    )


async def _throttle_codes(phone: str) -> None:
    """Resend throttle and hourly cap per phone (anti SMS-bombing), kept in Redis."""
    rt = runtime.current()
    s = rt.settings
    resend_key, hourly_key = _throttle_keys(phone)
    if not await rt.redis.set(resend_key, b"1", nx=True, ex=s.otp_resend_seconds):
        wait = max(int(await rt.redis.ttl(resend_key)), 1)
        raise TooManyRequests(
            say(
                f"验证码刚刚发送过，请 {wait} 秒后再试",
                f"a code was just sent; ask again in {wait} s",
            ),
            code="code-resend-too-soon",
            retry_after=wait,
            extra={"retryAfter": wait},
        )
    sent = int(await rt.redis.incr(hourly_key))
    if sent == 1:
        await rt.redis.expire(hourly_key, 3600)
    if sent > s.otp_max_per_phone_per_hour:
        raise TooManyRequests(
            say(
                "该手机号一小时内获取验证码次数过多",
                "too many codes for this phone in the last hour",
            ),
            code="code-hourly-limit",
            retry_after=int(await rt.redis.ttl(hourly_key)),
        )


# A provider's hiccup (a timeout, a 5xx, its own rate control) usually passes within seconds.
SMS_RETRY_AFTER_SECONDS = 10


async def _undo_unsent_code(phone: str, code_hash: str, failure: SmsUnavailable) -> None:
    """A send that failed costs the citizen nothing. A clear refusal (or no connection at all):
    the new code is withdrawn (the one before it, if still valid, stays valid with its tries)
    and the throttle forgets the attempt, so the citizen may ask again at once. A send that may
    have got through (a timeout, a 5xx): the code stays valid in case it arrives, the attempt
    stays counted in the hour (a slow provider must not let anyone text a phone without limit)
    and the citizen may ask again after ``SMS_RETRY_AFTER_SECONDS``."""
    log.warning(
        "one-time code to %s not sent: %s said %s (request %s)",
        mask_phone(phone),
        failure.provider,
        failure.reason,
        failure.request_id or "-",
    )
    rt = runtime.current()
    resend_key, hourly_key = _throttle_keys(phone)
    try:
        if failure.maybe_delivered:
            await rt.redis.set(resend_key, b"1", ex=SMS_RETRY_AFTER_SECONDS)
            return
        async with transaction() as conn:
            pending = await store.pending_code_for_update(conn, phone_indexes(phone))
            if pending is not None and constant_time_equal(pending.code_hash, code_hash):
                # Marked used, never usable; the latest code still pending is the previous one.
                await store.consume_code(conn, pending.id)
        await rt.redis.delete(resend_key)
        if int(await rt.redis.decr(hourly_key)) <= 0:
            await rt.redis.delete(hourly_key)  # none left, or the hour ran out meanwhile
    except (RedisConnectionError, OSError):
        # The citizen still gets the 503 that says to try again; the throttle may count it.
        log.warning("could not give back the throttle after a failed send", exc_info=True)


async def request_code(phone: str) -> CodeSent:
    rt = runtime.current()
    s = rt.settings
    try:
        await _throttle_codes(phone)
    except (RedisConnectionError, OSError) as exc:
        # Without the throttle, codes could be sent without limit: refuse, clearly.
        raise ServiceUnavailable(
            say(
                "暂时无法发送验证码，请一分钟后再试",
                "codes cannot be sent right now; try again in a minute",
            ),
            code="codes-unavailable",
            retry_after=60,
        ) from exc
    code = f"{secrets.randbelow(1_000_000):06d}"
    code_hash = _code_hash(phone, code)
    # Stored before it is sent: with the database away no SMS is paid for a code that could
    # never be checked.
    async with connection() as conn:
        await store.insert_code(
            conn, phone=sealed_phone(phone), code_hash=code_hash, ttl_seconds=s.otp_ttl_seconds
        )
    try:
        await rt.sms.send_code(phone, code)
    except SmsUnavailable as exc:
        await _undo_unsent_code(phone, code_hash, exc)
        raise ServiceUnavailable(
            say(
                f"短信暂时无法发送，请 {SMS_RETRY_AFTER_SECONDS} 秒后重新获取验证码",
                f"the SMS could not be sent; ask for a code again in {SMS_RETRY_AFTER_SECONDS} s",
            ),
            code=SMS_UNAVAILABLE,
            retry_after=SMS_RETRY_AFTER_SECONDS,
            extra={"service": "sms"},
        ) from None
    log.info("one-time code sent to %s", mask_phone(phone))
    return CodeSent(
        phone=mask_phone(phone), expires_in=s.otp_ttl_seconds, resend_after=s.otp_resend_seconds
    )


class _CodeCheck(Enum):
    OK = "ok"
    MISSING = "missing"
    LOCKED = "locked"
    WRONG = "wrong"


async def _check_code(phone: str, code: str) -> tuple[_CodeCheck, int]:
    max_attempts = runtime.current().settings.otp_max_attempts
    outcome, left = _CodeCheck.MISSING, 0
    async with transaction() as conn:
        pending = await store.pending_code_for_update(conn, phone_indexes(phone))
        if pending is not None and pending.attempts >= max_attempts:
            outcome = _CodeCheck.LOCKED
        elif pending is not None and constant_time_equal(
            pending.code_hash, _code_hash(phone, code)
        ):
            await store.consume_code(conn, pending.id)
            outcome = _CodeCheck.OK
        elif pending is not None:
            await store.count_wrong_try(conn, pending.id)
            outcome, left = _CodeCheck.WRONG, max_attempts - pending.attempts - 1
    return outcome, left


async def consume_code(phone: str, code: str) -> None:
    """Accept the code once; wrong tries are counted (committed) before the refusal."""
    outcome, left = await _check_code(phone, code)
    if outcome is _CodeCheck.MISSING:
        raise Unauthorized(
            say(
                "该手机号没有有效的验证码：已过期或已使用，请重新获取",
                "no valid code for this phone: it expired or was used; request a new one",
            ),
            code="code-expired",
            field="code",
        )
    if outcome is _CodeCheck.LOCKED:
        raise TooManyRequests(
            say(
                "验证码错误次数过多，请重新获取",
                "too many wrong tries for this code; request a new one",
            ),
            code="code-locked",
            field="code",
        )
    if outcome is _CodeCheck.WRONG:
        raise Unauthorized(
            say(f"验证码错误，还可再试 {left} 次", f"wrong code; {left} tries left")
            if left
            else say("验证码错误，请重新获取", "wrong code; request a new one"),
            code="code-wrong",
            field="code",
            extra={"attemptsLeft": left},
        )


# --- sessions ---------------------------------------------------------------------------------


async def _new_refresh_token(family: str, kind: str, subject_id: int) -> str:
    raw = secrets.token_urlsafe(32)
    days = runtime.current().settings.refresh_token_days
    async with connection() as conn:
        await store.insert_refresh_token(
            conn,
            token_hash=sha256_hex(raw),
            family=family,
            subject_kind=kind,
            subject_id=subject_id,
            valid_days=days,
        )
    return raw


def _access_token(kind: str, subject_id: int, family: str, extras: dict[str, object]) -> str:
    jwt_auth = runtime.current().jwt_auth
    token: str = jwt_auth.create_token(
        identifier=str(subject_id),
        token_unique_jwt_id=secrets.token_hex(8),
        token_extras={**extras, "kind": kind, "sid": family},
    )
    return token


async def _token_pair(
    kind: str, subject_id: int, family: str, extras: dict[str, object]
) -> TokenPair:
    s = runtime.current().settings
    refresh = await _new_refresh_token(family, kind, subject_id)
    return TokenPair(
        access_token=_access_token(kind, subject_id, family, extras),
        expires_in=s.access_token_minutes * 60,
        refresh_token=refresh,
        refresh_expires_in=s.refresh_token_days * 86400,
    )


async def _citizen_extras(account_id: int) -> dict[str, object]:
    async with connection() as conn:
        citizen_id = await store.citizen_of_account(conn, account_id)
    if citizen_id is None:
        raise Unauthorized(
            say("账户已不存在", "the account no longer exists"), code="account-missing"
        )
    return {"cid": citizen_id}


async def _officer_extras(officer_id: int) -> dict[str, object]:
    async with connection() as conn:
        officer = await store.officer_standing(conn, officer_id)
    if officer is None or not officer.active:
        raise Unauthorized(
            say("该工作人员账户已停用", "the officer account is disabled"), code="officer-disabled"
        )
    return {"usr": officer.username, "roles": list(officer.roles)}


async def revoke_family(family: str) -> None:
    rt = runtime.current()
    async with connection() as conn:
        await store.revoke_token_family(conn, family)
    await rt.redis.set(
        revoked_session_key(rt.settings, family),
        b"1",
        ex=rt.settings.access_token_minutes * 60 + 60,
    )


async def refresh_session(raw_token: str) -> TokenPair:
    async with transaction() as conn:
        token = await store.refresh_token_for_update(conn, sha256_hex(raw_token))
        fresh = token is not None and token.used_at is None and token.revoked_at is None
        if token is not None and fresh and not token.expired:
            await store.mark_refresh_token_used(conn, token.id)
    if token is None:
        raise Unauthorized(
            say("无法识别的刷新令牌", "unknown refresh token"), code="refresh-token-invalid"
        )
    if token.revoked_at is not None:
        raise Unauthorized(
            say("此次登录已退出", "this session was signed out"), code="refresh-token-revoked"
        )
    if token.used_at is not None:
        # A rotated token came back: someone holds a copy. End the whole session.
        await revoke_family(token.family_id)
        log.warning("refresh token reuse detected; session %s revoked", token.family_id)
        raise Unauthorized(
            say(
                "该刷新令牌已被使用过，为安全起见此次登录已关闭",
                "this refresh token was already used; the session is closed for safety",
            ),
            code="refresh-token-reused",
        )
    if token.expired:
        raise Unauthorized(
            say("刷新令牌已过期，请重新登录", "the refresh token expired; sign in again"),
            code="refresh-token-expired",
        )
    kind, subject_id = token.subject_kind, token.subject_id
    extras = await (
        _citizen_extras(subject_id) if kind == "citizen" else _officer_extras(subject_id)
    )
    return await _token_pair(kind, subject_id, token.family_id, extras)


async def _start_citizen_session(account_id: int, citizen_id: int) -> TokenPair:
    async with connection() as conn:
        await store.record_sign_in(conn, account_id)
    return await _token_pair("citizen", account_id, secrets.token_hex(16), {"cid": citizen_id})


# --- citizens ---------------------------------------------------------------------------------


async def find_or_create_citizen(id_number: str, name: str) -> int:
    async with transaction() as conn:
        await adopt_current_keys([id_number], conn)
        return await store.insert_or_find_citizen(
            conn,
            id_number_index=id_number_index(id_number),
            id_number_encrypted=encrypt_id_number(id_number),
            name=name,
        )


# One answer whichever of name, ID number or phone is wrong: a specific reason would tell a
# caller which name + ID number pairs exist (身份核验 must not be an oracle). The reason is logged.
REAL_NAME_CHECK_FAILED = (
    "实名核验未通过：姓名、身份证号和手机号未能对应到人口信息库中的同一人，请核对这三项"
    "（手机号须为该身份证登记的号码）",
    "the real-name check failed: the name, ID number and phone do not match one person in the"
    " population registry; check all three (the phone must be the one registered to the ID)",
)


async def _verify_real_name(name: str, id_number: str, phone: str) -> str:
    """三要素核验: the name on file, or the one uniform refusal (the specific reason goes to the
    server log)."""
    await adopt_current_keys([id_number])
    result = await runtime.current().verifier.verify(
        name, id_number_index(id_number), phone_indexes(phone)
    )
    if not result.ok:
        log.info(
            "real-name check failed for ID %s, phone %s: %s",
            mask_id_number(id_number),
            mask_phone(phone),
            result.reason,
        )
        raise Forbidden(say(*REAL_NAME_CHECK_FAILED), code="real-name-check-failed")
    return normalize_person_name(result.name or name)


async def sign_up(data: SignUp) -> TokenPair:
    """The checks that read the request alone (the ID number, the age, the notices version)
    come before the one-time code is used: a refusal there costs the citizen no code, which
    stays valid for the corrected request (they tell a caller nothing it did not send)."""
    today = today_in_shanghai()
    id_number = parse_id_number(data.id_number)
    refuse_if_under_14(id_number, today)
    shown = notices_in_force(data.notices_version, today)
    phone = data.phone
    await consume_code(phone, data.code)
    # The registry's spelling is kept, whichever accepted variant the citizen typed.
    name = await _verify_real_name(data.name, id_number, phone)
    async with transaction() as conn:
        citizen_id = await find_or_create_citizen(id_number, name)
        # ON CONFLICT covers both a second account and two sign-ups racing for one.
        account_id = await store.insert_account(conn, citizen_id, sealed_phone(phone))
        if account_id is None:
            raise Conflict(
                say(
                    "此人或此手机号已有账户，请直接登录",
                    "an account already exists for this person or phone; sign in instead",
                ),
                code="account-exists",
            )
        # The name just verified against the registry wins over one a department reported.
        await store.rename_citizen(conn, citizen_id, name)
        await write_audit(
            conn,
            Actor("citizen", str(citizen_id)),
            "account.sign-up",
            "citizen_account",
            account_id,
        )
        await _record_acceptance(conn, citizen_id, account_id, shown)
    return await _start_citizen_session(account_id, citizen_id)


async def sign_in(phone: str, code: str) -> TokenPair:
    await consume_code(phone, code)
    async with connection() as conn:
        account = await store.account_by_phone(conn, phone_indexes(phone))
    if account is None:
        raise NotFound(
            say("没有使用此手机号的账户，请先注册", "no account uses this phone; sign up first"),
            code="account-not-found",
        )
    return await _start_citizen_session(account.id, account.citizen)


async def profile(account_id: int) -> Profile:
    async with connection() as conn:
        stored = await store.account_profile(conn, account_id)
    if stored is None:
        raise NotFound(say("账户不存在", "account not found"))
    return Profile(
        name=stored.name,
        id_number_masked=mask_id_number(decrypt_id_number(stored.id_number_encrypted)),
        phone_masked=mask_phone(decrypt_phone(stored.phone_encrypted)),
        language=stored.language,
        member_since=stored.created_at,
        notices=await notices_status(stored.citizen),
    )


async def update_profile(account_id: int, change: ProfileUpdate) -> Profile:
    """Change the account's settings (today its language, 推送语言); the audit log keeps the
    old and new values. Sending the current values again changes nothing."""
    if change.language is not None:
        async with transaction() as conn:
            before = await store.account_for_update(conn, account_id)
            if before is None:
                raise NotFound(say("账户不存在", "account not found"))
            if before.language != change.language:
                await store.set_account_language(conn, account_id, change.language)
                await write_audit(
                    conn,
                    Actor("citizen", str(before.citizen)),
                    "account.update",
                    "citizen_account",
                    account_id,
                    before={"language": before.language},
                    after={"language": change.language},
                )
    return await profile(account_id)


# --- the privacy notice, user agreement and consent (PIPL) -----------------------------------

MINIMUM_AGE = 14  # PIPL art. 31: a child under 14 needs the guardian, whom the app cannot check


def fourteenth_birthday(born: dt.date) -> dt.date:
    """The day a person born on ``born`` turns 14 (one born on 29 February: 1 March)."""
    try:
        return born.replace(year=born.year + MINIMUM_AGE)
    except ValueError:
        return dt.date(born.year + MINIMUM_AGE, 3, 1)


def refuse_if_under_14(id_number: str, today: dt.date) -> None:
    """The birth date of a valid ID number (digits 7-14) against the business date: 14 on the
    day of the fourteenth birthday."""
    born = dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    if today < fourteenth_birthday(born):
        raise InvalidInput(
            say(
                "根据《个人信息保护法》，未满十四周岁的未成年人不能注册本应用；如需查询本人信用"
                "信息，请由父母或者其他监护人陪同到信用服务窗口办理",
                "under the Personal Information Protection Law, a person under 14 cannot sign"
                " up; a parent or other guardian can help with credit enquiries at a credit"
                " service counter",
            ),
            field="idNumber",
            code="too-young",
        )


def notices_in_force(version: str, today: dt.date) -> notices.Notices:
    """The notices in force, if the app showed that version; 409 naming the current one else."""
    current = notices.in_force(today)
    if version != current.version:
        raise Conflict(
            say(
                f"个人信息处理规则和用户服务协议已更新为 {current.version} 版，请阅读并同意新版本",
                f"the privacy notice and user agreement in force are version {current.version};"
                " read and accept that version",
            ),
            field="noticesVersion",
            code="notices-outdated",
            extra={"currentVersion": current.version},
        )
    return current


def _acceptances(shown: notices.Notices) -> list[store.NoticeAcceptanceIn]:
    """The three documents as shown: in the request's language when they exist in it."""
    language = shown.language_of(current_language())
    return [
        store.NoticeAcceptanceIn(
            document=document,
            version=shown.version,
            language=language,
            text_sha256=shown.sha256(document, language),
        )
        for document in notices.DOCUMENTS
    ]


async def _record_acceptance(
    conn: Connection, citizen_id: int, account_id: int, shown: notices.Notices
) -> None:
    """Store the acceptance and audit it, unless every document was accepted already."""
    accepted = _acceptances(shown)
    new = await store.insert_notice_acceptances(conn, citizen_id, accepted)
    if new:
        await write_audit(
            conn,
            Actor("citizen", str(citizen_id)),
            "account.notices-accept",
            "citizen_account",
            account_id,
            after={"version": shown.version, "language": accepted[0].language, "documents": new},
        )


async def notices_status(citizen_id: int) -> NoticesStatus:
    current = notices.in_force(today_in_shanghai())
    async with connection() as conn:
        accepted = await store.accepted_notice_documents(conn, citizen_id, current.version)
    return NoticesStatus(
        version=current.version,
        to_accept=[document for document in notices.DOCUMENTS if document not in accepted],
    )


async def accept_notices(
    account_id: int, citizen_id: int, data: NoticesAcceptance
) -> NoticesStatus:
    """Accept the version in force; accepting it again changes nothing."""
    shown = notices_in_force(data.notices_version, today_in_shanghai())
    async with transaction() as conn:
        await _record_acceptance(conn, citizen_id, account_id, shown)
    return await notices_status(citizen_id)


def public_notices() -> PublicNotices:
    """The texts in force, in the request's language when every document has it."""
    current = notices.in_force(today_in_shanghai())
    language = current.language_of(current_language())
    return PublicNotices(
        version=current.version,
        effective_from=current.effective_from,
        language=language,
        documents=[
            NoticeDocumentOut(
                document=document,
                title=current.text(document, language).title,
                body=current.text(document, language).body,
                sha256=current.sha256(document, language),
            )
            for document in notices.DOCUMENTS
        ],
        source=current.source,
    )


# --- officers ---------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


async def _checked_officer(
    username: str, password: str, address: str | None
) -> store.OfficerCredentials:
    """The officer whose password this is; repeated failures lock the username and the address
    for a while (``lockout``), checked before the password so a locked account reveals
    nothing. Audits the sign-in."""
    await refuse_if_locked_out(username, address)
    async with connection() as conn:
        officer = await store.officer_credentials(conn, username)
    try:
        # An unknown username costs a hash check too, so timing does not tell which exist.
        _hasher.verify(officer.password_hash if officer is not None else _DUMMY_HASH, password)
    except VerificationError:
        officer = None
    if officer is None or not officer.active:
        await count_failure(username, address)
        raise Unauthorized(
            say("用户名或密码错误", "wrong username or password"), code="bad-credentials"
        )
    await clear_sign_in_failures(username)
    async with connection() as conn:  # one statement: no transaction needed
        await write_audit(
            conn, Actor("officer", str(officer.id)), "officer.sign-in", "officer", officer.id
        )
    return officer


async def officer_sign_in(username: str, password: str, *, address: str | None = None) -> TokenPair:
    """Password sign-in to the API: an access and a refresh token."""
    officer = await _checked_officer(username, password, address)
    extras: dict[str, object] = {"usr": username, "roles": list(officer.roles)}
    return await _token_pair("officer", officer.id, secrets.token_hex(16), extras)


async def officer_console_session(
    username: str, password: str, *, address: str | None = None
) -> OfficerPrincipal:
    """Password sign-in to the console: a session family like the API's (listed with the
    officer's sessions, ended the same way), held by the console's cookie session."""
    officer = await _checked_officer(username, password, address)
    family = secrets.token_hex(16)
    await _new_refresh_token(family, "officer", officer.id)
    return OfficerPrincipal(
        officer_id=officer.id, username=username, roles=tuple(officer.roles), session_id=family
    )


async def create_officer(
    username: str,
    password: str,
    display_name: str,
    roles: list[str],
    *,
    by: Actor = CLI,
) -> int:
    if len(password) < 12:
        raise InvalidInput("the password must have at least 12 characters", field="password")
    async with transaction() as conn:
        officer_id = await store.insert_officer(
            conn,
            username=username,
            password_hash=hash_password(password),
            display_name=display_name,
            roles=roles,
        )
        if officer_id is None:
            raise Conflict(f"officer {username!r} already exists", field="username")
        await write_audit(
            conn,
            by,
            "officer.create",
            "officer",
            officer_id,
            after={"roles": roles},
        )
    return officer_id


# --- API clients ------------------------------------------------------------------------------

_KEY_PREFIX = {"department": "ccd", "merchant": "ccm", "institution": "cci"}
_KIND_WORDS = {"department": "数据报送单位", "merchant": "合作商户", "institution": "授权查询机构"}


def new_api_key(kind: str) -> tuple[str, str]:
    """(prefix, key): the key is shown once; only its SHA-256 is stored, found by the prefix."""
    prefix = secrets.token_hex(4)
    return prefix, f"{_KEY_PREFIX[kind]}_{prefix}_{secrets.token_urlsafe(32)}"


async def create_api_client(
    kind: str, code: str, name: str, scopes: list[str], *, by: Actor = CLI
) -> tuple[int, str]:
    """Create a department or merchant client; the key is returned once and stored hashed."""
    if kind not in _KEY_PREFIX:
        raise InvalidInput("kind must be department, merchant or institution", field="kind")
    prefix, key = new_api_key(kind)
    async with transaction() as conn:
        client_id = await store.insert_api_client(
            conn,
            kind=kind,
            code=code,
            name=name,
            key_prefix=prefix,
            key_hash=sha256_hex(key),
            scopes=scopes,
        )
        if client_id is None:
            raise Conflict(f"a client with code {code!r} already exists", field="code")
        await write_audit(
            conn,
            by,
            "api-client.create",
            "api_client",
            client_id,
            after={"kind": kind, "code": code, "scopes": scopes},
        )
    return client_id, key


async def authenticate_api_key(key: str, kind: str) -> ClientPrincipal:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != _KEY_PREFIX.get(kind):
        raise Unauthorized(
            say(f"这不是{_KIND_WORDS[kind]}的 API 密钥", f"this is not a {kind} API key"),
            code="api-key-invalid",
        )
    async with connection() as conn:
        client = await store.api_client_by_prefix(conn, parts[1])
    if client is None or not constant_time_equal(client.key_hash, sha256_hex(key)):
        raise Unauthorized(say("无法识别的 API 密钥", "unknown API key"), code="api-key-invalid")
    if not client.active or client.kind != kind:
        raise Unauthorized(
            say("该 API 密钥已停用", "this API key is disabled"), code="api-key-disabled"
        )
    return ClientPrincipal(
        client_id=client.id,
        kind=client.kind,
        code=client.code,
        name=client.name,
        scopes=frozenset(client.scopes),
    )


# --- population registry ----------------------------------------------------------------------


async def upsert_registry(batch: RegistryBatch, client: ClientPrincipal) -> RegistryBatchResult:
    items: list[RegistryItemResult] = []
    accepted: list[store.RegistryUpsert] = []
    numbers: list[str] = []  # the accepted ID numbers (moved to the current keys first)
    # One business date for the whole batch, as the records ingest does: a batch sent across
    # midnight is judged on the day it arrived.
    today = today_in_shanghai()
    for i, entry in enumerate(batch.entries):
        try:
            id_number = normalize_id_number(entry.id_number, today=today)
        except InvalidIdNumber as exc:
            items.append(
                RegistryItemResult(
                    index=i, status="rejected", field="idNumber", reason=exc.reason()
                )
            )
            continue
        name = normalize_person_name(entry.name)
        if not name:
            items.append(
                RegistryItemResult(
                    index=i, status="rejected", field="name", reason=say("不能为空白", "is blank")
                )
            )
            continue
        accepted.append(
            store.RegistryUpsert(
                id_number_index=id_number_index(id_number),
                id_number_encrypted=encrypt_id_number(id_number),
                name=name,
                phone_encrypted=encrypt_phone(entry.phone),
                phone_index=phone_index(entry.phone),
            )
        )
        items.append(RegistryItemResult(index=i, status="upserted"))
        numbers.append(id_number)
    async with transaction() as conn:
        await adopt_current_keys(numbers, conn)
        await store.upsert_registry_entries(conn, accepted, updated_by=client.client_id)
        await write_audit(
            conn,
            client.actor,
            "registry.upsert",
            "population_registry",
            "batch",
            after={"upserted": len(accepted)},
        )
    return RegistryBatchResult(
        upserted=len(accepted), rejected=len(items) - len(accepted), items=items
    )
