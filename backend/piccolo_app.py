"""The one Piccolo app: every table of every domain, migrations under ``migrations/``."""

from piccolo.conf.apps import AppConfig

from backend.identity.tables import (
    ApiClient,
    Citizen,
    CitizenAccount,
    Officer,
    OneTimeCode,
    PopulationRegistryEntry,
    RefreshToken,
)
from backend.platform.audit import AuditLog
from backend.platform.config import REPO_ROOT
from backend.records.tables import Record, RecordHistory
from backend.scoring.tables import CreditCard, ScoreHistory

APP_CONFIG = AppConfig(
    app_name="credit",
    migrations_folder_path=str(REPO_ROOT / "migrations"),
    table_classes=[
        AuditLog,
        Citizen,
        PopulationRegistryEntry,
        CitizenAccount,
        OneTimeCode,
        RefreshToken,
        ApiClient,
        Officer,
        Record,
        RecordHistory,
        CreditCard,
        ScoreHistory,
    ],
)
