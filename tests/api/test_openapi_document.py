"""The served OpenAPI document as a contract: every operation named, described, tagged and
secured as it is served; every schema field described; examples stable and real."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from backend.app import create_app
from backend.contract import TAGS
from backend.identity.id_number import normalize_id_number
from backend.platform.config import Settings

VERBS = [
    "get",
    "list",
    "create",
    "make",
    "file",
    "apply",
    "add",
    "accept",
    "reject",
    "approve",
    "deny",
    "decide",
    "extend",
    "propose",
    "withdraw",
    "publish",
    "disable",
    "enable",
    "reset",
    "end",
    "rotate",
    "revoke",
    "correct",
    "redeem",
    "record",
    "register",
    "remove",
    "set",
    "update",
    "mark",
    "sign",
    "request",
    "refresh",
    "lock",
    "unlock",
    "grant",
    "download",
    "check",
    "upsert",
    "ingest",
    "answer",
    "reveal",
    "transfer",
]
OPERATION_ID = re.compile(r"^(" + "|".join(VERBS) + r")[A-Z][A-Za-z0-9]*$")
PUBLIC = re.compile(r"^/(healthz|readyz)$|^/v1/public/|^/v1/auth/(?!sign-out)")
API_KEY = re.compile(r"^/v1/(department|merchant|institution)/")
METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_operation_ids_are_unique_verbs(document: dict[str, Any]) -> None:
    ids = [op.get("operationId", "") for _, _, op in _operations(document)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert [i for i in ids if not OPERATION_ID.match(i)] == []


def test_every_operation_is_described_and_tagged(document: dict[str, Any]) -> None:
    undocumented = [
        f"{method.upper()} {path}"
        for path, method, op in _operations(document)
        if not op.get("summary") or len(op.get("description", "")) < 40
    ]
    assert undocumented == []
    for path, method, op in _operations(document):
        tags = op.get("tags", [])
        assert len(tags) == 1 and tags[0] in TAGS, (method, path, tags)
    assert {t["name"] for t in document["tags"]} == set(TAGS)
    assert all(t["description"] for t in document["tags"])


def test_each_operation_declares_exactly_the_scheme_it_accepts(document: dict[str, Any]) -> None:
    assert "security" not in document
    for path, method, op in _operations(document):
        if API_KEY.match(path):
            expected: list[Any] = [{"ApiKey": []}]
        elif PUBLIC.match(path):
            expected = []
        else:
            expected = [{"AccessToken": []}]
        assert op["security"] == expected, (method, path)
        statuses = set(op["responses"])
        if expected:
            assert "401" in statuses, (method, path)
        elif not path.startswith("/v1/auth/"):
            # Sign-in operations check a code, password or refresh token: those answer 401.
            assert "401" not in statuses and "403" not in statuses, (method, path)


def test_problems_are_only_those_an_operation_can_return(document: dict[str, Any]) -> None:
    for path, method, op in _operations(document):
        statuses = set(op["responses"])
        if method == "get":
            assert not statuses & {"409", "413", "415"}, (method, path)
        if "requestBody" not in op:
            assert not statuses & {"413", "415"}, (method, path)


def test_every_201_names_the_new_thing(document: dict[str, Any]) -> None:
    for path, method, op in _operations(document):
        created = op["responses"].get("201")
        if created is not None:
            assert "Location" in created.get("headers", {}), (method, path)


def test_component_names_read_like_the_domain(document: dict[str, Any]) -> None:
    names = list(document["components"]["schemas"])
    assert [n for n in names if not re.match(r"^[A-Z][A-Za-z0-9]*$", n)] == []


def test_every_schema_field_is_described(document: dict[str, Any]) -> None:
    missing = [
        f"{name}.{field}"
        for name, schema in document["components"]["schemas"].items()
        for field, prop in (schema.get("properties") or {}).items()
        if not prop.get("description") and "$ref" not in prop
    ]
    assert missing == []


def test_inputs_refuse_unknown_fields_in_the_document_too(document: dict[str, Any]) -> None:
    batch = document["components"]["schemas"]["RecordBatch"]
    assert batch["additionalProperties"] is False
    assert batch["properties"]["records"]["items"], "RecordIn is documented, not an empty item"


def _examples(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("example", "examples"):
                yield value
            yield from _examples(value)
    elif isinstance(node, list):
        for value in node:
            yield from _examples(value)


ID_LIKE = re.compile(r"\b\d{17}[\dX]\b")


def test_examples_are_real_and_stable(document: dict[str, Any], client: Any) -> None:
    text = json.dumps(list(_examples(document)), ensure_ascii=False)
    for number in ID_LIKE.findall(text):
        normalize_id_number(number)  # raises on a wrong check digit
    assert "TRAFFIC-DRINK-DRIVING" in text or "VOLUNTEER" in text, "real record types in examples"


def test_the_document_is_the_same_on_every_export(settings: Settings) -> None:
    """Two processes build the same document: no generated random examples anywhere."""
    first = create_app(settings).openapi_schema.to_schema()
    second = create_app(settings).openapi_schema.to_schema()
    assert json.dumps(first, default=str) == json.dumps(second, default=str)
