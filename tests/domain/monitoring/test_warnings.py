"""Acknowledge and resolve with audit, visibility, pages, and the dead-letter list."""

from __future__ import annotations

import pytest

from db.models import AuditEntry, RiskWarning, WarningLevel, WarningStatus
from domain.audit import verify_chain
from domain.errors import DomainError, ErrorCode
from domain.monitoring.rules import WarningDraft
from domain.monitoring.store import in_retried_transaction, raise_warning
from domain.monitoring.warnings import (
    acknowledge_warning,
    get_warning_or_raise,
    list_dead_letters,
    list_warnings,
    open_warning_count,
    record_dead_letter,
    resolve_warning,
    warnings_by_ids,
)
from tests.domain.monitoring.helpers import Portfolio


async def put(enterprise_id: int, level: str, kind: str) -> RiskWarning:
    draft = WarningDraft(WarningLevel(level), kind, f"{kind} message", "T", {})
    result = await in_retried_transaction(
        lambda conn: raise_warning(draft, enterprise_id=enterprise_id, conn=conn)
    )
    assert result.warning is not None
    return result.warning


async def test_acknowledge_then_resolve_with_audit(portfolio: Portfolio) -> None:
    w = await put(portfolio.a.id, "RED", "equity_frozen")
    acked = await acknowledge_warning(principal=portfolio.staff, warning_id=w.id)
    assert acked.status == WarningStatus.ACKNOWLEDGED
    again = await acknowledge_warning(principal=portfolio.staff, warning_id=w.id)
    assert again.status == WarningStatus.ACKNOWLEDGED
    done = await resolve_warning(principal=portfolio.staff, warning_id=w.id, note=" 已核实 ")
    assert (done.status, done.note, done.open_key) == (WarningStatus.RESOLVED, "已核实", None)
    actions = (
        await AuditEntry.filter(entity_id=str(w.id)).order_by("seq").values_list("action", "actor")
    )
    assert actions == [
        ("warning.raise", "system:monitoring"),
        ("warning.acknowledge", "user:risk@bank.example"),
        ("warning.resolve", "user:risk@bank.example"),
    ]
    assert (await verify_chain()).ok
    for action in (
        acknowledge_warning(principal=portfolio.staff, warning_id=w.id),
        resolve_warning(principal=portfolio.staff, warning_id=w.id, note="again"),
    ):
        with pytest.raises(DomainError) as err:
            await action
        assert err.value.code == ErrorCode.INVALID_STATE


async def test_only_staff_act_on_warnings(portfolio: Portfolio) -> None:
    w = await put(portfolio.a.id, "RED", "equity_frozen")
    with pytest.raises(DomainError) as err:
        await acknowledge_warning(principal=portfolio.applicant_a, warning_id=w.id)
    assert err.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(DomainError) as err:
        await resolve_warning(principal=portfolio.staff, warning_id=w.id, note="  ")
    assert (err.value.code, err.value.field) == (ErrorCode.INVALID_INPUT, "note")
    with pytest.raises(DomainError) as err:
        await resolve_warning(principal=portfolio.staff, warning_id=w.id + 99, note="x")
    assert err.value.code == ErrorCode.NOT_FOUND
    assert (
        await AuditEntry.filter(action__in=["warning.acknowledge", "warning.resolve"]).count() == 0
    )


async def test_applicants_see_only_their_own(portfolio: Portfolio) -> None:
    wa = await put(portfolio.a.id, "RED", "equity_frozen")
    wb = await put(portfolio.b.id, "YELLOW", "legal_rep_changed")
    mine = await list_warnings(principal=portfolio.applicant_a)
    assert [w.id for w in mine.rows] == [wa.id] and mine.total_count == 1
    with pytest.raises(DomainError) as err:
        await get_warning_or_raise(principal=portfolio.applicant_a, warning_id=wb.id)
    assert err.value.code == ErrorCode.NOT_FOUND
    assert await open_warning_count(principal=portfolio.staff) == 2
    assert await open_warning_count(principal=portfolio.applicant_b) == 1


async def test_pages_filters_and_cursors(portfolio: Portfolio) -> None:
    made = [
        await put(portfolio.a.id, "YELLOW", "k1"),
        await put(portfolio.a.id, "ORANGE", "k2"),
        await put(portfolio.b.id, "RED", "k3"),
        await put(portfolio.b.id, "YELLOW", "k4"),
    ]
    ids = [w.id for w in made]
    page = await list_warnings(principal=portfolio.staff, first=2)
    assert [w.id for w in page.rows] == ids[::-1][:3] and page.total_count == 4
    rest = await list_warnings(principal=portfolio.staff, first=2, after_id=page.rows[1].id)
    assert [w.id for w in rest.rows] == [ids[1], ids[0]]
    serious = await list_warnings(principal=portfolio.staff, min_level="ORANGE")
    assert [w.kind for w in serious.rows] == ["k3", "k2"]
    oldest = await list_warnings(principal=portfolio.staff, newest_first=False, after_id=ids[1])
    assert [w.id for w in oldest.rows] == ids[2:]
    await resolve_warning(principal=portfolio.staff, warning_id=ids[0], note="ok")
    resolved = await list_warnings(principal=portfolio.staff, status="RESOLVED")
    assert [w.id for w in resolved.rows] == [ids[0]]
    by_b = await list_warnings(principal=portfolio.staff, enterprise_id=portfolio.b.id)
    assert by_b.total_count == 2
    assert [None if w is None else w.id for w in await warnings_by_ids([ids[2], 999, ids[0]])] == [
        ids[2], None, ids[0]
    ]  # fmt: skip
    with pytest.raises(DomainError):
        await list_warnings(principal=portfolio.staff, first=101)


async def test_dead_letters_are_kept_once_and_shown_to_staff(portfolio: Portfolio) -> None:
    await record_dead_letter(actor="process_event", message_id="m1", args=["ev-1"], error="boom")
    assert (
        await record_dead_letter(actor="process_event", message_id="m1", args=[], error="x") is None
    )
    page = await list_dead_letters(principal=portfolio.staff)
    assert [(d.actor, d.args, d.error) for d in page.rows] == [("process_event", ["ev-1"], "boom")]
    with pytest.raises(DomainError) as err:
        await list_dead_letters(principal=portfolio.applicant_a)
    assert err.value.code == ErrorCode.FORBIDDEN
