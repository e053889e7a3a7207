"""Disbursement and repayment: the loan, its installments, and money received against it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from db import batch
from db.models import (
    ApplicationPatent,
    Contract,
    Installment,
    Loan,
    LoanApplication,
    LoanProduct,
    Patent,
    Repayment,
    Role,
)
from db.rows import Row
from domain import audit
from domain.accounts.principal import Principal
from domain.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from domain.lending.contract import ContractStatus, Offer, offer_of, verify_contract
from domain.lending.duties import Duty, check_disburser, require_money_role
from domain.lending.schedule import ZERO, ScheduledInstallment, build_schedule
from domain.money import parse_amount
from domain.workflow import Event, apply_transition, target_of

PAYMENT_ROLES = frozenset({Role.LOAN_OFFICER, Role.RISK_MANAGER, Role.ADMIN, Role.SERVICE})


class LoanStatus:
    """Where a loan is."""

    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"


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
            loan = await _open_loan(
                application, contract, offer, product, principal, now=now, conn=conn
            )
            await _add_installments(loan, schedule, conn=conn)
            await _set_pledged(application.id, pledged=True, conn=conn)
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
) -> Loan:
    """The new active loan for the offer, owing its whole principal."""
    return await Loan.create(
        enterprise_id=application.enterprise_id,  # type: ignore[attr-defined]
        application_id=application.id,
        contract_id=contract.id,
        principal=offer.amount,
        outstanding=offer.amount,
        annual_rate=offer.annual_rate,
        repayment_method=product.repayment_method,
        status=LoanStatus.ACTIVE,
        disbursed_at=now,
        disbursed_by=f"user:{principal.email}",
        using_db=conn,
    )


async def _add_installments(
    loan: Loan, schedule: Sequence[ScheduledInstallment], *, conn: BaseDBAsyncClient
) -> None:
    """The loan's repayment schedule, nothing paid yet, in one insert."""
    await Installment.bulk_create(
        [
            Installment(
                loan_id=loan.id,
                number=row.number,
                due_on=row.due_on,
                principal=row.principal,
                interest=row.interest,
                paid_principal=ZERO,
                paid_interest=ZERO,
            )
            for row in schedule
        ],
        using_db=conn,
    )


@dataclass(frozen=True)
class Allocation:
    """How much of a repayment went to one installment's interest and principal."""

    number: int
    interest: Decimal
    principal: Decimal


@dataclass(frozen=True)
class RepaymentResult:
    """The stored repayment, how it was allocated, and the loan after it."""

    repayment: Repayment
    allocations: tuple[Allocation, ...]
    loan: Loan


def allocate(
    installments: Iterable[Installment], amount: Decimal
) -> tuple[list[Allocation], Decimal]:
    """Split `amount` over unpaid installments, oldest first, interest before principal (pure)."""
    left = amount
    allocations = []
    for inst in sorted(installments, key=lambda i: i.number):
        if left <= 0:
            break
        interest = min(left, inst.interest - inst.paid_interest)
        left -= interest
        principal = min(left, inst.principal - inst.paid_principal)
        left -= principal
        if interest > 0 or principal > 0:
            allocations.append(Allocation(inst.number, interest, principal))
    return allocations, left


def require_payment_role(principal: Principal) -> None:
    """Only bank staff or a payment feed record repayments."""
    if principal.role not in PAYMENT_ROLES:
        raise Forbidden("repayments are recorded by bank staff or a payment feed")


async def record_repayment(
    *, principal: Principal, loan_id: int, amount: Decimal | str, received_at: datetime
) -> RepaymentResult:
    """Record money received and apply it to the oldest installments (staff or a data feed)."""
    require_payment_role(principal)
    money = parse_amount(amount, field="amount")
    if received_at.tzinfo is None:
        raise InvalidInput("received_at must carry a time zone", field="receivedAt")
    async with in_transaction() as conn:
        loan = await _active_loan_for_update(loan_id, conn=conn)
        unpaid = [
            i
            for i in await Installment.filter(loan_id=loan.id).using_db(conn).order_by("number")
            if i.paid_at is None
        ]
        allocations, left = allocate(unpaid, money)
        if left > 0:
            raise InvalidInput(f"amount exceeds what is owed on the loan by {left}", field="amount")
        await _pay_installments(unpaid, allocations, received_at, conn=conn)
        await _update_balance(loan, unpaid, allocations, conn=conn)
        repayment = await Repayment.create(
            loan_id=loan.id,
            amount=money,
            received_at=received_at,
            recorded_by=f"user:{principal.email}",
            using_db=conn,
        )
        await audit.record(
            actor=f"user:{principal.email}",
            action="loan.repayment",
            entity_type="loan",
            entity_id=loan.id,
            data={
                "repayment_id": repayment.id,
                "amount": str(money),
                "allocations": [
                    {"number": a.number, "interest": str(a.interest), "principal": str(a.principal)}
                    for a in allocations
                ],
                "outstanding": str(loan.outstanding),
                "status": loan.status,
            },
            connection=conn,
        )
    return RepaymentResult(repayment, tuple(allocations), loan)


async def _active_loan_for_update(loan_id: int, *, conn: BaseDBAsyncClient) -> Loan:
    """The loan, locked for this transaction; NOT_FOUND or INVALID_STATE unless it is active."""
    loan = await Loan.filter(id=loan_id).using_db(conn).select_for_update().first()
    if loan is None:
        raise NotFound("no such loan", field="loanId")
    if loan.status != LoanStatus.ACTIVE:
        raise InvalidState(f"the loan is {loan.status}")
    return loan


async def _pay_installments(
    unpaid: list[Installment],
    allocations: list[Allocation],
    received_at: datetime,
    *,
    conn: BaseDBAsyncClient,
) -> None:
    """Add each allocation to its installment, marking the ones now fully paid."""
    by_number = {i.number: i for i in unpaid}
    for part in allocations:
        inst = by_number[part.number]
        inst.paid_interest += part.interest
        inst.paid_principal += part.principal
        if inst.paid_interest == inst.interest and inst.paid_principal == inst.principal:
            inst.paid_at = received_at
        await inst.save(using_db=conn, update_fields=["paid_interest", "paid_principal", "paid_at"])


async def _update_balance(
    loan: Loan,
    unpaid: list[Installment],
    allocations: list[Allocation],
    *,
    conn: BaseDBAsyncClient,
) -> None:
    """Lower the outstanding principal; close the loan and free its pledges once all is paid."""
    loan.outstanding -= sum((a.principal for a in allocations), ZERO)
    fields = ["outstanding"]
    if all(i.paid_at is not None for i in unpaid):
        loan.status = LoanStatus.CLOSED
        fields.append("status")
        await _set_pledged(loan.application_id, pledged=False, conn=conn)  # type: ignore[attr-defined]
    await loan.save(using_db=conn, update_fields=fields)


async def _set_pledged(application_id: int, *, pledged: bool, conn: BaseDBAsyncClient) -> None:
    """Mark the patents an application pledged as pledged or free."""
    patent_ids = (
        await ApplicationPatent.filter(application_id=application_id)
        .using_db(conn)
        .values_list("patent_id", flat=True)
    )
    if patent_ids:
        await Patent.filter(id__in=list(patent_ids)).using_db(conn).update(pledged=pledged)


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
    """Each application's loan (or None), in the order of `ids`, in one query."""
    wanted = list(ids)
    found = {
        loan.application_id: loan for loan in await Loan.filter(application_id__in=set(wanted))
    }  # type: ignore[attr-defined]
    return [found.get(i) for i in wanted]


async def installments_by_loan_ids(*, ids: Iterable[int]) -> list[list[Installment]]:
    """Each loan's schedule in order, in the order of `ids`, in one query."""
    wanted = list(ids)
    grouped: dict[int, list[Installment]] = {i: [] for i in wanted}
    for inst in await Installment.filter(loan_id__in=set(wanted)).order_by("loan_id", "number"):
        grouped[inst.loan_id].append(inst)  # type: ignore[attr-defined]
    return [grouped[i] for i in wanted]
