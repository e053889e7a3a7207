"""Claims on a guarantee (代偿): filed by the bank on a defaulted drawing, paid by the guarantor.

Filing (loan officers and risk managers): only once the loan is at least the programme's
`trigger_days_past_due` days past due (else CLAIM_NOT_DUE, nothing written), one claim per
loan. What the loan owes then is split by the programme's risk shares (half-up to the fen, the
bank's share taking the rounding); the claim is every share but the bank's, due within the
programme's `claim_deadline_days`. Filing posts nothing: the loan stays on the books and keeps
accruing until the money comes. A claim still unpaid after `due_by` reads as OVERDUE
(computed on read).

Paying (the guarantor's staff for their own institution, or the bank booking the receipt),
in one transaction on the loan's business date:

1. GUARANTEE_CLAIM: the money in (Dr SETTLEMENT) against the loan's balances, interest,
   penalty and fees first, then principal (key `guarantee_claim:{claim_id}`);
2. the bank's share left on the loan is written off as a write-off would (allowance brought
   to the principal left, the receivables against their income, the claim kept in the memo
   accounts), so recoveries can follow;
3. the loan moves to SETTLED_BY_GUARANTOR (classified LOSS when anything was written off).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from db.models import Guarantee, GuaranteeClaim, GuaranteeProgramme, Loan, Role
from domain import audit
from domain.accounts.principal import Principal
from domain.credit.guarantees import GuaranteeStatus, can_see_programme, split_shares
from domain.errors import Duplicate, ErrorCode, Forbidden, InvalidInput, InvalidState, NotFound
from domain.loanbook.accounts import Account
from domain.loanbook.classification import Classification
from domain.loanbook.ledger import ZERO, Line, cr, dr, post
from domain.loanbook.status import LIVE, LoanEvent, LoanStatus, move
from domain.loanbook.writeoff import book_date, write_off_lines
from domain.money import parse_amount

# who files a claim: the bank's staff who move money
CLAIM_FILERS = frozenset({Role.LOAN_OFFICER, Role.RISK_MANAGER})
# who books the guarantor's payment besides the guarantor itself: as for any money received
RECEIPT_BOOKERS = frozenset({Role.LOAN_OFFICER, Role.RISK_MANAGER, Role.SERVICE})
# what the guarantor's money pays off first
PAYMENT_ORDER = (
    ("interest_outstanding", Account.INTEREST_RECEIVABLE),
    ("penalty_outstanding", Account.PENALTY_RECEIVABLE),
    ("fee_outstanding", Account.FEE_RECEIVABLE),
    ("principal_outstanding", Account.LOAN_PRINCIPAL),
)


class ClaimStatus(StrEnum):
    """A claim's states as read (OVERDUE is FILED past its due date)."""

    FILED = "FILED"
    PAID = "PAID"
    OVERDUE = "OVERDUE"
    REJECTED = "REJECTED"


def status_on(claim: GuaranteeClaim, today: date) -> ClaimStatus:
    """The claim's status on `today`: a filed claim unpaid after its due date is OVERDUE (pure)."""
    if claim.status == ClaimStatus.FILED and today > claim.due_by:
        return ClaimStatus.OVERDUE
    return ClaimStatus(claim.status)


def payment_lines(loan: Loan, amount: Decimal) -> list[Line]:
    """The money in against the loan's balances in PAYMENT_ORDER (pure; `amount` at most
    what the loan owes)."""
    lines = [dr(Account.SETTLEMENT, amount)]
    left = amount
    for field, account in PAYMENT_ORDER:
        part = min(left, getattr(loan, field))
        if part > 0:
            lines.append(cr(account, part))
            left -= part
    return lines


async def file_claim(
    *, principal: Principal, loan_id: int, now: datetime | None = None
) -> GuaranteeClaim:
    """File the bank's claim on the guarantee of a defaulted drawing (see the module)."""
    if principal.role not in CLAIM_FILERS:
        raise Forbidden("claims are filed by a loan officer or a risk manager")
    now = now or datetime.now(UTC)
    actor = f"user:{principal.email}"
    try:
        async with in_transaction() as conn:
            loan = await Loan.filter(id=loan_id).using_db(conn).select_for_update().first()
            if loan is None:
                raise NotFound("no such loan", field="loanId")
            guarantee, programme = await _guarantee_of(loan, conn=conn)
            if await GuaranteeClaim.filter(loan_id=loan.id).using_db(conn).exists():
                raise Duplicate("a claim was already filed for this loan", field="loanId")
            if LoanStatus(loan.status) not in LIVE:
                raise InvalidState(f"a loan that is {loan.status} has nothing left to claim")
            if loan.days_past_due < programme.trigger_days_past_due:
                raise InvalidState(
                    f"the loan is {loan.days_past_due} days past due; the programme pays from "
                    f"{programme.trigger_days_past_due}",
                    code=ErrorCode.CLAIM_NOT_DUE,
                    field="loanId",
                )
            owed = Decimal(loan.outstanding)
            shares = split_shares(owed, guarantee.risk_shares or programme.risk_shares)
            amount = owed - shares["BANK"]
            claim = await GuaranteeClaim.create(
                guarantee_id=guarantee.id, loan_id=loan.id, status=ClaimStatus.FILED.value,
                outstanding=owed, amount=amount,
                shares={party: str(v) for party, v in sorted(shares.items())},
                days_past_due=loan.days_past_due, filed_at=now, filed_by=actor,
                due_by=now.date() + timedelta(days=programme.claim_deadline_days), using_db=conn,
            )  # fmt: skip
            await (
                Guarantee.filter(id=guarantee.id, status=GuaranteeStatus.ACTIVE)
                .using_db(conn)
                .update(status=GuaranteeStatus.CLAIMED.value)
            )
            await audit.record(
                actor=actor, action="guarantee_claim.file", entity_type="guarantee_claim",
                entity_id=claim.id, connection=conn,
                data={"loan_id": loan.id, "guarantee_id": guarantee.id, "outstanding": str(owed),
                      "amount": str(amount), "shares": claim.shares,
                      "days_past_due": loan.days_past_due, "due_by": claim.due_by.isoformat()},
            )  # fmt: skip
    except IntegrityError:
        # the loan's unique claim caught a concurrent filing
        raise Duplicate("a claim was already filed for this loan", field="loanId") from None
    return claim


async def _guarantee_of(
    loan: Loan, *, conn: BaseDBAsyncClient
) -> tuple[Guarantee, GuaranteeProgramme]:
    """The signed guarantee a loan was drawn under, and its programme; INVALID_STATE when the
    loan is not guaranteed."""
    guarantee = None
    if loan.credit_line_id is not None:
        guarantee = await Guarantee.get_or_none(line_id=loan.credit_line_id, using_db=conn)
    if guarantee is None:
        raise InvalidState("the loan is not guaranteed by any programme", field="loanId")
    if guarantee.status not in (GuaranteeStatus.ACTIVE, GuaranteeStatus.CLAIMED):
        raise InvalidState(f"the loan's guarantee is {guarantee.status}", field="loanId")
    programme = await GuaranteeProgramme.get(id=guarantee.programme_id, using_db=conn)  # type: ignore[attr-defined]
    return guarantee, programme


async def get_claim_or_raise(*, principal: Principal, claim_id: int) -> GuaranteeClaim:
    """A claim the caller may see (bank staff: all; a guarantor: its institution's); NOT_FOUND
    otherwise."""
    claim = await GuaranteeClaim.get_or_none(id=claim_id).select_related("guarantee__programme")
    if claim is None or not can_see_programme(principal, claim.guarantee.programme):
        raise NotFound("no such claim", field="claimId")
    return claim


async def pay_claim(
    *,
    principal: Principal,
    claim_id: int,
    amount: Decimal | str,
    received_at: datetime | None = None,
) -> GuaranteeClaim:
    """Record the guarantor's payment of a claim (see the module): the full amount claimed,
    once. The guarantor's staff pay their own institution's claims; the bank's staff or a
    payment feed book the receipt of any."""
    if not principal.is_guarantor and principal.role not in RECEIPT_BOOKERS:
        raise Forbidden("a claim's payment is recorded by the guarantor or the bank's staff")
    if principal.is_guarantor:
        principal.guarantor_institution_id()
    money = parse_amount(amount, field="amount")
    received_at = received_at or datetime.now(UTC)
    if received_at.tzinfo is None:
        raise InvalidInput("received_at must carry a time zone", field="receivedAt")
    found = await get_claim_or_raise(principal=principal, claim_id=claim_id)
    actor = f"user:{principal.email}"
    async with in_transaction() as conn:
        loan = await Loan.filter(id=found.loan_id).using_db(conn).select_for_update().first()  # type: ignore[attr-defined]
        claim = await GuaranteeClaim.get(id=found.id, using_db=conn)
        assert loan is not None
        _check_payable(claim, loan, money)
        on = book_date(loan, received_at.date())
        entry = await post(kind="GUARANTEE_CLAIM", lines=payment_lines(loan, money),
                           business_date=on, actor=actor, conn=conn, loan=loan,
                           memo=f"guarantee claim {claim.id} paid",
                           key=f"guarantee_claim:{claim.id}")  # fmt: skip
        written = await _write_off_rest(loan, claim, actor=actor, on=on, conn=conn)
        await move(loan, LoanEvent.SETTLE_BY_GUARANTOR, actor=actor, conn=conn, business_date=on,
                   reason=f"guarantee claim {claim.id} paid", data={"written_off": str(written)})  # fmt: skip
        if written > 0:
            await (
                Loan.filter(id=loan.id)
                .using_db(conn)
                .update(
                    classification=Classification.LOSS.value,
                    classification_reason="settled by the guarantor; the bank's share written off",
                )
            )
        paid = (
            await GuaranteeClaim.filter(id=claim.id, status=ClaimStatus.FILED)
            .using_db(conn)
            .update(status=ClaimStatus.PAID.value, paid_at=received_at, paid_amount=money,
                    paid_by=actor, journal_entry_id=entry.id if entry else None)
        )  # fmt: skip
        if paid != 1:
            raise InvalidState("the claim was paid meanwhile")
        await audit.record(
            actor=actor, action="guarantee_claim.pay", entity_type="guarantee_claim",
            entity_id=claim.id, connection=conn,
            data={"loan_id": loan.id, "amount": str(money), "business_date": on.isoformat(),
                  "written_off": str(written)},
        )  # fmt: skip
    return await GuaranteeClaim.get(id=found.id)


def _check_payable(claim: GuaranteeClaim, loan: Loan, money: Decimal) -> None:
    """INVALID_STATE or INVALID_INPUT unless `money` pays the claim now (pure)."""
    if claim.status != ClaimStatus.FILED:
        raise InvalidState(f"the claim is {claim.status}; it takes no payment")
    if money != claim.amount:
        raise InvalidInput(
            f"the claim is for {claim.amount}; pay that amount in full", field="amount"
        )
    if LoanStatus(loan.status) not in LIVE:
        raise InvalidState(f"the loan is {loan.status}; the claim cannot settle it")
    if money > loan.outstanding:
        raise InvalidState(
            f"the loan owes {loan.outstanding} now, less than the claim: reject it and file again",
        )


async def _write_off_rest(
    loan: Loan, claim: GuaranteeClaim, *, actor: str, on: date, conn: BaseDBAsyncClient
) -> Decimal:
    """Write off what the loan still owes after the guarantor's payment (the bank's share and
    anything accrued since filing): the allowance brought to the principal left, then the
    WRITE_OFF entry with its memo claim. What was written off."""
    from domain.loanbook.provisions import allowances, provision_lines

    held = (await allowances([loan.id], conn=conn))[loan.id]
    topped = provision_lines(held, loan.principal_outstanding)
    if topped:
        await post(kind="PROVISION", lines=topped, business_date=on, actor=actor, conn=conn,
                   loan=loan, memo=f"allowance {held} -> {loan.principal_outstanding}",
                   key=f"guarantee_claim_provision:{claim.id}")  # fmt: skip
    rest = Decimal(loan.outstanding)
    if rest > ZERO:
        await post(kind="WRITE_OFF", lines=write_off_lines(loan), business_date=on, actor=actor,
                   conn=conn, loan=loan, memo=f"bank's share after guarantee claim {claim.id}",
                   key=f"guarantee_claim_writeoff:{claim.id}")  # fmt: skip
        await Loan.filter(id=loan.id).using_db(conn).update(written_off_at=datetime.now(UTC))
    return rest


__all__ = [
    "CLAIM_FILERS",
    "RECEIPT_BOOKERS",
    "ClaimStatus",
    "file_claim",
    "get_claim_or_raise",
    "pay_claim",
    "payment_lines",
    "status_on",
]
