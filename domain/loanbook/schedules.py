"""Schedule versions: the installments in force, a new version replacing them, re-amortisation.

A loan's `schedule_version` names the version in force; rows of older versions stay as they were
(history). Installment k of a version runs [starts_on, due_on): installment 1 starts on the day
its version starts, installment k on installment k-1's due date. Prepayment and restructuring
write a new version; nothing rewrites an old one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from tortoise.backends.base.client import BaseDBAsyncClient

from db.models import Installment, Loan
from domain import audit
from domain.loanbook.amortisation import ZERO, ScheduledInstallment, add_months, fen, monthly_rate
from domain.products.repayment import RepaymentMethod

DAYS_IN_YEAR = Decimal(360)


async def current_installments(
    loan_id: int, conn: BaseDBAsyncClient | None = None, *, version: int | None = None
) -> list[Installment]:
    """The installments of the loan's schedule version in force (or of `version`), in order."""
    if version is None:
        query = Loan.filter(id=loan_id)
        if conn is not None:
            query = query.using_db(conn)
        found = await query.first().values_list("schedule_version", flat=True)
        version = int(found) if found is not None else 1  # type: ignore[call-overload]
    rows = Installment.filter(loan_id=loan_id, version=version).order_by("number")
    if conn is not None:
        rows = rows.using_db(conn)
    return list(await rows)


async def write_version(
    loan: Loan,
    rows: Sequence[Installment],
    *,
    conn: BaseDBAsyncClient,
    reason: str,
    actor: str = "system",
) -> int:
    """Store `rows` (unsaved, numbered, dated) as the loan's next schedule version and put it in
    force; the old version's rows are kept. Returns the new version number."""
    before = loan.schedule_version
    version = before + 1
    for row in rows:
        row.loan_id = loan.id  # type: ignore[attr-defined]
        row.version = version
    await Installment.bulk_create(list(rows), using_db=conn)
    await Loan.filter(id=loan.id).using_db(conn).update(schedule_version=version)
    loan.schedule_version = version
    await audit.record(
        actor=actor,
        action="loan.schedule_replaced",
        entity_type="loan",
        entity_id=loan.id,
        data={"from_version": before, "to_version": version, "rows": len(rows), "reason": reason},
        connection=conn,
    )
    return version


def carried(row: Installment) -> Installment:
    """An unsaved copy of an installment for a new version (its payments included)."""
    return Installment(
        number=row.number,
        starts_on=row.starts_on,
        due_on=row.due_on,
        principal=row.principal,
        interest=row.interest,
        accrued_interest=row.accrued_interest,
        paid_principal=row.paid_principal,
        paid_interest=row.paid_interest,
        paid_at=row.paid_at,
    )


def fresh_rows(
    rows: Sequence[ScheduledInstallment], *, starts_on: date, first_number: int | None = None
) -> list[Installment]:
    """Unsaved, unpaid installments for schedule rows, each starting on the previous due date."""
    out: list[Installment] = []
    start = starts_on
    for offset, row in enumerate(rows):
        out.append(
            Installment(
                number=row.number if first_number is None else first_number + offset,
                starts_on=start,
                due_on=row.due_on,
                principal=row.principal,
                interest=row.interest,
                accrued_interest=ZERO,
                paid_principal=ZERO,
                paid_interest=ZERO,
            )
        )
        start = row.due_on
    return out


async def replace_schedule(
    loan: Loan,
    rows: Sequence[ScheduledInstallment],
    *,
    conn: BaseDBAsyncClient,
    reason: str,
    starts_on: date | None = None,
    keep_through: date | None = None,
    actor: str = "system",
) -> int:
    """Put a new schedule version in force for the loan: the current version's installments due
    on or before `keep_through` are carried over as they are (paid or not), then `rows`,
    numbered on after them. The first new row starts on `starts_on` (default: the last carried
    row's due date, else a month before its own due date). Returns the new version."""
    if not rows:
        raise ValueError("a schedule needs at least one installment")
    kept: list[Installment] = []
    if keep_through is not None:
        current = await current_installments(loan.id, conn, version=loan.schedule_version)
        kept = [carried(r) for r in current if r.due_on <= keep_through]
    if starts_on is None:
        starts_on = kept[-1].due_on if kept else add_months(rows[0].due_on, -1)
    new = fresh_rows(rows, starts_on=starts_on, first_number=len(kept) + 1)
    return await write_version(loan, [*kept, *new], conn=conn, reason=reason, actor=actor)


@dataclass(frozen=True)
class Reamortisation:
    """What a new schedule for a remaining principal looks like (for `reamortise`)."""

    method: RepaymentMethod
    remaining: Decimal  # principal to spread
    annual_rate: Decimal
    starts_on: date  # the first period runs from here to due_dates[0], interest by the day
    due_dates: tuple[date, ...]  # the old schedule's remaining due dates, in order
    keep_term: bool  # True: lower the installment over the same dates; False: shorten the term
    # SHORTEN_TERM keeps this: the old level payment (equal installments) or the old principal
    # part (equal principal)
    old_payment: Decimal = ZERO


def _annuity(principal: Decimal, r: Decimal, n: int) -> Decimal:
    if r == 0:
        return fen(principal / n)
    with localcontext() as ctx:
        ctx.prec = 34
        growth = (1 + r) ** n
        return fen(principal * r * growth / (growth - 1))


def _due_date(dates: tuple[date, ...], k: int) -> date:
    """The k-th (0-based) due date: the old ones, then monthly after the last."""
    if k < len(dates):
        return dates[k]
    return add_months(dates[-1], k - len(dates) + 1)


def reamortise(plan: Reamortisation, *, first_number: int = 1) -> list[ScheduledInstallment]:
    """The rows that repay `plan.remaining` (pure). The first period's interest is by the day:
    fen(remaining * rate / 360 * days); later periods a month at rate / 12, like new loans."""
    if plan.remaining <= 0 or not plan.due_dates:
        return []
    r = monthly_rate(plan.annual_rate)
    n = len(plan.due_dates)
    days = (plan.due_dates[0] - plan.starts_on).days
    with localcontext() as ctx:
        ctx.prec = 34
        first_interest = (plan.remaining * plan.annual_rate * days / DAYS_IN_YEAR).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    method = plan.method
    if method is RepaymentMethod.EQUAL_INSTALLMENT:
        payment = plan.old_payment if not plan.keep_term else _annuity(plan.remaining, r, n)
        part = lambda interest: payment - interest  # noqa: E731
    elif method is RepaymentMethod.EQUAL_PRINCIPAL:
        step = plan.old_payment if not plan.keep_term else fen(plan.remaining / n)
        part = lambda _interest: step  # noqa: E731
    else:
        part = lambda _interest: ZERO  # noqa: E731
    rows: list[ScheduledInstallment] = []
    balance = plan.remaining
    k = 0
    while balance > 0:
        interest = first_interest if k == 0 else fen(balance * r)
        last = k == n - 1 if (plan.keep_term or method is RepaymentMethod.INTEREST_ONLY) else False
        this = balance if last else min(max(part(interest), ZERO), balance)
        if this <= 0 and k >= n - 1:
            this = balance  # a payment that no longer covers the interest ends the term here
        rows.append(
            ScheduledInstallment(first_number + k, _due_date(plan.due_dates, k), this, interest)
        )
        balance -= this
        k += 1
    return rows


__all__ = [
    "Reamortisation",
    "carried",
    "current_installments",
    "fresh_rows",
    "reamortise",
    "replace_schedule",
    "write_version",
]
