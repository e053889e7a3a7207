"""Quarterly subsidy claims: the statement per programme and quarter, filing, payment.

The statement sums each loan's SUBSIDY postings (Dr SUBSIDY_RECEIVABLE) dated in the quarter;
it is `reconciled` when that total equals the ledger's net SUBSIDY_INTEREST_INCOME credits for
the programme's loans over the same dates (and, once filed, the frozen claim's total). Filing
freezes it into a `SubsidyClaim` (one per programme and quarter): PERIOD_OPEN before the
quarter has ended or while the end-of-day batch has not closed its last day, PERIOD_CLOSED when
it was claimed already; nothing is written then. The sponsor's payment clears the receivable
(Dr SETTLEMENT, Cr SUBSIDY_RECEIVABLE), once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from db.models import CreditLine, Enterprise, JournalLine, Loan, SubsidyClaim, SubsidyProgramme
from domain import audit
from domain.accounts.principal import Principal
from domain.credit.subsidy import Quarter, parse_quarter, require_claimant
from domain.errors import ErrorCode, InvalidState, NotFound
from domain.loanbook.accounts import Account
from domain.loanbook.interest import ZERO
from domain.loanbook.ledger import cr, dr, post
from domain.loanbook.status import SERVICED

KIND = "SUBSIDY"
PAYMENT_KIND = "SUBSIDY_PAYMENT"


@dataclass(frozen=True)
class StatementLine:
    """One loan's subsidy in the quarter."""

    loan_id: int
    enterprise_id: int
    enterprise_name: str
    uscc: str
    principal: Decimal
    days: int  # the days it earned a subsidy on
    amount: Decimal


@dataclass(frozen=True)
class Statement:
    """A programme's claim statement for one quarter."""

    programme: SubsidyProgramme
    quarter: Quarter
    lines: tuple[StatementLine, ...]
    total: Decimal
    ledger_total: Decimal
    claim: SubsidyClaim | None

    @property
    def reconciled(self) -> bool:
        """The statement's total equals the ledger's subsidy income for the same loans and
        dates (and, once filed, the frozen claim's total too)."""
        agrees = self.total == self.ledger_total
        return agrees and (self.claim is None or Decimal(self.claim.total) == self.total)


async def _programme(code: str, conn: BaseDBAsyncClient | None = None) -> SubsidyProgramme:
    found = await SubsidyProgramme.get_or_none(code=code.strip(), using_db=conn)
    if found is None:
        raise NotFound("no such subsidy programme", field="programmeCode")
    return found


async def programme_loan_ids(
    programme_id: int, *, conn: BaseDBAsyncClient | None = None
) -> list[int]:
    """The loans drawn on lines of the programme."""
    line_ids = (
        await CreditLine.filter(subsidy_programme_id=programme_id)
        .using_db(conn)
        .values_list("id", flat=True)
    )
    if not line_ids:
        return []
    ids = (
        await Loan.filter(credit_line_id__in=list(line_ids))
        .using_db(conn)
        .order_by("id")
        .values_list("id", flat=True)
    )
    return list(ids)  # type: ignore[arg-type]


async def _build(
    programme: SubsidyProgramme, quarter: Quarter, conn: BaseDBAsyncClient | None
) -> Statement:
    loan_ids = await programme_loan_ids(programme.id, conn=conn)
    in_quarter = {
        "loan_id__in": loan_ids,
        "entry__business_date__gte": quarter.start,
        "entry__business_date__lte": quarter.end,
    }
    amounts: dict[int, Decimal] = defaultdict(lambda: ZERO)
    days: dict[int, int] = defaultdict(int)
    ledger_total = ZERO
    if loan_ids:
        for loan_id, debit in (
            await JournalLine.filter(
                account=Account.SUBSIDY_RECEIVABLE.value, entry__kind=KIND, **in_quarter
            )
            .using_db(conn)
            .values_list("loan_id", "debit")
        ):
            amounts[loan_id] += Decimal(debit)
            days[loan_id] += 1
        for debit, credit in (
            await JournalLine.filter(account=Account.SUBSIDY_INTEREST_INCOME.value, **in_quarter)
            .using_db(conn)
            .values_list("debit", "credit")
        ):
            ledger_total += Decimal(credit) - Decimal(debit)
    loans = {
        loan.id: loan
        for loan in await Loan.filter(id__in=list(amounts)).using_db(conn).order_by("id")
    }
    enterprises = {
        e.id: e
        for e in await Enterprise.filter(
            id__in={loan.enterprise_id for loan in loans.values()}  # type: ignore[attr-defined]
        ).using_db(conn)
    }
    lines = []
    for loan_id in sorted(amounts):
        loan = loans[loan_id]
        enterprise = enterprises[loan.enterprise_id]  # type: ignore[attr-defined]
        lines.append(
            StatementLine(
                loan_id=loan_id,
                enterprise_id=enterprise.id,
                enterprise_name=enterprise.name,
                uscc=enterprise.uscc,
                principal=loan.principal,
                days=days[loan_id],
                amount=amounts[loan_id],
            )
        )
    claim = await SubsidyClaim.get_or_none(
        programme_id=programme.id, period_start=quarter.start, using_db=conn
    )
    total = sum((line.amount for line in lines), ZERO)
    return Statement(programme, quarter, tuple(lines), total, ledger_total, claim)


async def statement(*, principal: Principal, programme_code: str, quarter: str) -> Statement:
    """The programme's statement for the quarter, as the ledger stands now."""
    require_claimant(principal)
    period = parse_quarter(quarter)
    return await _build(await _programme(programme_code), period, None)


async def _batch_behind(loan_ids: Sequence[int], day: date, conn: BaseDBAsyncClient) -> bool:
    """Whether a serviced loan of the list has not had `day` closed yet."""
    if not loan_ids:
        return False
    behind = Q(closed_through__isnull=True) | Q(closed_through__lt=day)
    opened = datetime.combine(day + timedelta(days=1), time(), UTC)
    return (
        await Loan.filter(
            Q(id__in=list(loan_ids)),
            Q(status__in=[s.value for s in SERVICED]),
            Q(disbursed_at__lt=opened),
            behind,
        )
        .using_db(conn)
        .exists()
    )


async def file_claim(
    *, principal: Principal, programme_code: str, quarter: str, today: date | None = None
) -> Statement:
    """Freeze the quarter's statement into the programme's claim: PERIOD_OPEN while the
    quarter has not ended (or the batch has not closed its last day), PERIOD_CLOSED when it
    was claimed already; nothing written then."""
    require_claimant(principal)
    period = parse_quarter(quarter)
    programme = await _programme(programme_code)
    today = today or datetime.now(UTC).date()
    if period.end >= today:
        raise InvalidState(
            f"{period.label} ends on {period.end.isoformat()}: it cannot be claimed yet",
            code=ErrorCode.PERIOD_OPEN,
            field="quarter",
        )
    try:
        async with in_transaction() as conn:
            found = await _claimable(programme, period, conn)
            claim = await _freeze(found, principal, conn)
    except IntegrityError:
        # a concurrent filing of the same quarter won the unique key
        raise _closed(period) from None
    return Statement(programme, period, found.lines, found.total, found.ledger_total, claim)


async def _claimable(
    programme: SubsidyProgramme, period: Quarter, conn: BaseDBAsyncClient
) -> Statement:
    """The statement to file, if the quarter is unclaimed, closed by the batch, reconciled."""
    taken = SubsidyClaim.filter(programme_id=programme.id, period_start=period.start)
    if await taken.using_db(conn).exists():
        raise _closed(period)
    if await _batch_behind(await programme_loan_ids(programme.id, conn=conn), period.end, conn):
        raise InvalidState(
            f"the end-of-day batch has not closed {period.end.isoformat()} yet",
            code=ErrorCode.PERIOD_OPEN,
            field="quarter",
        )
    found = await _build(programme, period, conn)
    if not found.reconciled:
        raise InvalidState(
            f"the statement ({found.total}) does not reconcile to the ledger "
            f"({found.ledger_total})",
            field="quarter",
        )
    return found


async def _freeze(found: Statement, principal: Principal, conn: BaseDBAsyncClient) -> SubsidyClaim:
    """The claim row and its audit entry (in the caller's transaction)."""
    period = found.quarter
    claim = await SubsidyClaim.create(
        programme_id=found.programme.id,
        period_start=period.start,
        period_end=period.end,
        status="CLAIMED",
        total=found.total,
        lines=[
            {"loan_id": line.loan_id, "days": line.days, "amount": str(line.amount)}
            for line in found.lines
        ],
        filed_at=datetime.now(UTC),
        filed_by=principal.email,
        using_db=conn,
    )
    await audit.record(
        actor=f"user:{principal.email}",
        action="subsidy.claim",
        entity_type="subsidy_claim",
        entity_id=claim.id,
        data={
            "programme": found.programme.code,
            "quarter": period.label,
            "total": str(found.total),
            "loans": len(found.lines),
        },
        connection=conn,
    )
    return claim


def _closed(period: Quarter) -> InvalidState:
    return InvalidState(
        f"{period.label} has already been claimed", code=ErrorCode.PERIOD_CLOSED, field="quarter"
    )


async def record_payment(
    *, principal: Principal, claim_id: int, today: date | None = None
) -> SubsidyClaim:
    """The sponsor paid the claim: CLAIMED -> PAID and Dr SETTLEMENT / Cr SUBSIDY_RECEIVABLE
    of its total, once (a second call is INVALID_STATE, nothing written)."""
    require_claimant(principal)
    today = today or datetime.now(UTC).date()
    async with in_transaction() as conn:
        claim = await SubsidyClaim.get_or_none(id=claim_id, using_db=conn)
        if claim is None:
            raise NotFound("no such subsidy claim", field="claimId")
        now = datetime.now(UTC)
        moved = (
            await SubsidyClaim.filter(id=claim_id, status="CLAIMED")
            .using_db(conn)
            .update(status="PAID", paid_at=now)
        )
        if not moved:
            raise InvalidState(f"the claim is {claim.status}, not CLAIMED", field="claimId")
        total = Decimal(claim.total)
        await post(
            kind=PAYMENT_KIND,
            lines=[dr(Account.SETTLEMENT, total), cr(Account.SUBSIDY_RECEIVABLE, total)],
            business_date=today,
            actor=f"user:{principal.email}",
            conn=conn,
            memo=f"subsidy claim {claim_id} paid",
            key=f"subsidy-payment:{claim_id}",
        )
        await audit.record(
            actor=f"user:{principal.email}",
            action="subsidy.paid",
            entity_type="subsidy_claim",
            entity_id=claim_id,
            data={"total": str(total), "business_date": today.isoformat()},
            connection=conn,
        )
        claim.status, claim.paid_at = "PAID", now
    return claim


async def claim_by_id(*, principal: Principal, claim_id: int) -> SubsidyClaim:
    """A claim (NOT_FOUND when there is none)."""
    require_claimant(principal)
    claim = await SubsidyClaim.get_or_none(id=claim_id)
    if claim is None:
        raise NotFound("no such subsidy claim", field="claimId")
    return claim


__all__ = [
    "KIND",
    "PAYMENT_KIND",
    "Statement",
    "StatementLine",
    "claim_by_id",
    "file_claim",
    "programme_loan_ids",
    "record_payment",
    "statement",
]
