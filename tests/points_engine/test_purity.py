"""points_engine stays a pure library: no I/O, no clock, nothing from the backend or servers."""

from __future__ import annotations

import ast
import tomllib

import pytest

from tests.points_engine.helpers import ROOT

PACKAGE = ROOT / "points_engine"
ALLOWED_IMPORTS = {
    "__future__",
    "bisect",
    "collections",
    "collections.abc",
    "datetime",
    "functools",
    "msgspec",
    "operator",
    "re",
    "typing",
}
FORBIDDEN_CALLS = {"open", "print", "input", "eval", "exec", "__import__", "breakpoint"}
CLOCKS = {"today", "now", "utcnow", "time", "monotonic", "perf_counter"}
SOURCES = sorted(PACKAGE.glob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_imports_only_the_standard_library_it_needs_and_msgspec(path: object) -> None:
    tree = ast.parse(path.read_text("utf-8"))  # type: ignore[attr-defined]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for name in names:
            assert name in ALLOWED_IMPORTS or name.startswith("points_engine"), name


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_io_or_clock_calls(path: object) -> None:
    tree = ast.parse(path.read_text("utf-8"))  # type: ignore[attr-defined]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                assert func.id not in FORBIDDEN_CALLS, f"{func.id}() at line {node.lineno}"
            if isinstance(func, ast.Attribute):
                assert func.attr not in CLOCKS, f".{func.attr}() at line {node.lineno}"


def test_ruff_bans_the_backend_and_its_servers() -> None:
    config = tomllib.loads((PACKAGE / "ruff.toml").read_text("utf-8"))
    assert config["extend"] == "../pyproject.toml"
    banned = set(config["lint"]["flake8-tidy-imports"]["banned-api"])
    required = {"backend", "piccolo", "redis", "arq", "asyncpg", "litestar", "httpx", "pathlib"}
    assert required <= banned
