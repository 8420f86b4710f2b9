"""Encryption at rest, blind indexes, cursors."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from cryptography.exceptions import InvalidTag

from backend.platform import crypto
from backend.platform.errors import InvalidInput
from backend.platform.pagination import decode_cursor, encode_cursor, page_of


def test_encryption_round_trip_and_random_nonce() -> None:
    key = secrets.token_bytes(32)
    a, b = crypto.encrypt(key, "330106199003071238"), crypto.encrypt(key, "330106199003071238")
    assert a != b and b"330106" not in a
    assert crypto.decrypt(key, a) == "330106199003071238"
    with pytest.raises(InvalidTag):
        crypto.decrypt(secrets.token_bytes(32), a)


def test_blind_index_is_keyed_and_stable() -> None:
    key = secrets.token_bytes(32)
    assert crypto.blind_index(key, "x") == crypto.blind_index(key, "x")
    assert crypto.blind_index(key, "x") != crypto.blind_index(secrets.token_bytes(32), "x")


def test_cursor_round_trip_and_forgery() -> None:
    cursor = encode_cursor("2026-01-05", 42)
    assert decode_cursor(cursor, tuple[dt.date, int]) == (dt.date(2026, 1, 5), 42)
    assert decode_cursor(None, tuple[int]) is None
    for forged in ("!!!", encode_cursor("x", "y"), "e30"):
        with pytest.raises(InvalidInput) as info:
            decode_cursor(forged, tuple[dt.date, int])
        assert info.value.field == "cursor"


def test_page_of_sets_next_cursor_only_when_more() -> None:
    page = page_of([1, 2, 3], 2, lambda n: (n,))
    assert page.items == [1, 2] and page.next_cursor == encode_cursor(2)
    assert page_of([1, 2], 2, lambda n: (n,)).next_cursor is None
