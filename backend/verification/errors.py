"""Problems of the verification domain, each with a stable ``type`` code (RFC 9457)."""

from __future__ import annotations

from backend.platform.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    ProblemError,
    TooManyRequests,
)
from backend.platform.problem_texts import register_titles


class CreditLocked(ProblemError):
    status, code, title = 423, "credit-locked", "The citizen has locked their credit"


class CodeExpired(ProblemError):
    status, code, title = 410, "verification-code-expired", "The verification code has expired"


class UsedCodeGone(ProblemError):
    """The QR of a code that has been redeemed: gone for good (a GET never conflicts)."""

    status, code, title = 410, "verification-code-used", "The verification code has been used"


class CodeUnknown(NotFound):
    code = "verification-code-unknown"


class CodeUsed(Conflict):
    code = "verification-code-used"


class PayloadInvalid(InvalidInput):
    code = "verification-payload-invalid"


class NotScoped(Forbidden):
    code = "benefit-scope-missing"


class TooManyGuesses(TooManyRequests):
    code = "verification-guesses-exceeded"


class TooManyCodes(TooManyRequests):
    code = "too-many-live-codes"


class VerificationNotFound(NotFound):
    code = "verification-not-found"


class NotEligible(Conflict):
    code = "not-eligible"


class RedemptionRecorded(Conflict):
    code = "redemption-already-recorded"


class ConsentNotFound(NotFound):
    code = "consent-not-found"


class ConsentNotValid(Forbidden):
    code = "consent-not-valid"


class OrganisationUnknown(InvalidInput):
    code = "organisation-unknown"


LOCKED_DETAIL = (
    "该市民已开启信用锁：在其关闭之前，任何商户都不能查询其信用",
    "the citizen has switched on the credit lock (信用锁): no merchant can check their credit"
    " until they switch it off",
)

register_titles(
    {
        CreditLocked.code: ("信用锁已开启", "The citizen has locked their credit"),
        CodeExpired.code: ("核验码已过期", "The verification code has expired"),
        UsedCodeGone.code: ("核验码已使用", "The verification code has been used"),
    }
)
