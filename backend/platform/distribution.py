"""How every table is placed once PostgreSQL is distributed with Citus (SCALING.md).

Written once here, read by the schema test (``tests/platform/test_citus_ready.py``, which fails
when a live table is missing or breaks the rules of its kind) and by SCALING.md's commands. A leaf
module: it imports nothing, so the platform, the tests and a deploy script can all read it.

- ``PER_CITIZEN``: distributed by the citizen, co-located with ``citizen``, so everything one
  citizen owns sits on one node and a citizen's request is answered by one node. Each such table
  carries a NOT NULL ``citizen`` in its primary key, its unique keys and its foreign keys to the
  other per-citizen tables (Citus enforces keys only within one shard).
- ``REFERENCE``: catalog-like, small, read everywhere, written seldom: copied whole to every node
  (every write is a two-phase commit on all nodes, hence "written seldom").
- ``LOCAL``: stays on the coordinator only: bookkeeping and small tables keyed by something other
  than a citizen, never joined with a per-citizen table.
"""

from __future__ import annotations

from typing import Final, Literal

Kind = Literal["per-citizen", "reference", "local"]

# table -> why it belongs to the citizen (the distribution column is "citizen", except the
# citizen table itself, distributed by its id: DISTRIBUTION_COLUMN below).
PER_CITIZEN: Final[dict[str, str]] = {
    "citizen": "the citizen itself: every other per-citizen table is co-located with it",
    "citizen_account": "a citizen's app account (one per citizen)",
    "benefit_redemption": "a merchant's redemption of one citizen's verification code",
    "case_step": "a step of an objection or repair (the citizen's) or of a report (citizen 0)",
    "consent": "a citizen's consent to a merchant",
    "credit_card": "the citizen's card snapshot: the hottest read",
    "credit_lock": "the citizen's switch for merchant checks",
    "credit_report": "a citizen's signed credit report",
    "data_export": "a copy of a citizen's data they asked for (PIPL), with its files' keys",
    "evidence_file": "evidence of a citizen's case (citizen 0: a report's, which has no citizen)",
    "exchange_event": "a change of a citizen's record or list entry, sent to the province",
    "list_entry": "a citizen on the red or the serious-dishonesty list",
    "list_entry_step": "a step of a list entry",
    "measure_enforcement": "a measure in force on a citizen's record at one enforcing body",
    "measure_event": "a trigger or lift of a citizen's measure",
    "notification": "the citizen's inbox (partitioned by month)",
    "notification_preference": "the citizen's notification settings",
    "notice_acceptance": "the privacy notice, user agreement and consent a citizen accepted",
    "objection": "a citizen's objection to a record",
    "outbox_event": "events about a citizen, written in the same transaction as the change"
    " (partitioned by month)",
    "outbox_dedupe": "the dedupe keys of a citizen's outbox events, kept past the partitions",
    "points_percentile": "the citizen's percentile among citizens",
    "push_delivery": "a push of a citizen's notification to one device",
    "push_device": "a citizen's registered device",
    "query_log": "who looked at a citizen's credit (partitioned by month)",
    "quiz_attempt": "a citizen's quiz answers",
    "record": "a credit record about a citizen",
    "record_history": "a change of a citizen's record",
    "repair_application": "a citizen's repair application",
    "report_authorisation": "a citizen's authorisation for an institution to fetch the report",
    "score_history": "a change of the citizen's card (partitioned by month)",
    "verification": "a citizen's verification code for a merchant",
}

REFERENCE: Final[dict[str, str]] = {
    "api_client": "departments, merchants, enforcing bodies and institutions: a few thousand",
    "officer": "the credit office's staff: hundreds",
    "content_version": "published versions of the catalog, rules, templates and articles",
    "content_draft": "officers' drafts of content, published by another officer",
    "enforcer_webhook": "an enforcing body's delivery address: one per body",
    "department_case_stat": "per department and kind of case, counters of handled cases:"
    " one row per pair, bumped once per decided case",
    "report": "a report (举报) is about a person or an organisation, and its reporter is"
    " confidential, so it has no citizen to distribute by; few (a case a citizen files by"
    " hand), and a record may name the report it came from (record.report), which a"
    " distributed table may reference only on a reference table",
}

LOCAL: Final[dict[str, str]] = {
    "migration": "Piccolo's bookkeeping of applied migrations",
    "audit_log": "the append-only log of every actor's action, many kinds of subject (an"
    " officer's, a department's, a citizen's): written by the coordinator, read by the office",
    "one_time_code": "sign-in codes keyed by the phone's blind index, before any citizen is"
    " known; minutes long",
    "ingest_follow_up": "what an ingested batch still owes (its records' exchange events and"
    " its citizens' change counters): one row per batch across many citizens, written with"
    " the batch and deleted by the job that runs it; a few rows at any time",
    "refresh_token": "sessions of citizens' accounts and of officers, looked up by token hash",
    "population_registry": "the population registry (the name on file for an ID number), keyed"
    " by the id-number blind index like the global citizen look-up it is joined with at"
    " sign-up and ingest (GLOBAL_KEYS); no citizen column, no foreign key",
}

DISTRIBUTION_COLUMN: Final[dict[str, str]] = {
    table: ("id" if table == "citizen" else "citizen") for table in PER_CITIZEN
}

# Unique keys of per-citizen tables that stay global (no citizen in them) on one server, each
# reviewed: the code relies on them across citizens. Citus cannot enforce them inside a
# distributed table; before distributing, each moves to a lookup table distributed (or
# referenced) by its own key, written in the same transaction (SCALING.md, "Global keys").
# Keyed by (table, the key's columns as the index lists them).
GLOBAL_KEYS: Final[dict[tuple[str, tuple[str, ...]], str]] = {
    ("citizen", ("id_number_index",)): "one citizen per resident ID number: ingest and sign-up"
    " find or create the citizen by its blind index (ON CONFLICT (id_number_index))",
    ("citizen_account", ("phone_index",)): "one account per phone: sign-in finds the account"
    " by the phone's blind index",
    ("push_device", ("token",)): "an FCM token is one device: registering it again moves it to"
    " the new citizen (ON CONFLICT (token) in notifications/store.py)",
    ("record", ("department", "source_reference")): "a department's source reference names one"
    " record whoever it is about: a resubmission is idempotent and a reused reference for"
    " another citizen is refused, not recorded twice",
    ("verification", ("public_id",)): "a merchant redeems a code by its public id alone",
    ("verification", ("numeric_code",)): "a live six-digit code names one citizen's code: the"
    " merchant types only the digits",
    ("credit_report", ("number",)): "anyone checks a report online by its number alone",
    ("credit_report", ("short_code",)): "or by its short code alone",
}


def kind_of(table: str) -> Kind | None:
    if table in PER_CITIZEN:
        return "per-citizen"
    if table in REFERENCE:
        return "reference"
    if table in LOCAL:
        return "local"
    return None


def citus_commands() -> list[str]:
    """The statements that distribute the schema on a Citus cluster, in order: reference tables
    first (distributed tables reference them), then ``citizen``, then the tables co-located with
    it."""
    reference = [f"SELECT create_reference_table('{table}');" for table in REFERENCE]
    distributed = [
        f"SELECT create_distributed_table('{table}', '{DISTRIBUTION_COLUMN[table]}'"
        + (");" if table == "citizen" else ", colocate_with => 'citizen');")
        for table in PER_CITIZEN
    ]
    return reference + distributed
