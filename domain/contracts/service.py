"""What the lending workflow calls: create, sign (borrower, then bank), verify, store contracts.

All functions are synchronous and CPU-bound for a few tens of milliseconds. They work inside a
running event loop too, but block it meanwhile: async services call them through
`asyncio.to_thread`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from cryptography import x509

from domain.contracts.document import render_contract_pdf
from domain.contracts.events import EventSigner, issue_event_credential
from domain.contracts.keyfiles import write_atomic
from domain.contracts.pki import LocalCA, SigningCredential
from domain.contracts.signing import sign_pdf, sign_with_token
from domain.contracts.terms import ContractTerms
from domain.contracts.verification import VerificationResult, verify_pdf
from domain.errors import InvalidInput, InvalidState, NotFound

_CONTRACT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


class SignerRole(StrEnum):
    """Who signs; the borrower signs first, the bank (lender) countersigns."""

    BORROWER = "BORROWER"
    LENDER = "LENDER"


FIELD_NAMES = {SignerRole.BORROWER: "BorrowerSignature", SignerRole.LENDER: "LenderSignature"}
REASONS = {
    SignerRole.BORROWER: "借款人签署借款合同 Borrower signs the loan contract",
    SignerRole.LENDER: "贷款人签署借款合同 Lender signs the loan contract",
}


class ContractSigner(Protocol):
    """Applies and checks contract signatures; the local CA is one implementation."""

    def sign(
        self, pdf: bytes, *, role: SignerRole, credential: SigningCredential | None = None
    ) -> bytes:
        """Sign `pdf` as `role` (the lender's credential may come from the signer itself)."""
        ...

    def verify(self, pdf: bytes, *, expected_sha256: str | None = None) -> VerificationResult:
        """Verify every signature of `pdf`."""
        ...


@dataclass(frozen=True)
class LocalCASigner:
    """Signs with trusted time and validation data under the platform CA, and trusts it (plus
    extra roots)."""

    ca: LocalCA
    location: str = "中国 China"

    def sign(
        self, pdf: bytes, *, role: SignerRole, credential: SigningCredential | None = None
    ) -> bytes:
        """Sign `pdf` as `role`, enforcing the order: borrower first, then the bank once."""
        if credential is None:
            if role is not SignerRole.LENDER:
                raise InvalidInput("the borrower signs with an event certificate")
            credential = self.ca.bank
        check_signing_order(self.verify(pdf), role)
        return seal_pdf(
            pdf,
            ca=self.ca,
            credential=credential,
            field_name=FIELD_NAMES[role],
            reason=REASONS[role],
            location=self.location,
        )

    def verify(self, pdf: bytes, *, expected_sha256: str | None = None) -> VerificationResult:
        """Verify `pdf` against the platform CA and the configured extra roots."""
        return verify_pdf(pdf, trust_roots=self.ca.trust_roots, expected_sha256=expected_sha256)


def seal_pdf(
    pdf: bytes,
    *,
    ca: LocalCA,
    credential: SigningCredential,
    field_name: str,
    reason: str,
    location: str,
) -> bytes:
    """Sign with `credential`, a timestamp from the platform's TSA (or the configured one) and
    the certificates and current CRL that validate both (PAdES B-LT)."""
    now = datetime.now(UTC)
    _check_credential(credential, now)
    if credential.token is not None:
        return sign_with_token(
            pdf,
            token=credential.token,
            chain=credential.chain_pem,
            field_name=field_name,
            signer_name=credential.subject_name,
            reason=reason,
            location=location,
            timestamper=ca.timestamper,
            validation_certs=ca.tsa_chain_pem,
            crls=(ca.crl(now),),
        )
    return sign_pdf(
        pdf,
        key_pem=credential.key_pem,
        cert_pem=credential.cert_pem,
        chain=credential.chain_pem,
        field_name=field_name,
        signer_name=credential.subject_name,
        reason=reason,
        location=location,
        timestamper=ca.timestamper,
        validation_certs=ca.tsa_chain_pem,
        crls=(ca.crl(now),),
    )


def check_signing_order(current: VerificationResult, role: SignerRole) -> None:
    """Raise InvalidState unless `role` may sign a document whose verdict is `current`."""
    fields = [s.field_name for s in current.signatures]
    if role is SignerRole.BORROWER:
        if fields:
            raise InvalidState("the contract is already signed; the borrower signs first")
        return
    if fields != [FIELD_NAMES[SignerRole.BORROWER]]:
        raise InvalidState("the bank signs only after the borrower, and only once")
    if not current.accepted:
        raise InvalidState(f"the borrower's signature does not hold: {current.detail}")


def create_contract_document(terms: ContractTerms) -> tuple[bytes, str]:
    """Render the unsigned contract; return its bytes and their sha256 (hex)."""
    pdf = render_contract_pdf(terms)
    return pdf, sha256_hex(pdf)


def sign_as_borrower(pdf: bytes, *, signer: EventSigner, ca: LocalCA) -> bytes:
    """Add the borrower's signature under an event certificate issued for this signature only;
    its key is dropped when this returns."""
    credential = issue_event_credential(ca, signer)
    return LocalCASigner(ca).sign(pdf, role=SignerRole.BORROWER, credential=credential)


def sign_as_bank(pdf: bytes, *, ca: LocalCA) -> bytes:
    """Add the bank's countersignature after a valid, trusted borrower signature."""
    return LocalCASigner(ca).sign(pdf, role=SignerRole.LENDER)


def verify(pdf: bytes, *, ca: LocalCA, expected_sha256: str | None = None) -> VerificationResult:
    """Verify a contract against the platform's trust roots (and its recorded hash, if given)."""
    return LocalCASigner(ca).verify(pdf, expected_sha256=expected_sha256)


def sha256_hex(data: bytes) -> str:
    """Hex sha256 of `data`, as recorded for a stored contract."""
    return hashlib.sha256(data).hexdigest()


def contract_path(data_dir: Path, contract_id: str) -> Path:
    """Where the contract `contract_id` is kept: `<data_dir>/contracts/<id>.pdf`."""
    if not _CONTRACT_ID.fullmatch(contract_id):
        raise InvalidInput("contract id may hold only letters, digits, '-' and '_'", field="id")
    return data_dir / "contracts" / f"{contract_id}.pdf"


def store_contract(data_dir: Path, contract_id: str, pdf: bytes) -> Path:
    """Write the contract file atomically (a reader sees the old file or the new one)."""
    path = contract_path(data_dir, contract_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, pdf, mode=0o600)
    return path


def load_contract(data_dir: Path, contract_id: str) -> bytes:
    """Read a stored contract file; NotFound if there is none."""
    path = contract_path(data_dir, contract_id)
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise NotFound(f"no contract file for {contract_id}", field="id") from exc


def _check_credential(credential: SigningCredential, now: datetime) -> None:
    # A signature made with an expired certificate would verify as untrusted forever after.
    try:
        cert = x509.load_pem_x509_certificate(credential.cert_pem)
    except ValueError as exc:
        raise InvalidInput(f"unreadable signing certificate: {exc}") from exc
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise InvalidState(
            f"the certificate of {credential.subject_name} is not valid now "
            f"(valid {cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d});"
            " issue a new one"
        )
