"""Lending operations: applications, review, contracts, disbursement, portfolio figures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from db import models as m
from domain.applications import service as apps
from domain.applications.review import review_application
from domain.errors import DomainError, ErrorCode, NotFound
from schema.errors import UserError, forbidden, user_errors
from schema.ids import decode_id, encode_cursor
from schema.pagination import page_args, slice_page
from schema.types.lending import (
    ApplicationPayload,
    ApplicationStatus,
    Contract,
    ContractPayload,
    ContractVerification,
    Loan,
    LoanApplication,
    LoanApplicationConnection,
    LoanApplicationEdge,
    LoanPayload,
    PortfolioStats,
    ReviewDecision,
    Signature,
)
from schema.types.world import ctx


@strawberry.input(description="What an applicant asks for.")
class CreateApplicationInput:
    product_code: str = strawberry.field(description="Product code, e.g. IP_PLEDGE.")
    amount: Decimal = strawberry.field(description="Amount, CNY.")
    term_months: int = strawberry.field(description="Term, months (one the product offers).")
    purpose: str | None = strawberry.field(description="What the money is for.")
    pledged_patent_numbers: list[str] = strawberry.field(
        description="Patents to pledge: owned, granted and not pledged elsewhere."
    )


def decode_or_raise(value: strawberry.ID, type_name: str, field: str = "id") -> int:
    """The key inside an opaque id, or NOT_FOUND (a foreign id reads as unknown)."""
    pk = decode_id(str(value), type_name)
    if pk is None:
        raise NotFound(f"no such {type_name}", field=field)
    return pk


async def application_payload(
    call: Callable[[], Awaitable[m.LoanApplication]],
) -> ApplicationPayload:
    """Run a domain call; expected failures become payload errors."""
    try:
        app = await call()
    except DomainError as exc:
        return ApplicationPayload(application=None, errors=user_errors(exc))
    return ApplicationPayload(application=LoanApplication.of(app), errors=[])


def error_dicts(exc: DomainError) -> list[dict[str, Any]]:
    """A domain error as storable payload errors."""
    return [{"field": exc.field, "message": exc.message, "code": exc.code.value}]


def errors_of(result: dict[str, Any]) -> list[UserError]:
    """Payload errors from a stored result."""
    return [
        UserError(field=e["field"], message=e["message"], code=ErrorCode(e["code"]))
        for e in result["errors"]
    ]


async def once(
    info: Info,
    operation: str,
    arguments: dict[str, Any],
    call: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """Run a money-moving call, at most once per Idempotency-Key when the client sent one."""
    from domain.idempotency import run_once

    c = ctx(info)
    principal = c.require()
    if not c.idempotency_key:
        return await call()
    try:
        return await run_once(
            key=c.idempotency_key,
            user_id=principal.user_id,
            operation=operation,
            arguments=arguments,
            call=call,
        )
    except DomainError as exc:
        return {"id": None, "errors": error_dicts(exc)}


@strawberry.type
class LendingQuery:
    @strawberry.field(description="An application by id (null when unknown or not yours).")
    async def application(self, info: Info, id: strawberry.ID) -> LoanApplication | None:
        principal = ctx(info).require()
        pk = decode_id(str(id), "LoanApplication")
        if pk is None:
            return None
        try:
            return LoanApplication.of(
                await apps.get_application_or_raise(principal=principal, application_id=pk)
            )
        except DomainError:
            return None

    @strawberry.field(description="Applications the caller may see, newest first.")
    async def applications(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        status: ApplicationStatus | None = None,  # type: ignore[valid-type]
    ) -> LoanApplicationConnection:
        principal = ctx(info).require()
        n, after_key = page_args(first, after)
        qs = apps.visible_applications(principal=principal, status=status)
        total = await qs.count()
        if after_key is not None:
            qs = qs.filter(id__lt=after_key)
        rows = await qs.limit(n + 1)
        page, page_info = slice_page(rows, n, lambda r: r.id)
        return LoanApplicationConnection(
            edges=[
                LoanApplicationEdge(cursor=encode_cursor(r.id), node=LoanApplication.of(r))
                for r in page
            ],
            page_info=page_info,
            total_count=total,
        )


@strawberry.type
class LendingMutation:
    @strawberry.mutation(description="Create a draft application for your enterprise.")
    async def create_application(
        self, info: Info, input: CreateApplicationInput
    ) -> ApplicationPayload:
        principal = ctx(info).require()
        return await application_payload(
            lambda: apps.create_application(
                principal=principal,
                product_code=input.product_code,
                amount=input.amount,
                term_months=input.term_months,
                purpose=input.purpose,
                pledged_patent_numbers=input.pledged_patent_numbers,
            )
        )

    @strawberry.mutation(
        description="Submit a draft; the automated decision follows. Honours Idempotency-Key."
    )
    async def submit_application(self, info: Info, id: strawberry.ID) -> ApplicationPayload:
        principal = ctx(info).require()

        async def call() -> dict[str, Any]:
            try:
                app = await apps.submit_application(
                    principal=principal, application_id=decode_or_raise(id, "LoanApplication")
                )
            except DomainError as exc:
                return {"id": None, "errors": error_dicts(exc)}
            return {"id": app.id, "errors": []}

        result = await once(info, "submitApplication", {"id": str(id)}, call)
        if result["id"] is None:
            return ApplicationPayload(application=None, errors=errors_of(result))
        app = await apps.get_application(application_id=result["id"])
        assert app is not None
        return ApplicationPayload(application=LoanApplication.of(app), errors=[])

    @strawberry.mutation(description="Withdraw an application before the contract is signed.")
    async def withdraw_application(self, info: Info, id: strawberry.ID) -> ApplicationPayload:
        principal = ctx(info).require()
        return await application_payload(
            lambda: apps.withdraw_application(
                principal=principal, application_id=decode_or_raise(id, "LoanApplication")
            )
        )

    @strawberry.mutation(description="Staff review of an application in manual review.")
    async def review_application(
        self, info: Info, id: strawberry.ID, decision: ReviewDecision, comment: str
    ) -> ApplicationPayload:
        principal = ctx(info).require_staff()
        return await application_payload(
            lambda: review_application(
                principal=principal,
                application_id=decode_or_raise(id, "LoanApplication"),
                decision=decision.value,
                comment=comment,
            )
        )


async def contract_payload(call: Callable[[], Awaitable[m.Contract]]) -> ContractPayload:
    """Run a contract operation; expected failures become payload errors."""
    try:
        contract = await call()
    except DomainError as exc:
        return ContractPayload(contract=None, errors=user_errors(exc))
    return ContractPayload(contract=Contract.of(contract), errors=[])


@strawberry.type
class RepaymentMutation:
    @strawberry.mutation(
        description="Record money received against a loan (staff or a payment feed). "
        "Honours Idempotency-Key: a retried call records the money once."
    )
    async def record_repayment(
        self,
        info: Info,
        loan_id: strawberry.ID,
        amount: Decimal,
        received_at: datetime | None = None,
    ) -> LoanPayload:
        from domain.lending.loans import record_repayment
        from domain.lending.service import get_loan_or_raise

        principal = ctx(info).require()
        if principal.role not in (
            m.Role.LOAN_OFFICER,
            m.Role.RISK_MANAGER,
            m.Role.ADMIN,
            m.Role.SERVICE,
        ):
            raise forbidden("repayments are recorded by bank staff or a payment feed")
        when = received_at or datetime.now(UTC)

        async def call() -> dict[str, Any]:
            try:
                result = await record_repayment(
                    principal=principal,
                    loan_id=decode_or_raise(loan_id, "Loan", "loanId"),
                    amount=amount,
                    received_at=when,
                )
            except DomainError as exc:
                return {"id": None, "errors": error_dicts(exc)}
            return {"id": result.loan.id, "errors": []}

        arguments = {"loanId": str(loan_id), "amount": str(amount), "receivedAt": when.isoformat()}
        if received_at is None:
            arguments.pop("receivedAt")  # a retry without a time is the same request
        result = await once(info, "recordRepayment", arguments, call)
        if result["id"] is None:
            return LoanPayload(loan=None, errors=errors_of(result))
        loan = await get_loan_or_raise(principal=principal, loan_id=result["id"])
        return LoanPayload(loan=Loan.of(loan), errors=[])


@strawberry.type
class ContractQuery:
    @strawberry.field(description="A loan by id (null when unknown or not yours).")
    async def loan(self, info: Info, id: strawberry.ID) -> Loan | None:
        from domain.lending.service import get_loan_or_raise

        principal = ctx(info).require()
        pk = decode_id(str(id), "Loan")
        if pk is None:
            return None
        try:
            return Loan.of(await get_loan_or_raise(principal=principal, loan_id=pk))
        except DomainError:
            return None

    @strawberry.field(description="Check a contract PDF: untouched, and each signature valid.")
    async def verify_contract(self, info: Info, id: strawberry.ID) -> ContractVerification:
        from domain.lending.contract import verify_contract

        principal = ctx(info).require()
        pk = decode_id(str(id), "Contract")
        try:
            if pk is None:
                raise NotFound("no such contract", field="id")
            result = await verify_contract(principal=principal, contract_id=pk)
        except DomainError as exc:
            return ContractVerification(intact=False, signatures=[], detail=exc.message)
        return ContractVerification(
            intact=result.intact,
            signatures=[
                Signature(signer=s.signer, signed_at=s.signed_at, valid=s.valid and s.trusted)
                for s in result.signatures
            ],
            detail=result.detail,
        )

    @strawberry.field(description="Figures for the bank's dashboard (staff).")
    async def portfolio_stats(self, info: Info) -> PortfolioStats:
        from domain.lending.stats import portfolio_stats

        principal = ctx(info).require_staff()
        s = await portfolio_stats(principal=principal)
        return PortfolioStats(
            registered_enterprises=s.registered_enterprises,
            applications=s.applications,
            approved=s.approved,
            disbursed_loans=s.disbursed_loans,
            outstanding=s.outstanding,
            open_warnings=s.open_warnings,
            median_decision_seconds=s.median_decision_seconds,
        )


@strawberry.type
class ContractMutation:
    @strawberry.mutation(description="Accept an approved offer; the contract PDF is generated.")
    async def accept_offer(self, info: Info, application_id: strawberry.ID) -> ContractPayload:
        from domain.lending.contract import accept_offer

        principal = ctx(info).require()
        return await contract_payload(
            lambda: accept_offer(
                principal=principal,
                application_id=decode_or_raise(application_id, "LoanApplication", "applicationId"),
            )
        )

    @strawberry.mutation(description="Sign: the borrower first, then the bank (PAdES).")
    async def sign_contract(self, info: Info, contract_id: strawberry.ID) -> ContractPayload:
        from domain.lending.contract import sign_contract

        principal = ctx(info).require()
        return await contract_payload(
            lambda: sign_contract(
                principal=principal,
                contract_id=decode_or_raise(contract_id, "Contract", "contractId"),
            )
        )

    @strawberry.mutation(description="Pay out a signed contract (staff; once only).")
    async def disburse(self, info: Info, contract_id: strawberry.ID) -> LoanPayload:
        from domain.lending.service import disburse, get_loan_or_raise

        principal = ctx(info).require_staff()

        async def call() -> dict[str, Any]:
            try:
                loan = await disburse(
                    principal=principal,
                    contract_id=decode_or_raise(contract_id, "Contract", "contractId"),
                )
            except DomainError as exc:
                return {"id": None, "errors": error_dicts(exc)}
            return {"id": loan.id, "errors": []}

        result = await once(info, "disburse", {"contractId": str(contract_id)}, call)
        if result["id"] is None:
            return LoanPayload(loan=None, errors=errors_of(result))
        loan = await get_loan_or_raise(principal=principal, loan_id=result["id"])
        return LoanPayload(loan=Loan.of(loan), errors=[])
