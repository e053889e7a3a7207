"""Periodic re-evaluation of every borrower: enumerate in batches, then judge each batch.

`monitor_borrowers` re-appraises pledged patents whose appraisal is older than
`REVALUE_AFTER` (when a valuation model is in service), stores a fresh indicator snapshot and
score (when a scorecard is in service) for the borrowers with new facts since their last
snapshot only (`domain.monitoring.freshness`), then applies the figure rules: collateral
shortfall against the outstanding balance, financial decline, graph risk. Graph risk itself is computed
by the graph model on its own queue; here its latest stored value is judged.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from db.models import IdempotencyRecord, IndicatorSnapshot, Loan, RiskScore
from domain.errors import DomainError
from domain.messaging import outbox
from domain.monitoring.figure_rules import Figures, LoanContext, evaluate_indicator_change
from domain.monitoring.figures import (
    Borrower,
    collateral,
    financial_figures,
    latest_graph_risk,
    load_borrowers,
)
from domain.monitoring.rules import WarningDraft
from domain.monitoring.store import in_retried_transaction, raise_warning
from domain.valuation.ltv import load_ltv

log = logging.getLogger("ipcredit.sweep")
ACTIVE = "ACTIVE"
DEFAULT_BATCH = 500
REVALUE_AFTER = timedelta(days=30)

Enqueue = Callable[[list[int]], Awaitable[Any] | Any]


@dataclass(frozen=True)
class SweepReport:
    """How many borrowers were sent for re-evaluation, in how many batches."""

    borrowers: int
    batches: int


async def sweep_borrowers(*, enqueue: Enqueue, batch_size: int = DEFAULT_BATCH) -> SweepReport:
    """Send every enterprise with an active loan for re-evaluation, `batch_size` per message."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    ids = sorted(set(await Loan.filter(status=ACTIVE).values_list("enterprise_id", flat=True)))
    batches = 0
    for start in range(0, len(ids), batch_size):
        result = enqueue([int(str(i)) for i in ids[start : start + batch_size]])
        if inspect.isawaitable(result):
            await result
        batches += 1
    return SweepReport(len(ids), batches)


async def claim_sweep_slot(*, interval_seconds: int, now: datetime | None = None) -> bool:
    """True for exactly one caller per interval, however many schedulers run (any database).

    The claim is a row under a unique key, so it needs no Redis and survives restarts.
    """
    moment = now or datetime.now(UTC)
    bucket = int(moment.timestamp()) // max(1, interval_seconds)
    try:
        await IdempotencyRecord.create(
            key=f"sweep:{interval_seconds}:{bucket}",
            user_id=0,
            operation="monitoring.sweep",
            request_hash="",
            response={"claimed_at": moment.isoformat()},
        )
    except IntegrityError:
        return False
    return True


@dataclass
class MonitorReport:
    """What one re-evaluation of a batch did."""

    borrowers: int = 0
    warnings: int = 0
    revalued: int = 0
    scored: int = 0
    unchanged: int = 0  # borrowers without new facts: their snapshot and score are kept
    notes: list[str] = field(default_factory=list)


async def monitor_borrowers(
    *,
    enterprise_ids: Sequence[int],
    as_of: datetime | None = None,
    revalue: bool = True,
    score: bool = True,
) -> MonitorReport:
    """Re-evaluate a batch of borrowers and raise the warnings their figures call for."""
    when = as_of or datetime.now(UTC)
    ids = sorted({int(i) for i in enterprise_ids})
    borrowers = await load_borrowers(ids)
    report = MonitorReport(borrowers=len(borrowers))
    if not borrowers:
        return report
    ltv = load_ltv()
    before = {
        loan.loan_id: collateral(b, loan, as_of=when.date(), ltv=ltv)
        for b in borrowers
        for loan in b.loans
    }
    if revalue:
        await _revalue(borrowers, when, report)
    if score:
        await _score(borrowers, when, report)
    present = [b.enterprise_id for b in borrowers]
    financials = await financial_figures(present)
    graph = await latest_graph_risk(present)
    drafts: list[tuple[int, WarningDraft]] = []
    for b in borrowers:
        base = replace(
            financials.get(b.enterprise_id, Figures()), graph_risk=graph.get(b.enterprise_id)
        )
        for i, loan in enumerate(b.loans):
            # firm-level figures are judged once, with the newest loan
            after = base if i == 0 else Figures()
            after = replace(after, collateral_value=collateral(b, loan, as_of=when.date(), ltv=ltv))
            context = LoanContext(
                name=b.name,
                loan_id=loan.loan_id,
                outstanding=loan.outstanding,
                pledged_patents=tuple(p.number for p in loan.pledges),
            )
            prior = Figures(collateral_value=before.get(loan.loan_id))
            drafts += [
                (b.enterprise_id, d) for d in evaluate_indicator_change(prior, after, context)
            ]
    if drafts:

        async def work(conn: BaseDBAsyncClient) -> int:
            new = 0
            for enterprise_id, draft in drafts:
                result = await raise_warning(draft, enterprise_id=enterprise_id, conn=conn)
                new += int(result.new)
            return new

        report.warnings = await in_retried_transaction(work)
        if report.warnings:
            outbox.notify()
    return report


async def _revalue(borrowers: list[Borrower], when: datetime, report: MonitorReport) -> None:
    """Re-appraise granted pledged patents whose appraisal is stale, with the model in service."""
    stale = [
        p
        for b in borrowers
        for loan in b.loans
        for p in loan.pledges
        if p.status == "granted" and (p.valued_at is None or p.valued_at < when - REVALUE_AFTER)
    ]
    if not stale:
        return
    from domain.valuation.service import active_valuation_model, value_patent

    try:
        await active_valuation_model()
    except DomainError as exc:
        report.notes.append(f"collateral not re-appraised: {exc.message}")
        return
    done: dict[str, Any] = {}
    for pledge in stale:
        if pledge.number not in done:
            try:
                done[pledge.number] = await value_patent(number=pledge.number, as_of=when)
            except DomainError as exc:
                report.notes.append(f"patent {pledge.number} not re-appraised: {exc.message}")
                done[pledge.number] = None
                continue
            report.revalued += 1
        valuation = done[pledge.number]
        if valuation is not None:
            pledge.value = Decimal(valuation.value)
            pledge.valued_at = valuation.created_at


async def _score(borrowers: list[Borrower], when: datetime, report: MonitorReport) -> None:
    """A fresh indicator snapshot and scorecard score per borrower with new facts, when both
    are in service."""
    from domain.monitoring.freshness import firms_with_new_facts
    from domain.scoring.service import active_scorecard, score_values

    try:
        card = await active_scorecard()
    except DomainError as exc:
        report.notes.append(f"not re-scored: {exc.message}")
        return
    changed = await firms_with_new_facts([(b.enterprise_id, b.uscc) for b in borrowers])
    report.unchanged = len(borrowers) - len(changed)
    borrowers = [b for b in borrowers if b.enterprise_id in changed]
    if not borrowers:
        return
    try:
        from domain.indicators.compute import compute_indicators
        from domain.indicators.registry import version as registry_version
        from domain.indicators.slice import neighbourhood_frames
    except ImportError as exc:
        report.notes.append(f"not re-scored: indicators unavailable ({exc})")
        return
    usccs = [b.uscc for b in borrowers]
    frames = await neighbourhood_frames(usccs, when)  # the borrowers' neighbourhoods only
    table = await asyncio.to_thread(compute_indicators, frames, when, usccs=usccs)
    graph = await latest_graph_risk([b.enterprise_id for b in borrowers])
    snapshots, scores = [], []
    for b in borrowers:
        if b.uscc not in table.index:
            continue
        row: dict[Any, Any] = table.loc[b.uscc].to_dict()
        values = {str(k): (None if v != v else float(v)) for k, v in row.items()}  # NaN: missing
        result = score_values(card, values)
        snapshots.append(
            IndicatorSnapshot(
                enterprise_id=b.enterprise_id,
                as_of=when,
                values=values,
                registry_version=registry_version(),
            )
        )
        scores.append(
            RiskScore(
                enterprise_id=b.enterprise_id,
                score=result.score,
                grade=result.grade,
                probability_of_default=result.probability_of_default,
                graph_risk=graph.get(b.enterprise_id),
                reasons=result.reasons,
                model_versions={"scorecard": result.version, "indicators": registry_version()},
                as_of=when,
            )
        )
    await IndicatorSnapshot.bulk_create(snapshots, ignore_conflicts=True)
    await RiskScore.bulk_create(scores)
    report.scored = len(scores)
