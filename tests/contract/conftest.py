"""Fixtures of the API contract checks: the OpenAPI document the app serves, written to a file,
and the TypeScript and Python clients generated from it once per session.

The document is fetched through the shared ``client`` fixture (the ASGI app itself), so the
checks see exactly what ``GET /schema/openapi.json`` answers. ``client`` lives per test; what is
slow (npm tools, code generation) is kept in a session-wide cache keyed by the document's digest,
so each client is generated once per session however many tests use it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.platform.config import REPO_ROOT

CONTRACT_DIR = Path(__file__).resolve().parent
CLIENT_PROGRAMS = CONTRACT_DIR / "clients"
NODE_BIN = REPO_ROOT / "node_modules" / ".bin"
TOOL_TIMEOUT_SECONDS = 120
# The package name the Python client is generated under (set in openapi-python-client.yaml).
PYTHON_CLIENT_PACKAGE = "contract_api_client"
TYPESCRIPT_TYPES = "api.d.ts"


@dataclass(frozen=True)
class ServedDocument:
    """The OpenAPI document as served, and the file it was written to for the tools."""

    path: Path
    content: dict[str, Any]
    digest: str


@dataclass(frozen=True)
class ToolRun:
    """One run of a command-line tool: what ran, its exit code and what it printed."""

    command: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def transcript(self) -> str:
        shown = " ".join(Path(part).name if part.startswith("/") else part for part in self.command)
        return f"$ {shown}  (exit {self.returncode}, {self.seconds:.1f} s)\n{self.output}"


@dataclass(frozen=True)
class GeneratedClient:
    """A client generated from the document: its work directory (``root``, where the checks
    keep their configs), the generated code in ``root / "generated"``, and what the generator
    printed."""

    language: str
    root: Path
    generation: ToolRun

    @property
    def generated(self) -> Path:
        return self.root / "generated"

    def size(self) -> ClientSize:
        files = [
            path
            for path in self.generated.rglob("*")
            if path.is_file() and not any(part.startswith(".") for part in path.parts)
        ]
        return ClientSize(
            language=self.language,
            files=len(files),
            bytes=sum(path.stat().st_size for path in files),
            lines=sum(len(path.read_bytes().splitlines()) for path in files),
        )


@dataclass(frozen=True)
class ClientSize:
    language: str
    files: int
    bytes: int
    lines: int

    def line(self) -> str:
        return (
            f"{self.language:<10} {self.files:>5} files {self.bytes:>10,} bytes"
            f" {self.lines:>8,} lines"
        )


@dataclass
class ContractSession:
    """Session-wide state: a work directory, generated clients by document digest, sizes."""

    workdir: Path
    generated: dict[tuple[str, str], GeneratedClient] = field(default_factory=dict)
    sizes: dict[str, ClientSize] = field(default_factory=dict)

    def client_for(
        self,
        document: ServedDocument,
        language: str,
        generate: Callable[[ServedDocument, Path], GeneratedClient],
    ) -> GeneratedClient:
        key = (language, document.digest)
        if key not in self.generated:
            self.generated[key] = generate(document, self.workdir / f"{language}-{document.digest}")
            self.sizes[language] = self.generated[key].size()
        return self.generated[key]


_SESSIONS: list[ContractSession] = []


def tool_environment() -> dict[str, str]:
    """The environment of every tool: the pinned npm tools and this venv's console scripts
    (openapi-python-client runs ruff as a post-hook) first on PATH, no colours, no phoning home."""
    path = os.pathsep.join([str(NODE_BIN), str(Path(sys.executable).parent), os.environ["PATH"]])
    return {
        **os.environ,
        "PATH": path,
        "NO_COLOR": "1",
        "FORCE_COLOR": "0",
        "REDOCLY_TELEMETRY": "off",
        "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
        "npm_config_update_notifier": "false",
        "RUFF_NO_CACHE": "true",
    }


def run_tool(command: list[str], *, cwd: Path) -> ToolRun:
    started = time.monotonic()
    completed = subprocess.run(
        command,
        cwd=cwd,
        env=tool_environment(),
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT_SECONDS,
        check=False,
    )
    return ToolRun(
        command=tuple(command),
        returncode=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
        seconds=time.monotonic() - started,
    )


def npx(tool: str, *arguments: str) -> ToolRun:
    """An npm tool from the locked node_modules, never one downloaded on the fly. It runs in the
    repository (the npm project npx looks its tools up in): give it absolute paths."""
    if not (NODE_BIN / tool).exists():
        pytest.fail(f"{tool} is not installed: run `make node_modules/.installed` (npm ci)")
    return run_tool(["npx", "--no-install", tool, *arguments], cwd=REPO_ROOT)


@pytest.fixture(scope="session")
def contract_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ContractSession]:
    session = ContractSession(workdir=tmp_path_factory.mktemp("contract"))
    _SESSIONS.append(session)
    yield session


@pytest.fixture
async def served_document(
    client: httpx.AsyncClient, contract_session: ContractSession
) -> ServedDocument:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200, response.text
    content = response.json()
    digest = hashlib.sha256(response.content).hexdigest()[:12]
    path = contract_session.workdir / f"openapi-{digest}.json"
    if not path.exists():
        # Indented, so that the tools' line:column positions point somewhere readable.
        path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return ServedDocument(path=path, content=content, digest=digest)


def _generate_typescript(document: ServedDocument, root: Path) -> GeneratedClient:
    (root / "generated").mkdir(parents=True)
    generation = npx(
        "openapi-typescript",
        str(document.path),
        "--redocly",
        str(CONTRACT_DIR / "redocly-minimal.yaml"),
        "--output",
        str(root / "generated" / TYPESCRIPT_TYPES),
    )
    return GeneratedClient(language="typescript", root=root, generation=generation)


def _generate_python(document: ServedDocument, root: Path) -> GeneratedClient:
    (root / "generated").mkdir(parents=True)
    generation = run_tool(
        [
            "openapi-python-client",
            "generate",
            "--path",
            str(document.path),
            "--output-path",
            str(root / "generated" / PYTHON_CLIENT_PACKAGE),
            "--meta",
            "none",
            "--config",
            str(CONTRACT_DIR / "openapi-python-client.yaml"),
        ],
        cwd=root,
    )
    return GeneratedClient(language="python", root=root, generation=generation)


@pytest.fixture
def typescript_client(
    served_document: ServedDocument, contract_session: ContractSession
) -> GeneratedClient:
    return contract_session.client_for(served_document, "typescript", _generate_typescript)


@pytest.fixture
def python_client(
    served_document: ServedDocument, contract_session: ContractSession
) -> GeneratedClient:
    return contract_session.client_for(served_document, "python", _generate_python)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Prints the generated clients' sizes at the end of a run that generated any."""
    sizes = [size for session in _SESSIONS for size in session.sizes.values()]
    if not sizes:
        return
    terminalreporter.section("contract: generated clients")
    for size in sizes:
        terminalreporter.write_line(size.line())
