"""Loan contracts: the PDF document, the platform CA, PAdES signatures and their verification."""

from domain.contracts.document import amount_in_chinese, render_contract_pdf
from domain.contracts.pki import (
    CA_COMMON_NAME,
    LocalCA,
    SigningCredential,
    certificate_display_name,
    ensure_ca,
    enterprise_credential,
    issue_enterprise_certificate,
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
    sha256_hex,
    sign_as_bank,
    sign_as_borrower,
    store_contract,
    verify,
)
from domain.contracts.signing import SignatureCheck, VerificationResult, sign_pdf, verify_pdf
from domain.contracts.terms import ContractTerms, PledgedPatent, ScheduleRow

__all__ = [
    "CA_COMMON_NAME",
    "FIELD_NAMES",
    "ContractSigner",
    "ContractTerms",
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
    "enterprise_credential",
    "issue_enterprise_certificate",
    "load_contract",
    "render_contract_pdf",
    "sha256_hex",
    "sign_as_bank",
    "sign_as_borrower",
    "sign_pdf",
    "store_contract",
    "verify",
    "verify_pdf",
]
