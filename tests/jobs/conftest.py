"""Job tests use the shared fixtures in tests/conftest.py (run_worker, db)."""

from tests.conftest import RunWorker

__all__ = ["RunWorker"]
