"""Platform keys at rest: the passphrase, encrypted key files, sealed secrets, owner-only
directories."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from domain.contracts import keystore
from domain.contracts.keyfiles import spki
from domain.errors import InvalidState

PASSPHRASE = b"a passphrase long enough"


def test_passphrase_from_value_then_file_then_generated(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("from a secret file, with a newline\n")
    assert keystore.resolve_passphrase(tmp_path, value="given in the environment") == (
        b"given in the environment"
    )
    assert keystore.resolve_passphrase(tmp_path, file=secret_file) == (
        b"from a secret file, with a newline"
    )
    generated = keystore.resolve_passphrase(tmp_path / "data")
    path = tmp_path / "data" / keystore.PASSPHRASE_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    assert keystore.resolve_passphrase(tmp_path / "data") == generated


def test_production_needs_a_configured_passphrase(tmp_path: Path) -> None:
    with pytest.raises(InvalidState, match="IPCREDIT_KEY_PASSPHRASE"):
        keystore.resolve_passphrase(tmp_path, production=True)
    assert not (tmp_path / keystore.PASSPHRASE_FILE).exists()


def test_short_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidState, match="at least"):
        keystore.resolve_passphrase(tmp_path, value="short")


def test_key_file_is_encrypted_and_opens_only_with_its_passphrase(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "k.pem"
    keystore.write_key(path, key, PASSPHRASE)
    assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert spki(keystore.read_key(path, PASSPHRASE).public_key()) == spki(key.public_key())
    with pytest.raises(InvalidState, match="passphrase"):
        keystore.read_key(path, b"another passphrase entirely")


def test_sealed_secret_opens_only_in_its_context(tmp_path: Path) -> None:
    sealed = keystore.seal("JBSWY3DPEHPK3PXP", passphrase=PASSPHRASE, context="totp:user:7")
    assert "JBSWY3DP" not in sealed
    assert keystore.unseal(sealed, passphrase=PASSPHRASE, context="totp:user:7") == (
        "JBSWY3DPEHPK3PXP"
    )
    for passphrase, context in ((PASSPHRASE, "totp:user:8"), (b"x" * 20, "totp:user:7")):
        with pytest.raises(InvalidState):
            keystore.unseal(sealed, passphrase=passphrase, context=context)
    # flip one bit of the ciphertext itself (editing a base64 character may only touch the
    # padding bits, which decode to the same bytes)
    prefix, body = sealed[: sealed.index(":") + 1], sealed[sealed.index(":") + 1 :]
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[len(raw) // 2] ^= 1
    tampered = prefix + base64.urlsafe_b64encode(bytes(raw)).decode()
    with pytest.raises(InvalidState):
        keystore.unseal(tampered, passphrase=PASSPHRASE, context="totp:user:7")


def test_sqlite_file_is_created_owner_only(tmp_path: Path) -> None:
    from db.connection import private_sqlite_file

    path = tmp_path / "data" / "ipcredit.sqlite3"
    private_sqlite_file(f"sqlite://{path}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    private_sqlite_file("sqlite://:memory:")  # nothing to create
