"""The platform CA's certificate revocation list: issued on demand, kept a short while.

The CRL is re-issued when the stored one is older than `REISSUE_AFTER` (so that validation data
embedded in a contract is fresh), and lists the serial numbers revoked in `revoked.json`.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from domain.contracts.keyfiles import PrivateKey, write_atomic

CRL_FILE = "platform-ca.crl"
CRL_PATH = f"/crl/{CRL_FILE}"
REVOKED_FILE = "revoked.json"
CRL_VALIDITY = timedelta(days=7)
REISSUE_AFTER = timedelta(hours=1)


def crl_url(public_url: str) -> str:
    """Where the platform publishes its CRL, as certificates name it."""
    return public_url.rstrip("/") + CRL_PATH


def current_crl(
    directory: Path, ca_key: PrivateKey, ca_cert: x509.Certificate, now: datetime
) -> bytes:
    """The CA's CRL (DER): the stored one while fresh, else a new one, stored."""
    path = directory / CRL_FILE
    if path.exists():
        data = path.read_bytes()
        if _fresh(data, ca_cert, now):
            return data
    return _issue(directory, ca_key, ca_cert, now)


def revoke(
    directory: Path, ca_key: PrivateKey, ca_cert: x509.Certificate, serial: int, now: datetime
) -> bytes:
    """Add `serial` to the revoked certificates and issue a new CRL at once (DER)."""
    revoked = _revoked(directory)
    revoked.setdefault(str(serial), now.isoformat())
    write_atomic(directory / REVOKED_FILE, json.dumps(revoked).encode(), mode=0o600)
    return _issue(directory, ca_key, ca_cert, now)


def _fresh(data: bytes, ca_cert: x509.Certificate, now: datetime) -> bool:
    try:
        crl = x509.load_der_x509_crl(data)
        signed = crl.is_signature_valid(ca_cert.public_key())  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return False
    next_update = crl.next_update_utc
    return (
        signed
        and crl.issuer == ca_cert.subject
        and crl.last_update_utc <= now < crl.last_update_utc + REISSUE_AFTER
        and next_update is not None
        and now < next_update
    )


def _issue(directory: Path, ca_key: PrivateKey, ca_cert: x509.Certificate, now: datetime) -> bytes:
    number = int(now.timestamp() * 1000)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now)
        .next_update(now + CRL_VALIDITY)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    )
    for serial, at in _revoked(directory).items():
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(int(serial))
            .revocation_date(datetime.fromisoformat(at))
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    data = builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    write_atomic(directory / CRL_FILE, data, mode=0o644)
    return data


def _revoked(directory: Path) -> dict[str, str]:
    path = directory / REVOKED_FILE
    if not path.exists():
        return {}
    loaded = json.loads(path.read_text())
    return {str(k): str(v) for k, v in loaded.items()}
