"""Raising warnings: one open per enterprise, kind and source, written with its outbox message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.transactions import in_transaction

from db.models import OutboxMessage, RiskWarning, WarningLevel, WarningStatus
from domain import audit
from domain.credit.lines import freeze_for_warning
from domain.messaging.topics import Topic
from domain.monitoring.contagion_rules import is_contagion_source
from domain.monitoring.rules import LEVEL_RANK, WarningDraft, load_rules

MONITOR_ACTOR = "system:monitoring"
MAX_EVIDENCE_EVENTS = 50
# how many of an enterprise's latest warnings of a kind are searched for the same source
_HISTORY = 50
T = TypeVar("T")


def open_key(enterprise_id: int, kind: str, source: str) -> str:
    """The unique key an open warning holds (NULL once resolved)."""
    return f"{enterprise_id}|{kind}|{source}"[:128]


@dataclass(frozen=True)
class Raised:
    """What raising a draft did: a new warning, an update of the open one, or nothing."""

    warning: RiskWarning | None
    new: bool


async def raise_warning(
    draft: WarningDraft,
    *,
    enterprise_id: int,
    conn: BaseDBAsyncClient,
    contagion_source_id: int | None = None,
    contagion_path: Sequence[dict[str, str]] = (),
    actor: str = MONITOR_ACTOR,
) -> Raised:
    """Create the warning, or fold the draft into the open one; inside the caller's transaction."""
    key = open_key(enterprise_id, draft.kind, draft.source)
    current = await _open_warning(key, conn)
    if current is not None:
        if LEVEL_RANK[WarningLevel(draft.level)] > LEVEL_RANK[WarningLevel(current.level)]:
            await _supersede(current, draft, conn=conn, actor=actor)
        else:
            return Raised(await _fold(current, draft, conn=conn), False)
    elif await _already_seen(enterprise_id, draft, conn):
        return Raised(None, False)
    warning = await RiskWarning.create(
        enterprise_id=enterprise_id,
        loan_id=draft.loan_id,
        level=draft.level,
        kind=draft.kind,
        message=draft.message,
        evidence={**draft.evidence, "source": draft.source, "fingerprint": draft.fingerprint},
        contagion_source_id=contagion_source_id,
        contagion_path=list(contagion_path),
        status=WarningStatus.OPEN,
        open_key=key,
        using_db=conn,
    )
    await freeze_for_warning(warning, conn=conn, actor=actor)  # a RED warning freezes lines
    await _enqueue_notices(
        warning,
        draft,
        enterprise_id=enterprise_id,
        contagion_source_id=contagion_source_id,
        conn=conn,
    )
    await audit.record(
        actor=actor,
        action="warning.raise",
        entity_type="risk_warning",
        entity_id=warning.id,
        data={
            "enterprise_id": enterprise_id,
            "level": str(draft.level),
            "kind": draft.kind,
            "rule": draft.rule,
            "source": draft.source,
        },
        connection=conn,
    )
    return Raised(warning, True)


async def _open_warning(key: str, conn: BaseDBAsyncClient) -> RiskWarning | None:
    """The open warning holding `key`, locked on PostgreSQL until the transaction ends."""
    query = RiskWarning.filter(open_key=key).using_db(conn)
    if conn.capabilities.dialect == "postgres":
        query = query.select_for_update()
    return await query.first()


async def _enqueue_notices(
    warning: RiskWarning,
    draft: WarningDraft,
    *,
    enterprise_id: int,
    contagion_source_id: int | None,
    conn: BaseDBAsyncClient,
) -> None:
    """Outbox rows for the new warning: its notice, and a contagion run for a severe source."""
    await OutboxMessage.create(
        topic=Topic.WARNING,
        key=str(warning.id),
        payload={
            "warning_id": warning.id,
            "enterprise_id": enterprise_id,
            "level": str(draft.level),
            "kind": draft.kind,
        },
        using_db=conn,
    )
    if contagion_source_id is None and draft.kind != load_rules().contagion.get("kind"):
        if is_contagion_source(draft.level):
            await OutboxMessage.create(
                topic=Topic.RUN_CONTAGION,
                key=str(warning.id),
                payload={"warning_id": warning.id},
                using_db=conn,
            )


async def _already_seen(enterprise_id: int, draft: WarningDraft, conn: BaseDBAsyncClient) -> bool:
    """True when the latest warning of this key carried the same fingerprint."""
    if draft.fingerprint is None:
        return False
    history = (
        await RiskWarning.filter(enterprise_id=enterprise_id, kind=draft.kind)
        .using_db(conn)
        .order_by("-id")
        .limit(_HISTORY)
        .values("evidence")
    )
    for row in history:
        evidence = row["evidence"] or {}
        if evidence.get("source", "") == draft.source:
            return bool(evidence.get("fingerprint") == draft.fingerprint)
    return False


async def _fold(
    current: RiskWarning, draft: WarningDraft, *, conn: BaseDBAsyncClient
) -> RiskWarning:
    """A repeat of an open warning updates its evidence instead of raising another."""
    evidence: dict[str, Any] = dict(current.evidence or {})
    if evidence.get("fingerprint") == draft.fingerprint and draft.fingerprint is not None:
        return current
    events = list(evidence.get("events", []))
    known = {e.get("event_id") for e in events}
    events += [e for e in draft.evidence.get("events", []) if e.get("event_id") not in known]
    merged = {**evidence, **draft.evidence}
    if events:
        merged["events"] = events[-MAX_EVIDENCE_EVENTS:]
    merged["repeats"] = int(evidence.get("repeats", 0)) + 1
    merged["fingerprint"] = draft.fingerprint
    merged["source"] = draft.source
    current.evidence = merged
    current.message = draft.message
    await current.save(using_db=conn, update_fields=["evidence", "message", "updated_at"])
    return current


async def _supersede(
    current: RiskWarning, draft: WarningDraft, *, conn: BaseDBAsyncClient, actor: str
) -> None:
    """A more severe repeat resolves the open warning so a new one (and its notice) goes out."""
    current.status = WarningStatus.RESOLVED
    current.open_key = None
    current.note = f"superseded by a {draft.level} warning"
    await current.save(using_db=conn, update_fields=["status", "open_key", "note", "updated_at"])
    await audit.record(
        actor=actor,
        action="warning.supersede",
        entity_type="risk_warning",
        entity_id=current.id,
        data={"from_level": str(current.level), "to_level": str(draft.level)},
        connection=conn,
    )


async def in_retried_transaction(
    work: Callable[[BaseDBAsyncClient], Awaitable[T]], *, attempts: int = 4
) -> T:
    """Run `work` in a transaction, again from the start when a concurrent writer won a race."""
    for attempt in range(attempts):
        try:
            async with in_transaction() as conn:
                return await work(conn)
        except (IntegrityError, OperationalError):
            # two raisers of the same open key, or SQLite's busy snapshot: the retry sees the
            # winner's row and folds into it
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
