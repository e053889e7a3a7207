"""Contagion warnings: when a borrower's trouble may reach other borrowers through the graph.

The graph model (gnn.service) re-scores the neighbourhood with the source shocked and lists who
is exposed. When it cannot answer (not installed, no trained model, an error), a documented walk
stands in: enterprises within `hops` links of guarantee, supply or shareholding relations,
followed in either direction (a guarantor is exposed to the guaranteed party's default and
the guaranteed party loses its guarantor; customers, suppliers, holders and investees all feel
a default). The evidence of every warning says which method produced it.

Sources are taken in passes (`run_contagion_turn`): one pass at a time per event loop, taking
along every source whose run is still to come, exposures found one source at a time with urgent
work (an event's own warnings) going first between them, and each source's warnings committed
with its mark in one transaction: exactly once, however the messages are redelivered.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from db.models import Enterprise, IdempotencyRecord, Loan, OutboxMessage, Relation, RiskWarning
from domain.errors import NotFound
from domain.loops import PerLoop
from domain.messaging import outbox
from domain.messaging.topics import Topic
from domain.monitoring.contagion_rules import (
    ContagionSource,
    Exposure,
    contagion_draft,
    is_contagion_source,
)
from domain.monitoring.rules import RuleSet, load_rules
from domain.monitoring.store import in_retried_transaction, raise_warning
from domain.monitoring.urgency import yield_to_urgent

log = logging.getLogger("ipcredit.contagion")
ACTIVE = "ACTIVE"
MARK_OPERATION = "monitoring.contagion"  # the mark of a source whose contagion has run
MAX_SOURCES = 50  # sources in one pass at most
RECENT_SOURCES = timedelta(days=1)  # how far back a pass looks for sources to take along
RECENT_MESSAGES = 5000


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
    """Raise contagion warnings on exposed borrowers of a RED or ORANGE warning (idempotent).

    The warnings it raises and the mark that it ran are committed together: a second run
    (a redelivered message, a retry after a crash) finds the mark and does nothing.
    """
    return await contagion_pass([warning_id], hops=hops)


async def run_contagion_turn(
    *, warning_id: int, hops: int | None = None, wait: bool = True
) -> list[RiskWarning] | None:
    """Contagion of this warning in a pass with every other source still waiting for one.

    At most one pass runs at a time in an event loop. It takes along the other sources whose
    run is still to come (recent `run_contagion` messages without their mark, oldest first, at
    most `MAX_SOURCES` in all), so a burst of RED warnings costs a few passes instead of one
    each; their own messages then find the mark. None when a pass is running here and `wait`
    is False: the caller asks again later (a worker thread is not held for it).
    """
    lock = _pass_lock.get()
    if await _marked([warning_id]):
        return []
    if lock.locked() and not wait:
        return None
    async with lock:
        if await _marked([warning_id]):
            return []
        others = await waiting_sources(exclude={warning_id})
        return await contagion_pass([warning_id, *others], hops=hops)


async def waiting_sources(*, exclude: Collection[int] = ()) -> list[int]:
    """Warnings with a recent `run_contagion` message and no mark yet, oldest first (at most
    `MAX_SOURCES` - 1: a pass holds its own warning too); those in `exclude` left out."""
    since = datetime.now(UTC) - RECENT_SOURCES
    payloads: list[Any] = list(
        await OutboxMessage.filter(topic=Topic.RUN_CONTAGION, created_at__gte=since)
        .order_by("-id")
        .limit(RECENT_MESSAGES)
        .values_list("payload", flat=True)
    )
    ids = sorted({int(p["warning_id"]) for p in payloads if isinstance(p, dict)} - set(exclude))
    marked = await _marked(ids)
    return [i for i in ids if i not in marked][: MAX_SOURCES - 1]


async def contagion_pass(
    warning_ids: Sequence[int], *, hops: int | None = None
) -> list[RiskWarning]:
    """Contagion warnings of several sources in one pass: exposures found one source at a time
    and borrowers read once, then each source's warnings and its mark committed together, in
    id order (urgent work goes first between sources): the same warnings as one run each.

    NotFound when the first warning does not exist (those taken along are skipped)."""
    rules = load_rules()
    wanted = list(dict.fromkeys(int(i) for i in warning_ids))
    found = {w.id: w for w in await RiskWarning.filter(id__in=wanted)}
    if wanted and wanted[0] not in found:
        raise NotFound(f"no warning {wanted[0]}", field="warning_id")
    reach = hops if hops is not None else int(rules.contagion.get("hops", 2))
    plans: list[_Plan] = []
    for warning_id in sorted(found):
        plans.append(await _plan(found[warning_id], reach, rules))
    borrowers = await _borrowers(sorted({e.uscc for p in plans for e in p.exposed}))

    raised: list[RiskWarning] = []
    for plan in plans:
        await yield_to_urgent()
        raised += await in_retried_transaction(partial(_commit, plan, borrowers, rules))
    if raised:
        outbox.notify()
    return raised


async def _commit(
    plan: _Plan,
    borrowers: Mapping[str, tuple[int, int]],
    rules: RuleSet,
    conn: BaseDBAsyncClient,
) -> list[RiskWarning]:
    """One source's warnings and its mark, in one transaction; nothing when it is marked (a
    run elsewhere did it meanwhile)."""
    if await _marked([plan.warning_id], conn):
        return []
    mine = await _raise(plan, borrowers, rules, conn)
    await IdempotencyRecord.create(
        key=_mark(plan.warning_id), user_id=0, operation=MARK_OPERATION,
        request_hash="", response={"raised": [w.id for w in mine]}, using_db=conn,
    )  # fmt: skip
    return mine


@dataclass(frozen=True)
class _Plan:
    """One source's exposures (none when the warning does not spread)."""

    warning_id: int
    source: ContagionSource | None = None
    enterprise_id: int = 0
    exposures: Exposures | None = None

    @property
    def exposed(self) -> tuple[Exposure, ...]:
        return () if self.exposures is None else self.exposures.items


async def _plan(warning: RiskWarning, hops: int, rules: RuleSet) -> _Plan:
    if warning.kind == rules.contagion.get("kind") or warning.contagion_source_id:
        return _Plan(warning.id)  # contagion does not spread from contagion warnings
    if not is_contagion_source(warning.level, rules):
        return _Plan(warning.id)
    await yield_to_urgent()
    enterprise = await Enterprise.get(id=warning.enterprise_id)
    source = ContagionSource(
        warning_id=warning.id, uscc=enterprise.uscc, name=enterprise.name,
        level=warning.level, kind=warning.kind,
    )  # fmt: skip
    return _Plan(
        warning.id, source, enterprise.id, await find_exposures(enterprise.uscc, hops=hops)
    )


async def _raise(
    plan: _Plan, borrowers: Mapping[str, tuple[int, int]], rules: RuleSet, conn: BaseDBAsyncClient
) -> list[RiskWarning]:
    """The contagion warnings of one source, inside the pass's transaction."""
    if plan.source is None or plan.exposures is None:
        return []
    raised = []
    for exposure in plan.exposures.items:
        if exposure.uscc not in borrowers or exposure.uscc == plan.source.uscc:
            continue
        enterprise_id, loan_id = borrowers[exposure.uscc]
        draft = contagion_draft(
            plan.source, exposure, method=plan.exposures.method,
            model_version=plan.exposures.model_version, note=plan.exposures.note,
            loan_id=loan_id, rules=rules,
        )  # fmt: skip
        if draft is None:
            continue
        result = await raise_warning(
            draft, enterprise_id=enterprise_id, conn=conn,
            contagion_source_id=plan.enterprise_id,
            contagion_path=[dict(s) for s in exposure.path],
        )  # fmt: skip
        if result.new and result.warning is not None:
            raised.append(result.warning)
    return raised


def _mark(warning_id: int) -> str:
    return f"contagion:{warning_id}"


async def _marked(warning_ids: Sequence[int], conn: BaseDBAsyncClient | None = None) -> set[int]:
    """Those of the warnings whose contagion has run (their mark is stored)."""
    found: set[int] = set()
    for i in range(0, len(warning_ids), 500):
        keys = [_mark(w) for w in warning_ids[i : i + 500]]
        query = IdempotencyRecord.filter(key__in=keys, user_id=0)
        rows = await (query if conn is None else query.using_db(conn)).values_list("key", flat=True)
        found |= {int(str(k).rpartition(":")[2]) for k in rows}
    return found


# held by the pass running in an event loop
_pass_lock: PerLoop[asyncio.Lock] = PerLoop(asyncio.Lock)


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
