"""The work queue: claiming and assigning applications in manual review, the two inboxes,
and the decision breakdown and neighbourhood reads the console draws on."""

from __future__ import annotations

from collections.abc import Awaitable
from decimal import Decimal

import pytest
from tortoise.queryset import QuerySet

from db.models import ApplicationStatus, AuditEntry, LoanApplication, Relation
from domain.applications import queue
from domain.audit import verify_chain
from domain.audit.trail import trail_page
from domain.decision import review_application
from domain.decision.breakdown import breakdown
from domain.enterprise.neighbourhood import neighbourhoods, reach
from domain.errors import DomainError, ErrorCode
from tests.domain.lending_fixtures import OWN_PATENTS, LendingWorld, decided, inputs

S = ApplicationStatus


async def _in_review(
    world: LendingWorld, amount: str = "1000000", patent: int = 0
) -> LoanApplication:
    grade = "BB" if Decimal(amount) <= 3_000_000 else "A"
    pledged = (OWN_PATENTS[patent],)
    risk = inputs(grade=grade, pd=0.06, pledge="9000000", patents=pledged)
    application = await decided(world, risk, amount=amount, patents=pledged)
    assert application.status == S.MANUAL_REVIEW
    return application


async def _code(call: Awaitable[object]) -> ErrorCode:
    with pytest.raises(DomainError) as err:
        await call
    return err.value.code


async def _ids(query: QuerySet[LoanApplication]) -> list[int]:
    return [a.id for a in await query]


async def test_claim_takes_an_unheld_application_once_and_audits_it(world: LendingWorld) -> None:
    application = await _in_review(world)

    claimed = await queue.claim_application(principal=world.officer, application_id=application.id)
    again = await queue.claim_application(principal=world.officer, application_id=application.id)

    assert claimed.assigned_to_id == again.assigned_to_id == world.officer.user_id
    stored = await LoanApplication.get(id=application.id)
    assert stored.assigned_to_id == world.officer.user_id and stored.assigned_at is not None
    entries = await AuditEntry.filter(action="application.claim").values_list("entity_id", "data")
    assert entries == [(str(application.id), {"from": None, "to": world.officer.email})]
    assert (await verify_chain()).ok


async def test_nobody_takes_an_application_a_colleague_holds(world: LendingWorld) -> None:
    application = await _in_review(world)
    await queue.claim_application(principal=world.officer, application_id=application.id)

    taken = queue.claim_application(principal=world.officer2, application_id=application.id)
    assert await _code(taken) is ErrorCode.ALREADY_ASSIGNED
    by_officer = queue.assign_application(
        principal=world.officer2, application_id=application.id, user_email=world.officer2.email
    )
    assert await _code(by_officer) is ErrorCode.ALREADY_ASSIGNED
    assert (await LoanApplication.get(id=application.id)).assigned_to_id == world.officer.user_id

    # a risk manager reassigns it
    await queue.assign_application(
        principal=world.risk_manager, application_id=application.id, user_email=world.officer2.email
    )
    assert (await LoanApplication.get(id=application.id)).assigned_to_id == world.officer2.user_id
    entry = await AuditEntry.filter(action="application.assign").get()
    assert entry.actor == f"user:{world.risk_manager.email}"
    assert entry.data == {"from": world.officer.email, "to": world.officer2.email}


async def test_the_holder_hands_it_to_a_colleague(world: LendingWorld) -> None:
    application = await _in_review(world)
    await queue.claim_application(principal=world.officer, application_id=application.id)
    await queue.assign_application(
        principal=world.officer, application_id=application.id, user_email=world.risk_manager.email
    )
    assert (
        await LoanApplication.get(id=application.id)
    ).assigned_to_id == world.risk_manager.user_id


@pytest.mark.parametrize(
    ("who", "email", "code"),
    [
        ("admin", None, ErrorCode.FORBIDDEN),  # separation of duties: no money powers
        ("applicant", None, ErrorCode.FORBIDDEN),
        ("officer", "nobody@bank.example", ErrorCode.NOT_FOUND),
        ("officer", "admin", ErrorCode.INVALID_INPUT),  # an administrator cannot hold one
    ],
)
async def test_refusals(world: LendingWorld, who: str, email: str | None, code: ErrorCode) -> None:
    application = await _in_review(world)
    principal = getattr(world, who)
    target = world.admin.email if email == "admin" else email or world.officer.email
    call = queue.assign_application(
        principal=principal, application_id=application.id, user_email=target
    )
    assert await _code(call) is code
    assert (await LoanApplication.get(id=application.id)).assigned_to_id is None
    assert not await AuditEntry.filter(action__in=["application.claim", "application.assign"])


async def test_only_applications_in_manual_review_are_held(world: LendingWorld) -> None:
    approved = await decided(world, inputs(grade="A"), amount="1000000")
    assert approved.status != S.MANUAL_REVIEW
    call = queue.claim_application(principal=world.officer, application_id=approved.id)
    assert await _code(call) is ErrorCode.INVALID_STATE
    missing = queue.claim_application(principal=world.officer, application_id=999_999)
    assert await _code(missing) is ErrorCode.NOT_FOUND


async def test_a_claim_race_has_one_winner(world: LendingWorld) -> None:
    application = await _in_review(world)
    # both read it unheld; the second write finds the holder changed
    stale = await LoanApplication.get(id=application.id)
    await queue.claim_application(principal=world.officer, application_id=application.id)
    with pytest.raises(DomainError) as err:
        await queue._hand_over(
            stale, to=world.officer2.user_id, to_email=world.officer2.email,
            by=world.officer2, action="application.claim",
        )  # fmt: skip
    assert err.value.code is ErrorCode.CONFLICT
    assert (await LoanApplication.get(id=application.id)).assigned_to_id == world.officer.user_id


async def test_my_queue_and_the_four_eyes_inbox(world: LendingWorld) -> None:
    mine = await _in_review(world)
    theirs = await _in_review(world, patent=1)
    big = await _in_review(world, amount="5000000", patent=2)
    await queue.claim_application(principal=world.officer, application_id=mine.id)
    await queue.claim_application(principal=world.officer2, application_id=theirs.id)

    assert await _ids(queue.my_queue(principal=world.officer)) == [mine.id, big.id]
    assert await _ids(queue.my_queue(principal=world.officer, only_mine=True)) == [mine.id]

    # a first approval of a large amount moves it to the inbox of the other role
    await review_application(
        principal=world.officer, application_id=big.id, decision="APPROVE", comment="first"
    )
    assert big.id not in await _ids(queue.my_queue(principal=world.risk_manager))
    assert await _ids(queue.awaiting_second_approval(principal=world.risk_manager)) == [big.id]
    # never your own first approval, nor one your role has given
    assert await _ids(queue.awaiting_second_approval(principal=world.officer)) == []
    assert await _ids(queue.awaiting_second_approval(principal=world.officer2)) == []
    assert await _ids(queue.awaiting_second_approval(principal=world.admin)) == []
    with pytest.raises(DomainError):
        queue.my_queue(principal=world.applicant)


async def test_queue_facts_come_from_the_stored_decision(world: LendingWorld) -> None:
    application = await _in_review(world)
    facts = queue.queue_facts(application)
    assert facts.grade == "BB"
    assert facts.proposed_amount == Decimal("1000000.00")
    assert facts.waiting_since.isoformat() == application.decision["decided_at"]
    assert facts.age_hours(facts.waiting_since) == 0.0


async def test_breakdown_reads_every_part_of_the_record(world: LendingWorld) -> None:
    application = await _in_review(world)
    parts = breakdown(application.decision)
    assert parts.outcome == "MANUAL_REVIEW"
    assert parts.scorecard is not None and parts.scorecard.grade == "BB"
    assert [p.pledge_value for p in parts.pledges] == [Decimal("9000000")]
    assert parts.policy_cell is not None and parts.policy_cell["action"] == "REVIEW"
    assert parts.limit is not None and parts.limit["limit"] > 0
    assert parts.pricing is not None and parts.pricing["annual_rate"] > 0
    assert parts.graph_risk.review_at is not None
    # a referral without model inputs has no scorecard or pledges, and still reads
    bare = breakdown({"outcome": "MANUAL_REVIEW", "inputs": None, "reasons": []})
    assert bare.scorecard is None and bare.pledges == () and bare.limit is None


async def test_audit_trail_pages_one_record(world: LendingWorld) -> None:
    application = await _in_review(world)
    await queue.claim_application(principal=world.officer, application_id=application.id)
    first = await trail_page(
        principal=world.officer, entity_type="loan_application", entity_id=application.id,
        first=2, after_id=None,
    )  # fmt: skip
    assert first.total_count is not None and first.total_count >= 3
    assert len(first.rows) == 3  # first + 1: another page follows
    with pytest.raises(DomainError):
        await trail_page(
            principal=world.applicant, entity_type="loan_application",
            entity_id=application.id, first=2, after_id=None,
        )  # fmt: skip


def test_reach_is_bounded_and_stable() -> None:
    links = [("guarantee", "A", "B"), ("supply", "B", "C"), ("officer", "P", "A"),
             ("supply", "C", "D")]  # fmt: skip
    distance, kept, truncated = reach(links, "A", 2)
    assert distance == {"A": 0, "B": 1, "P": 1, "C": 2}
    assert ("supply", "C", "D") not in kept and not truncated
    small, _, cut = reach(links, "A", 3, max_nodes=2)
    assert len(small) == 2 and cut


async def test_neighbourhoods_of_several_centres_together(world: LendingWorld) -> None:
    a, b = world.enterprise, world.other_enterprise
    await Relation.create(kind="guarantee", src=a.uscc, dst=b.uscc)
    found = await neighbourhoods(enterprise_ids=[a.id, b.id, 999_999], hops=2)
    assert found[2] is None
    first = found[0]
    assert first is not None and first.centre == a.uscc
    assert {n.id for n in first.nodes} >= {a.uscc, b.uscc}
    assert any(e.source == a.uscc and e.target == b.uscc for e in first.edges)
    with pytest.raises(DomainError):
        await neighbourhoods(enterprise_ids=[a.id], hops=9)
