"""Which relation and counterparty moved graph risk into the policy's review or reject band.

Worked out once, when a decision is made and only when graph risk reaches the review band,
from the graph model's explanation (leave-one-relation-out and neighbour occlusion), and
recorded with the decision's inputs (`RiskInputs.graph_driver`): the engine turns the record
into a reason, so a replay gives the same reason without the graph. Bank staff read the
counterparty (name and USCC or other id); applicants read the relation kind only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from domain.decision.inputs import Counterparty, GraphDriver, Reason, RiskInputs
from domain.decision.policy import Policy

if TYPE_CHECKING:
    from db.models import LoanApplication
    from gnn.explain import Explanation

log = logging.getLogger(__name__)

FOUND = "FOUND"
OWN_DATA = "OWN_DATA"
UNAVAILABLE = "UNAVAILABLE"
# stable reason codes, one per driver status
CODES = {
    FOUND: "GRAPH_DRIVER",
    OWN_DATA: "GRAPH_DRIVER_OWN_DATA",
    UNAVAILABLE: "GRAPH_DRIVER_UNKNOWN",
}
# a contribution smaller than this (a probability) moved nothing worth naming
MIN_DELTA = 0.005
EXPLAIN_SECONDS = 30.0
# reason keys only bank staff read
STAFF_ONLY_KEYS = ("counterparty",)

Explainer = Callable[[str], Awaitable[GraphDriver]]


def driver_from_explanation(expl: Explanation, *, min_delta: float = MIN_DELTA) -> GraphDriver:
    """The counterparty that raises the risk most and the relation it is linked by; without
    one, the relation kind that raises it most; without either, OWN_DATA."""
    from gnn.explain import RELATION_WORDS

    version = expl.model_version
    raising = [c for c in expl.neighbours if c.delta >= min_delta]
    if raising:
        top = max(raising, key=lambda c: c.delta)
        return GraphDriver(
            status=FOUND,
            relation=top.relation,
            relation_words=RELATION_WORDS.get(top.relation, top.relation),
            counterparty=Counterparty(top.node_type, top.node_id, top.node_name or top.node_id),
            delta=round(top.delta, 6),
            model_version=version,
        )
    kinds = [c for c in expl.relations if c.delta >= min_delta]
    if kinds:
        top = max(kinds, key=lambda c: c.delta)
        return GraphDriver(
            status=FOUND,
            relation=top.relation,
            relation_words=RELATION_WORDS.get(top.relation, top.relation),
            delta=round(top.delta, 6),
            model_version=version,
        )
    return GraphDriver(status=OWN_DATA, model_version=version)


async def explain_driver(uscc: str) -> GraphDriver:
    """The driver of an enterprise's graph risk from the graph model in service; UNAVAILABLE
    (never an error: lending goes on) when the model cannot explain it in time."""
    from gnn import service

    try:
        expl, _codes = await asyncio.wait_for(service.explain(uscc=uscc), EXPLAIN_SECONDS)
    except Exception as exc:  # noqa: BLE001 - the decision goes on, the reason says why
        log.warning("no graph explanation for %s: %s: %s", uscc, type(exc).__name__, exc)
        detail = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        return GraphDriver(status=UNAVAILABLE, detail=str(detail)[:300])
    return driver_from_explanation(expl)


async def with_graph_driver(
    application: LoanApplication,
    inputs: RiskInputs,
    policy: Policy,
    explainer: Explainer | None = None,
) -> RiskInputs:
    """The inputs with what moved graph risk most, when graph risk reaches the policy's review
    band and the gatherer did not already record it; else the inputs unchanged."""
    risk = inputs.graph_risk
    if risk is None or risk < policy.graph_risk_review or inputs.graph_driver is not None:
        return inputs
    from db.models import Enterprise

    enterprise = await Enterprise.get(id=application.enterprise_id)  # type: ignore[attr-defined]
    driver = await (explainer or explain_driver)(enterprise.uscc)
    return replace(inputs, graph_driver=driver)


def driver_reason(driver: GraphDriver | None) -> Reason | None:
    """The reason a recorded driver gives (None when none was recorded)."""
    if driver is None:
        return None
    code = CODES.get(driver.status, CODES[UNAVAILABLE])
    if driver.status == FOUND and driver.relation is not None:
        words = driver.relation_words or driver.relation
        points = f"{100 * driver.delta:+.1f} points"
        public = f"graph risk from related parties was raised most through {words}"
        party = driver.counterparty
        if party is None:
            staff = f"graph risk was raised most through {words} ({points})"
        else:
            staff = (
                f"graph risk was raised most by {party.name} ({party.id}, {party.node_type}) "
                f"through {words} ({points})"
            )
        return Reason(code, staff, driver.delta, driver.relation, party, public)
    if driver.status == OWN_DATA:
        text = "no relation raised the graph risk: it comes from the enterprise's own data"
        return Reason(code, text, 0.0, public_description=text)
    public = "which relation raised the graph risk could not be worked out"
    staff = f"{public}: {driver.detail or 'no explanation'}"
    return Reason(code, staff, 0.0, public_description=public)


def applicant_reason(reason: Mapping[str, Any]) -> dict[str, Any]:
    """A stored reason as an applicant may read it: a graph reason's public words and relation
    kind, never the counterparty (idempotent; other reasons pass through unchanged)."""
    out = {k: v for k, v in reason.items() if k not in STAFF_ONLY_KEYS}
    public = reason.get("public_description")
    if public is not None:
        out["description"] = public
    elif "counterparty" in reason or str(reason.get("code")) in CODES.values():
        out["description"] = "graph risk from related parties"
    return out


def counterparty_of(reason: Mapping[str, Any], *, staff_viewer: bool) -> dict[str, str] | None:
    """The counterparty a graph reason names, for staff only."""
    party = reason.get("counterparty")
    if not staff_viewer or not isinstance(party, Mapping):
        return None
    return {k: str(party.get(k, "")) for k in ("node_type", "id", "name")}


__all__ = [
    "CODES",
    "Explainer",
    "applicant_reason",
    "counterparty_of",
    "driver_from_explanation",
    "driver_reason",
    "explain_driver",
    "with_graph_driver",
]
