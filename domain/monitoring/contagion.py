"""Contagion warnings: when a borrower's trouble may reach other borrowers through the graph.

The graph model (gnn.service) re-scores the neighbourhood with the source shocked and lists who
is exposed. When it cannot answer (not installed, no trained model, an error), a documented walk
stands in: enterprises within `hops` links of guarantee, supply or shareholding relations,
followed in either direction (a guarantor is exposed to the guaranteed party's default and
the guaranteed party loses its guarantor; customers, suppliers, holders and investees all feel
a default). The evidence of every warning says which method produced it.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from db.models import Enterprise, Loan, Relation, RiskWarning
from domain.errors import NotFound
from domain.messaging import outbox
from domain.monitoring.contagion_rules import (
    ContagionSource,
    Exposure,
    contagion_draft,
    is_contagion_source,
)
from domain.monitoring.rules import load_rules
from domain.monitoring.store import in_retried_transaction, raise_warning

log = logging.getLogger("ipcredit.contagion")
ACTIVE = "ACTIVE"


@dataclass(frozen=True)
class Exposures:
    """Who is exposed, by which method, and why that method."""

    items: tuple[Exposure, ...]
    method: str
    model_version: str | None
    note: str | None = None


def walk(
    relations: Iterable[tuple[str, str, str]], source: str, hops: int
) -> dict[str, tuple[int, tuple[dict[str, str], ...]]]:
    """Breadth-first over (kind, from, to) links in either direction: uscc -> (hops, path).

    Each path step keeps the relation's own direction, so `A -guarantee-> B` reads as
    A guarantees B whichever way the walk crossed it.
    """
    adjacency: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for kind, src, dst in relations:
        step = {"from": src, "relation": kind, "to": dst}
        adjacency.setdefault(src, []).append((dst, step))
        adjacency.setdefault(dst, []).append((src, step))
    found: dict[str, tuple[int, tuple[dict[str, str], ...]]] = {source: (0, ())}
    frontier = [source]
    for depth in range(1, hops + 1):
        nxt = []
        for node in frontier:
            for other, step in sorted(
                adjacency.get(node, []), key=lambda x: (x[0], x[1]["relation"])
            ):
                if other in found:
                    continue
                found[other] = (depth, (*found[node][1], step))
                nxt.append(other)
        frontier = nxt
    del found[source]
    return found


async def walk_exposures(source_uscc: str, *, hops: int, kinds: Sequence[str]) -> list[Exposure]:
    """The fallback walk over stored relations (two queries per hop)."""
    links: set[tuple[str, str, str]] = set()
    seen = {source_uscc}
    frontier = {source_uscc}
    for _ in range(hops):
        rows = await Relation.filter(
            Q(src__in=list(frontier)) | Q(dst__in=list(frontier)), kind__in=list(kinds)
        ).values_list("kind", "src", "dst")
        fresh: set[str] = set()
        for kind, src, dst in rows:
            links.add((str(kind), str(src), str(dst)))
            fresh.update({str(src), str(dst)} - seen)
        seen |= fresh
        frontier = fresh
        if not frontier:
            break
    reached = walk(sorted(links), source_uscc, hops)
    names = dict(await Enterprise.filter(uscc__in=list(reached)).values_list("uscc", "name"))
    return [
        Exposure(uscc=u, name=str(names[u]), hops=h, path=path)
        for u, (h, path) in sorted(reached.items(), key=lambda kv: (kv[1][0], kv[0]))
        if u in names
    ]


def _step(step: Any) -> dict[str, str]:
    """A path step from the graph model (PathStep) or a mapping, as {from, relation, to}."""
    if isinstance(step, Mapping):
        return {
            "from": str(step.get("from", step.get("source", ""))),
            "relation": str(step.get("relation", "")),
            "to": str(step.get("to", step.get("target", ""))),
        }
    return {
        "from": str(step.source),
        "relation": str(step.relation),
        "to": str(step.target),
    }


async def find_exposures(source_uscc: str, *, hops: int) -> Exposures:
    """Ask the graph model; when it cannot answer, walk the relations and say so."""
    spec = load_rules().contagion
    kinds = list(spec.get("walk_relations", ["guarantee", "supply", "shareholding"]))
    try:
        from gnn import service as gnn_service

        answer: Any = gnn_service.contagion(uscc=source_uscc, hops=hops)
        if inspect.isawaitable(answer):
            answer = await answer
        items = tuple(
            Exposure(
                uscc=str(e.uscc),
                name=str(e.name),
                hops=int(e.hops),
                path=tuple(_step(s) for s in e.path),
                risk_before=float(e.risk_before),
                risk_after=float(e.risk_after),
            )
            for e in answer.exposed
        )
        return Exposures(items, "gnn", str(getattr(answer, "model_version", "")) or None)
    except Exception as exc:  # noqa: BLE001 - any failure of the model falls back to the walk
        reason = f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, ImportError):
            log.warning("graph contagion failed, walking relations instead: %s", reason)
    note = (
        f"the graph model was not available ({reason}); exposure found by a walk over "
        f"{', '.join(kinds)} relations within {hops} hops"
    )
    return Exposures(
        tuple(await walk_exposures(source_uscc, hops=hops, kinds=kinds)), "walk", None, note
    )


async def run_contagion(*, warning_id: int, hops: int | None = None) -> list[RiskWarning]:
    """Raise contagion warnings on exposed borrowers of a RED or ORANGE warning (idempotent)."""
    source_warning = await RiskWarning.get_or_none(id=warning_id)
    if source_warning is None:
        raise NotFound(f"no warning {warning_id}", field="warning_id")
    rules = load_rules()
    if source_warning.kind == rules.contagion.get("kind") or source_warning.contagion_source_id:
        return []  # contagion does not spread from contagion warnings
    if not is_contagion_source(source_warning.level, rules):
        return []
    enterprise = await Enterprise.get(id=source_warning.enterprise_id)
    reach = hops if hops is not None else int(rules.contagion.get("hops", 2))
    exposures = await find_exposures(enterprise.uscc, hops=reach)
    borrowers = await _borrowers([e.uscc for e in exposures.items])
    source = ContagionSource(
        warning_id=source_warning.id,
        uscc=enterprise.uscc,
        name=enterprise.name,
        level=source_warning.level,
        kind=source_warning.kind,
    )

    async def work(conn: BaseDBAsyncClient) -> list[RiskWarning]:
        raised = []
        for exposure in exposures.items:
            if exposure.uscc not in borrowers or exposure.uscc == enterprise.uscc:
                continue
            enterprise_id, loan_id = borrowers[exposure.uscc]
            draft = contagion_draft(
                source,
                exposure,
                method=exposures.method,
                model_version=exposures.model_version,
                note=exposures.note,
                loan_id=loan_id,
                rules=rules,
            )
            if draft is None:
                continue
            result = await raise_warning(
                draft,
                enterprise_id=enterprise_id,
                conn=conn,
                contagion_source_id=enterprise.id,
                contagion_path=[dict(s) for s in exposure.path],
            )
            if result.new and result.warning is not None:
                raised.append(result.warning)
        return raised

    raised = await in_retried_transaction(work)
    if raised:
        outbox.notify()
    return raised


async def _borrowers(usccs: Sequence[str]) -> dict[str, tuple[int, int]]:
    """uscc -> (enterprise id, newest active loan id) for those with an active loan."""
    if not usccs:
        return {}
    ids = dict(await Enterprise.filter(uscc__in=list(usccs)).values_list("id", "uscc"))
    out: dict[str, tuple[int, int]] = {}
    for loan_id, enterprise_id in (
        await Loan.filter(enterprise_id__in=list(ids), status=ACTIVE)
        .order_by("id")
        .values_list("id", "enterprise_id")
    ):
        out[str(ids[enterprise_id])] = (int(enterprise_id), int(loan_id))
    return out
