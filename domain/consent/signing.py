"""Signing and storing the data authorisation with the enterprise user's certificate, as the
borrower signs a loan contract."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from cryptography import x509

from config import settings
from db.models import Enterprise, User
from domain.contracts import (
    LocalCA,
    VerificationResult,
    ensure_ca,
    enterprise_credential,
    issue_enterprise_certificate,
    sign_pdf,
    verify_pdf,
)
from domain.contracts.keyfiles import write_atomic
from domain.errors import InvalidInput, InvalidState, NotFound

FIELD_NAME = "AuthoriserSignature"
REASON = "授权人签署数据查询授权书 The enterprise signs the data authorisation"
LOCATION = "中国 China"
_FILE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


@lru_cache(maxsize=4)
def _ca_for(data_dir: Path) -> LocalCA:
    return ensure_ca(data_dir)


def platform_ca() -> LocalCA:
    """The platform CA and bank credential under the configured data directory (the ones loan
    contracts are signed under)."""
    return _ca_for(settings().data_dir)


def sign_authorisation(pdf: bytes, *, key_pem: bytes, cert_pem: bytes, ca: LocalCA) -> bytes:
    """The authorisation with the enterprise's PAdES signature (its certificate must be valid)."""
    credential = enterprise_credential(ca, key_pem=key_pem, cert_pem=cert_pem)
    cert = x509.load_pem_x509_certificate(credential.cert_pem)
    now = datetime.now(UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise InvalidState(f"the certificate of {credential.subject_name} is not valid now")
    return sign_pdf(
        pdf,
        key_pem=credential.key_pem,
        cert_pem=credential.cert_pem,
        chain=credential.chain_pem,
        field_name=FIELD_NAME,
        signer_name=credential.subject_name,
        reason=REASON,
        location=LOCATION,
    )


def verify_authorisation(
    pdf: bytes, *, ca: LocalCA, expected_sha256: str | None = None
) -> VerificationResult:
    """Whether a stored authorisation is intact and signed under the platform's trust roots."""
    return verify_pdf(pdf, trust_roots=ca.trust_roots, expected_sha256=expected_sha256)


def document_path(file_id: str) -> str:
    """The path of an authorisation file, relative to the data directory."""
    if not _FILE_ID.fullmatch(file_id):
        raise InvalidInput("consent file id may hold only letters, digits, '-' and '_'")
    return f"consents/{file_id}.pdf"


def store(file_id: str, pdf: bytes) -> str:
    """Write the signed authorisation atomically; returns its relative path."""
    relative = document_path(file_id)
    path = settings().data_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, pdf, mode=0o600)
    return relative


def discard(relative: str) -> None:
    """Remove a stored authorisation that no consent row came to point at."""
    (settings().data_dir / relative).unlink(missing_ok=True)


def load(relative: str) -> bytes:
    """A stored authorisation file; NotFound if it is gone."""
    try:
        return (settings().data_dir / Path(relative)).read_bytes()
    except FileNotFoundError as exc:
        raise NotFound("the authorisation document is missing") from exc


async def user_credential(user: User, ca: LocalCA) -> tuple[bytes, bytes]:
    """The applicant's key and certificate; issued and stored now if registration gave none."""
    if user.certificate_pem and user.private_key_pem:
        return user.private_key_pem.encode(), user.certificate_pem.encode()
    enterprise = await Enterprise.get(id=user.enterprise_id)  # type: ignore[attr-defined]
    key, cert = await asyncio.to_thread(
        lambda: issue_enterprise_certificate(ca, uscc=enterprise.uscc, name=enterprise.name)
    )
    # only the first of two concurrent issuers stores its pair; both then use what is stored
    await User.filter(id=user.id, certificate_pem__isnull=True).update(
        certificate_pem=cert.decode(), private_key_pem=key.decode()
    )
    await user.refresh_from_db()
    assert user.certificate_pem and user.private_key_pem
    return user.private_key_pem.encode(), user.certificate_pem.encode()
