"""Reading guarantees and claims: bank staff see all; a guarantor's staff only their own
institution's programmes (their guarantees, claims and the guaranteed drawings' figures), and
nobody else any. Each list is read in a fixed number of queries, whatever its length."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from db.models import (
    CreditLine,
    Enterprise,
    Guarantee,
    GuaranteeClaim,
    GuaranteeProgramme,
    GuarantorInstitution,
    Installment,
    Loan,
)
from domain.accounts.principal import Principal
from domain.credit.claims import ClaimStatus, status_on
from domain.credit.guarantees import fee_of
from domain.errors import Forbidden

MAX_ROWS = 500


@dataclass(frozen=True)
class GuaranteedLoan:
    """A drawing on a guaranteed line, as its guarantor sees it (figures only)."""

    loan: Loan
    guarantee_fee: Decimal


@dataclass(frozen=True)
class GuaranteeView:
    """A guarantee with what its readers see of it."""

    guarantee: Guarantee
    programme: GuaranteeProgramme
    institution: GuarantorInstitution
    line: CreditLine
    borrower_name: str
    loans: list[GuaranteedLoan] = field(default_factory=list)


@dataclass(frozen=True)
class ClaimView:
    """A claim, its status as read today, its guarantee and the loan's figures."""

    claim: GuaranteeClaim
    status: ClaimStatus
    guarantee: GuaranteeView
    loan: GuaranteedLoan


def _scope(principal: Principal) -> int | None:
    """The institution a reader is limited to (None: bank staff, every one); FORBIDDEN for
    everyone else."""
    if principal.is_staff:
        return None
    if principal.is_guarantor:
        return principal.guarantor_institution_id()
    raise Forbidden("guarantees are read by bank staff and the guarantor's staff")


async def list_guarantees(
    *, principal: Principal, status: str | None = None, limit: int = 100
) -> list[GuaranteeView]:
    """The guarantees the caller may see, newest first (at most `limit`)."""
    institution_id = _scope(principal)
    query = Guarantee.all()
    if institution_id is not None:
        query = query.filter(programme__institution_id=institution_id)
    if status is not None:
        query = query.filter(status=status)
    rows = await query.order_by("-id").limit(min(max(limit, 1), MAX_ROWS))
    return await guarantee_views(rows)


async def guarantee_views(rows: list[Guarantee]) -> list[GuaranteeView]:
    """Views of guarantees already read (five queries for any number)."""
    if not rows:
        return []
    programmes = {
        p.id: p
        for p in await GuaranteeProgramme.filter(id__in={g.programme_id for g in rows})  # type: ignore[attr-defined]
    }
    institutions = {
        i.id: i
        for i in await GuarantorInstitution.filter(
            id__in={p.institution_id for p in programmes.values()}
        )
    }
    lines = {ln.id: ln for ln in await CreditLine.filter(id__in={g.line_id for g in rows})}  # type: ignore[attr-defined]
    names = dict(
        await Enterprise.filter(
            id__in={ln.enterprise_id for ln in lines.values()}  # type: ignore[attr-defined]
        ).values_list("id", "name")
    )
    drawn: dict[int, list[Loan]] = defaultdict(list)
    for loan in await Loan.filter(credit_line_id__in=list(lines)).order_by("drawdown_number", "id"):
        drawn[loan.credit_line_id or 0].append(loan)
    terms = await _terms([loan.id for loans in drawn.values() for loan in loans])
    views = []
    for g in rows:
        programme = programmes[g.programme_id]  # type: ignore[attr-defined]
        line = lines[g.line_id]  # type: ignore[attr-defined]
        views.append(
            GuaranteeView(
                guarantee=g,
                programme=programme,
                institution=institutions[programme.institution_id],
                line=line,
                borrower_name=str(names.get(line.enterprise_id, "")),  # type: ignore[attr-defined]
                loans=[_guaranteed(loan, g, terms) for loan in drawn.get(line.id, [])],
            )
        )
    return views


async def guarantee_views_by_line_ids(*, ids: Sequence[int]) -> list[GuaranteeView | None]:
    """Each credit line's guarantee (None: the line has none), in the order of `ids`, in a
    fixed number of queries."""
    rows = await Guarantee.filter(line_id__in=set(ids))
    views = {v.guarantee.line_id: v for v in await guarantee_views(rows)}  # type: ignore[attr-defined]
    return [views.get(i) for i in ids]


def _guaranteed(loan: Loan, guarantee: Guarantee, terms: dict[int, int]) -> GuaranteedLoan:
    fee = fee_of(Decimal(loan.principal), Decimal(guarantee.fee_rate), terms.get(loan.id, 0))
    return GuaranteedLoan(loan, fee)


async def _terms(loan_ids: list[int]) -> dict[int, int]:
    """Each drawing's term in months: the installments of its first schedule (one query)."""
    counts: dict[int, int] = defaultdict(int)
    if loan_ids:
        for loan_id in await Installment.filter(loan_id__in=loan_ids, version=1).values_list(
            "loan_id", flat=True
        ):
            counts[int(loan_id)] += 1  # type: ignore[call-overload]
    return counts


async def list_claims(
    *, principal: Principal, status: str | None = None, limit: int = 100, today: date | None = None
) -> list[ClaimView]:
    """The claims the caller may see, newest first; `status` as read (OVERDUE: filed and past
    due)."""
    institution_id = _scope(principal)
    today = today or datetime.now(UTC).date()
    query = GuaranteeClaim.all()
    if institution_id is not None:
        query = query.filter(guarantee__programme__institution_id=institution_id)
    if status == ClaimStatus.OVERDUE:
        query = query.filter(status=ClaimStatus.FILED, due_by__lt=today)
    elif status == ClaimStatus.FILED:
        query = query.filter(status=ClaimStatus.FILED, due_by__gte=today)
    elif status is not None:
        query = query.filter(status=status)
    rows = await query.order_by("-id").limit(min(max(limit, 1), MAX_ROWS))
    return await claim_views(rows, today=today)


async def claim_views(rows: list[GuaranteeClaim], *, today: date) -> list[ClaimView]:
    """Views of claims already read (a fixed number of queries for any number)."""
    if not rows:
        return []
    guarantees = await Guarantee.filter(id__in={c.guarantee_id for c in rows})  # type: ignore[attr-defined]
    by_id = {v.guarantee.id: v for v in await guarantee_views(list(guarantees))}
    views = []
    for c in rows:
        view = by_id[c.guarantee_id]  # type: ignore[attr-defined]
        loan = next(x for x in view.loans if x.loan.id == c.loan_id)  # type: ignore[attr-defined]
        views.append(ClaimView(c, status_on(c, today), view, loan))
    return views


__all__ = [
    "ClaimView",
    "GuaranteeView",
    "GuaranteedLoan",
    "claim_views",
    "guarantee_views",
    "list_claims",
    "list_guarantees",
]
