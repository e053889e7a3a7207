"""Loan contracts: the PDF document, the platform CA and TSA, event certificates, PAdES
signatures with trusted time and validation data, and their verification."""

from domain.contracts.document import amount_in_chinese, render_contract_pdf
from domain.contracts.events import EVENT_VALIDITY, EventSigner, issue_event_credential
from domain.contracts.pki import (
    CA_COMMON_NAME,
    LocalCA,
    SigningCredential,
    certificate_display_name,
    ensure_ca,
)
from domain.contracts.service import (
    FIELD_NAMES,
    ContractSigner,
    LocalCASigner,
    SignerRole,
    check_signing_order,
    contract_path,
    create_contract_document,
    load_contract,
    seal_pdf,
    sha256_hex,
    sign_as_bank,
    sign_as_borrower,
    store_contract,
    verify,
)
from domain.contracts.signing import sign_pdf
from domain.contracts.terms import ContractTerms, PledgedPatent, ScheduleRow
from domain.contracts.verification import (
    CertificateStatus,
    SignatureCheck,
    VerificationResult,
    verify_pdf,
)

__all__ = [
    "CA_COMMON_NAME",
    "EVENT_VALIDITY",
    "FIELD_NAMES",
    "CertificateStatus",
    "ContractSigner",
    "ContractTerms",
    "EventSigner",
    "LocalCA",
    "LocalCASigner",
    "PledgedPatent",
    "ScheduleRow",
    "SignatureCheck",
    "SignerRole",
    "SigningCredential",
    "VerificationResult",
    "amount_in_chinese",
    "certificate_display_name",
    "check_signing_order",
    "contract_path",
    "create_contract_document",
    "ensure_ca",
    "issue_event_credential",
    "load_contract",
    "render_contract_pdf",
    "seal_pdf",
    "sha256_hex",
    "sign_as_bank",
    "sign_as_borrower",
    "sign_pdf",
    "store_contract",
    "verify",
    "verify_pdf",
]
