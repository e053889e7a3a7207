"""Guarantee programmes as the API shows them: programmes, guarantees, the guaranteed
drawings' figures and claims. Guarantor staff reach these for their own institution only;
none of them leads to an enterprise, an application or anything else of the borrower's."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from domain.credit import guarantee_reads as reads
from domain.credit.guarantee_reads import ClaimView, GuaranteeView
from resolvers.ids import encode_id
from schema.errors import UserError


@strawberry.type(description="One party's part of a programme's risk or of a claim.")
class RiskShare:
    party: str = strawberry.field(description="GUARANTOR, REGUARANTEE, BANK or GOVERNMENT.")
    share: Decimal = strawberry.field(description="Its part: a fraction, or CNY for a claim.")


def _shares(values: dict[str, object]) -> list[RiskShare]:
    return [RiskShare(party=p, share=Decimal(str(v))) for p, v in sorted(values.items())]


@strawberry.type(description="A guarantee-on-approval programme (见贷即保) and its terms.")
class GuaranteeProgramme:
    view: strawberry.Private[GuaranteeView]

    @strawberry.field(description="Opaque id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("GuaranteeProgramme", self.view.programme.id))

    @strawberry.field(description="The programme's code.")
    def code(self) -> str:
        return self.view.programme.code

    @strawberry.field(description="Its name.")
    def name(self) -> str:
        return self.view.programme.name

    @strawberry.field(description="The guarantor institution's name.")
    def guarantor(self) -> str:
        return self.view.institution.name

    @strawberry.field(description="The guarantor institution's code.")
    def guarantor_code(self) -> str:
        return self.view.institution.code

    @strawberry.field(description="Eligibility rules checked at approval (data).")
    def eligibility(self) -> JSON:
        return dict(self.view.programme.eligibility or {})  # type: ignore[return-value]

    @strawberry.field(description="Annual guarantee fee rate on the amount drawn.")
    def fee_rate(self) -> Decimal:
        return Decimal(self.view.programme.fee_rate)

    @strawberry.field(description="Who pays the fee: BORROWER, BANK or GOVERNMENT.")
    def fee_payer(self) -> str:
        return self.view.programme.fee_payer

    @strawberry.field(description="Risk shares among the parties (they add up to 1).")
    def risk_shares(self) -> list[RiskShare]:
        return _shares(self.view.programme.risk_shares or {})

    @strawberry.field(description="Days past due from which the bank may claim.")
    def trigger_days_past_due(self) -> int:
        return self.view.programme.trigger_days_past_due

    @strawberry.field(description="Days the guarantor has to pay a claim.")
    def claim_deadline_days(self) -> int:
        return self.view.programme.claim_deadline_days


@strawberry.type(description="A drawing on a guaranteed line: its figures only.")
class GuaranteedLoan:
    item: strawberry.Private[reads.GuaranteedLoan]

    @strawberry.field(description="Opaque id (the loan's).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Loan", self.item.loan.id))

    @strawberry.field(description="The drawing's number on its line.")
    def drawdown_number(self) -> int:
        return self.item.loan.drawdown_number

    @strawberry.field(description="Principal lent, CNY.")
    def principal(self) -> Decimal:
        return Decimal(self.item.loan.principal)

    @strawberry.field(description="Everything owed now, CNY.")
    def outstanding(self) -> Decimal:
        return Decimal(self.item.loan.outstanding)

    @strawberry.field(description="Principal owed now, CNY.")
    def principal_outstanding(self) -> Decimal:
        return Decimal(self.item.loan.principal_outstanding)

    @strawberry.field(description="Interest, penalty and fees owed now, CNY.")
    def charges_outstanding(self) -> Decimal:
        loan = self.item.loan
        return Decimal(loan.interest_outstanding + loan.penalty_outstanding + loan.fee_outstanding)

    @strawberry.field(description="Days past due.")
    def days_past_due(self) -> int:
        return self.item.loan.days_past_due

    @strawberry.field(description="The loan's status (e.g. OVERDUE, SETTLED_BY_GUARANTOR).")
    def status(self) -> str:
        return self.item.loan.status

    @strawberry.field(description="Five-tier classification.")
    def classification(self) -> str:
        return self.item.loan.classification

    @strawberry.field(description="When it was paid out.")
    def disbursed_at(self) -> datetime:
        return self.item.loan.disbursed_at

    @strawberry.field(description="The drawing's guarantee fee, CNY (whoever pays it).")
    def guarantee_fee(self) -> Decimal:
        return self.item.guarantee_fee


@strawberry.type(description="A programme's guarantee of one credit line.")
class Guarantee:
    view: strawberry.Private[GuaranteeView]

    @strawberry.field(description="Opaque id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Guarantee", self.view.guarantee.id))

    @strawberry.field(description="PENDING_SIGNATURE, ACTIVE, CLAIMED or RELEASED.")
    def status(self) -> str:
        return self.view.guarantee.status

    @strawberry.field(description="The amount guaranteed (the line's limit), CNY.")
    def amount(self) -> Decimal:
        return Decimal(self.view.guarantee.amount)

    @strawberry.field(description="Annual fee rate.")
    def fee_rate(self) -> Decimal:
        return Decimal(self.view.guarantee.fee_rate)

    @strawberry.field(description="Who pays the fee.")
    def fee_payer(self) -> str:
        return self.view.guarantee.fee_payer

    @strawberry.field(description="Risk shares agreed.")
    def risk_shares(self) -> list[RiskShare]:
        return _shares(self.view.guarantee.risk_shares or {})

    @strawberry.field(description="The programme.")
    def programme(self) -> GuaranteeProgramme:
        return GuaranteeProgramme(view=self.view)

    @strawberry.field(description="The borrower's name (as in the guarantee contract).")
    def borrower_name(self) -> str:
        return self.view.borrower_name

    @strawberry.field(description="The guaranteed line's status.")
    def line_status(self) -> str:
        return self.view.line.status

    @strawberry.field(description="The guaranteed line's last valid day.")
    def line_valid_until(self) -> date:
        return self.view.line.valid_until

    @strawberry.field(description="The guarantee contract to sign (a Contract id).")
    def contract_id(self) -> strawberry.ID | None:
        cid = self.view.guarantee.contract_id
        return None if cid is None else strawberry.ID(encode_id("Contract", cid))

    @strawberry.field(description="When the guarantor signed.")
    def signed_at(self) -> datetime | None:
        return self.view.guarantee.signed_at

    @strawberry.field(description="Total guarantee fees of the drawings, CNY.")
    def fees(self) -> Decimal:
        return sum((x.guarantee_fee for x in self.view.loans), Decimal("0.00"))

    @strawberry.field(description="The drawings on the guaranteed line.")
    def loans(self) -> list[GuaranteedLoan]:
        return [GuaranteedLoan(item=x) for x in self.view.loans]


@strawberry.type(description="The bank's claim on a guarantee for one defaulted drawing (代偿).")
class GuaranteeClaim:
    view: strawberry.Private[ClaimView]

    @strawberry.field(description="Opaque id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("GuaranteeClaim", self.view.claim.id))

    @strawberry.field(description="FILED, OVERDUE (filed, unpaid past due), PAID or REJECTED.")
    def status(self) -> str:
        return self.view.status.value

    @strawberry.field(description="What the loan owed when the claim was filed, CNY.")
    def outstanding(self) -> Decimal:
        return Decimal(self.view.claim.outstanding)

    @strawberry.field(description="What the guarantor owes: every share but the bank's, CNY.")
    def amount(self) -> Decimal:
        return Decimal(self.view.claim.amount)

    @strawberry.field(description="The owed amount per party, CNY.")
    def shares(self) -> list[RiskShare]:
        return _shares(self.view.claim.shares or {})

    @strawberry.field(description="Days past due when filed.")
    def days_past_due(self) -> int:
        return self.view.claim.days_past_due

    @strawberry.field(description="When it was filed.")
    def filed_at(self) -> datetime:
        return self.view.claim.filed_at

    @strawberry.field(description="The last day to pay.")
    def due_by(self) -> date:
        return self.view.claim.due_by

    @strawberry.field(description="When it was paid.")
    def paid_at(self) -> datetime | None:
        return self.view.claim.paid_at

    @strawberry.field(description="The amount paid, CNY.")
    def paid_amount(self) -> Decimal | None:
        paid = self.view.claim.paid_amount
        return None if paid is None else Decimal(paid)

    @strawberry.field(description="The guarantee claimed on.")
    def guarantee(self) -> Guarantee:
        return Guarantee(view=self.view.guarantee)

    @strawberry.field(description="The defaulted drawing's figures.")
    def loan(self) -> GuaranteedLoan:
        return GuaranteedLoan(item=self.view.loan)


@strawberry.type(description="A guarantee after an operation, or why it failed.")
class GuaranteePayload:
    guarantee: Guarantee | None = strawberry.field(description="The guarantee; null on failure.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="A claim after an operation, or why it failed.")
class GuaranteeClaimPayload:
    claim: GuaranteeClaim | None = strawberry.field(description="The claim; null on failure.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


__all__ = [
    "Guarantee",
    "GuaranteeClaim",
    "GuaranteeClaimPayload",
    "GuaranteePayload",
    "GuaranteeProgramme",
    "GuaranteedLoan",
    "RiskShare",
]
