"""The percentile baked into each card body (``credit_card.percentile``): the nightly statistics
compare it with ``points_percentile`` and rewrite only the card bodies whose percentile moved.
NULL until the citizen's card first carries one (the refresh after the next ranking fills it).
Written by hand; reversible (going back drops the column; the bodies keep a field old code
ignores)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T20:41:05:000000"
VERSION = "1.38.0"
DESCRIPTION = "percentile on the card snapshot"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="credit", description=DESCRIPTION)
    manager.add_column(
        table_class_name="CreditCard",
        tablename="credit_card",
        column_name="percentile",
        db_column_name="percentile",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
