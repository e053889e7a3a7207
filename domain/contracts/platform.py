"""The platform CA of this process, built once from the settings (data directory, key
passphrase, public URL, TSA)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from config import settings
from domain.contracts import keystore
from domain.contracts.pki import LocalCA, ensure_ca
from domain.contracts.token import TokenKey


@lru_cache(maxsize=4)
def _ca_for(
    data_dir: Path, passphrase: bytes, public_url: str, tsa_url: str, token: TokenKey | None
) -> LocalCA:
    return ensure_ca(
        data_dir, passphrase=passphrase, public_url=public_url, tsa_url=tsa_url, bank_token=token
    )


def bank_token() -> TokenKey | None:
    """The bank's key in a PKCS#11 token, when IPCREDIT_PKCS11_MODULE names one."""
    signing = settings().signing
    if not signing.pkcs11_module:
        return None
    return TokenKey(
        module=signing.pkcs11_module,
        token_label=signing.pkcs11_token_label,
        key_label=signing.pkcs11_key_label,
        cert_label=signing.pkcs11_cert_label,
        pin=signing.pkcs11_pin,
    )


def key_passphrase() -> bytes:
    """The passphrase the platform's keys are encrypted under (see keystore.py)."""
    s = settings()
    return keystore.resolve_passphrase(
        s.data_dir,
        value=s.signing.key_passphrase,
        file=s.signing.key_passphrase_file,
        production=s.production,
    )


def platform_ca() -> LocalCA:
    """The platform CA, TSA and bank credential under the configured data directory, loaded
    (their keys decrypted) once per process."""
    s = settings()
    return _ca_for(
        s.data_dir, key_passphrase(), s.signing.public_url, s.signing.tsa_url, bank_token()
    )
