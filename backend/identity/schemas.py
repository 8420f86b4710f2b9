"""Wire formats for sign-in, tokens, profiles, registry batches and API clients."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.platform.language import Language
from backend.platform.problem_texts import NO_NUL
from backend.platform.schemas import IdNumberText, Input, Output, PersonName, Phone

# A valid number (GB 11643 check digit) of a woman born 1988-06-01 in Hangzhou, 陈静 below.
EXAMPLE_ID_NUMBER = "330106198806010029"
EXAMPLE_ID_NUMBER_MASKED = "3301**********0029"

Code = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^\d{6}$",
        description="The 6-digit one-time code (验证码) sent by SMS to the phone",
        examples=["482913"],
    ),
]
CitizenPhone = Annotated[
    Phone,
    msgspec.Meta(
        description="Mainland mobile number (手机号), 11 digits, no country code",
        examples=["13800138000"],
    ),
]
CitizenName = Annotated[
    PersonName,
    msgspec.Meta(
        description="The citizen's full name (姓名) as on the resident identity card",
        examples=["陈静"],
    ),
]
AccountLanguage = Annotated[
    Language,
    msgspec.Meta(
        description="Language of pushes and notification texts: `zh-CN` Simplified Chinese"
        " (the default), `en` English",
        examples=["zh-CN"],
    ),
]


class SignInCodeRequest(Input):
    """Ask for a one-time code by SMS, for sign-up or sign-in."""

    phone: CitizenPhone


class CodeSent(Output):
    """A one-time code is on its way by SMS."""

    phone: Annotated[
        str,
        msgspec.Meta(description="The phone the code went to, masked", examples=["138****8000"]),
    ]
    expires_in: Annotated[
        int, msgspec.Meta(description="Seconds the code stays valid", examples=[300])
    ]
    resend_after: Annotated[
        int,
        msgspec.Meta(description="Seconds before another code may be asked for", examples=[60]),
    ]


NoticesVersion = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=40,
        description="The version of the privacy notice, user agreement and consent texts the app"
        " showed (`version` of GET /v1/public/notices); it must be the one in force, else 409"
        " `notices-outdated` naming the current one",
        examples=["2026.1"],
    ),
]
PrivacyNoticeAccepted = Annotated[
    Literal[True],
    msgspec.Meta(
        description="The citizen read and accepts the privacy notice (个人信息处理规则) of that"
        " version; must be true (422 naming the field otherwise)",
        examples=[True],
    ),
]
UserAgreementAccepted = Annotated[
    Literal[True],
    msgspec.Meta(
        description="The citizen accepts the user agreement (用户服务协议) of that version; must"
        " be true (422 naming the field otherwise)",
        examples=[True],
    ),
]
SensitiveInformationConsent = Annotated[
    Literal[True],
    msgspec.Meta(
        description="The citizen's separate consent (单独同意, PIPL art. 29) to the processing of"
        " the ID number and the credit records, given apart from the notice; must be true (422"
        " naming the field otherwise)",
        examples=[True],
    ),
]
NoticeDocument = Annotated[
    Literal["privacy-notice", "user-agreement", "sensitive-information"],
    msgspec.Meta(
        description="`privacy-notice` (个人信息处理规则), `user-agreement` (用户服务协议) or"
        " `sensitive-information` (敏感个人信息单独同意)",
        examples=["privacy-notice"],
    ),
]


class NoticesAcceptance(Input):
    """The citizen accepts the privacy notice, the user agreement and, separately, the
    processing of sensitive personal information, in the version the app showed."""

    notices_version: NoticesVersion
    accept_privacy_notice: PrivacyNoticeAccepted
    accept_user_agreement: UserAgreementAccepted
    consent_to_sensitive_information: SensitiveInformationConsent


class NoticesStatus(Output):
    """Where the citizen stands with the texts in force: what is still to accept."""

    version: Annotated[
        str,
        msgspec.Meta(
            description="The version in force today (of GET /v1/public/notices)",
            examples=["2026.1"],
        ),
    ]
    to_accept: Annotated[
        list[NoticeDocument],
        msgspec.Meta(
            description="The documents of that version the citizen has not accepted yet: empty"
            " when up to date; otherwise the app shows them and asks (POST"
            " /v1/me/notices:accept) before the citizen continues",
            examples=[[]],
        ),
    ]


class NoticeDocumentOut(Output):
    """One document of the notices in force, in one language."""

    document: NoticeDocument
    title: Annotated[str, msgspec.Meta(description="The title", examples=["个人信息处理规则"])]
    body: Annotated[
        str,
        msgspec.Meta(
            description="The full text to show before the citizen accepts it",
            examples=["本规则说明“市民信用卡”应用（以下简称“本应用”）如何处理您的个人信息。……"],
        ),
    ]
    sha256: Annotated[
        str,
        msgspec.Meta(
            description="SHA-256 (hex) of the exact text (title, blank line, body); stored with"
            " the acceptance",
            examples=["3a5a3acddd978b679b58df20943440a85c0708acff4e4274b09dbf796524d174"],
        ),
    ]


class PublicNotices(Output):
    """The privacy notice, the user agreement and the sensitive-information consent in force,
    one version for the three."""

    version: Annotated[
        str,
        msgspec.Meta(
            description="The version to send back as `noticesVersion`", examples=["2026.1"]
        ),
    ]
    effective_from: Annotated[
        dt.date, msgspec.Meta(description="In force from this day", examples=["2026-04-01"])
    ]
    language: Annotated[
        Language,
        msgspec.Meta(
            description="The language of the texts: the request's (Accept-Language) when every"
            " document has it, else `zh-CN`",
            examples=["zh-CN"],
        ),
    ]
    documents: Annotated[
        list[NoticeDocumentOut],
        msgspec.Meta(
            description="The privacy notice, the user agreement and the separate consent, in"
            " that order"
        ),
    ]
    source: Annotated[
        str,
        msgspec.Meta(
            description="The laws and standards the texts follow",
            examples=["《中华人民共和国个人信息保护法》第七条、第十三条、第十七条……"],
        ),
    ]


class SignUp(Input):
    """Create an account: the one-time code, and the real-name check (实名核验) of name, ID
    number and phone against the population registry."""

    phone: CitizenPhone
    code: Code
    name: CitizenName
    id_number: Annotated[
        IdNumberText,
        msgspec.Meta(
            description="Resident identity number (公民身份号码, GB 11643): 17 digits and a check"
            " digit or X",
            examples=[EXAMPLE_ID_NUMBER],
        ),
    ]
    notices_version: NoticesVersion
    accept_privacy_notice: PrivacyNoticeAccepted
    accept_user_agreement: UserAgreementAccepted
    consent_to_sensitive_information: SensitiveInformationConsent


class SignIn(Input):
    """Sign in with the phone of an existing account and a one-time code."""

    phone: CitizenPhone
    code: Code


class RefreshRequest(Input):
    """Trade a refresh token for a new token pair (the old refresh token is used up)."""

    refresh_token: Annotated[
        str,
        msgspec.Meta(
            min_length=20,
            max_length=200,
            description="The refresh token of the latest token pair; each one works once",
            examples=["q3Jx0lq6rZ7b0oHc4s9U1nA2wVtE8yKmPfLdGhIjBk"],
        ),
    ]


class OfficerSignIn(Input):
    """A credit officer's (信用办工作人员) username and password."""

    username: Annotated[
        str,
        msgspec.Meta(
            min_length=1, max_length=50, description="The officer's username", examples=["wangli"]
        ),
    ]
    password: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=200,
            description="The officer's password (at least 12 characters when it was set)",
        ),
    ]


class TokenPair(Output):
    """A short-lived access token and the refresh token that renews it."""

    access_token: Annotated[
        str,
        msgspec.Meta(
            description="JWT to send as `Authorization: Bearer …` on every signed-in request",
            examples=["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl"],
        ),
    ]
    expires_in: Annotated[
        int, msgspec.Meta(description="Seconds the access token stays valid", examples=[900])
    ]
    refresh_token: Annotated[
        str,
        msgspec.Meta(
            description="Opaque token for POST /v1/auth/refresh; works once, keep it secret",
            examples=["q3Jx0lq6rZ7b0oHc4s9U1nA2wVtE8yKmPfLdGhIjBk"],
        ),
    ]
    refresh_expires_in: Annotated[
        int,
        msgspec.Meta(description="Seconds the refresh token stays valid", examples=[2592000]),
    ]
    token_type: Annotated[
        Literal["Bearer"],
        msgspec.Meta(description="Always `Bearer`: the scheme of the Authorization header"),
    ] = "Bearer"  # noqa: S105 - the scheme name, not a secret


class Profile(Output):
    """The signed-in citizen's account (ID number and phone masked)."""

    name: Annotated[str, msgspec.Meta(description="The name on file (姓名)", examples=["陈静"])]
    id_number_masked: Annotated[
        str,
        msgspec.Meta(
            description="The resident identity number, masked", examples=[EXAMPLE_ID_NUMBER_MASKED]
        ),
    ]
    phone_masked: Annotated[
        str, msgspec.Meta(description="The account's phone, masked", examples=["138****8000"])
    ]
    language: AccountLanguage
    member_since: Annotated[
        dt.datetime,
        msgspec.Meta(description="When the account was created", examples=["2026-04-02T09:15:00Z"]),
    ]
    notices: Annotated[
        NoticesStatus,
        msgspec.Meta(
            description="The privacy notice, user agreement and consent in force and which of"
            " them the citizen still has to accept (a new version asks again)"
        ),
    ]


class ProfileUpdate(Input):
    """The account settings to change; a field left out keeps its value."""

    language: AccountLanguage | None = None


RegistryIdNumber = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=40,
        description="Resident identity number (GB 11643); an invalid one rejects only its entry",
        examples=[EXAMPLE_ID_NUMBER],
    ),
]


class RegistryEntryIn(Input):
    """One person in the population registry (人口信息库): the source of real-name checks."""

    id_number: RegistryIdNumber
    name: CitizenName
    phone: Annotated[
        Phone,
        msgspec.Meta(
            description="The mobile number registered to this ID number (手机号)",
            examples=["13800138000"],
        ),
    ]


class RegistryBatch(Input):
    """Up to 1,000 registry entries, each inserted or replaced by its ID number."""

    entries: Annotated[
        list[RegistryEntryIn],
        msgspec.Meta(min_length=1, max_length=1000, description="The entries, 1 to 1,000"),
    ]


class RegistryItemResult(Output):
    """What became of one entry, by its position in the batch."""

    index: Annotated[
        int, msgspec.Meta(description="Position of the entry in the batch, from 0", examples=[0])
    ]
    status: Annotated[
        Literal["upserted", "rejected"],
        msgspec.Meta(
            description="`upserted`: stored (new or replacing the entry for that ID number);"
            " `rejected`: not stored, see `field` and `reason`"
        ),
    ]
    field: Annotated[
        str | None,
        msgspec.Meta(description="The entry's field that was refused", examples=["idNumber"]),
    ] = None
    reason: Annotated[
        str | None,
        msgspec.Meta(
            description="Why, in the request's language (Accept-Language)",
            examples=["校验码不正确（GB 11643）"],
        ),
    ] = None


class RegistryBatchResult(Output):
    """The outcome of a registry batch, one item per entry in the order sent."""

    upserted: Annotated[int, msgspec.Meta(description="Entries stored", examples=[998])]
    rejected: Annotated[int, msgspec.Meta(description="Entries refused", examples=[2])]
    items: Annotated[
        list[RegistryItemResult], msgspec.Meta(description="One result per entry, in order")
    ]


# --- the office's own accounts ------------------------------------------------------------------

Role = Literal["officer", "admin", "reports"]
ROLES_TEXT = (
    "`officer` (cases, list review, statistics, drafting policy versions), `admin` (publishing"
    " policy versions, officers and API clients), `reports` (the confidential identities of"
    " people who report dishonesty)"
)
Roles = Annotated[
    list[Role],
    msgspec.Meta(
        min_length=1,
        max_length=3,
        description=f"The roles, one or more of: {ROLES_TEXT}",
        examples=[["officer"]],
    ),
]
NewPassword = Annotated[
    str,
    msgspec.Meta(
        min_length=12,
        max_length=200,
        pattern=NO_NUL,
        description="A password of 12 to 200 characters; stored only as an argon2 hash",
        examples=["correct horse battery staple"],
    ),
]


class OfficerIn(Input):
    """A new credit office account (信用办工作人员账户)."""

    username: Annotated[
        str,
        msgspec.Meta(
            min_length=2,
            max_length=50,
            pattern=r"^[a-z0-9][a-z0-9._-]*$",
            description="Sign-in name: lowercase letters, digits, dot, dash or underscore",
            examples=["li.wei"],
        ),
    ]
    display_name: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=60,
            pattern=NO_NUL,
            description="The name colleagues know",
            examples=["李伟"],
        ),
    ]
    password: NewPassword
    roles: Roles


class OfficerOut(Output):
    """A credit office account (never its password)."""

    id: Annotated[int, msgspec.Meta(description="The officer's id", examples=[7])]
    username: Annotated[str, msgspec.Meta(description="Sign-in name", examples=["li.wei"])]
    display_name: Annotated[str, msgspec.Meta(description="The name", examples=["李伟"])]
    roles: Annotated[
        list[str], msgspec.Meta(description=f"The roles: {ROLES_TEXT}", examples=[["officer"]])
    ]
    active: Annotated[
        bool,
        msgspec.Meta(description="The account can sign in (false once disabled)", examples=[True]),
    ]
    created_at: Annotated[
        dt.datetime,
        msgspec.Meta(description="When it was created (UTC)", examples=["2026-11-29T02:15:00Z"]),
    ]


class RolesIn(Input):
    """The officer's roles from now on (replacing the old ones)."""

    roles: Roles


class PasswordReset(Input):
    """A new password an admin sets; every session of the officer ends."""

    password: NewPassword


class AccountChangeReason(Input):
    """Why an account is disabled or enabled, for the audit log."""

    reason: Annotated[
        str,
        msgspec.Meta(
            min_length=2,
            max_length=500,
            pattern=NO_NUL,
            description="Why (2 to 500 characters)",
            examples=["调离信用办"],
        ),
    ]


class SessionOut(Output):
    """One signed-in session of an officer."""

    id: Annotated[
        str,
        msgspec.Meta(
            description="The session's id (the `sid` of its access tokens)",
            examples=["5f0c8e6a2b1d4c3e9a7f6b5d4c3e2a1f"],
        ),
    ]
    started_at: Annotated[
        dt.datetime,
        msgspec.Meta(description="Sign-in time (UTC)", examples=["2026-11-29T01:00:00Z"]),
    ]
    refreshed_at: Annotated[
        dt.datetime,
        msgspec.Meta(description="Last token refresh (UTC)", examples=["2026-11-29T02:00:00Z"]),
    ]
    expires_at: Annotated[
        dt.datetime,
        msgspec.Meta(
            description="When it ends unless refreshed (UTC)", examples=["2026-12-29T02:00:00Z"]
        ),
    ]
    current: Annotated[
        bool,
        msgspec.Meta(description="It is the session making this request", examples=[True]),
    ]


# --- API clients, for admins ---------------------------------------------------------------------

Scopes = Annotated[
    list[
        Annotated[
            str,
            msgspec.Meta(min_length=3, max_length=80, pattern=r"^[a-z_]+:[A-Za-z0-9_.-]+$"),
        ]
    ],
    msgspec.Meta(
        max_length=200,
        description="What the client may do: `domain:<domain>` or `record:<record type>` for a"
        " department's records, `registry:write` for the population registry feed,"
        " `procedure:<code>` for a department's credit checks in its procedures,"
        " `measure:<code>` for an enforcing body's triggers and lifts, `benefit:<code>` for a"
        " merchant's benefits",
        examples=[["domain:traffic_safety"]],
    ),
]


class ApiClientIn(Input):
    """A new department (数据报送单位) or merchant (合作商户) client."""

    kind: Annotated[
        Literal["department", "merchant", "institution"],
        msgspec.Meta(
            description="`department`, `merchant` or `institution` (a bank or employer that"
            " fetches a citizen's credit report under the citizen's authorisation)",
            examples=["department"],
        ),
    ]
    code: Annotated[
        str,
        msgspec.Meta(
            min_length=2,
            max_length=60,
            pattern=r"^[a-z0-9][a-z0-9-]*$",
            description="A short unique code: lowercase letters, digits and dashes",
            examples=["city-traffic-police"],
        ),
    ]
    name: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=120,
            pattern=NO_NUL,
            description="The name citizens see in their query log",
            examples=["市公安局交通警察支队"],
        ),
    ]
    scopes: Scopes


class ApiClientOut(Output):
    """A client as admins see it (never a key)."""

    id: Annotated[int, msgspec.Meta(description="The client's id", examples=[3])]
    kind: Annotated[
        str, msgspec.Meta(description="`department` or `merchant`", examples=["department"])
    ]
    code: Annotated[str, msgspec.Meta(description="Its code", examples=["city-traffic-police"])]
    name: Annotated[str, msgspec.Meta(description="Its name", examples=["市公安局交通警察支队"])]
    scopes: Annotated[
        list[str], msgspec.Meta(description="What it may do", examples=[["domain:traffic_safety"]])
    ]
    active: Annotated[
        bool, msgspec.Meta(description="Its keys work (false once revoked)", examples=[True])
    ]
    created_at: Annotated[
        dt.datetime,
        msgspec.Meta(description="When it was created (UTC)", examples=["2026-11-29T02:15:00Z"]),
    ]
    previous_key_valid_until: Annotated[
        dt.datetime | None,
        msgspec.Meta(
            description="After a rotation, the old key works until then (UTC); null otherwise",
            examples=[None],
        ),
    ]


class ApiClientKey(Output):
    """A client and its new key, shown this once: only its hash is kept."""

    client: Annotated[ApiClientOut, msgspec.Meta(description="The client")]
    key: Annotated[
        str,
        msgspec.Meta(
            description="The API key for the `X-Api-Key` header; store it now, it is not shown"
            " again",
            examples=["ccd_1a2b3c4d_Zk3v9Q6t1mJx0pYwR8sLbN2cE5hG7uK4aD1fV6iO3qT"],
        ),
    ]


class KeyRotation(Input):
    """How long the current key keeps working beside the new one."""

    overlap_hours: Annotated[
        int,
        msgspec.Meta(
            ge=0,
            le=168,
            description="Hours (0 to 168) the current key stays valid, so the client can switch"
            " without a gap; 0 ends it at once",
            examples=[24],
        ),
    ] = 24


class ScopesIn(Input):
    """The client's scopes from now on (replacing the old ones)."""

    scopes: Scopes
