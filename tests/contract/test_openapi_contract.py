"""The API contract, checked from the OpenAPI document the app serves (GET /schema/openapi.json):
it is valid OpenAPI, it passes the Redocly lint rules in redocly.yaml, and the clients that
openapi-typescript and openapi-python-client generate from it come out without a warning and
type-check a small citizen-app program each (clients/program.ts, clients/program.py): sign in,
read the card, page through the records, make a verification code for a merchant.

Every tool's output is printed, so a failure says what to fix in the backend.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator.shortcuts import get_validator_cls

from tests.contract.conftest import (
    CLIENT_PROGRAMS,
    CONTRACT_DIR,
    PYTHON_CLIENT_PACKAGE,
    TYPESCRIPT_TYPES,
    GeneratedClient,
    ServedDocument,
    npx,
    run_tool,
)

pytestmark = pytest.mark.contract

# The module name the TypeScript program imports the generated types from (tsconfig "paths").
TYPESCRIPT_CLIENT_MODULE = "citizen-credit-card-api"
# Each test prints its tool's whole output; pytest shows it under "Captured stdout call".
SEE_OUTPUT = "see the output under 'Captured stdout call'"


def test_document_is_valid_openapi(served_document: ServedDocument) -> None:
    validator = get_validator_cls(served_document.content)(served_document.content)
    errors = [
        f"#/{'/'.join(str(part) for part in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors()
    ]
    print(f"openapi-spec-validator ({validator.__class__.__name__}): {len(errors)} error(s)")
    print("\n".join(errors))
    assert not errors, f"{len(errors)} error(s): {SEE_OUTPUT}"


def test_redocly_lint_finds_no_errors(served_document: ServedDocument) -> None:
    run = npx(
        "redocly",
        "lint",
        str(served_document.path),
        "--config",
        str(CONTRACT_DIR / "redocly.yaml"),
        "--format",
        "json",
    )
    try:
        problems: list[dict[str, Any]] = json.loads(run.stdout)["problems"]
    except (ValueError, KeyError):
        pytest.fail(f"redocly lint printed no JSON report:\n{run.transcript()}")
    report = _lint_report(problems, served_document.content)
    print(report)
    errors = [problem for problem in problems if problem["severity"] == "error"]
    assert not errors, f"{len(errors)} lint error(s): {SEE_OUTPUT}"
    assert run.returncode == 0, SEE_OUTPUT


def test_typescript_client_generates_without_warnings(typescript_client: GeneratedClient) -> None:
    run = typescript_client.generation
    print(run.transcript())
    assert run.returncode == 0, SEE_OUTPUT
    # openapi-typescript marks its warnings with ⚠ and its errors with ✘.
    flagged = [line for line in run.output.splitlines() if "⚠" in line or "✘" in line]
    assert not flagged, "\n".join(flagged)


def test_typescript_program_type_checks(typescript_client: GeneratedClient) -> None:
    types = typescript_client.generated / TYPESCRIPT_TYPES
    if not types.exists():
        pytest.fail(
            f"openapi-typescript wrote no types:\n{typescript_client.generation.transcript()}"
        )
    tsconfig = typescript_client.root / "tsconfig.json"
    tsconfig.write_text(json.dumps(_tsconfig(types), indent=2), "utf-8")
    run = npx("tsc", "--noEmit", "--strict", "--pretty", "false", "--project", str(tsconfig))
    print(run.transcript())
    assert run.returncode == 0, SEE_OUTPUT


def test_python_client_generates_without_warnings(python_client: GeneratedClient) -> None:
    run = python_client.generation
    print(_generator_warnings_report(run.output))
    print(run.transcript())
    assert run.returncode == 0, SEE_OUTPUT
    # Each skipped endpoint or model is a "WARNING parsing ..." / "Unable to parse ..." block
    # under one "Warning(s) encountered while generating" line.
    assert "warning" not in run.output.lower(), SEE_OUTPUT
    assert "unable to parse" not in run.output.lower(), SEE_OUTPUT
    assert (python_client.generated / PYTHON_CLIENT_PACKAGE / "client.py").exists(), SEE_OUTPUT


def test_python_program_type_checks(python_client: GeneratedClient) -> None:
    if not (python_client.generated / PYTHON_CLIENT_PACKAGE).is_dir():
        pytest.fail(f"no Python client was generated:\n{python_client.generation.transcript()}")
    config = python_client.root / "mypy.ini"
    config.write_text(_mypy_config(python_client.root), "utf-8")
    program = CLIENT_PROGRAMS / "program.py"
    mypy = [sys.executable, "-m", "mypy", "--config-file", str(config), str(program)]
    run = run_tool(mypy, cwd=python_client.root)
    print(run.transcript())
    assert run.returncode == 0, SEE_OUTPUT


def test_generated_client_sizes(
    typescript_client: GeneratedClient, python_client: GeneratedClient
) -> None:
    """Measured for the record (also printed at the end of the run); an empty client fails."""
    for generated in (typescript_client, python_client):
        size = generated.size()
        print(size.line())
        assert size.files > 0 and size.bytes > 0, generated.generation.transcript()


def _lint_report(problems: list[dict[str, Any]], document: dict[str, Any]) -> str:
    """Redocly's problems grouped by rule with counts, then one line each with its JSON
    pointer and the offending value: line numbers in a temporary file help nobody."""
    by_rule = Counter((problem["severity"], problem["ruleId"]) for problem in problems)
    lines = [f"redocly lint: {len(problems)} problem(s)"]
    lines += [
        f"  {count:>4}  {severity:<7} {rule}" for (severity, rule), count in by_rule.most_common()
    ]
    for problem in problems:
        pointer = problem["location"][0]["pointer"] if problem.get("location") else "#"
        value = _at_pointer(document, pointer)
        shown = f" = {value!r}" if isinstance(value, str) else ""
        lines.append(f"{problem['severity']:<7} {problem['ruleId']}: {pointer}{shown}")
        lines.append(f"        {problem['message']}")
    return "\n".join(lines)


def _generator_warnings_report(output: str) -> str:
    """openapi-python-client's warnings grouped by reason, each with what it skipped."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    by_reason: dict[str, list[str]] = {}
    for index, line in enumerate(lines[:-1]):
        if line.startswith(("WARNING parsing ", "Unable to parse schema ")):
            # The generator shows some values as "<... object at 0x7f...>": drop the address.
            reason = re.sub(r"<[\w.]+ object at 0x[0-9a-f]+>", "<value>", lines[index + 1])
            by_reason.setdefault(reason, []).append(line)
    count = sum(len(subjects) for subjects in by_reason.values())
    report = [f"openapi-python-client: {count} warning(s)"]
    for reason, subjects in sorted(by_reason.items(), key=lambda item: -len(item[1])):
        report.append(f"  {len(subjects):>4}  {reason}")
        report += [f"          {subject}" for subject in subjects]
    return "\n".join(report)


def _at_pointer(document: Any, pointer: str) -> Any:
    node = document
    for raw in pointer.removeprefix("#").strip("/").split("/"):
        if not raw:
            continue
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _tsconfig(types: Path) -> dict[str, Any]:
    return {
        "compilerOptions": {
            "target": "ES2022",
            "module": "ESNext",
            "moduleResolution": "Bundler",
            "lib": ["ES2022", "DOM", "DOM.Iterable"],
            "types": [],
            "strict": True,
            "noEmit": True,
            "noUnusedLocals": True,
            "noUnusedParameters": True,
            "noImplicitReturns": True,
            "noFallthroughCasesInSwitch": True,
            "skipLibCheck": False,
            "paths": {TYPESCRIPT_CLIENT_MODULE: [str(types)]},
        },
        "files": [str(CLIENT_PROGRAMS / "program.ts")],
    }


def _mypy_config(root: Path) -> str:
    return "\n".join(
        [
            "[mypy]",
            "python_version = 3.11",
            "strict = True",
            "warn_unreachable = True",
            f"mypy_path = {root / 'generated'}",
            # A cache of this session only: with one kept between sessions, mypy took the
            # program's old errors for current when the new client only added modules.
            f"cache_dir = {root / 'mypy-cache'}",
            # client.py is the generator's fixed template, the same for every document; its
            # __exit__(*args: object) does not satisfy httpx's typed signature under --strict.
            # Everything generated from the document (api/, models/) is checked strictly.
            f"[mypy-{PYTHON_CLIENT_PACKAGE}.client]",
            "ignore_errors = True",
            "",
        ]
    )
