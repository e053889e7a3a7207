"""Guarantee programmes (见贷即保): eligibility at approval, the guarantee contract the
guarantor signs, the fee of every drawing.

- At approval, a product with a guarantee programme checks the programme's eligibility rules
  (data: `high_tech_or_srdi`, `high_tech`, `srdi`, `max_amount`, `min_amount`); the decision
  records the guarantee: programme, guarantor, and the amount covered (the non-bank shares).
- When the line is granted, `open_guarantee` creates the guarantee (PENDING_SIGNATURE) and its
  contract PDF (kind GUARANTEE, sequence 0, on the line's application); the guarantor's staff
  sign it with a one-time code (`sign_guarantee`): the guarantee becomes ACTIVE. Nothing is
  drawn on a guaranteed line before that (`require_signed_guarantee`).
- The fee of a drawing is principal x fee_rate x term_months / 12, half-up to the fen, posted
  under `guarantee_fee:{loan_id}` (`post_guarantee_fee`): the BORROWER's is a fee receivable
  on the loan (collected by its repayments), the BANK's an expense; both owed to the guarantor
  (GUARANTEE_FEE_PAYABLE). The GOVERNMENT pays the guarantor itself: nothing is posted, the
  amount is audited and each guarantee's fees are computed from its drawings for the
  government's statement (`fee_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from db.models import (
    CreditLine,
    Enterprise,
    Guarantee,
    GuaranteeProgramme,
    GuarantorInstitution,
    Loan,
    LoanApplication,
    LoanProduct,
)
from domain import audit
from domain.accounts.principal import Principal
from domain.errors import ErrorCode, InvalidState, NotFound
from domain.loanbook.accounts import Account
from domain.loanbook.ledger import cr, dr, post

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
KNOWN_RULES = frozenset({"high_tech_or_srdi", "high_tech", "srdi", "max_amount", "min_amount"})


class GuaranteeStatus(StrEnum):
    """A guarantee's states."""

    PENDING_SIGNATURE = "PENDING_SIGNATURE"
    ACTIVE = "ACTIVE"
    CLAIMED = "CLAIMED"
    RELEASED = "RELEASED"


class FeePayer(StrEnum):
    """Who pays a programme's guarantee fee."""

    BORROWER = "BORROWER"
    BANK = "BANK"
    GOVERNMENT = "GOVERNMENT"


# -- pure rules ------------------------------------------------------------------------------


def eligibility_failures(
    rules: dict[str, Any], *, high_tech: bool, srdi: bool, amount: Decimal
) -> list[str]:
    """Why an enterprise and amount fall outside a programme's rules (empty: eligible). An
    unknown rule fails closed (pure)."""
    failures = [f"unknown eligibility rule {k!r}" for k in sorted(set(rules) - KNOWN_RULES)]
    if rules.get("high_tech_or_srdi") and not (high_tech or srdi):
        failures.append("the enterprise is neither high-tech nor specialised-and-innovative")
    if rules.get("high_tech") and not high_tech:
        failures.append("the enterprise is not a certified high-tech enterprise")
    if rules.get("srdi") and not srdi:
        failures.append("the enterprise is not specialised-and-innovative (专精特新)")
    if rules.get("max_amount") is not None and amount > Decimal(str(rules["max_amount"])):
        failures.append(f"the amount exceeds the programme's cap of {rules['max_amount']}")
    if rules.get("min_amount") is not None and amount < Decimal(str(rules["min_amount"])):
        failures.append(f"the amount is below the programme's minimum of {rules['min_amount']}")
    return failures


def split_shares(amount: Decimal, risk_shares: dict[str, Any]) -> dict[str, Decimal]:
    """`amount` split by the risk shares, half-up to the fen; the bank's share takes the
    rounding so the parts add up to `amount` exactly (pure)."""
    parts = {
        party: (amount * Decimal(str(share))).quantize(CENT, ROUND_HALF_UP)
        for party, share in risk_shares.items()
        if party != "BANK"
    }
    parts["BANK"] = amount - sum(parts.values(), ZERO)
    return parts


def covered(amount: Decimal, risk_shares: dict[str, Any]) -> Decimal:
    """What the guarantee covers of `amount`: every share but the bank's (pure)."""
    return amount - split_shares(amount, risk_shares)["BANK"]


def fee_of(principal: Decimal, fee_rate: Decimal, term_months: int) -> Decimal:
    """A drawing's guarantee fee: principal x annual rate x months / 12, half-up (pure)."""
    return (principal * Decimal(fee_rate) * term_months / 12).quantize(CENT, ROUND_HALF_UP)


# -- approval --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApprovalCheck:
    """A guarantee programme's verdict on an approval: the record for the decision, or why
    the applicant is not eligible."""

    record: dict[str, Any]
    failures: list[str]

    @property
    def eligible(self) -> bool:
        """Whether every rule holds."""
        return not self.failures


async def programme_of_product(
    product_id: int, *, conn: BaseDBAsyncClient | None = None
) -> GuaranteeProgramme | None:
    """The guarantee programme a product names, if any."""
    product = await LoanProduct.get(id=product_id, using_db=conn)
    if not product.guarantee_programme:
        return None
    return await GuaranteeProgramme.get(code=product.guarantee_programme, using_db=conn)


async def check_on_approval(
    application: LoanApplication, amount: Decimal, *, conn: BaseDBAsyncClient
) -> ApprovalCheck | None:
    """The programme's eligibility verdict for approving `amount`, or None when the product
    has no guarantee programme. Nothing is written."""
    programme = await programme_of_product(application.product_id, conn=conn)  # type: ignore[attr-defined]
    if programme is None:
        return None
    enterprise = await Enterprise.get(id=application.enterprise_id, using_db=conn)  # type: ignore[attr-defined]
    institution = await GuarantorInstitution.get(id=programme.institution_id, using_db=conn)
    failures = eligibility_failures(
        programme.eligibility or {},
        high_tech=enterprise.high_tech,
        srdi=enterprise.srdi,
        amount=amount,
    )
    if not programme.active:
        failures.append(f"the programme {programme.code} is closed to new guarantees")
    record = {
        "programme": programme.code,
        "institution": institution.code,
        "guarantor": institution.name,
        "line_amount": str(amount),
        "amount": str(covered(amount, programme.risk_shares)),
        "risk_shares": programme.risk_shares,
        "fee_rate": str(programme.fee_rate),
        "fee_payer": programme.fee_payer,
        "eligibility": programme.eligibility,
        "recorded_at": datetime.now(UTC).isoformat(),
    }
    return ApprovalCheck(record, failures)


async def record_on_approval(
    application: LoanApplication, check: ApprovalCheck, *, conn: BaseDBAsyncClient
) -> dict[str, Any]:
    """Audit the guarantee an eligible approval carries; its record for the decision."""
    await audit.record(
        actor=f"guarantor:{check.record['institution']}",
        action="guarantee.recorded",
        entity_type="loan_application",
        entity_id=application.id,
        data=check.record,
        connection=conn,
    )
    return check.record


def ineligible(check: ApprovalCheck) -> InvalidState:
    """The refusal of an approval the programme does not cover."""
    return InvalidState(
        f"not eligible for the guarantee programme {check.record['programme']}: "
        + "; ".join(check.failures),
        field="id",
    )


async def get_guarantee_or_raise(*, principal: Principal, guarantee_id: int) -> Guarantee:
    """A guarantee the caller may see (bank staff: all; a guarantor: its institution's);
    NOT_FOUND otherwise, so another institution's guarantee reads as unknown."""
    guarantee = await Guarantee.get_or_none(id=guarantee_id).select_related("programme")
    if guarantee is None or not can_see_programme(principal, guarantee.programme):
        raise NotFound("no such guarantee", field="guaranteeId")
    return guarantee


def can_see_programme(principal: Principal, programme: GuaranteeProgramme) -> bool:
    """Bank staff see every programme; a guarantor's staff their institution's only."""
    if principal.is_staff:
        return True
    return principal.is_guarantor and principal.institution_id == programme.institution_id


async def require_signed_guarantee(line: CreditLine, *, conn: BaseDBAsyncClient) -> None:
    """Refuse (GUARANTEE_NOT_SIGNED) to draw on a guaranteed line before the guarantor signed."""
    guarantee = await Guarantee.get_or_none(line_id=line.id, using_db=conn)
    if guarantee is None:
        if line.guarantee_programme_id is not None:
            raise InvalidState(
                "the line's guarantee has not been issued yet",
                code=ErrorCode.GUARANTEE_NOT_SIGNED,
                field="lineId",
            )
        return
    if guarantee.status != GuaranteeStatus.ACTIVE:
        raise InvalidState(
            f"the guarantor has not signed the line's guarantee (it is {guarantee.status})",
            code=ErrorCode.GUARANTEE_NOT_SIGNED,
            field="lineId",
        )


async def post_guarantee_fee(
    loan: Loan, line: CreditLine, *, term_months: int, actor: str, conn: BaseDBAsyncClient
) -> None:
    """Post the guarantee fee of a drawing on a guaranteed line to the ledger (once per loan:
    key `guarantee_fee:{loan_id}`). Nothing for an unguaranteed line."""
    guarantee = await Guarantee.get_or_none(line_id=line.id, using_db=conn)
    if guarantee is None:
        return
    fee = fee_of(Decimal(loan.principal), Decimal(guarantee.fee_rate), term_months)
    payer = FeePayer(guarantee.fee_payer)
    data = {"guarantee_id": guarantee.id, "fee": str(fee), "payer": payer.value,
            "fee_rate": str(guarantee.fee_rate), "term_months": term_months}  # fmt: skip
    if fee > 0 and payer is not FeePayer.GOVERNMENT:
        debit = (
            Account.FEE_RECEIVABLE if payer is FeePayer.BORROWER else Account.GUARANTEE_FEE_EXPENSE
        )
        on = loan.disbursed_at.date() if loan.disbursed_at else datetime.now(UTC).date()
        entry = await post(kind="GUARANTEE_FEE", lines=[dr(debit, fee), cr(Account.GUARANTEE_FEE_PAYABLE, fee)],
                           business_date=on, actor=actor, conn=conn, loan=loan,
                           memo=f"guarantee fee ({payer.value.lower()} pays)",
                           key=f"guarantee_fee:{loan.id}")  # fmt: skip
        data["journal_entry_id"] = entry.id if entry else None
    await audit.record(actor=actor, action="guarantee.fee", entity_type="loan", entity_id=loan.id,
                       data=data, connection=conn)  # fmt: skip


__all__ = [
    "ApprovalCheck",
    "FeePayer",
    "GuaranteeStatus",
    "can_see_programme",
    "check_on_approval",
    "covered",
    "eligibility_failures",
    "fee_of",
    "get_guarantee_or_raise",
    "ineligible",
    "post_guarantee_fee",
    "programme_of_product",
    "record_on_approval",
    "require_signed_guarantee",
    "split_shares",
]
