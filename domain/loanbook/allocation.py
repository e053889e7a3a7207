"""Splitting money received over what a loan owes, in the product's order (pure).

On business date t, `overdue_*` is what installments due on or before t still owe (due today
included: it is owed now), and `current_*` what the first installment due after t owes — the
whole of its scheduled interest (paying it early recognises the rest of it first). Within a
bucket, the oldest installment is paid first. Money beyond all of that is `left` for the
caller: refused or held as a credit balance, per product.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from db.models import Installment, Loan
from domain.loanbook.terms import Bucket

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Allocation:
    """How one payment was split, by bucket; `credit` is what was kept as a credit balance."""

    fees: Decimal = ZERO
    penalty: Decimal = ZERO
    overdue_interest: Decimal = ZERO
    overdue_principal: Decimal = ZERO
    current_interest: Decimal = ZERO
    current_principal: Decimal = ZERO
    credit: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        """Everything allocated, credit included (equals the money applied)."""
        return (
            self.fees
            + self.penalty
            + self.overdue_interest
            + self.overdue_principal
            + self.current_interest
            + self.current_principal
            + self.credit
        )

    @property
    def interest(self) -> Decimal:
        """Interest paid, overdue and current."""
        return self.overdue_interest + self.current_interest

    @property
    def principal(self) -> Decimal:
        """Principal paid, overdue and current."""
        return self.overdue_principal + self.current_principal

    def as_json(self) -> dict[str, str]:
        """The buckets as strings (the `Repayment.allocation` JSON)."""
        return {name: str(getattr(self, name)) for name in (*(b.value for b in Bucket), "credit")}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Allocation:
        """Back from `as_json` (unknown keys ignored)."""
        names = (*(b.value for b in Bucket), "credit")
        return cls(**{n: Decimal(str(data.get(n, "0.00"))) for n in names})


@dataclass(frozen=True)
class InstallmentPayment:
    """What one payment put on one installment."""

    number: int
    interest: Decimal
    principal: Decimal


@dataclass(frozen=True)
class Owed:
    """What a loan owes on a business date, by installment (a snapshot for `allocate`)."""

    fees: Decimal
    penalty: Decimal
    # (number, unpaid interest, unpaid principal) of installments due on or before the date
    due: tuple[tuple[int, Decimal, Decimal], ...]
    # the same for the first installment due after the date, if any
    current: tuple[int, Decimal, Decimal] | None

    @property
    def due_total(self) -> Decimal:
        """Fees, penalty and every due installment: what is owed now."""
        return self.fees + self.penalty + sum((i + p for _, i, p in self.due), ZERO)

    @property
    def payable(self) -> Decimal:
        """What a repayment may pay: everything owed now and the current installment."""
        current = self.current[1] + self.current[2] if self.current else ZERO
        return self.due_total + current


def owed_on(loan: Loan, rows: Iterable[Installment], day: date) -> Owed:
    """What the loan owes on `day` by its installments in force (pure)."""
    due: list[tuple[int, Decimal, Decimal]] = []
    current = None
    for row in sorted(rows, key=lambda r: r.number):
        unpaid = (row.number, row.interest - row.paid_interest, row.principal - row.paid_principal)
        if row.due_on <= day:
            if unpaid[1] > 0 or unpaid[2] > 0:
                due.append(unpaid)
        elif current is None:
            current = unpaid
    return Owed(loan.fee_outstanding, loan.penalty_outstanding, tuple(due), current)


@dataclass
class _Split:
    left: Decimal
    buckets: dict[str, Decimal] = field(default_factory=dict)
    rows: dict[int, list[Decimal]] = field(default_factory=dict)

    def take(self, bucket: Bucket, cap: Decimal) -> Decimal:
        got = min(self.left, max(cap, ZERO))
        self.left -= got
        self.buckets[bucket.value] = self.buckets.get(bucket.value, ZERO) + got
        return got

    def on_row(self, number: int, *, interest: Decimal = ZERO, principal: Decimal = ZERO) -> None:
        part = self.rows.setdefault(number, [ZERO, ZERO])
        part[0] += interest
        part[1] += principal


def allocate(
    owed: Owed, amount: Decimal, order: Sequence[Bucket], *, include_current: bool = True
) -> tuple[Allocation, tuple[InstallmentPayment, ...], Decimal]:
    """Split `amount` over `owed` in `order`: the allocation, what went to each installment, and
    what is left over (pure). Without `include_current`, only what is owed now is paid."""
    split = _Split(amount)
    for bucket in order:
        if bucket is Bucket.FEES:
            split.take(bucket, owed.fees)
        elif bucket is Bucket.PENALTY:
            split.take(bucket, owed.penalty)
        elif bucket in (Bucket.OVERDUE_INTEREST, Bucket.OVERDUE_PRINCIPAL):
            for number, interest, principal in owed.due:
                if bucket is Bucket.OVERDUE_INTEREST:
                    split.on_row(number, interest=split.take(bucket, interest))
                else:
                    split.on_row(number, principal=split.take(bucket, principal))
        elif include_current and owed.current is not None:
            number, interest, principal = owed.current
            if bucket is Bucket.CURRENT_INTEREST:
                split.on_row(number, interest=split.take(bucket, interest))
            else:
                split.on_row(number, principal=split.take(bucket, principal))
    allocation = Allocation(**split.buckets)
    parts = tuple(InstallmentPayment(n, i, p) for n, (i, p) in sorted(split.rows.items()) if i or p)
    return allocation, parts, split.left


__all__ = ["Allocation", "InstallmentPayment", "Owed", "ZERO", "allocate", "owed_on"]
