"""Verification codes and merchant checks, recorded redemptions, consents and the credit lock."""

from typing import Any

from piccolo.columns import (
    BigSerial,
    Boolean,
    ForeignKey,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.identity.tables import ApiClient, Citizen
from backend.platform.engine import DB


class Consent(Table, tablename="consent", db=DB):
    """Standing consent (授权) a citizen gives one merchant organisation for a purpose, until
    ``valid_until`` or until revoked."""

    id = BigSerial(primary_key=True)
    citizen = ForeignKey(references=Citizen, null=False, on_delete=OnDelete.restrict)
    merchant = ForeignKey(references=ApiClient, null=False, on_delete=OnDelete.restrict)
    organisation = Varchar(length=120)  # the merchant's name when consent was given
    purpose = Varchar(length=200)
    granted_at = Timestamptz()
    valid_until = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class Verification(Table, tablename="verification", db=DB):
    """One look at a citizen's standing for one benefit: a single-use code the citizen made
    (``method = 'code'``, live until redeemed or expired), or a consent-based merchant check
    (``method = 'consent'``, redeemed when made). ``eligible`` and ``required_grade`` are the
    answer, fixed when the code was signed."""

    id = BigSerial(primary_key=True)
    public_id = Varchar(length=40, unique=True)  # the verification id merchants see
    citizen = ForeignKey(references=Citizen, null=False, on_delete=OnDelete.restrict)
    benefit = Varchar(length=60)
    method = Varchar(length=8)  # code | consent
    numeric_code = Varchar(length=8, null=True, default=None, index=True)
    payload = Text(null=True, default=None)  # the signed QR payload
    eligible = Boolean()
    required_grade = Varchar(length=8)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    live = Boolean(default=False)  # a code not yet redeemed and not yet swept as expired
    redeemed_at = Timestamptz(null=True, default=None)
    merchant = ForeignKey(
        references=ApiClient, null=True, default=None, on_delete=OnDelete.restrict
    )
    consent = ForeignKey(references=Consent, null=True, default=None, on_delete=OnDelete.restrict)


class BenefitRedemption(Table, tablename="benefit_redemption", db=DB):
    """What a merchant did on a verification (e.g. deposit waived); at most one per
    verification."""

    id = BigSerial(primary_key=True)
    verification = ForeignKey(
        references=Verification, null=False, unique=True, on_delete=OnDelete.restrict
    )
    citizen = ForeignKey(references=Citizen, null=False, on_delete=OnDelete.restrict)
    merchant = ForeignKey(references=ApiClient, null=False, on_delete=OnDelete.restrict)
    description = Varchar(length=200)
    reference = Varchar(length=100, null=True, default=None)
    recorded_at = Timestamptz()


class CreditLock(Table, tablename="credit_lock", db=DB):
    """The citizen's credit lock (信用锁): while ``locked``, no merchant check of any kind."""

    id = BigSerial(primary_key=True)
    citizen = ForeignKey(references=Citizen, null=False, unique=True, on_delete=OnDelete.restrict)
    locked = Boolean(default=False)
    changed_at = Timestamptz()


TABLES: list[Any] = [Consent, Verification, BenefitRedemption, CreditLock]
