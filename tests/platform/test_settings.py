"""Settings: read once from the environment; no production defaults for secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.platform.config import SettingsError, load_settings


def test_production_refuses_missing_secrets(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="JWT_SECRET"):
        load_settings({"APP_ENV": "production", "VAR_DIR": str(tmp_path)})


def test_development_generates_and_keeps_secrets(tmp_path: Path) -> None:
    first = load_settings({"VAR_DIR": str(tmp_path)})
    second = load_settings({"VAR_DIR": str(tmp_path)})
    assert first.jwt_secret == second.jwt_secret
    assert len(first.key_bytes("id_encryption_key")) == 32
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600


def test_values_are_converted_and_validated(tmp_path: Path) -> None:
    s = load_settings({"VAR_DIR": str(tmp_path), "BATCH_MAX_RECORDS": "50"})
    assert s.batch_max_records == 50
    with pytest.raises(SettingsError, match="batch_max_records"):
        load_settings({"VAR_DIR": str(tmp_path), "BATCH_MAX_RECORDS": "lots"})
