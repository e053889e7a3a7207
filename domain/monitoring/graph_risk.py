"""Graph risk of every borrower from the graph model, stored and judged by the rules.

The worker process loads and scores the graph before it consumes (`prepare_graph`); after an
event, the touched enterprise's neighbourhood is re-scored in that graph and the borrowers
whose graph risk moved are stored and judged (`rescore_after_event`).

Events do not wait for that re-scoring: `schedule_rescore` hands the firm to the process's
re-scorer and returns, so an event's own warnings are never held up by graph work. The
re-scorer takes every firm handed to it since its last pass in one pass (one re-count, one
pass of the network over the union of their neighbourhoods), so a burst of events costs a few
passes instead of one each, each started when no event is being processed (or after a short
wait at most, `urgency`). What it has not done when the process stops is caught up by the
graph's next rebuild from the database, as a failed pass is; `rescored()` waits for it.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sys
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Max

from db.models import Enterprise, Loan, RiskScore
from domain.loops import PerLoop
from domain.messaging import outbox
from domain.monitoring.figure_rules import Figures, LoanContext, evaluate_indicator_change
from domain.monitoring.rules import WarningDraft
from domain.monitoring.store import in_retried_transaction, raise_warning
from domain.monitoring.urgency import yield_to_urgent

ACTIVE = "ACTIVE"
log = logging.getLogger("ipcredit.monitoring")


@dataclass
class GraphRiskReport:
    """How many borrowers got a graph risk, how many warnings, and why none when none."""

    scored: int = 0
    warnings: int = 0
    notes: list[str] = field(default_factory=list)


async def refresh_graph_risk() -> GraphRiskReport:
    """Score every enterprise with the graph model; store it on borrowers' latest scores."""
    report = GraphRiskReport()
    try:
        from gnn import service as gnn_service

        answer: Any = gnn_service.score_all()
        if inspect.isawaitable(answer):
            answer = await answer
    except Exception as exc:  # noqa: BLE001 - without the model there is simply no graph risk
        report.notes.append(f"graph model not available: {type(exc).__name__}: {exc}")
        return report
    return await apply_graph_risk(dict(answer), report)


async def prepare_graph(*, database_url: str | None = None) -> dict[str, object]:
    """Load the active graph model and score the whole graph now; what came of it.

    No model, or one that cannot be used, is reported (and logged), never raised: decisions
    then go on without graph risk.
    """
    from gnn import service as gnn_service

    return await gnn_service.load_at_start(database_url=database_url)


class _Rescorer:
    """The firms waiting to be re-scored in one event loop, and the pass running for them."""

    def __init__(self) -> None:
        self.waiting: set[str] = set()
        self.task: asyncio.Task[None] | None = None
        self.done = asyncio.Event()
        self.done.set()

    def add(self, uscc: str) -> None:
        self.waiting.add(uscc)
        self.done.clear()
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        try:
            while self.waiting:
                await yield_to_urgent()  # an event being processed goes first
                usccs = sorted(self.waiting)
                self.waiting.clear()
                await rescore_after_event(*usccs)
        finally:
            if not self.waiting:
                self.done.set()


_rescorers: PerLoop[_Rescorer] = PerLoop(_Rescorer)


def schedule_rescore(uscc: str) -> None:
    """Have the enterprise's neighbourhood re-scored soon, with the others waiting (see the
    module's notes); returns at once. Nothing to do where no graph is loaded."""
    if getattr(sys.modules.get("gnn.service"), "refresh_enterprises", None) is None:
        return
    _rescorers.get().add(uscc)


async def rescored() -> None:
    """Wait until every re-scoring handed over in this event loop is done."""
    found = _rescorers.peek()
    if found is not None:
        await found.done.wait()


async def rescore_after_event(*usccs: str) -> GraphRiskReport:
    """Re-score the neighbourhoods of enterprises events touched, where the graph is loaded.

    A process that never loaded the graph model has nothing to keep current (and this never
    loads torch for it); failures are logged, never raised: the event is processed either way.
    """
    report = GraphRiskReport()
    service = sys.modules.get("gnn.service")
    refresh = getattr(service, "refresh_enterprises", None)
    if refresh is None:
        return report
    try:
        moved: Mapping[str, float] = await refresh(list(usccs))
        if moved:
            await apply_graph_risk(moved, report, only=list(moved))
    except Exception:  # noqa: BLE001 - the next rebuild catches up
        log.warning("graph risk not updated after events on %s", ", ".join(usccs), exc_info=True)
    return report


async def apply_graph_risk(
    scores: Mapping[str, float],
    report: GraphRiskReport | None = None,
    *,
    only: Collection[str] | None = None,
) -> GraphRiskReport:
    """Store each borrower's graph risk on its newest score and raise graph-risk warnings.

    `only` limits the work to these enterprises (by USCC).
    """
    out = report or GraphRiskReport()
    active = Loan.filter(status=ACTIVE)
    if only is not None:
        active = active.filter(enterprise__uscc__in=list(only))
    loans = await active.order_by("-id").values("id", "enterprise_id")
    newest: dict[int, int] = {}
    for row in loans:
        newest.setdefault(row["enterprise_id"], row["id"])
    firms = await Enterprise.filter(id__in=list(newest)).values("id", "uscc", "name")
    last_ids = await (
        RiskScore.filter(enterprise_id__in=list(newest))
        .group_by("enterprise_id")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    latest = {s.enterprise_id: s for s in await RiskScore.filter(id__in=list(last_ids))}  # type: ignore[attr-defined]
    drafts: list[tuple[int, WarningDraft]] = []
    changed: list[RiskScore] = []
    for firm in firms:
        risk = scores.get(firm["uscc"])
        if risk is None:
            continue
        score = latest.get(firm["id"])
        before = None if score is None else score.graph_risk
        if score is not None:
            score.graph_risk = float(risk)
            changed.append(score)
        out.scored += 1
        context = LoanContext(firm["name"], newest[firm["id"]], Decimal(0))
        after = Figures(graph_risk=float(risk))
        drafts += [
            (firm["id"], d)
            for d in evaluate_indicator_change(Figures(graph_risk=before), after, context)
        ]
    if changed:
        await RiskScore.bulk_update(changed, fields=["graph_risk"], batch_size=1000)
    if drafts:

        async def work(conn: BaseDBAsyncClient) -> int:
            new = 0
            for enterprise_id, draft in drafts:
                new += int((await raise_warning(draft, enterprise_id=enterprise_id, conn=conn)).new)
            return new

        out.warnings = await in_retried_transaction(work)
        if out.warnings:
            outbox.notify()
    return out
