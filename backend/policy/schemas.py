"""Wire formats of the office's policy versions: the kinds of content, stored versions, drafts,
their difference from the version in force, and the maker-checker steps."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from backend.platform.problem_texts import NO_NUL
from backend.platform.schemas import Input, Output

DraftStatus = Literal["draft", "published", "withdrawn"]
Kind = Annotated[
    str,
    msgspec.Meta(
        description="The kind of content: `catalog`, `rules`, `benefits`, `notifications`,"
        " `commitments`, `notices` or `calendar`",
        examples=["rules"],
    ),
]
VersionName = Annotated[str, msgspec.Meta(description="The version's name", examples=["2027.1"])]
EffectiveFrom = Annotated[
    dt.date,
    msgspec.Meta(description="The first business day it is in force", examples=["2027-01-01"]),
]
Reason = Annotated[
    str,
    msgspec.Meta(
        min_length=2,
        max_length=1000,
        pattern=NO_NUL,
        description="Why, in plain words for the audit log (2 to 1,000 characters)",
        examples=["2027 年度积分规则经市信用办主任办公会审议通过"],
    ),
]


class VersionOut(Output):
    """One stored (published) version of a kind of content."""

    kind: Kind
    version: VersionName
    effective_from: EffectiveFrom
    sha256: Annotated[
        str,
        msgspec.Meta(
            description="SHA-256 (hex) of the body as stored",
            examples=["68c061f9b6c1d4b5ce8bd4294b92d18046ab675edc353eeb7301484ddceede91"],
        ),
    ]
    published_by: Annotated[
        str,
        msgspec.Meta(
            description="Who published it: `seed` for the files shipped with the product, else"
            " the publishing officer's username",
            examples=["seed"],
        ),
    ]
    in_force: Annotated[
        bool,
        msgspec.Meta(description="It is the version in force today", examples=[True]),
    ]


class VersionDetail(Output):
    """One stored version with its full TOML text."""

    version: Annotated[VersionOut, msgspec.Meta(description="The version")]
    body: Annotated[
        str,
        msgspec.Meta(
            description="The TOML text as published",
            examples=['[rules]\nversion = "2026.1"\neffective_from = 2026-04-01\n'],
        ),
    ]


class KindOut(Output):
    """A kind of content and where its versions stand."""

    kind: Kind
    in_force: Annotated[
        VersionOut | None, msgspec.Meta(description="The version in force today, if any")
    ]
    latest: Annotated[
        VersionOut | None,
        msgspec.Meta(description="The newest stored version, which may take effect later"),
    ]
    open_drafts: Annotated[
        int, msgspec.Meta(ge=0, description="Drafts waiting to be published", examples=[1])
    ]


class ChangeOut(Output):
    """One value a draft changes against the version in force."""

    path: Annotated[
        str,
        msgspec.Meta(
            description="Where: entries of a list are named by their code, e.g."
            " `record_type[TRAFFIC-DRUNK-DRIVING].points`",
            examples=["record_type[TRAFFIC-DRUNK-DRIVING].points"],
        ),
    ]
    entry: Annotated[
        str,
        msgspec.Meta(
            description="The entry the change is in (the path's first part)",
            examples=["record_type[TRAFFIC-DRUNK-DRIVING]"],
        ),
    ]
    change: Annotated[
        Literal["added", "removed", "changed"],
        msgspec.Meta(description="`added`, `removed` or `changed`", examples=["changed"]),
    ]
    before: Annotated[
        str | None,
        msgspec.Meta(description="The old value as JSON; null when added", examples=["-60"]),
    ]
    after: Annotated[
        str | None,
        msgspec.Meta(description="The new value as JSON; null when removed", examples=["-80"]),
    ]


class DiffOut(Output):
    """What a draft changes against the version in force today."""

    against: Annotated[
        str | None,
        msgspec.Meta(
            description="The version compared with (in force today); null if none",
            examples=["2026.1"],
        ),
    ]
    entries_changed: Annotated[
        list[str],
        msgspec.Meta(
            description="The entries with any change, in order",
            examples=[["record_type[TRAFFIC-DRUNK-DRIVING]"]],
        ),
    ]
    changes: Annotated[list[ChangeOut], msgspec.Meta(description="Every changed value")]


class DraftIn(Input):
    """A draft of a new version: the whole TOML text, whose header table names the version and
    the effective date."""

    body: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=1_000_000,
            pattern=NO_NUL,
            description="The TOML text of the version (its `[<kind>]` table names `version` and"
            " `effective_from`)",
            examples=['[rules]\nversion = "2027.1"\neffective_from = 2027-01-01\n'],
        ),
    ]


class DraftOut(Output):
    """One draft and where it stands."""

    id: Annotated[int, msgspec.Meta(description="The draft's id", examples=[12])]
    kind: Kind
    version: VersionName
    effective_from: EffectiveFrom
    status: Annotated[
        DraftStatus,
        msgspec.Meta(
            description="`draft` (waiting for an admin), `published` or `withdrawn`",
            examples=["draft"],
        ),
    ]
    drafted_by: Annotated[
        str, msgspec.Meta(description="The drafting officer's username", examples=["li.wei"])
    ]
    drafted_at: Annotated[
        dt.datetime,
        msgspec.Meta(description="When it was drafted (UTC)", examples=["2026-11-29T02:15:00Z"]),
    ]
    decided_by: Annotated[
        str | None,
        msgspec.Meta(
            description="Who published or withdrew it; null while a draft", examples=[None]
        ),
    ]
    decided_at: Annotated[
        dt.datetime | None,
        msgspec.Meta(description="When (UTC); null while a draft", examples=[None]),
    ]
    reason: Annotated[
        str | None,
        msgspec.Meta(description="Why it was published or withdrawn", examples=[None]),
    ]


class DraftDetail(Output):
    """A draft with its text and what it changes."""

    draft: Annotated[DraftOut, msgspec.Meta(description="The draft")]
    body: Annotated[str, msgspec.Meta(description="The TOML text", examples=["[rules]\n"])]
    diff: Annotated[DiffOut, msgspec.Meta(description="What it changes")]


class DecisionIn(Input):
    """The reason for publishing or withdrawing a draft."""

    reason: Reason
