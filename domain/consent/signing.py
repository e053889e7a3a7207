"""Signing and storing the data authorisation with the enterprise user's certificate, as the
borrower signs a loan contract."""

from __future__ import annotations

import re
from pathlib import Path

from config import settings
from domain.contracts import (
    EventSigner,
    LocalCA,
    VerificationResult,
    issue_event_credential,
    seal_pdf,
    verify_pdf,
)
from domain.contracts.keyfiles import write_atomic
from domain.contracts.platform import platform_ca
from domain.errors import InvalidInput, NotFound

__all__ = ["platform_ca"]

FIELD_NAME = "AuthoriserSignature"
REASON = "授权人签署数据查询授权书 The enterprise signs the data authorisation"
LOCATION = "中国 China"
_FILE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


def sign_authorisation(pdf: bytes, *, signer: EventSigner, ca: LocalCA) -> bytes:
    """The authorisation with the enterprise's PAdES signature (B-LT), made under an event
    certificate issued for this signature alone; its key is dropped when this returns."""
    credential = issue_event_credential(ca, signer)
    return seal_pdf(
        pdf,
        ca=ca,
        credential=credential,
        field_name=FIELD_NAME,
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
