"""Renewals (续贷, incl. 无还本续贷).

Near maturity the borrower asks to renew a loan (`renew_loan`): if the renewal policy
(renewal_policy.json, data) holds, a new DRAFT application for the same product is created,
linked to the loan (`renewal_of_id`), pledging the same patents; it goes through the normal
submit and assessment on fresh data. Renewed without principal repayment, its disbursement
settles the old loan's principal with the new loan's (`settle_renewed_loan`, in the
disbursement's transaction): the old loan closes, the pledge registrations carry over.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from db.models import (
    ApplicationPatent,
    ApplicationStatus,
    Installment,
    Loan,
    LoanApplication,
    LoanMonthEnd,
    LoanProduct,
    Repayment,
    RiskScore,
    RiskWarning,
    Role,
)
from domain import audit
from domain.accounts.principal import Principal
from domain.credit.pledges import carry_pledges_over
from domain.errors import Duplicate, ErrorCode, Forbidden, InvalidInput, InvalidState, NotFound
from domain.loanbook.allocation import Allocation, InstallmentPayment
from domain.loanbook.ledger import post
from domain.loanbook.repayments import lock_live_loan, pay_installments, payment_lines
from domain.loanbook.schedules import current_installments
from domain.loanbook.status import LoanEvent, LoanStatus, move
from domain.workflow import OPEN_STATES, record_creation

POLICY_FILE = Path(__file__).with_name("renewal_policy.json")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class RenewalPolicy:
    """Who may renew: the loan within `days_before_maturity` of its last installment, its
    classification among `classifications`, no open warning of a blocking level on the
    enterprise, days past due at most `max_days_past_due` now and at every month end of the
    last `history_months`, and the enterprise's latest graph risk at most `max_graph_risk`."""

    days_before_maturity: int
    classifications: tuple[str, ...]
    blocking_warning_levels: tuple[str, ...]
    history_months: int
    max_days_past_due: int
    max_graph_risk: float

    @classmethod
    def of(cls, data: dict[str, Any]) -> RenewalPolicy:
        """A policy from its JSON form."""
        return cls(
            days_before_maturity=int(data["days_before_maturity"]),
            classifications=tuple(data["classifications"]),
            blocking_warning_levels=tuple(data["blocking_warning_levels"]),
            history_months=int(data["history_months"]),
            max_days_past_due=int(data["max_days_past_due"]),
            max_graph_risk=float(data["max_graph_risk"]),
        )


@cache
def renewal_policy() -> RenewalPolicy:
    """The policy in force (renewal_policy.json)."""
    return RenewalPolicy.of(json.loads(POLICY_FILE.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Failure:
    """One condition of the policy the loan or its borrower does not meet."""

    condition: str
    detail: str


async def check_eligibility(
    loan: Loan, *, today: date, policy: RenewalPolicy | None = None
) -> list[Failure]:
    """Every condition of the renewal policy the loan fails (empty: eligible). Reads only."""
    policy = policy or renewal_policy()
    failures: list[Failure] = []
    if LoanStatus(loan.status) is not LoanStatus.ACTIVE:
        failures.append(Failure("LOAN_ACTIVE", f"the loan is {loan.status}, not ACTIVE"))
    rows = await current_installments(loan.id, version=loan.schedule_version)
    maturity = max((r.due_on for r in rows), default=None)
    if maturity is None or (maturity - today).days > policy.days_before_maturity:
        failures.append(
            Failure(
                "NEAR_MATURITY",
                f"the loan matures on {maturity}: renewals open "
                f"{policy.days_before_maturity} days before",
            )
        )
    if loan.classification not in policy.classifications:
        failures.append(Failure("CLASSIFICATION", f"the loan is classified {loan.classification}"))
    enterprise_id = loan.enterprise_id  # type: ignore[attr-defined]
    warnings = await RiskWarning.filter(
        enterprise_id=enterprise_id, level__in=list(policy.blocking_warning_levels)
    ).exclude(status="RESOLVED")
    if warnings:
        levels = sorted({str(w.level) for w in warnings})
        failures.append(
            Failure("OPEN_WARNINGS", f"open warnings on the borrower: {', '.join(levels)}")
        )
    since = today - timedelta(days=31 * policy.history_months)
    history = await LoanMonthEnd.filter(loan_id=loan.id, month__gte=since).values_list(
        "days_past_due", flat=True
    )
    worst = max([loan.days_past_due, *(int(str(d)) for d in history)])
    if worst > policy.max_days_past_due:
        failures.append(
            Failure(
                "REPAYMENT_HISTORY",
                f"{worst} days past due in the last {policy.history_months} months "
                f"(at most {policy.max_days_past_due})",
            )
        )
    score = await RiskScore.filter(enterprise_id=enterprise_id).order_by("-as_of", "-id").first()
    if score is None or score.graph_risk is None:
        failures.append(Failure("GRAPH_RISK", "no graph risk score for the borrower"))
    elif score.graph_risk > policy.max_graph_risk:
        failures.append(
            Failure(
                "GRAPH_RISK",
                f"graph risk {score.graph_risk:.3f} above {policy.max_graph_risk:.3f}",
            )
        )
    return failures


def ineligible(failures: list[Failure]) -> InvalidState:
    """The RENEWAL_INELIGIBLE refusal naming every failed condition."""
    return InvalidState(
        "renewal conditions not met: " + "; ".join(f"{f.condition}: {f.detail}" for f in failures),
        code=ErrorCode.RENEWAL_INELIGIBLE,
        field="loanId",
    )


async def renew_loan(
    *,
    principal: Principal,
    loan_id: int,
    without_principal_repayment: bool,
    term_months: int | None = None,
    today: date | None = None,
) -> LoanApplication:
    """The borrower asks to renew its loan: a DRAFT renewal application (same product and
    patents; amount the principal outstanding when renewing without repaying principal, else
    the loan's principal; term `term_months` or the loan's), to submit as any application.
    RENEWAL_INELIGIBLE naming every failed condition, DUPLICATE while another renewal of the
    loan is open; nothing written on refusal."""
    from domain.accounts.standing import require_verified

    principal.require_role(Role.APPLICANT)
    principal = await require_verified(principal)
    loan = await Loan.get_or_none(id=loan_id)
    if loan is None:
        raise NotFound("no such loan", field="loanId")
    principal.require_enterprise(loan.enterprise_id)  # type: ignore[attr-defined]
    old = await LoanApplication.get(id=loan.application_id)  # type: ignore[attr-defined]
    product = await LoanProduct.get(id=old.product_id)  # type: ignore[attr-defined]
    term = term_months if term_months is not None else old.term_months
    if term not in product.terms_months:
        offered = ", ".join(str(t) for t in product.terms_months)
        raise InvalidInput(f"term must be one of {offered} months", field="termMonths")
    today = today or datetime.now(UTC).date()
    failures = await check_eligibility(loan, today=today)
    if failures:
        raise ineligible(failures)
    amount = loan.principal_outstanding if without_principal_repayment else loan.principal
    if amount <= 0:
        raise ineligible([Failure("PRINCIPAL_OUTSTANDING", "nothing left to renew")])
    return await _create_renewal(
        principal, loan, old, product, amount=amount, term=term,
        without_principal_repayment=without_principal_repayment,
    )  # fmt: skip


async def _create_renewal(
    principal: Principal,
    loan: Loan,
    old: LoanApplication,
    product: LoanProduct,
    *,
    amount: Decimal,
    term: int,
    without_principal_repayment: bool,
) -> LoanApplication:
    """The DRAFT renewal application with the old one's patents (one open per loan)."""
    patent_ids = await ApplicationPatent.filter(application_id=old.id).values_list(
        "patent_id", flat=True
    )
    async with in_transaction() as conn:
        # one open renewal per loan: the loan's row lock orders concurrent requests
        await Loan.filter(id=loan.id).using_db(conn).select_for_update().first()
        if (
            await LoanApplication.filter(renewal_of_id=loan.id, status__in=list(OPEN_STATES))
            .using_db(conn)
            .exists()
        ):
            raise Duplicate("this loan already has an open renewal", field="loanId")
        application = await LoanApplication.create(
            enterprise_id=loan.enterprise_id,  # type: ignore[attr-defined]
            product_id=product.id,
            created_by_id=principal.user_id,
            amount=amount,
            term_months=term,
            purpose=f"renewal of loan {loan.id}",
            status=ApplicationStatus.DRAFT,
            renewal_of_id=loan.id,
            without_principal_repayment=without_principal_repayment,
            first_loan=False,
            using_db=conn,
        )
        if patent_ids:
            await ApplicationPatent.bulk_create(
                [ApplicationPatent(application_id=application.id, patent_id=p) for p in patent_ids],
                using_db=conn,
            )
        await record_creation(application, by=principal, conn=conn)
        await audit.record(
            actor=f"user:{principal.email}",
            action="loan.renewal_requested",
            entity_type="loan",
            entity_id=loan.id,
            data={
                "application_id": application.id,
                "without_principal_repayment": without_principal_repayment,
                "amount": str(amount),
                "term_months": term,
            },
            connection=conn,
        )
    return application


async def settle_renewed_loan(
    new_loan: Loan, application: LoanApplication, *, actor: str, conn: BaseDBAsyncClient
) -> None:
    """Settle the renewed loan with the new loan's principal, in the disbursement's
    transaction (renewal without principal repayment).

    The old loan must owe nothing but principal (interest, penalty and fees are the
    borrower's to pay first: INVALID_STATE otherwise) and the new principal must cover its
    principal outstanding. One REPAYMENT entry on the old loan (Dr SETTLEMENT, Cr
    LOAN_PRINCIPAL) pays every installment's remaining principal; the old loan CLOSES
    (reason "renewed") and its standing pledge registrations now secure the new application."""
    if not application.renewal_of_id:
        return
    old = await lock_live_loan(application.renewal_of_id, conn=conn)
    if old.enterprise_id != new_loan.enterprise_id:  # type: ignore[attr-defined]
        raise Forbidden("a renewal settles a loan of the same borrower only")
    others = {
        "interest": old.interest_outstanding,
        "penalty": old.penalty_outstanding,
        "fees": old.fee_outstanding,
    }
    owed = {k: v for k, v in others.items() if v > 0}
    if owed:
        raise InvalidState(
            "the renewed loan still owes "
            + ", ".join(f"{k} {v}" for k, v in owed.items())
            + ": the borrower pays it before the renewal is paid out",
            code=ErrorCode.RENEWAL_INELIGIBLE,
        )
    amount = old.principal_outstanding
    if new_loan.principal < amount:
        raise InvalidState(
            f"the renewal's principal {new_loan.principal} does not cover the "
            f"{amount} outstanding on the renewed loan",
            code=ErrorCode.RENEWAL_INELIGIBLE,
        )
    day = await _pay_principal(old, new_loan, amount, actor=actor, conn=conn)
    await move(
        old, LoanEvent.CLOSE, actor=actor, conn=conn, business_date=day, reason="renewed",
        data={"renewal_loan_id": new_loan.id},
    )  # fmt: skip
    from domain.loanbook.provisions import adjust_allowance

    await adjust_allowance(
        old, business_date=day, actor=actor, conn=conn, key=f"provision-close:{old.id}"
    )
    await carry_pledges_over(
        old.application_id,  # type: ignore[attr-defined]
        application.id,
        actor=actor,
        conn=conn,
    )
    await audit.record(
        actor=actor,
        action="loan.renewal_settled",
        entity_type="loan",
        entity_id=old.id,
        data={"renewal_loan_id": new_loan.id, "principal": str(amount)},
        connection=conn,
    )


async def _pay_principal(
    old: Loan, new_loan: Loan, amount: Decimal, *, actor: str, conn: BaseDBAsyncClient
) -> date:
    """One REPAYMENT entry (Dr SETTLEMENT, Cr LOAN_PRINCIPAL) paying every installment's
    remaining principal, and its repayment row; the business date."""
    now = datetime.now(UTC)
    day = now.date()
    rows = await current_installments(old.id, conn, version=old.schedule_version)
    parts = [
        InstallmentPayment(r.number, ZERO, r.principal - r.paid_principal)
        for r in rows
        if r.principal > r.paid_principal
    ]
    allocation = Allocation(current_principal=amount)
    entry = await post(
        kind="REPAYMENT",
        lines=payment_lines(allocation, cash=amount),
        business_date=day,
        actor=actor,
        conn=conn,
        loan=old,
        memo=f"principal settled by renewal loan {new_loan.id}",
        key=f"renewal-settlement:{old.id}",
    )
    await pay_installments(rows, parts, paid_at=now, conn=conn)
    await _waive_unearned_interest(rows, conn)
    await Repayment.create(
        loan_id=old.id,
        kind="REPAYMENT",
        amount=amount,
        received_at=now,
        business_date=day,
        recorded_by=actor,
        allocation={
            **allocation.as_json(),
            "from_credit": "0.00",
            "version": old.schedule_version,
            "renewal_loan_id": new_loan.id,
            "installments": [
                {"number": p.number, "interest": "0.00", "principal": str(p.principal)}
                for p in parts
            ],
        },
        journal_entry_id=entry.id if entry else None,
        using_db=conn,
    )
    return day


async def _waive_unearned_interest(rows: list[Installment], conn: BaseDBAsyncClient) -> None:
    """Installments left open only by scheduled interest not yet earned (after the renewal
    date) are done: their interest is cut to what was accrued and paid, and they are stamped
    paid."""
    now = datetime.now(UTC)
    for row in rows:
        if row.paid_at is not None:
            continue
        row.interest = row.paid_interest
        row.paid_at = now
        await row.save(using_db=conn, update_fields=["interest", "paid_at"])


# reads for the API


async def renewals_by_loan_ids(*, ids: list[int]) -> list[Loan | None]:
    """Each loan's renewal loan (the loan that renewed it), or None, in one query."""
    found = {
        loan.renewal_of_id: loan
        for loan in await Loan.filter(renewal_of_id__in=set(ids)).order_by("id")
    }
    return [found.get(i) for i in ids]


__all__ = [
    "Failure",
    "RenewalPolicy",
    "check_eligibility",
    "ineligible",
    "renew_loan",
    "renewal_policy",
    "renewals_by_loan_ids",
    "settle_renewed_loan",
]
