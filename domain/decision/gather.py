"""Gathering a decision's inputs from the scoring, valuation, rule and graph services."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from db.models import Enterprise, Financial, LoanApplication, RiskScore, TaxRecord, Valuation
from domain.decision.inputs import Reason, RiskInputs, RuleHit
from domain.scoring.admission import check_application
from domain.scoring.service import score_enterprise
from domain.valuation.service import value_patent

log = logging.getLogger(__name__)
GRAPH_RETRY_SECONDS = 300.0
_graph_down_until = [0.0]


async def gather_risk_inputs(application: LoanApplication) -> RiskInputs:
    """Score the enterprise, value each pledged patent, run the rules, read graph risk."""
    from domain.applications.service import pledged_numbers

    now = datetime.now(UTC)
    enterprise = await Enterprise.get(id=application.enterprise_id)  # type: ignore[attr-defined]
    numbers = await pledged_numbers(application_id=application.id)
    # the services spend most of their time in worker threads: run them side by side, and
    # stop the others as soon as one fails
    try:
        async with asyncio.TaskGroup() as group:
            scoring = group.create_task(score_enterprise(enterprise_id=enterprise.id))
            checking = group.create_task(
                check_application(uscc=enterprise.uscc, patent_numbers=numbers, as_of=now)
            )
            graphing = group.create_task(graph_risk_of(enterprise.uscc))
            revenue_task = group.create_task(annual_revenue(enterprise_id=enterprise.id))
            valuing = group.create_task(_value_all(numbers, now))
    except BaseExceptionGroup as failed:
        raise _first(failed) from None
    score, rules, revenue = scoring.result(), checking.result(), revenue_task.result()
    graph_risk, gnn_version = graphing.result()
    valuations = dict(zip(numbers, valuing.result(), strict=True))
    versions: dict[str, str] = {str(k): str(v) for k, v in (score.model_versions or {}).items()}
    versions["rules"] = rules.rules_version
    model_names = sorted({v.model_version for v in valuations.values()})
    if model_names:
        versions["valuation"] = "+".join(model_names)
    if gnn_version is not None:
        versions["gnn"] = gnn_version
        await RiskScore.filter(id=score.id).update(
            graph_risk=graph_risk,
            model_versions={**(score.model_versions or {}), "gnn": gnn_version},
        )
    return RiskInputs(
        probability_of_default=float(score.probability_of_default),
        grade=score.grade,
        score=score.score,
        reasons=tuple(_reason(r) for r in score.reasons or []),
        graph_risk=graph_risk,
        pledge_values={n: Decimal(v.pledge_value) for n, v in valuations.items()},
        annual_revenue=revenue,
        rule_hits=tuple(RuleHit(h.code, h.kind, h.action, h.description) for h in rules.hits),
        model_versions=versions,
        as_of=now,
        risk_score_id=score.id,
        valuation_ids={n: v.id for n, v in valuations.items()},
    )


async def graph_risk_of(uscc: str) -> tuple[float | None, str | None]:
    """The GNN's risk for an enterprise and the model version; (None, None) without a model.

    One dictionary read once the graph is loaded (the worker process loads it at start-up and
    keeps it current in the background); only a process that never loaded it pays here, once.
    """
    from gnn.errors import GraphRiskError
    from gnn.service import loaded

    if time.monotonic() < _graph_down_until[0]:
        return None, None
    try:
        state = await loaded()
    except GraphRiskError:
        return None, None
    except Exception:
        # a graph model that cannot be loaded must not stop lending: decide without it, say so
        # loudly, and do not pay for another failed load on every application for a while
        log.exception("graph model unusable; deciding without graph risk for a while")
        _graph_down_until[0] = time.monotonic() + GRAPH_RETRY_SECONDS
        return None, None
    risk = state.risk_of(uscc)
    return (None, None) if risk is None else (risk, state.version)


async def _value_all(numbers: list[str], when: datetime) -> list[Valuation]:
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(value_patent(number=n, as_of=when)) for n in numbers]
    return [t.result() for t in tasks]


async def annual_revenue(*, enterprise_id: int) -> Decimal | None:
    """The latest full-year revenue: from financial statements, else from tax records."""
    statements = await Financial.filter(
        enterprise_id=enterprise_id, revenue__isnull=False
    ).order_by("-period")
    for statement in statements:
        if statement.period.isdigit() and statement.revenue is not None:
            return Decimal(statement.revenue)
    tax = (
        await TaxRecord.filter(enterprise_id=enterprise_id, revenue__isnull=False)
        .order_by("-year")
        .first()
    )
    return None if tax is None or tax.revenue is None else Decimal(tax.revenue)


def _first(error: BaseException) -> BaseException:
    """The first real error inside (possibly nested) task-group errors."""
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


def _reason(raw: Any) -> Reason:
    if not isinstance(raw, dict):
        return Reason(str(raw), str(raw), 0.0)
    code = str(raw.get("code", "SCORECARD"))
    weight = raw.get("weight", raw.get("points", 0.0))
    return Reason(code, str(raw.get("description", code)), float(weight or 0.0))
