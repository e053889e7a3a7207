"""The five-tier loan classification (正常/关注/次级/可疑/损失) by the regulator's rules.

The rules set a floor, not days alone:

- LOSS (损失) when written off or over 360 days past due;
- DOUBTFUL (可疑) over 180 days past due;
- SUBSTANDARD (次级) when principal or interest is over 90 days past due, or the loan was
  restructured (展期/重组);
- SPECIAL_MENTION (关注) when anything is past due;
- NORMAL (正常) otherwise.

Staff (a risk manager) may set a worse tier with a reason; the loan is then classified at the
worse of the rule and that downgrade. Nobody can classify a loan better than its rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from tortoise.transactions import in_transaction

from db.models import Loan, Role
from domain import audit
from domain.accounts.principal import Principal
from domain.errors import Forbidden, InvalidInput, InvalidState, NotFound


class Classification(StrEnum):
    """The five loan risk categories, best first."""

    NORMAL = "NORMAL"
    SPECIAL_MENTION = "SPECIAL_MENTION"
    SUBSTANDARD = "SUBSTANDARD"
    DOUBTFUL = "DOUBTFUL"
    LOSS = "LOSS"


ORDER = tuple(Classification)
# non-performing loans (NPL): substandard, doubtful and loss
NON_PERFORMING = frozenset({Classification.SUBSTANDARD, Classification.DOUBTFUL,
                            Classification.LOSS})  # fmt: skip
RECLASSIFY_ROLES = frozenset({Role.RISK_MANAGER})


def rank(tier: Classification | str) -> int:
    """0 for NORMAL up to 4 for LOSS."""
    return ORDER.index(Classification(tier))


def worse(a: Classification | str, b: Classification | str | None) -> Classification:
    """The worse of two tiers (`b` None: `a`)."""
    if b is None:
        return Classification(a)
    return Classification(a) if rank(a) >= rank(b) else Classification(b)


def rule_floor(
    days_past_due: int, *, restructured: bool = False, written_off: bool = False
) -> tuple[Classification, str]:
    """The tier the rules require and why (pure)."""
    if days_past_due < 0:
        raise ValueError("days past due cannot be negative")
    if written_off:
        return Classification.LOSS, "written off"
    if days_past_due > 360:
        return Classification.LOSS, f"{days_past_due} days past due (over 360)"
    if days_past_due > 180:
        return Classification.DOUBTFUL, f"{days_past_due} days past due (over 180)"
    if days_past_due > 90:
        return Classification.SUBSTANDARD, f"{days_past_due} days past due (over 90)"
    if restructured:
        return Classification.SUBSTANDARD, "restructured"
    if days_past_due > 0:
        return Classification.SPECIAL_MENTION, f"{days_past_due} days past due"
    return Classification.NORMAL, "performing"


def classify(
    days_past_due: int,
    *,
    restructured: bool = False,
    written_off: bool = False,
    manual: Classification | str | None = None,
    manual_reason: str | None = None,
) -> tuple[Classification, str]:
    """The loan's tier and reason: the rule floor, or a worse staff downgrade (pure)."""
    tier, reason = rule_floor(days_past_due, restructured=restructured, written_off=written_off)
    if manual is not None and rank(manual) > rank(tier):
        return Classification(manual), f"downgraded by staff: {manual_reason or 'no reason'}"
    return tier, reason


def classify_loan(loan: Loan) -> tuple[Classification, str]:
    """`classify` for a loan row as it stands (days past due as last closed)."""
    return classify(
        loan.days_past_due,
        restructured=loan.restructured,
        written_off=loan.status == "WRITTEN_OFF",
        manual=loan.manual_classification,
        manual_reason=loan.manual_classification_reason,
    )


async def reclassify_loan(
    *, principal: Principal, loan_id: int, classification: Classification | str, reason: str
) -> Loan:
    """A risk manager's downgrade (or the lifting of one): never better than the rule floor.

    Setting the rule's own tier removes the downgrade. The allowance follows the new tier in the
    same transaction."""
    from domain.loanbook.provisions import adjust_allowance

    if principal.role not in RECLASSIFY_ROLES:
        raise Forbidden("only a risk manager may reclassify a loan")
    try:
        wanted = Classification(classification)
    except ValueError:
        raise InvalidInput(
            f"no such classification: {classification}", field="classification"
        ) from None
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("a reason is required", field="reason")
    async with in_transaction() as conn:
        loan = await Loan.filter(id=loan_id).using_db(conn).select_for_update().first()
        if loan is None:
            raise NotFound("no such loan", field="loanId")
        if loan.status in ("CLOSED", "SETTLED_BY_GUARANTOR"):
            raise InvalidState(f"a loan that is {loan.status} is not classified any more")
        floor, why = rule_floor(loan.days_past_due, restructured=loan.restructured,
                                written_off=loan.status == "WRITTEN_OFF")  # fmt: skip
        if rank(wanted) < rank(floor):
            raise InvalidInput(
                f"{wanted.value} is better than the rule allows: at least {floor.value} ({why})",
                field="classification",
            )
        before = loan.classification
        loan.manual_classification = None if wanted == floor else wanted.value
        loan.manual_classification_reason = None if wanted == floor else reason[:2000]  # type: ignore[assignment]
        loan.classification = wanted.value
        loan.classification_reason = (why if wanted == floor else f"downgraded by staff: {reason}")[
            :300
        ]
        await loan.save(using_db=conn, update_fields=["manual_classification", "classification",
                        "manual_classification_reason", "classification_reason"])  # fmt: skip
        actor = f"user:{principal.email}"
        await adjust_allowance(loan, business_date=datetime.now(UTC).date(), actor=actor,
                               conn=conn)  # fmt: skip
        await audit.record(actor=actor, action="loan.reclassify", entity_type="loan",
                           entity_id=loan.id, connection=conn,
                           data={"from": before, "to": wanted.value, "rule": floor.value,
                                 "reason": reason})  # fmt: skip
    return loan


@dataclass(frozen=True)
class LoanClassification:
    """A serviced loan's days past due and tier after a run, what it was, events it raised."""

    loan_id: int
    days_past_due: int
    classification: Classification
    previous: str
    new_events: tuple[str, ...]


async def classify_loans(*, as_of: date) -> list[LoanClassification]:
    """Close every business day before `as_of` (so days past due count as of the start of
    `as_of`), for every serviced loan; each one's outcome, by id."""
    from db.models import Event
    from domain.loanbook.eod import close_through
    from domain.loanbook.status import SERVICED

    serviced = Loan.filter(status__in=[s.value for s in SERVICED])
    before = dict(await serviced.values_list("id", "classification"))
    known = set(await Event.filter(type="overdue_payment").values_list("event_id", flat=True))
    await close_through(as_of - timedelta(days=1))
    raised: dict[int, list[str]] = {}
    for event_id in await Event.filter(type="overdue_payment").values_list("event_id", flat=True):
        if event_id not in known:
            raised.setdefault(int(str(event_id).split(":")[1]), []).append(str(event_id))
    after = await Loan.filter(id__in=list(before)).order_by("id")
    return [
        LoanClassification(loan.id, loan.days_past_due, Classification(loan.classification),
                           str(before[loan.id]), tuple(sorted(raised.get(loan.id, ()))))
        for loan in after
    ]  # fmt: skip


__all__ = [
    "NON_PERFORMING",
    "LoanClassification",
    "classify_loans",
    "ORDER",
    "Classification",
    "classify",
    "classify_loan",
    "rank",
    "reclassify_loan",
    "rule_floor",
    "worse",
]
