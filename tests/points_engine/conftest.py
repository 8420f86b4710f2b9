"""The engine tests are pure: no database, no Redis, no files left behind.

The root conftest has an autouse fixture that resets the database and Redis before every test;
this one, closer to the tests, replaces it with nothing so these tests never start a server.
Hypothesis keeps its working files (example database, constants cache) in the temp directory
instead of ``.hypothesis/`` in the repository.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import configuration

configuration.set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "points-engine-hypothesis")


@pytest.fixture(autouse=True)
def clean_state() -> None:
    """Nothing to clean: points_engine does no I/O."""
