"""Platform keys at rest: encrypted PKCS#8 files under one passphrase, and small sealed secrets.

The passphrase comes from IPCREDIT_KEY_PASSPHRASE or the file IPCREDIT_KEY_PASSPHRASE_FILE
(read by config.py). In development, when neither is set, one is generated once into
`<data_dir>/key_passphrase` (owner-only); production refuses to start without one.

`seal`/`unseal` encrypt short secrets (e.g. a second factor's seed) with AES-GCM under a key
derived from the same passphrase, so that a copy of the database alone reveals none of them.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from domain.contracts.keyfiles import PrivateKey, write_atomic
from domain.errors import InvalidInput, InvalidState

PASSPHRASE_FILE = "key_passphrase"
_SEALED_PREFIX = "v1:"
_MIN_PASSPHRASE = 16


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) owner-only (0700); an existing one is tightened."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def resolve_passphrase(
    data_dir: Path,
    *,
    value: str | None = None,
    file: Path | None = None,
    production: bool = False,
) -> bytes:
    """The key passphrase: `value`, else the content of `file`, else (development only) the one
    generated once into the data directory."""
    if value:
        return _checked(value.encode())
    if file is not None:
        try:
            return _checked(file.read_bytes().rstrip(b"\r\n"))
        except OSError as exc:
            raise InvalidState(f"cannot read the key passphrase file: {exc}") from exc
    if production:
        raise InvalidState(
            "production needs IPCREDIT_KEY_PASSPHRASE or IPCREDIT_KEY_PASSPHRASE_FILE "
            "to protect the platform's signing keys"
        )
    path = private_dir(data_dir) / PASSPHRASE_FILE
    if not path.exists():
        _create_whole(path, secrets.token_urlsafe(32).encode())
    return _checked(path.read_bytes().strip())


def _create_whole(path: Path, data: bytes) -> None:
    """Create `path` holding `data` unless it exists: written aside, then linked into place,
    so that a reader never sees it empty or partly written, and when two processes start at
    once both keep the first one's content."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


def encrypted_pem(key: PrivateKey, passphrase: bytes) -> bytes:
    """A private key as encrypted PKCS#8 PEM ("ENCRYPTED PRIVATE KEY")."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def write_key(path: Path, key: PrivateKey, passphrase: bytes) -> None:
    """Store a key encrypted under `passphrase`, owner-only, atomically."""
    write_atomic(path, encrypted_pem(key, passphrase), mode=0o600)


def read_key(path: Path, passphrase: bytes) -> PrivateKey:
    """A key stored by `write_key`; a key found unencrypted (older versions) is encrypted in
    place. INVALID_STATE for a wrong passphrase or an unreadable file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidState(f"cannot read private key {path.name}: {exc}") from exc
    encrypted = b"ENCRYPTED PRIVATE KEY" in data
    try:
        key = serialization.load_pem_private_key(data, password=passphrase if encrypted else None)
    except (ValueError, TypeError) as exc:
        raise InvalidState(
            f"cannot unlock private key {path.name}: wrong key passphrase or damaged file"
        ) from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise InvalidInput(f"{path.name}: only RSA and EC keys are supported")
    if not encrypted:
        write_key(path, key, passphrase)
    return key


def seal(plaintext: str, *, passphrase: bytes, context: str) -> str:
    """`plaintext` encrypted (AES-256-GCM) under a key derived from the passphrase for
    `context`; the result is ASCII, safe for a text column."""
    nonce = secrets.token_bytes(12)
    box = AESGCM(_derived_key(passphrase, context))
    sealed = box.encrypt(nonce, plaintext.encode(), context.encode())
    return _SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(token: str, *, passphrase: bytes, context: str) -> str:
    """The plaintext `seal` encrypted; INVALID_STATE if the token was altered or the passphrase
    or context differ."""
    if not token.startswith(_SEALED_PREFIX):
        raise InvalidState("not a sealed secret")
    try:
        raw = base64.urlsafe_b64decode(token[len(_SEALED_PREFIX) :].encode())
        box = AESGCM(_derived_key(passphrase, context))
        return box.decrypt(raw[:12], raw[12:], context.encode()).decode()
    except (ValueError, InvalidTag) as exc:
        raise InvalidState("a sealed secret cannot be opened with this key passphrase") from exc


def _derived_key(passphrase: bytes, context: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"ipcredit-sealed-v1", info=context.encode()
    ).derive(passphrase)


def _checked(passphrase: bytes) -> bytes:
    if len(passphrase) < _MIN_PASSPHRASE:
        raise InvalidState(f"the key passphrase must be at least {_MIN_PASSPHRASE} characters")
    return passphrase
