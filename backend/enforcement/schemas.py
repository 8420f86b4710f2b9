"""What the measures endpoints read and answer."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

from backend.platform.schemas import Input, Output

Action = Literal["trigger", "lift"]
Status = Literal["triggered", "applied", "not-applicable", "lift-sent", "lifted"]
STATUS_TEXT = (
    "`triggered` (sent to the body, no answer yet), `applied` (the body applies it),"
    " `not-applicable` (the body found it does not apply, with a reason), `lift-sent` (the"
    " record stopped counting: the lift was sent), `lifted` (the body lifted it)"
)


class EventOut(Output):
    """A trigger or a lift for the body (also the webhook's body, with the same id)."""

    id: Annotated[
        int,
        msgspec.Meta(
            description="The event id: stable across retries; deduplicate on it", examples=[731]
        ),
    ]
    action: Annotated[
        Action, msgspec.Meta(description="`trigger` (apply) or `lift`", examples=["trigger"])
    ]
    created_at: Annotated[
        dt.datetime,
        msgspec.Meta(description="When it was decided (UTC)", examples=["2026-11-30T01:00:00Z"]),
    ]
    payload: Annotated[
        dict[str, Any],
        msgspec.Meta(
            description="The measure (code, names, kind, legal basis), the person (name, ID"
            " number), the record behind it (id, type, decision document, department, dates),"
            " the business date and the feedback deadline; a lift names the cause",
            examples=[{"action": "trigger", "measure": {"code": "flight-restriction"}}],
        ),
    ]


class Feed(Output):
    """A page of the body's events, oldest first."""

    items: Annotated[list[EventOut], msgspec.Meta(description="The events")]
    next_after: Annotated[
        int | None,
        msgspec.Meta(
            description="Pass as `after` for the next page; null when this is the last",
            examples=[None],
        ),
    ]


class FeedbackIn(Input):
    """The body's answer to a trigger or a lift (执行反馈)."""

    result: Annotated[
        Literal["applied", "not-applicable", "lifted"],
        msgspec.Meta(
            description="For a trigger `applied` or `not-applicable`; for a lift `lifted`",
            examples=["applied"],
        ),
    ]
    on: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="The day it was applied or lifted; today if left out",
            examples=["2026-11-30"],
        ),
    ] = None
    reason: Annotated[
        Annotated[str, msgspec.Meta(min_length=2, max_length=500)] | None,
        msgspec.Meta(
            description="Why it does not apply (required for `not-applicable`)", examples=[None]
        ),
    ] = None


class EnforcementOut(Output):
    """One measure at one body for one record: where it stands."""

    measure: Annotated[
        str, msgspec.Meta(description="The measure's code", examples=["flight-restriction"])
    ]
    measure_name_zh: Annotated[str, msgspec.Meta(description="Its name", examples=["限制乘坐飞机"])]
    measure_name_en: Annotated[str, msgspec.Meta(description="Its name", examples=["No flights"])]
    body: Annotated[
        str, msgspec.Meta(description="The enforcing body (实施单位)", examples=["中国民用航空局"])
    ]
    record_id: Annotated[int, msgspec.Meta(description="The record behind it", examples=[58231])]
    in_force: Annotated[
        bool, msgspec.Meta(description="The record still calls for it", examples=[True])
    ]
    status: Annotated[Status, msgspec.Meta(description=STATUS_TEXT, examples=["applied"])]
    triggered_on: Annotated[
        dt.date, msgspec.Meta(description="Sent to the body on", examples=["2026-11-30"])
    ]
    applied_on: Annotated[
        dt.date | None, msgspec.Meta(description="Applied from (the body's word)", examples=[None])
    ]
    lift_sent_on: Annotated[
        dt.date | None, msgspec.Meta(description="Lift sent on", examples=[None])
    ]
    lifted_on: Annotated[
        dt.date | None, msgspec.Meta(description="Lifted on (the body's word)", examples=[None])
    ]
    reason: Annotated[
        str | None, msgspec.Meta(description="The body's reason, if any", examples=[None])
    ]
    feedback_due_on: Annotated[
        dt.date | None,
        msgspec.Meta(
            description="The body must answer by then; null once answered", examples=[None]
        ),
    ]
    escalated: Annotated[
        bool,
        msgspec.Meta(description="The body answered late or not at all (督办)", examples=[False]),
    ]
    legal_basis: Annotated[
        str | None,
        msgspec.Meta(
            description="The law or regulation the measure rests on (art. 24: what decided it,"
            " with the measure's code and the record); null for a measure no longer defined",
            examples=["《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第三条"],
        ),
    ] = None
    measure_kind: Annotated[
        Literal["mandatory", "recommended"] | None,
        msgspec.Meta(
            description="`mandatory` (基础性惩戒措施) or `recommended`; null for a measure no"
            " longer defined",
            examples=["mandatory"],
        ),
    ] = None


class MyMeasures(Output):
    """The measures applied to the citizen, body by body."""

    items: Annotated[list[EnforcementOut], msgspec.Meta(description="Oldest first")]


class WebhookIn(Input):
    """Where a body receives its triggers and lifts."""

    url: Annotated[
        str,
        msgspec.Meta(
            min_length=8,
            max_length=500,
            pattern=r"^https?://[^\s]+$",
            description="An http(s) URL that accepts POST",
            examples=["https://enforce.example.gov.cn/ccc/events"],
        ),
    ]


class WebhookOut(Output):
    """The body's webhook and its signing secret, shown this once."""

    url: Annotated[
        str,
        msgspec.Meta(description="The URL", examples=["https://enforce.example.gov.cn/ccc/events"]),
    ]
    secret: Annotated[
        str,
        msgspec.Meta(
            description="Verify `X-CCC-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of"
            " '<t>.<body>'>` with it; reject a `t` more than 5 minutes old",
            examples=["whsec_3q2+7w=="],
        ),
    ]


class AttentionOut(Output):
    """A trigger or lift the office must look at: lapsed unanswered, or stuck undelivered."""

    event_id: Annotated[int, msgspec.Meta(description="The event", examples=[731])]
    body: Annotated[str, msgspec.Meta(description="The enforcing body", examples=["场所"])]
    action: Annotated[Action, msgspec.Meta(description="Trigger or lift", examples=["trigger"])]
    measure: Annotated[
        str, msgspec.Meta(description="The measure", examples=["flight-restriction"])
    ]
    record_id: Annotated[int, msgspec.Meta(description="The record behind it", examples=[58231])]
    sent_on: Annotated[
        dt.date, msgspec.Meta(description="Business day it was decided", examples=["2026-11-30"])
    ]
    feedback_due_on: Annotated[
        dt.date, msgspec.Meta(description="The body had to answer by", examples=["2026-12-07"])
    ]
    lapsed: Annotated[
        bool, msgspec.Meta(description="The deadline passed with no answer", examples=[True])
    ]
    delivered: Annotated[
        bool, msgspec.Meta(description="The body has it (pushed or read)", examples=[True])
    ]
    attempts: Annotated[int, msgspec.Meta(description="Push attempts so far", examples=[0])]
    last_error: Annotated[
        str | None, msgspec.Meta(description="The last push failure", examples=[None])
    ]


class AttentionPage(Output):
    items: Annotated[list[AttentionOut], msgspec.Meta(description="Oldest first")]
    next_after: Annotated[
        int | None,
        msgspec.Meta(
            description="Pass as `after` for the next page; null at the end", examples=[None]
        ),
    ]
