"""The one Piccolo app: every table of every domain, migrations under ``migrations/``."""

from piccolo.conf.apps import AppConfig

from backend.domains import TABLES
from backend.platform.config import REPO_ROOT

APP_CONFIG = AppConfig(
    app_name="credit",
    migrations_folder_path=str(REPO_ROOT / "migrations"),
    table_classes=TABLES,
)
