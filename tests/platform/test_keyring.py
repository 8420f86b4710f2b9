"""Keyrings from the settings, and ciphertexts and blind indexes that name their key."""

from __future__ import annotations

import base64
import secrets

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.platform import crypto
from backend.platform.config import SettingsError, load_settings
from backend.platform.keyring import Keyring


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _environ(**extra: str) -> dict[str, str]:
    return {
        "APP_ENV": "test",
        "JWT_SECRET": "j" * 40,
        "ID_ENCRYPTION_KEY": _key(),
        "ID_INDEX_KEY": _key(),
        "OTP_HASH_KEY": _key(),
        "VERIFICATION_SIGNING_KEY": _key(),
        **extra,
    }


def _ring(current_id: str = "1", **old: bytes) -> Keyring:
    return Keyring(current_id=current_id, keys={current_id: secrets.token_bytes(32), **old})


def test_single_keys_of_before_are_the_legacy_key_1() -> None:
    env = _environ()
    rings = load_settings(env).keyrings
    assert rings.id_encryption.current_id == "1"
    assert rings.id_encryption.current == base64.b64decode(env["ID_ENCRYPTION_KEY"])
    assert not rings.id_index.rotating and rings.jwt.current == env["JWT_SECRET"].encode()
    assert rings.verification_old_public == ()


def test_old_keys_with_ids_are_parsed_current_first() -> None:
    old_a, old_b, url_safe = _key(), _key(), secrets.token_bytes(32)
    rings = load_settings(
        _environ(
            ID_ENCRYPTION_KEY_ID="2026b",
            ID_ENCRYPTION_OLD_KEYS=f"1:{old_a}, 2026a:{old_b}",
            JWT_KEY_ID="2",
            JWT_OLD_SECRETS="1:" + "o" * 40,
            VERIFICATION_OLD_PUBLIC_KEYS=base64.urlsafe_b64encode(url_safe).decode().rstrip("="),
        )
    ).keyrings
    assert list(rings.id_encryption.keys) == ["2026b", "1", "2026a"]
    assert rings.id_encryption.old_ids == ("1", "2026a")
    assert rings.id_encryption.get("1") == base64.b64decode(old_a)
    assert rings.jwt.get("1") == b"o" * 40 and rings.jwt.current_id == "2"
    assert rings.verification_old_public == (url_safe,)


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"ID_ENCRYPTION_OLD_KEYS": "1:" + _key() + ",1:" + _key()}, "ID_ENCRYPTION_OLD_KEYS"),
        ({"ID_INDEX_KEY_ID": "2", "ID_INDEX_OLD_KEYS": "2:" + _key()}, "ID_INDEX_OLD_KEYS"),
        ({"ID_INDEX_OLD_KEYS": "2:not base64!"}, "ID_INDEX_OLD_KEYS"),
        ({"ID_INDEX_OLD_KEYS": "2:" + base64.b64encode(b"short").decode()}, "ID_INDEX_OLD_KEYS"),
        ({"ID_INDEX_OLD_KEYS": _key()}, "ID_INDEX_OLD_KEYS"),  # no id
        ({"ID_ENCRYPTION_KEY_ID": "a b"}, "ID_ENCRYPTION_KEY_ID"),
        ({"ID_ENCRYPTION_KEY": base64.b64encode(b"x" * 16).decode()}, "ID_ENCRYPTION_KEY"),
        ({"JWT_OLD_SECRETS": "x:"}, "JWT_OLD_SECRETS"),
        ({"VERIFICATION_OLD_PUBLIC_KEYS": "abc"}, "VERIFICATION_OLD_PUBLIC_KEYS"),
    ],
)
def test_malformed_keys_fail_at_start_naming_the_variable(
    extra: dict[str, str], named: str
) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(_environ(**extra))


def test_a_ciphertext_names_its_key_and_any_configured_key_opens_it() -> None:
    old = secrets.token_bytes(32)
    before = Keyring(current_id="1", keys={"1": old})
    legacy = crypto.seal(before, "330102199001011234", b"bound")
    assert crypto.sealed_key_id(legacy) == "1" and not legacy.startswith(crypto.SEALED_MAGIC)
    after = Keyring(current_id="2", keys={"2": secrets.token_bytes(32), "1": old})
    fresh = crypto.seal(after, "330102199001011234", b"bound")
    assert fresh.startswith(b"ck1:2:") and crypto.sealed_key_id(fresh) == "2"
    for blob in (legacy, fresh):
        assert crypto.unseal(after, blob, b"bound") == "330102199001011234"
    with pytest.raises(crypto.UnknownKeyError):
        crypto.unseal(Keyring(current_id="2", keys={"2": after.current}), legacy, b"bound")
    with pytest.raises(crypto.UnknownKeyError):
        crypto.unseal(before, fresh, b"bound")


def test_a_legacy_ciphertext_that_looks_keyed_still_opens() -> None:
    """A legacy nonce may begin like ``ck1:2:``: the tag decides, and the legacy key opens it."""
    old, new = secrets.token_bytes(32), secrets.token_bytes(32)
    ring = Keyring(current_id="2", keys={"2": new, "1": old})
    nonce = b"ck1:2:" + secrets.token_bytes(6)
    blob = nonce + AESGCM(old).encrypt(nonce, b"secret", b"")
    assert crypto.sealed_key_id(blob) == "2"
    assert crypto.unseal(ring, blob) == "secret"


def test_blind_indexes_name_their_key_and_fit_64_characters() -> None:
    ring = _ring("2026-12", **{"1": secrets.token_bytes(32)})
    current, legacy = crypto.keyed_indexes(ring, "330102199001011234")
    assert current == crypto.keyed_index(ring, "330102199001011234")
    assert current.startswith("2026-12$") and len(current) == 64
    assert crypto.index_key_id(current) == "2026-12" and crypto.index_key_id(legacy) == "1"
    assert legacy == crypto.blind_index(ring.keys["1"], "330102199001011234")  # as before
    single = _ring()
    assert crypto.keyed_indexes(single, "x") == [crypto.keyed_index(single, "x")]
