"""Drawing on a credit line (用信): the borrower draws online, each drawing a loan with its own
signed contract addendum, schedule and disbursement posting.

Concurrent drawings serialise on the line's row: the transaction first bumps the line's
version where it is still ACTIVE (a guarded UPDATE every database locks), and only then reads
what is drawn, so two drawings can never both fit into the same available limit. The initial
`disburse` of the line contract takes the same lock (`lock_for_drawing`).

The addendum is generated as a PDF through the contract machinery, signed by the borrower
under an event certificate once its one-time code checks (as `sign_contract` does), and sealed
by the bank, which approved and countersigned the line already.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.functions import Max
from tortoise.transactions import in_transaction

from config import settings
from db.models import (
    Contract,
    CreditLine,
    Enterprise,
    Installment,
    Loan,
    LoanApplication,
    LoanProduct,
    Patent,
    Role,
)
from domain import audit
from domain.accounts.principal import Principal
from domain.accounts.totp import check_otp
from domain.contracts import (
    ContractTerms,
    EventSigner,
    PledgedPatent,
    ScheduleRow,
    contract_path,
    create_contract_document,
    sha256_hex,
    sign_as_bank,
    sign_as_borrower,
    store_contract,
)
from domain.contracts.platform import platform_ca
from domain.credit.guarantees import post_guarantee_fee, require_signed_guarantee
from domain.credit.line_reads import available_of, get_line_or_raise, uses_by_line_ids
from domain.credit.lines import LineStatus, lock_line, status_refusal
from domain.credit.pledges import require_registered_pledges
from domain.credit.subsidy import enrol_loan
from domain.errors import Conflict, ErrorCode, Forbidden, InvalidInput, InvalidState, LimitExceeded
from domain.loanbook.accounts import Account
from domain.loanbook.amortisation import ScheduledInstallment, build_schedule
from domain.loanbook.ledger import cr, dr, post
from domain.loanbook.schedules import fresh_rows
from domain.loanbook.status import LoanStatus
from domain.loanbook.terms import terms_for_product_id
from domain.money import parse_amount

DRAWDOWN = "DRAWDOWN"
_ACTIVE = frozenset({LineStatus.ACTIVE})


async def drawdown(
    *, principal: Principal, line_id: int, amount: Decimal | str, term_months: int, otp: str | None
) -> Loan:
    """The borrower draws `amount` over `term_months` on its line: a signed addendum, the loan,
    its schedule and the disbursement posting, all or nothing."""
    line = await _borrowers_line(principal, line_id)
    product = await LoanProduct.get(id=line.product_id)  # type: ignore[attr-defined]
    money = _checked_amount(amount, product)
    _check_term(term_months, line, product)
    now = datetime.now(UTC)
    await _precheck(line, money, now.date())
    application = await LoanApplication.get(id=line.application_id)  # type: ignore[attr-defined]
    number = await next_drawing_number(line.id)
    schedule = build_schedule(
        product.repayment_method, principal=money, annual_rate=line.annual_rate,
        term_months=term_months, start=now.date(),
    )  # fmt: skip
    await check_otp(user_id=principal.user_id, code=otp, purpose="sign")
    file_id, digest, signatures = await _signed_addendum(
        principal, application, product, number, schedule, rate=line.annual_rate, now=now
    )
    try:
        async with in_transaction() as conn:
            line, drawn_number = await lock_for_drawing(line.id, money, today=now.date(), conn=conn)
            if drawn_number != number:
                raise Conflict("another drawing was made meanwhile; draw again", field="lineId")
            contract = await Contract.create(
                application_id=application.id, kind=DRAWDOWN, sequence=number, status="SIGNED",
                path=_relative(file_id), sha256=digest, signatures=signatures, using_db=conn,
            )  # fmt: skip
            loan = await _book_drawing(
                principal, line, application, contract, product, money, term_months, number,
                schedule, now=now, conn=conn,
            )  # fmt: skip
    except IntegrityError:
        _discard(file_id)
        raise Conflict("another drawing was made meanwhile; draw again", field="lineId") from None
    except BaseException:
        _discard(file_id)
        raise
    return loan


async def _borrowers_line(principal: Principal, line_id: int) -> CreditLine:
    """The line, if the caller is its borrower acting for the enterprise (verified)."""
    line = await get_line_or_raise(principal=principal, line_id=line_id)
    if principal.role != Role.APPLICANT or principal.enterprise_id != line.enterprise_id:  # type: ignore[attr-defined]
        raise Forbidden("only the borrower draws on its credit line")
    return line


def _checked_amount(amount: Decimal | str, product: LoanProduct) -> Decimal:
    money = parse_amount(amount, field="amount")
    if money < product.min_amount:
        raise InvalidInput(
            f"a drawing is at least {product.min_amount} on this product", field="amount"
        )
    return money


def _check_term(term_months: int, line: CreditLine, product: LoanProduct) -> None:
    terms = sorted(int(t) for t in product.terms_months)
    if not 1 <= term_months <= line.max_term_months or term_months not in terms:
        allowed = [t for t in terms if t <= line.max_term_months]
        raise InvalidInput(
            f"the term must be one of {allowed} months on this line", field="termMonths"
        )


async def _precheck(line: CreditLine, money: Decimal, today: date) -> None:
    """Every refusal a drawing can earn, read before the one-time code is spent (the locked
    transaction checks them again)."""
    if line.status != LineStatus.ACTIVE:
        raise status_refusal(line)
    _check_validity(line, today)
    (use,) = await uses_by_line_ids(ids=[line.id])
    _check_available(line, money, available_of(line, use))
    async with in_transaction() as conn:
        await require_registered_pledges(line.application_id, conn=conn)  # type: ignore[attr-defined]
        await require_signed_guarantee(line, conn=conn)


def _check_validity(line: CreditLine, today: date) -> None:
    if today > line.valid_until:
        raise InvalidState(
            f"the line ran until {line.valid_until}", code=ErrorCode.LINE_EXPIRED, field="lineId"
        )
    if today < line.valid_from:
        raise InvalidState(f"the line opens on {line.valid_from}", field="lineId")


def _check_available(line: CreditLine, money: Decimal, available: Decimal) -> None:
    if money > available:
        raise LimitExceeded(
            f"{money} exceeds the {available} available on the line", field="amount"
        )


async def lock_for_drawing(
    line_id: int, amount: Decimal, *, today: date, conn: BaseDBAsyncClient
) -> tuple[CreditLine, int]:
    """Lock the ACTIVE line for this transaction, then check its validity, what is available
    (read after the lock) and its pledges and guarantee; the line and the drawing's number."""
    line = await lock_line(line_id, statuses=_ACTIVE, conn=conn)
    _check_validity(line, today)
    (use,) = await uses_by_line_ids(ids=[line.id], conn=conn)
    _check_available(line, amount, available_of(line, use))
    await require_registered_pledges(line.application_id, conn=conn)  # type: ignore[attr-defined]
    await require_signed_guarantee(line, conn=conn)
    return line, await next_drawing_number(line.id, conn=conn)


async def next_drawing_number(line_id: int, *, conn: BaseDBAsyncClient | None = None) -> int:
    """The number the line's next drawing gets (1 for the first)."""
    query = Loan.filter(credit_line_id=line_id)
    if conn is not None:
        query = query.using_db(conn)
    tops: list[int | None] = await query.annotate(top=Max("drawdown_number")).values_list(  # type: ignore[assignment]
        "top", flat=True
    )
    top = tops[0] if tops else None
    return int(top or 0) + 1


async def _book_drawing(
    principal: Principal,
    line: CreditLine,
    application: LoanApplication,
    contract: Contract,
    product: LoanProduct,
    money: Decimal,
    term_months: int,
    number: int,
    schedule: Sequence[ScheduledInstallment],
    *,
    now: datetime,
    conn: BaseDBAsyncClient,
) -> Loan:
    """The drawing's loan, schedule, disbursement and guarantee fee postings, audit entry."""
    actor = f"user:{principal.email}"
    terms = await terms_for_product_id(product.id, conn=conn)
    earlier = await Loan.filter(enterprise_id=line.enterprise_id).using_db(conn).exists()  # type: ignore[attr-defined]
    loan = await Loan.create(
        enterprise_id=line.enterprise_id, application_id=application.id,  # type: ignore[attr-defined]
        contract_id=contract.id, principal=money, outstanding=Decimal("0.00"),
        annual_rate=line.annual_rate, penalty_surcharge=terms.penalty_surcharge,
        repayment_method=product.repayment_method, status=LoanStatus.ACTIVE.value,
        disbursed_at=now, disbursed_by=actor, credit_line_id=line.id, drawdown_number=number,
        first_loan=not earlier, using_db=conn,
    )  # fmt: skip
    await book_disbursement(loan, schedule, start=now.date(), actor=actor, conn=conn)
    await post_guarantee_fee(loan, line, term_months=term_months, actor=actor, conn=conn)
    await enrol_loan(loan, line, actor=actor, conn=conn)
    await audit.record(
        actor=actor,
        action="credit_line.drawdown",
        entity_type="loan",
        entity_id=loan.id,
        data={"line_id": line.id, "drawdown_number": number, "contract_id": contract.id,
              "principal": str(money), "term_months": term_months,
              "annual_rate": str(line.annual_rate), "sha256": contract.sha256},
        connection=conn,
    )  # fmt: skip
    return loan


async def book_disbursement(
    loan: Loan,
    schedule: Sequence[ScheduledInstallment],
    *,
    start: date,
    actor: str,
    conn: BaseDBAsyncClient,
) -> None:
    """Schedule version 1 (installment 1 starting on `start`, the disbursement date) and the
    DISBURSEMENT posting of the principal, which sets the loan's balances (once per loan)."""
    rows = fresh_rows(schedule, starts_on=start)
    for row in rows:
        row.loan_id = loan.id  # type: ignore[attr-defined]
        row.version = loan.schedule_version
    await Installment.bulk_create(rows, using_db=conn)
    await post(
        kind="DISBURSEMENT",
        lines=[dr(Account.LOAN_PRINCIPAL, loan.principal), cr(Account.SETTLEMENT, loan.principal)],
        business_date=start,
        actor=actor,
        conn=conn,
        loan=loan,
        memo="principal paid out",
        key=f"disbursement:{loan.id}",
    )


# the addendum


async def _signed_addendum(
    principal: Principal,
    application: LoanApplication,
    product: LoanProduct,
    number: int,
    schedule: Sequence[ScheduledInstallment],
    *,
    rate: Decimal,
    now: datetime,
) -> tuple[str, str, list[dict[str, object]]]:
    """The addendum PDF signed by the borrower and sealed by the bank, stored: its file id,
    digest and signatures."""
    enterprise = await Enterprise.get(id=application.enterprise_id)  # type: ignore[attr-defined]
    patents = await Patent.filter(application_links__application_id=application.id).order_by("id")
    principal_amount = sum((r.principal for r in schedule), Decimal(0))
    terms = ContractTerms(
        contract_number=f"IPC-{now:%Y%m%d}-{application.id:08d}-D{number:03d}",
        issued_on=now.date(),
        lender_name=platform_ca().bank.subject_name,
        borrower_name=enterprise.name,
        borrower_uscc=enterprise.uscc,
        product_name=f"{product.name} 第{number}笔用信 (drawing {number})",
        principal=principal_amount,
        annual_rate=rate,
        term_months=len(schedule),
        repayment_method=product.repayment_method,
        schedule=tuple(ScheduleRow(r.number, r.due_on, r.principal, r.interest) for r in schedule),
        patents=tuple(PledgedPatent(p.number, p.title) for p in patents),
        purpose=application.purpose or "企业日常生产经营周转",
    )
    ca = platform_ca()
    signer = EventSigner(
        email=principal.email, enterprise_name=enterprise.name, uscc=enterprise.uscc
    )

    def make() -> bytes:
        pdf, _ = create_contract_document(terms)
        return sign_as_bank(sign_as_borrower(pdf, signer=signer, ca=ca), ca=ca)

    signed = await asyncio.to_thread(make)
    file_id = f"a{application.id}-d{number}-{uuid.uuid4().hex[:12]}"
    await asyncio.to_thread(store_contract, settings().data_dir, file_id, signed)
    at = now.isoformat()
    signatures: list[dict[str, object]] = [
        {"signer": enterprise.name, "role": "BORROWER", "by": f"user:{principal.email}",
         "user_id": principal.user_id, "signed_at": at},
        {"signer": ca.bank.subject_name, "role": "LENDER", "by": "system:credit-line",
         "signed_at": at},
    ]  # fmt: skip
    return file_id, sha256_hex(signed), signatures


def _relative(file_id: str) -> str:
    return f"contracts/{file_id}.pdf"


def _discard(file_id: str) -> None:
    contract_path(settings().data_dir, file_id).unlink(missing_ok=True)


__all__ = ["DRAWDOWN", "book_disbursement", "drawdown", "lock_for_drawing", "next_drawing_number"]
