"""The transition table, the dry check, and the guarded apply with history, audit and outbox."""

from __future__ import annotations

import asyncio

import pytest
from tortoise.transactions import in_transaction

from db.models import ApplicationStatus, AuditEntry, LoanApplication, OutboxMessage, StatusChange
from domain.applications import create_application
from domain.audit import verify_chain
from domain.errors import Conflict, ErrorCode, InvalidState
from domain.workflow import (
    TRANSITIONS,
    Event,
    allowed_events,
    apply_transition,
    can_transition,
    target_of,
)
from tests.domain.lending_fixtures import OWN_PATENTS, LendingWorld

S = ApplicationStatus


@pytest.mark.parametrize(
    ("status", "event", "allowed"),
    [
        (S.DRAFT, Event.SUBMIT, True),
        (S.SUBMITTED, Event.SUBMIT, False),
        (S.SUBMITTED, Event.START_ASSESSMENT, True),
        (S.ASSESSING, Event.AUTO_APPROVE, True),
        (S.MANUAL_REVIEW, Event.AUTO_APPROVE, False),
        (S.MANUAL_REVIEW, Event.APPROVE, True),
        (S.APPROVED, Event.APPROVE, False),
        (S.APPROVED, Event.ACCEPT_OFFER, True),
        (S.APPROVED, Event.SIGN_CONTRACT, False),
        (S.OFFER_ACCEPTED, Event.SIGN_CONTRACT, True),
        (S.CONTRACT_SIGNED, Event.DISBURSE, True),
        (S.DISBURSED, Event.DISBURSE, False),
        (S.OFFER_ACCEPTED, Event.WITHDRAW, True),
        (S.CONTRACT_SIGNED, Event.WITHDRAW, False),
        (S.REJECTED, Event.WITHDRAW, False),
        (S.WITHDRAWN, Event.SUBMIT, False),
    ],
)
def test_can_transition(status: S, event: Event, allowed: bool) -> None:
    assert can_transition(status, event) is allowed


def test_every_status_is_reachable_and_final_states_are_dead_ends() -> None:
    targets = {rule.target for rule in TRANSITIONS.values()}
    assert targets | {S.DRAFT} == set(S)
    for final in (S.REJECTED, S.WITHDRAWN, S.DISBURSED):
        assert allowed_events(final) == []


def test_target_of_refuses_with_invalid_state() -> None:
    assert target_of(S.DRAFT, "SUBMIT") is S.SUBMITTED
    with pytest.raises(InvalidState) as err:
        target_of(S.DRAFT, Event.DISBURSE)
    assert err.value.code is ErrorCode.INVALID_STATE


async def _draft(world: LendingWorld) -> LoanApplication:
    return await create_application(
        principal=world.applicant,
        product_code="IPCREDIT_IP_PLEDGE",
        amount="500000",
        term_months=12,
        pledged_patent_numbers=[OWN_PATENTS[0]],
    )


async def test_apply_writes_history_audit_and_outbox(world: LendingWorld) -> None:
    application = await _draft(world)
    async with in_transaction() as conn:
        await apply_transition(
            application, Event.SUBMIT, by=world.applicant, conn=conn, comment="go"
        )
    stored = await LoanApplication.get(id=application.id)
    assert (stored.status, stored.version) == (S.SUBMITTED, 1)
    history = await StatusChange.filter(application_id=application.id).order_by("id")
    assert [(h.from_status, h.to_status) for h in history] == [
        (None, "DRAFT"),
        ("DRAFT", "SUBMITTED"),
    ]
    assert history[-1].by == "user:cfo@photon.example" and history[-1].comment == "go"
    actions = await AuditEntry.filter(entity_id=str(application.id)).values_list(
        "action", flat=True
    )
    assert actions == ["application.create", "application.submit"]
    updates = await OutboxMessage.filter(
        topic="application_updated", key=str(application.id)
    ).order_by("id")
    assert [m.payload["status"] for m in updates] == ["DRAFT", "SUBMITTED"]
    assert updates[-1].payload["enterprise_id"] == world.enterprise.id
    assert (await verify_chain()).ok


async def test_illegal_transition_changes_nothing(world: LendingWorld) -> None:
    application = await _draft(world)
    before = (await StatusChange.all().count(), await AuditEntry.all().count(),
              await OutboxMessage.all().count())  # fmt: skip
    with pytest.raises(InvalidState):
        async with in_transaction() as conn:
            await apply_transition(application, Event.DISBURSE, by="test", conn=conn)
    after = (await StatusChange.all().count(), await AuditEntry.all().count(),
             await OutboxMessage.all().count())  # fmt: skip
    assert after == before
    assert (await LoanApplication.get(id=application.id)).status == S.DRAFT


async def test_stale_copy_loses_with_invalid_state_or_conflict(world: LendingWorld) -> None:
    application = await _draft(world)
    stale = await LoanApplication.get(id=application.id)
    async with in_transaction() as conn:
        await apply_transition(application, Event.SUBMIT, by="a", conn=conn)
    # the stale copy still thinks DRAFT: SUBMIT is no longer allowed from SUBMITTED
    with pytest.raises(InvalidState):
        async with in_transaction() as conn:
            await apply_transition(stale, Event.SUBMIT, by="b", conn=conn)
    # same status, other version: a conflict
    stale2 = await LoanApplication.get(id=application.id)
    async with in_transaction() as conn:
        await apply_transition(application, Event.START_ASSESSMENT, by="a", conn=conn)
    async with in_transaction() as conn:
        await apply_transition(application, Event.REFER, by="a", conn=conn)
    stale2.status = S.MANUAL_REVIEW  # the status matches, the version does not
    with pytest.raises(Conflict):
        async with in_transaction() as conn:
            await apply_transition(stale2, Event.APPROVE, by="b", conn=conn)
    assert await StatusChange.filter(application_id=application.id).count() == 4


async def test_concurrent_transitions_exactly_one_wins(world: LendingWorld) -> None:
    application = await _draft(world)
    copies = [await LoanApplication.get(id=application.id) for _ in range(10)]

    async def attempt(copy: LoanApplication) -> bool:
        try:
            async with in_transaction() as conn:
                await apply_transition(copy, Event.SUBMIT, by="racer", conn=conn)
        except (InvalidState, Conflict):
            return False
        return True

    results = await asyncio.gather(*(attempt(c) for c in copies))
    assert sum(results) == 1
    assert (
        await StatusChange.filter(application_id=application.id, to_status="SUBMITTED").count() == 1
    )
