"""DATABASE_URL unset: it is assembled from POSTGRES_HOST / _PORT / _USER / _PASSWORD / _DB with
every part percent-encoded, so any password works (docker-compose.yml passes the parts)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg
import pytest

from backend.platform.config import database_url_from_parts, load_settings

AWKWARD = "p@ss:w/rd#1 %"


def test_awkward_password_user_and_database_round_trip(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "VAR_DIR": str(tmp_path),
            "POSTGRES_HOST": "postgres",
            "POSTGRES_USER": "credit?user",
            "POSTGRES_PASSWORD": AWKWARD,
            "POSTGRES_DB": "credit/db",
        }
    )
    assert settings.database_url is not None
    parts = urlsplit(settings.database_url)
    assert parts.scheme == "postgresql"
    assert (parts.hostname, parts.port) == ("postgres", 5432)
    assert unquote(parts.username or "") == "credit?user"
    assert unquote(parts.password or "") == AWKWARD
    assert unquote(parts.path.removeprefix("/")) == "credit/db"
    assert parts.query == "" and parts.fragment == ""


def test_database_url_wins_and_no_host_means_no_url(tmp_path: Path) -> None:
    given = "postgresql://app@db.example:6432/app"
    env = {"VAR_DIR": str(tmp_path), "DATABASE_URL": given, "POSTGRES_HOST": "postgres"}
    assert load_settings(env).database_url == given
    assert load_settings({"VAR_DIR": str(tmp_path), "POSTGRES_PASSWORD": "x"}).database_url is None


def test_defaults_follow_the_postgres_image() -> None:
    # The image's defaults: user postgres, database named after the user, port 5432.
    assert (
        database_url_from_parts({"POSTGRES_HOST": "db"}) == "postgresql://postgres@db:5432/postgres"
    )
    assert (
        database_url_from_parts(
            {"POSTGRES_HOST": "::1", "POSTGRES_USER": "u", "POSTGRES_PORT": "6"}
        )
        == "postgresql://u@[::1]:6/u"
    )


async def test_a_real_connection_with_the_awkward_password() -> None:
    """The assembled URL signs in to a real server as a role whose password is awkward."""
    admin_url = os.environ.get("TEST_DATABASE_URL", "")
    admin = urlsplit(admin_url)
    if not admin.hostname:
        pytest.skip("TEST_DATABASE_URL is not a TCP server")
    role = f"cc_awkward_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(admin_url)
    try:
        quoted = AWKWARD.replace("'", "''")
        await conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{quoted}'")
        url = database_url_from_parts(
            {
                "POSTGRES_HOST": admin.hostname,
                "POSTGRES_PORT": str(admin.port or 5432),
                "POSTGRES_USER": role,
                "POSTGRES_PASSWORD": AWKWARD,
                "POSTGRES_DB": unquote(admin.path.removeprefix("/")) or "postgres",
            }
        )
        assert url is not None
        signed_in = await asyncpg.connect(url)
        try:
            assert await signed_in.fetchval("SELECT current_user") == role
        finally:
            await signed_in.close()
    finally:
        await conn.execute(f"DROP ROLE IF EXISTS {role}")
        await conn.close()
