"""The guarantee contract (保证合同) of a guaranteed credit line: rendered as PDF when the line
is granted, signed by the guarantor institution under an event certificate issued for that
one signature (the same one-time-key signing as a borrower's, with the institution in the
subject), with trusted time and validation data (PAdES B-LT).

The rendering and signing are synchronous and CPU-bound: async callers use `asyncio.to_thread`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Spacer

from domain.contracts.ca import aware_utc, leaf_certificate
from domain.contracts.document import FONT, a4_document, amount_in_chinese, format_money
from domain.contracts.events import EVENT_UNIT, EVENT_VALIDITY
from domain.contracts.keyfiles import pem_cert, pem_key
from domain.contracts.pki import LocalCA, SigningCredential
from domain.contracts.service import seal_pdf, verify
from domain.errors import InvalidInput, InvalidState

TITLE = "见贷即保保证合同"
TITLE_EN = "Guarantee-on-Approval Contract"
FIELD_NAME = "GuarantorSignature"
REASON = "保证人签署保证合同 Guarantor signs the guarantee contract"


@dataclass(frozen=True)
class GuaranteeTerms:
    """What the guarantee contract says."""

    contract_number: str
    issued_on: date
    lender_name: str
    guarantor_name: str
    guarantor_code: str
    borrower_name: str
    borrower_uscc: str
    programme_name: str
    amount: Decimal
    line_valid_until: date
    fee_rate: Decimal
    fee_payer: str
    risk_shares: dict[str, str]
    trigger_days_past_due: int
    claim_deadline_days: int


PAYERS = {"BORROWER": "借款人 the borrower", "BANK": "贷款人 the bank",
          "GOVERNMENT": "地方政府 the local government"}  # fmt: skip
PARTIES = {"GUARANTOR": "担保机构 guarantor", "REGUARANTEE": "再担保 re-guarantee fund",
           "BANK": "银行 bank", "GOVERNMENT": "地方政府 local government"}  # fmt: skip


def render_guarantee_pdf(terms: GuaranteeTerms) -> bytes:
    """The unsigned guarantee contract (deterministic: same terms, same bytes)."""
    buffer = io.BytesIO()
    doc = a4_document(
        buffer,
        title=f"{TITLE} {terms.contract_number}",
        author=terms.lender_name,
        subject=f"{terms.guarantor_name} {terms.borrower_name} {terms.contract_number}",
    )
    body = ParagraphStyle("g-body", fontName=FONT, fontSize=10, leading=15, wordWrap="CJK")
    title = ParagraphStyle("g-title", parent=body, fontSize=16, leading=22, alignment=1)
    shares = "；".join(
        f"{PARTIES.get(p, p)} {Decimal(v) * 100:.0f}%" for p, v in sorted(terms.risk_shares.items())
    )
    rows = [
        f"合同编号 Contract No.: {terms.contract_number}",
        f"签订日期 Date: {terms.issued_on.isoformat()}",
        f"债权人 Creditor: {terms.lender_name}",
        f"保证人 Guarantor: {terms.guarantor_name} ({terms.guarantor_code})",
        f"债务人 Debtor: {terms.borrower_name} (USCC {terms.borrower_uscc})",
        f"担保方案 Programme: {terms.programme_name}",
        f"保证金额 Amount guaranteed: CNY {format_money(terms.amount)} "
        f"（人民币{amount_in_chinese(terms.amount)}）",
        f"授信有效期至 Line valid until: {terms.line_valid_until.isoformat()}",
        f"担保费率 Fee: {terms.fee_rate * 100:.4f}% 每年 per year, "
        f"由{PAYERS.get(terms.fee_payer, terms.fee_payer)}承担",
        f"风险分担 Risk shares: {shares}",
        f"代偿条件 Claim trigger: 逾期 {terms.trigger_days_past_due} 天 days past due; "
        f"代偿期限 paid within {terms.claim_deadline_days} 天 days of the claim",
        "保证人对授信项下每笔用信按上述分担比例承担代偿责任。The guarantor answers for every "
        "drawing on the line in the shares above.",
    ]
    story = [Paragraph(TITLE, title), Paragraph(TITLE_EN, body), Spacer(1, 12)]
    story += [Paragraph(_escape(r), body) for r in rows]
    doc.build(story)
    return buffer.getvalue()


def guarantor_credential(
    ca: LocalCA, *, institution_name: str, institution_code: str, email: str
) -> SigningCredential:
    """A one-signature credential for the institution's staff member: a fresh key certified
    for `EVENT_VALIDITY` with the institution in the subject; never stored."""
    name, code, email = institution_name.strip(), institution_code.strip(), email.strip()
    if not name or not code or "@" not in email:
        raise InvalidInput("the guarantor's name, code and the signer's email are required")
    now = aware_utc(None)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, EVENT_UNIT),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, code),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, email),
        ]
    )
    cert = leaf_certificate(subject, key, ca.ca_key, ca.ca_cert, now, validity=EVENT_VALIDITY,
                            crl_url=ca.crl_url, email=email)  # fmt: skip
    return SigningCredential(
        key_pem=pem_key(key), cert_pem=pem_cert(cert), chain_pem=(ca.ca_cert_pem,)
    )


def sign_as_guarantor(
    pdf: bytes, *, ca: LocalCA, institution_name: str, institution_code: str, email: str
) -> bytes:
    """The contract with the guarantor's signature (it signs once, on an unsigned contract)."""
    if verify(pdf, ca=ca).signatures:
        raise InvalidState("the guarantee contract is already signed")
    credential = guarantor_credential(
        ca, institution_name=institution_name, institution_code=institution_code, email=email
    )
    return seal_pdf(pdf, ca=ca, credential=credential, field_name=FIELD_NAME, reason=REASON,
                    location="中国 China")  # fmt: skip


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = [
    "FIELD_NAME",
    "GuaranteeTerms",
    "guarantor_credential",
    "render_guarantee_pdf",
    "sign_as_guarantor",
]
