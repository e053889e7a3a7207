"""Credit lines: granted on signing, staff changes with history, a RED warning freezing them,
expiry after their validity."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from tortoise.transactions import in_transaction

from db.models import AuditEntry, CreditLine, CreditLineChange, Loan, WarningLevel
from domain.credit.drawdown import drawdown
from domain.credit.lines import (
    close_line,
    expire_lines,
    freeze_line,
    reduce_line,
    unfreeze_line,
)
from domain.errors import DomainError, ErrorCode
from domain.monitoring.rules import WarningDraft
from domain.monitoring.store import raise_warning
from tests.domain.contracts.codes import signing_code
from tests.domain.credit.line_fixtures import granted_line
from tests.domain.lending_fixtures import LendingWorld

D = Decimal


def _today() -> date:
    return datetime.now(UTC).date()


async def _code(call: object) -> ErrorCode:
    with pytest.raises(DomainError) as err:
        await call  # type: ignore[misc]
    return err.value.code


async def _draw(world: LendingWorld, line: CreditLine, amount: str) -> Loan:
    otp = await signing_code(world.applicant.user_id)
    return await drawdown(
        principal=world.applicant, line_id=line.id, amount=amount, term_months=6, otp=otp
    )


async def test_signing_the_line_contract_grants_the_line(world: LendingWorld) -> None:
    line = await granted_line(world, term=12)

    assert line.status == "ACTIVE" and line.revolving is False
    assert line.max_term_months == 12 and line.limit > 0
    assert line.valid_until > line.valid_from
    assert await AuditEntry.filter(action="credit_line.grant").count() == 1


async def test_staff_freeze_and_unfreeze_with_reasons_kept(world: LendingWorld) -> None:
    line = await granted_line(world)

    frozen = await freeze_line(principal=world.officer, line_id=line.id, reason="  site visit ")
    assert (frozen.status, frozen.frozen_reason, frozen.version) == ("FROZEN", "site visit", 1)
    assert await _code(_draw(world, line, "100000.00")) is ErrorCode.LINE_FROZEN
    thawed = await unfreeze_line(principal=world.risk_manager, line_id=line.id, reason="ok")

    changes = await CreditLineChange.filter(line_id=line.id).order_by("id")
    assert thawed.status == "ACTIVE" and thawed.frozen_reason is None
    assert [(c.kind, c.from_status, c.to_status, c.reason) for c in changes] == [
        ("FREEZE", "ACTIVE", "FROZEN", "site visit"),
        ("UNFREEZE", "FROZEN", "ACTIVE", "ok"),
    ]
    assert await AuditEntry.filter(action__startswith="credit_line.").count() == 3


@pytest.mark.parametrize(
    ("who", "reason", "code"),
    [
        ("admin", "x", ErrorCode.FORBIDDEN),
        ("applicant", "x", ErrorCode.FORBIDDEN),
        ("officer", "   ", ErrorCode.INVALID_INPUT),
    ],
)
async def test_who_may_change_a_line_and_how(
    world: LendingWorld, who: str, reason: str, code: ErrorCode
) -> None:
    line = await granted_line(world)
    principal = getattr(world, who)

    assert await _code(freeze_line(principal=principal, line_id=line.id, reason=reason)) is code
    assert (await CreditLine.get(id=line.id)).status == "ACTIVE"
    assert await CreditLineChange.all().count() == 0


async def test_changes_only_from_the_right_status(world: LendingWorld) -> None:
    line = await granted_line(world)

    assert (
        await _code(unfreeze_line(principal=world.officer, line_id=line.id, reason="x"))
        is ErrorCode.INVALID_STATE
    )
    await CreditLine.filter(id=line.id).update(status="EXPIRED")
    assert (
        await _code(freeze_line(principal=world.officer, line_id=line.id, reason="x"))
        is ErrorCode.LINE_EXPIRED
    )
    assert await CreditLineChange.all().count() == 0


async def test_reduce_never_below_what_is_drawn(world: LendingWorld) -> None:
    line = await granted_line(world)
    await _draw(world, line, "300000.00")

    below = reduce_line(
        principal=world.officer, line_id=line.id, new_limit="299999.99", reason="risk"
    )
    assert await _code(below) is ErrorCode.INVALID_INPUT
    above = reduce_line(
        principal=world.officer, line_id=line.id, new_limit=str(line.limit + 1), reason="risk"
    )
    assert await _code(above) is ErrorCode.INVALID_INPUT
    reduced = await reduce_line(
        principal=world.officer, line_id=line.id, new_limit="300000.00", reason="risk"
    )

    change = await CreditLineChange.get(line_id=line.id)
    assert reduced.limit == D("300000.00") and reduced.status == "ACTIVE"
    assert (change.kind, change.old_limit, change.new_limit) == ("REDUCE", line.limit, D("300000"))
    assert await _code(_draw(world, line, "50000.00")) is ErrorCode.LIMIT_EXCEEDED


async def test_closing_stops_drawings_and_live_loans_run_on(world: LendingWorld) -> None:
    line = await granted_line(world)
    loan = await _draw(world, line, "100000.00")

    closed = await close_line(principal=world.officer, line_id=line.id, reason="relationship ended")

    assert closed.status == "CLOSED" and closed.closed_at is not None
    assert (await Loan.get(id=loan.id)).status == "ACTIVE"
    assert await _code(_draw(world, line, "100000.00")) is ErrorCode.LINE_EXPIRED


def _draft(level: WarningLevel) -> WarningDraft:
    return WarningDraft(
        level=level, kind="JUDICIAL_ENFORCEMENT", message="被列为被执行人", rule="r1",
        evidence={}, source="court",
    )  # fmt: skip


async def test_a_red_warning_freezes_the_enterprises_active_lines(world: LendingWorld) -> None:
    line = await granted_line(world)
    async with in_transaction() as conn:
        await raise_warning(
            _draft(WarningLevel.YELLOW), enterprise_id=line.enterprise_id, conn=conn
        )  # type: ignore[attr-defined]
    assert (await CreditLine.get(id=line.id)).status == "ACTIVE"

    async with in_transaction() as conn:
        raised = await raise_warning(
            _draft(WarningLevel.RED), enterprise_id=world.enterprise.id, conn=conn
        )

    frozen = await CreditLine.get(id=line.id)
    assert raised.warning is not None
    assert frozen.status == "FROZEN" and frozen.frozen_by_warning_id == raised.warning.id
    assert frozen.frozen_reason is not None and "RED warning" in frozen.frozen_reason
    assert await _code(_draw(world, line, "100000.00")) is ErrorCode.LINE_FROZEN
    # staff may unfreeze it, with a reason naming the warning in its history
    await unfreeze_line(principal=world.risk_manager, line_id=line.id, reason="court order lifted")
    last = await CreditLineChange.filter(line_id=line.id).order_by("-id").first()
    assert last is not None and f"warning {raised.warning.id}" in last.reason
    audited = await AuditEntry.filter(action="credit_line.unfreeze").get()
    assert audited.data["warning_id"] == raised.warning.id


async def test_lines_past_their_validity_expire_once(world: LendingWorld) -> None:
    line = await granted_line(world)
    await CreditLine.filter(id=line.id).update(valid_until=_today() - timedelta(days=1))

    assert await expire_lines(_today() - timedelta(days=2)) == 0
    assert await expire_lines(_today() - timedelta(days=1)) == 1
    assert await expire_lines(_today()) == 0

    assert (await CreditLine.get(id=line.id)).status == "EXPIRED"
    assert await CreditLineChange.filter(line_id=line.id, kind="EXPIRE").count() == 1
