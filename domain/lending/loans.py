"""Disbursement and repayment: the loan, its installments, and money received against it.

Disbursement books the loan on the ledger (DISBURSEMENT: Dr LOAN_PRINCIPAL, Cr SETTLEMENT), so its
balances derive from postings from the first day; repayments are allocated by
`domain.loanbook.repayments`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from db import batch
from db.models import (
    Contract,
    CreditLine,
    Installment,
    Loan,
    LoanApplication,
    LoanProduct,
)
from db.rows import Row
from domain import audit
from domain.accounts.principal import Principal
from domain.credit.drawdown import book_disbursement as book_disbursement
from domain.credit.drawdown import lock_for_drawing
from domain.credit.guarantees import post_guarantee_fee
from domain.credit.renewals import settle_renewed_loan
from domain.credit.subsidy import enrol_loan
from domain.errors import Conflict, InvalidState, NotFound
from domain.lending.contract import ContractStatus, Offer, offer_of, verify_contract
from domain.lending.duties import Duty, check_disburser, require_money_role
from domain.lending.schedule import build_schedule
from domain.loanbook import repayments
from domain.loanbook.repayments import PAYMENT_ROLES as PAYMENT_ROLES
from domain.loanbook.repayments import (
    RepaymentResult,
    require_payment_role,
)
from domain.loanbook.status import LoanStatus as LoanStatus
from domain.loanbook.terms import terms_for_product_id
from domain.workflow import Event, apply_transition, target_of


async def disburse(*, principal: Principal, contract_id: int) -> Loan:
    """Pay out a signed contract once: the loan and its schedule (race-safe). Only a loan
    officer or risk manager who neither approved the loan nor countersigned it pays it out."""
    require_money_role(principal, Duty.DISBURSE)
    contract, application = await _disbursable(principal, contract_id)
    offer = offer_of(application)
    product = await LoanProduct.get(id=application.product_id)  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    schedule = build_schedule(
        product.repayment_method,
        principal=offer.amount,
        annual_rate=offer.annual_rate,
        term_months=application.term_months,
        start=now.date(),
    )
    try:
        async with in_transaction() as conn:
            await apply_transition(application, Event.DISBURSE, by=principal, conn=conn)
            # the line contract's loan is a drawing too: same lock, validity, limit, pledges
            # and guarantee checks as `drawdown` (registered pledges, a signed guarantee)
            line, number = await lock_for_drawing(
                await _line_id(application.id, conn), offer.amount, today=now.date(), conn=conn
            )
            loan = await _open_loan(
                application,
                contract,
                offer,
                product,
                principal,
                now=now,
                conn=conn,
                line=line,
                number=number,
            )
            actor = f"user:{principal.email}"
            await book_disbursement(loan, schedule, start=now.date(), actor=actor, conn=conn)
            await post_guarantee_fee(
                loan, line, term_months=application.term_months, actor=actor, conn=conn
            )
            await enrol_loan(loan, line, actor=actor, conn=conn)
            if application.renewal_of_id and application.without_principal_repayment:
                await settle_renewed_loan(loan, application, actor=actor, conn=conn)
            await audit.record(
                actor=f"user:{principal.email}",
                action="loan.disburse",
                entity_type="loan",
                entity_id=loan.id,
                data={
                    "application_id": application.id,
                    "contract_id": contract.id,
                    "principal": str(offer.amount),
                    "annual_rate": str(offer.annual_rate),
                    "installments": len(schedule),
                },
                connection=conn,
            )
    except IntegrityError:
        # the loan's unique application/contract keys stop a second loan even if the guard didn't
        raise Conflict("this contract has already been disbursed") from None
    return loan


async def _disbursable(principal: Principal, contract_id: int) -> tuple[Contract, LoanApplication]:
    """The contract and its application, if both parties signed and the contract verifies."""
    contract = await Contract.get_or_none(id=contract_id)
    if contract is None:
        raise NotFound("no such contract", field="contractId")
    application = await LoanApplication.get(id=contract.application_id)  # type: ignore[attr-defined]
    await check_disburser(
        principal=principal, application_id=application.id, signatures=contract.signatures
    )
    target_of(application.status, Event.DISBURSE)
    if contract.status != ContractStatus.SIGNED:
        raise InvalidState(f"the contract is {contract.status}, not signed by both parties")
    check = await verify_contract(principal=principal, contract_id=contract.id)
    if not check.accepted:
        raise InvalidState(f"the contract does not verify: {check.detail}")
    return contract, application


async def _open_loan(
    application: LoanApplication,
    contract: Contract,
    offer: Offer,
    product: LoanProduct,
    principal: Principal,
    *,
    now: datetime,
    conn: BaseDBAsyncClient,
    line: CreditLine,
    number: int,
) -> Loan:
    """The new active loan for the offer, a drawing on the line (its first unless the borrower
    drew online before); it owes nothing until its disbursement is posted."""
    terms = await terms_for_product_id(product.id, conn=conn)
    return await Loan.create(
        enterprise_id=application.enterprise_id,  # type: ignore[attr-defined]
        application_id=application.id,
        contract_id=contract.id,
        principal=offer.amount,
        outstanding=Decimal("0.00"),
        annual_rate=offer.annual_rate,
        penalty_surcharge=terms.penalty_surcharge,
        repayment_method=product.repayment_method,
        status=LoanStatus.ACTIVE.value,
        disbursed_at=now,
        disbursed_by=f"user:{principal.email}",
        credit_line_id=line.id,
        drawdown_number=number,
        first_loan=application.first_loan,
        renewal_of_id=application.renewal_of_id,
        renewed_without_principal=application.without_principal_repayment,
        using_db=conn,
    )


async def _line_id(application_id: int, conn: BaseDBAsyncClient) -> int:
    """The credit line the application's signed line contract granted."""
    line = await CreditLine.filter(application_id=application_id).using_db(conn).first()
    if line is None:
        raise InvalidState("the application has no credit line")
    return line.id


async def record_repayment(
    *,
    principal: Principal,
    loan_id: int,
    amount: Decimal | str,
    received_at: datetime,
    business_date: date | None = None,
) -> RepaymentResult:
    """Record money received against a loan (staff or a payment feed): see
    `domain.loanbook.repayments.record_repayment`, which allocates it in the product's order."""
    return await repayments.record_repayment(
        principal=principal,
        loan_id=loan_id,
        amount=amount,
        received_at=received_at,
        business_date=business_date,
    )


async def get_loan_or_raise(*, principal: Principal, loan_id: int) -> Loan:
    """The loan if the caller may see its enterprise, else NOT_FOUND / FORBIDDEN."""
    loan = await Loan.get_or_none(id=loan_id)
    if loan is None:
        raise NotFound("no such loan", field="id")
    principal.require_enterprise(loan.enterprise_id)  # type: ignore[attr-defined]
    return loan


async def get_repaid_loan_or_raise(*, principal: Principal, loan_id: int) -> Loan:
    """The loan a repayment was recorded on, for the answer to whoever recorded it.

    Whoever may record money on a loan (staff or a payment feed) sees that loan in the answer:
    a feed that cannot read back what it changed would retry and pay twice. Its borrower and
    application stay behind the enterprise read policy.
    """
    require_payment_role(principal)
    loan = await Loan.get_or_none(id=loan_id)
    if loan is None:
        raise NotFound("no such loan", field="loanId")
    return loan


async def loans_by_ids(*, ids: Iterable[int]) -> list[Loan | None]:
    """Loans in the order of `ids` (None where missing), in one query."""
    return await batch.by_ids(Loan, list(ids))


async def loans_by_enterprise_ids(*, enterprise_ids: Iterable[int]) -> list[list[Loan]]:
    """Each enterprise's loans, oldest first, in the order of `enterprise_ids`."""
    return await batch.grouped(Loan, "enterprise_id", list(enterprise_ids), order="id")


async def loan_rows_by_enterprise_ids(
    *, enterprise_ids: Iterable[int], columns: Sequence[str]
) -> list[list[Row]]:
    """`loans_by_enterprise_ids` as rows of `columns` only."""
    return await batch.grouped_rows(Loan, "enterprise_id", list(enterprise_ids), columns, "id")


async def loans_by_application_ids(*, ids: Iterable[int]) -> list[Loan | None]:
    """Each application's first loan (or None), in the order of `ids`, in one query (an
    application's line can be drawn many times)."""
    wanted = list(ids)
    rows = await Loan.filter(application_id__in=set(wanted)).order_by("-id")
    found = {loan.application_id: loan for loan in rows}  # type: ignore[attr-defined]
    return [found.get(i) for i in wanted]


async def installments_by_loan_ids(*, ids: Iterable[int]) -> list[list[Installment]]:
    """Each loan's schedule in force (its current version) in order, in the order of `ids`, in
    one query."""
    wanted = list(ids)
    grouped: dict[int, list[Installment]] = {i: [] for i in wanted}
    rows = await Installment.filter(
        loan_id__in=set(wanted), loan__schedule_version=F("version")
    ).order_by("loan_id", "number")
    for inst in rows:
        grouped[inst.loan_id].append(inst)  # type: ignore[attr-defined]
    return [grouped[i] for i in wanted]
