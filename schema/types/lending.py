"""Applications, decisions, contracts and loans as the API shows them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from db import models as m
from domain.applications import service as apps
from domain.reads import lending as reads
from schema.errors import UserError
from schema.ids import encode_id
from schema.pagination import PageInfo
from schema.types.product import LoanProduct
from schema.types.risk import ReasonCode, RiskScore
from schema.types.world import Enterprise, Patent, ctx, load_enterprise

ApplicationStatus = strawberry.enum(
    m.ApplicationStatus, name="ApplicationStatus", description="Where an application stands."
)


@strawberry.enum(description="A reviewer's verdict.")
class ReviewDecision(Enum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


@strawberry.type(description="The outcome of the automated or manual decision.")
class Decision:
    outcome: str = strawberry.field(description="APPROVED, REJECTED or MANUAL_REVIEW.")
    approved_amount: Decimal | None = strawberry.field(description="Amount offered, CNY.")
    annual_rate: float | None = strawberry.field(description="Rate offered, after subsidy.")
    reasons: list[ReasonCode] = strawberry.field(description="Why, in codes and words.")
    decided_by: str = strawberry.field(description="model:<versions> or the reviewer.")
    decided_at: datetime = strawberry.field(description="When.")

    @classmethod
    def of(cls, d: dict[str, Any]) -> Decision:
        """The API view of a stored decision record."""
        amount = d.get("approved_amount")
        rate = d.get("annual_rate")
        return cls(
            outcome=str(d.get("outcome")),
            approved_amount=Decimal(str(amount)) if amount is not None else None,
            annual_rate=float(rate) if rate is not None else None,
            reasons=[ReasonCode.of(r) for r in d.get("reasons") or []],
            decided_by=str(d.get("decided_by", "")),
            decided_at=datetime.fromisoformat(str(d["decided_at"])),
        )


@strawberry.type(description="One status change of an application.")
class StatusChange:
    from_: ApplicationStatus | None = strawberry.field(name="from", description="Status before.")  # type: ignore[valid-type]
    to: ApplicationStatus = strawberry.field(description="Status after.")  # type: ignore[valid-type]
    at: datetime = strawberry.field(description="When.")
    by: str = strawberry.field(description="Who (email, or model:<versions>).")


@strawberry.type(description="A signature on a contract.")
class Signature:
    signer: str = strawberry.field(description="Who signed (certificate subject).")
    signed_at: datetime = strawberry.field(description="When.")
    valid: bool = strawberry.field(description="Cryptographically valid and trusted.")


@strawberry.type(description="A loan contract and its signatures.")
class Contract:
    _m: strawberry.Private[m.Contract]
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    status: str = strawberry.field(description="GENERATED, BORROWER_SIGNED or SIGNED.")
    sha256: str = strawberry.field(description="Hash of the current PDF.")
    download_url: str = strawberry.field(description="Where parties and staff download the PDF.")
    signatures: list[Signature] = strawberry.field(description="Signatures so far.")

    @classmethod
    def of(cls, r: m.Contract) -> Contract:
        """The API view of a record."""
        cid = encode_id("Contract", r.id)
        return cls(
            _m=r,
            id=strawberry.ID(cid),
            status=r.status,
            sha256=r.sha256,
            download_url=f"/contracts/{cid}.pdf",
            signatures=[
                Signature(
                    signer=str(s.get("signer")),
                    signed_at=datetime.fromisoformat(str(s.get("signed_at"))),
                    valid=bool(s.get("valid", True)),
                )
                for s in r.signatures or []
            ],
        )

    @strawberry.field(description="The application it belongs to.")
    async def application(self, info: Info) -> LoanApplication:
        return await load_application_or_fail(info, self._m.application_id)


@strawberry.type(description="One scheduled repayment.")
class Installment:
    number: int = strawberry.field(description="1-based.")
    due_on: date = strawberry.field(description="Due date.")
    principal: Decimal = strawberry.field(description="Principal due, CNY.")
    interest: Decimal = strawberry.field(description="Interest due, CNY.")
    paid: bool = strawberry.field(description="Fully paid.")


@strawberry.type(description="Money lent.")
class Loan:
    _m: strawberry.Private[m.Loan]
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    principal: Decimal = strawberry.field(description="Amount lent, CNY.")
    outstanding: Decimal = strawberry.field(description="Principal still owed, CNY.")
    annual_rate: float = strawberry.field(description="Annual rate.")
    status: str = strawberry.field(description="ACTIVE, OVERDUE or CLOSED.")
    disbursed_at: datetime = strawberry.field(description="When the money went out.")

    @classmethod
    def of(cls, r: m.Loan) -> Loan:
        """The API view of a record."""
        return cls(
            _m=r,
            id=strawberry.ID(encode_id("Loan", r.id)),
            principal=r.principal,
            outstanding=r.outstanding,
            annual_rate=float(r.annual_rate),
            status=r.status,
            disbursed_at=r.disbursed_at,
        )

    @strawberry.field(description="The borrower.")
    async def enterprise(self, info: Info) -> Enterprise:
        ent = await load_enterprise(info, self._m.enterprise_id)
        assert ent is not None  # only loans the caller may see are ever shown
        return ent

    @strawberry.field(description="The application that led to it.")
    async def application(self, info: Info) -> LoanApplication:
        return await load_application_or_fail(info, self._m.application_id)

    @strawberry.field(description="The repayment schedule.")
    async def schedule(self, info: Info) -> list[Installment]:
        rows = await ctx(info).loader("installments", reads.installments_by_loan).load(self._m.id)
        return [
            Installment(
                number=r.number,
                due_on=r.due_on,
                principal=r.principal,
                interest=r.interest,
                paid=r.paid_principal >= r.principal and r.paid_interest >= r.interest,
            )
            for r in rows
        ]


@strawberry.type(description="A loan application.")
class LoanApplication:
    _m: strawberry.Private[m.LoanApplication]
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    amount: Decimal = strawberry.field(description="Amount requested, CNY.")
    term_months: int = strawberry.field(description="Term requested, months.")
    purpose: str | None = strawberry.field(description="What the money is for.")
    status: ApplicationStatus = strawberry.field(description="Where it stands.")  # type: ignore[valid-type]
    decision: Decision | None = strawberry.field(description="The decision, once made.")
    created_at: datetime = strawberry.field(description="When it was created.")

    @classmethod
    def of(cls, r: m.LoanApplication) -> LoanApplication:
        """The API view of a record."""
        decision = r.decision if r.decision and r.decision.get("decided_at") else None
        return cls(
            _m=r,
            id=strawberry.ID(encode_id("LoanApplication", r.id)),
            amount=r.amount,
            term_months=r.term_months,
            purpose=r.purpose,
            status=r.status,
            decision=Decision.of(decision) if decision else None,
            created_at=r.created_at,
        )

    @strawberry.field(description="The applicant enterprise.")
    async def enterprise(self, info: Info) -> Enterprise:
        ent = await load_enterprise(info, self._m.enterprise_id)
        assert ent is not None
        return ent

    @strawberry.field(description="The product applied for.")
    async def product(self, info: Info) -> LoanProduct:
        from domain.products.service import products_by_ids

        async def load(ids: list[int]) -> list[m.LoanProduct | None]:
            return await products_by_ids(ids=ids)

        r = await ctx(info).loader("product", load).load(self._m.product_id)
        return LoanProduct.of(r)

    @strawberry.field(description="Patents offered as pledge.")
    async def pledged_patents(self, info: Info) -> list[Patent]:
        async def load(ids: list[int]) -> list[list[m.Patent]]:
            return await apps.pledged_patents_by_application_ids(ids=ids)

        rows = await ctx(info).loader("pledged", load).load(self._m.id)
        return [Patent.of(r) for r in rows]

    @strawberry.field(
        description="The risk score the decision used; before a decision, the latest one."
    )
    async def risk_score(self, info: Info) -> RiskScore | None:
        inputs = (self._m.decision or {}).get("inputs") or {}
        score_id = inputs.get("risk_score_id")
        c = ctx(info)
        if isinstance(score_id, int):
            r = await c.loader("risk_score_by_id", reads.risk_scores_by_ids).load(score_id)
        else:
            r = await c.loader("risk_score", reads.latest_risk_scores).load(self._m.enterprise_id)
        return RiskScore.of(r) if r is not None else None

    @strawberry.field(description="The contract, once the offer is accepted.")
    async def contract(self, info: Info) -> Contract | None:
        r = await ctx(info).loader("contract", reads.contracts_by_application).load(self._m.id)
        return Contract.of(r) if r is not None else None

    @strawberry.field(description="Every status change, oldest first.")
    async def history(self, info: Info) -> list[StatusChange]:
        async def load(ids: list[int]) -> list[list[m.StatusChange]]:
            return await apps.history_by_application_ids(ids=ids)

        rows = await ctx(info).loader("history", load).load(self._m.id)
        return [
            StatusChange(
                from_=m.ApplicationStatus(r.from_status) if r.from_status else None,
                to=m.ApplicationStatus(r.to_status),
                at=r.at,
                by=r.by,
            )
            for r in rows
        ]


async def load_application_or_fail(info: Info, pk: int) -> LoanApplication:
    """An application by key through the request's loader (the caller's view already checked)."""

    async def load(ids: list[int]) -> list[m.LoanApplication | None]:
        return await apps.applications_by_ids(ids=ids)

    r = await ctx(info).loader("application", load).load(pk)
    assert r is not None
    return LoanApplication.of(r)


@strawberry.type(description="An application in a list.")
class LoanApplicationEdge:
    cursor: str = strawberry.field(description="Cursor of this edge.")
    node: LoanApplication = strawberry.field(description="The application.")


@strawberry.type(description="A page of applications.")
class LoanApplicationConnection:
    edges: list[LoanApplicationEdge] = strawberry.field(description="The page.")
    page_info: PageInfo = strawberry.field(description="Paging state.")
    total_count: int = strawberry.field(description="All matches, across pages.")


@strawberry.type(description="The result of an application operation.")
class ApplicationPayload:
    application: LoanApplication | None = strawberry.field(description="The application.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="The result of a contract operation.")
class ContractPayload:
    contract: Contract | None = strawberry.field(description="The contract.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Whether a contract PDF is untouched and properly signed.")
class ContractVerification:
    intact: bool = strawberry.field(description="Unchanged since signing, every signature valid.")
    signatures: list[Signature] = strawberry.field(description="Each signature's check.")
    detail: str = strawberry.field(description="A sentence for people.")


@strawberry.type(description="The result of disbursement.")
class LoanPayload:
    loan: Loan | None = strawberry.field(description="The loan.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Figures for the bank's dashboard.")
class PortfolioStats:
    registered_enterprises: int = strawberry.field(description="Enterprises with an account.")
    applications: int = strawberry.field(description="All applications.")
    approved: int = strawberry.field(description="Applications approved.")
    disbursed_loans: int = strawberry.field(description="Loans disbursed.")
    outstanding: Decimal = strawberry.field(description="Principal outstanding, CNY.")
    open_warnings: int = strawberry.field(description="Warnings not yet resolved.")
    median_decision_seconds: float | None = strawberry.field(
        description="Median seconds from submission to decision."
    )
