"""The staff console's API: claim and assign, the two inboxes, reviews, the decision
breakdown, audit trails and neighbourhoods, with constant query counts for the lists."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from db.models import LoanApplication, Relation
from domain.decision import review_application
from resolvers.ids import encode_id
from tests.domain.lending_fixtures import (
    OWN_PATENTS,
    LendingWorld,
    decided,
    inputs,
    make_lending_world,
)
from tests.schema.helpers import count_queries, run

CLAIM = """mutation($id: ID!) { claimApplication(applicationId: $id) {
  application { assignee { email role } assignedAt } errors { code message field } } }"""
ASSIGN = """mutation($id: ID!, $email: String!) { assignApplication(applicationId: $id,
  userEmail: $email) { application { assignee { email } } errors { code } } }"""
QUEUE = """query($n: Int) { myQueue(first: $n) { totalCount edges { node {
  ageHours waitingSince amount proposedAmount grade graphRisk mine assignee { email }
  application { id status enterprise { name } reviews { reviewer comment }
    decisionBreakdown { outcome scorecard { score grade reasons { code weight } }
      rulesHit { code } pledgedPatents { patentNumber pledgeValue value low high method }
      graphRisk { value reviewAt relations { relation } } policyCell { grade band action }
      limit { limit } pricing { annualRate } } } } } } }"""
INBOX = "{ awaitingSecondApproval { totalCount edges { node { application { id reviews { reviewer decision comment role } } } } } }"  # noqa: E501
APPLICATION = """query($id: ID!) { application(id: $id) { assignee { email } assignedAt
  reviews { comment } decisionBreakdown { outcome } } }"""
TRAIL_BY_ID = """query($id: ID!) { auditTrail(entityId: $id, first: 50) {
  totalCount edges { node { seq action actor data } } } }"""
TRAIL = """query($id: ID!) { auditTrail(entityType: "LoanApplication", entityId: $id, first: 50) {
  totalCount edges { node { seq action actor data } } } }"""
HOOD = """query($id: ID!) { enterprise(id: $id) { neighbourhood(hops: 2) {
  centre truncated nodes { id kind label risk hops enterpriseId } edges { source target kind } } } }"""


@pytest.fixture
async def world(db: str, data_dir: Path) -> LendingWorld:
    return await make_lending_world()


async def _in_review(world: LendingWorld, amount: str = "1000000", patent: int = 0) -> str:
    grade = "BB" if Decimal(amount) <= 3_000_000 else "A"
    pledged = (OWN_PATENTS[patent],)
    risk = inputs(grade=grade, pd=0.06, pledge="9000000", patents=pledged)
    application = await decided(world, risk, amount=amount, patents=pledged)
    return encode_id("LoanApplication", application.id)


async def test_claim_assign_and_the_trail(world: LendingWorld) -> None:
    app_id = await _in_review(world)

    claimed = (await run(CLAIM, world.officer, id=app_id))["claimApplication"]
    taken = (await run(CLAIM, world.officer2, id=app_id))["claimApplication"]
    moved = await run(ASSIGN, world.risk_manager, id=app_id, email=world.officer2.email)

    assert claimed["errors"] == []
    assert claimed["application"]["assignee"] == {"email": world.officer.email,
                                                  "role": "LOAN_OFFICER"}  # fmt: skip
    assert [e["code"] for e in taken["errors"]] == ["ALREADY_ASSIGNED"]
    assert moved["assignApplication"]["application"]["assignee"]["email"] == world.officer2.email
    trail = (await run(TRAIL, world.officer, id=app_id))["auditTrail"]
    actions = [e["node"]["action"] for e in trail["edges"]]
    assert actions[-2:] == ["application.claim", "application.assign"]
    assert trail["totalCount"] == len(actions)
    # the auditTrail(entityId): the record's type is read off its opaque id
    by_id = (await run(TRAIL_BY_ID, world.officer, id=app_id))["auditTrail"]
    assert by_id == trail


async def test_applicants_read_nothing_of_the_console(world: LendingWorld) -> None:
    app_id = await _in_review(world)
    await run(CLAIM, world.officer, id=app_id)
    seen = (await run(APPLICATION, world.applicant, id=app_id))["application"]
    assert seen == {"assignee": None, "assignedAt": None, "reviews": [], "decisionBreakdown": None}
    staff = (await run(APPLICATION, world.officer, id=app_id))["application"]
    assert staff["assignee"]["email"] == world.officer.email
    assert staff["decisionBreakdown"]["outcome"] == "MANUAL_REVIEW"


async def test_four_eyes_inbox_through_the_api(world: LendingWorld) -> None:
    app_id = await _in_review(world, amount="5000000")
    pk = (await LoanApplication.all().order_by("-id").first()).id  # type: ignore[union-attr]
    await review_application(
        principal=world.officer, application_id=pk, decision="APPROVE", comment="looks fine"
    )
    mine = (await run(INBOX, world.officer))["awaitingSecondApproval"]
    theirs = (await run(INBOX, world.risk_manager))["awaitingSecondApproval"]
    assert mine["totalCount"] == 0
    [edge] = theirs["edges"]
    assert edge["node"]["application"]["id"] == app_id
    assert edge["node"]["application"]["reviews"] == [{
        "reviewer": world.officer.email, "decision": "APPROVE", "comment": "looks fine",
        "role": "LOAN_OFFICER",
    }]  # fmt: skip


async def test_queue_rows_and_breakdown(world: LendingWorld) -> None:
    await _in_review(world)
    data = (await run(QUEUE, world.officer, n=10))["myQueue"]
    [edge] = data["edges"]
    row = edge["node"]
    assert row["grade"] == "BB" and row["mine"] is False and row["assignee"] is None
    assert Decimal(row["amount"]) == Decimal("1000000")
    parts = row["application"]["decisionBreakdown"]
    assert parts["policyCell"]["action"] == "REVIEW"
    assert parts["scorecard"]["grade"] == "BB"
    [pledge] = parts["pledgedPatents"]
    assert pledge["patentNumber"] == OWN_PATENTS[0] and Decimal(pledge["pledgeValue"]) > 0


async def test_queue_query_count_is_constant(world: LendingWorld) -> None:
    for i in range(3):
        await _in_review(world, patent=i)
    with count_queries() as q_small:
        small = await run(QUEUE, world.officer, n=1)
    with count_queries() as q_large:
        large = await run(QUEUE, world.officer, n=3)
    assert len(small["myQueue"]["edges"]) == 1 and len(large["myQueue"]["edges"]) == 3
    assert len(q_large) <= len(q_small), "\n".join(q_small) + "\n-----\n" + "\n".join(q_large)


async def test_neighbourhood_is_drawn_for_staff_only(world: LendingWorld) -> None:
    a, b = world.enterprise, world.other_enterprise
    await Relation.create(kind="guarantee", src=a.uscc, dst=b.uscc)
    ent = encode_id("Enterprise", a.id)
    hood = (await run(HOOD, world.officer, id=ent))["enterprise"]["neighbourhood"]
    assert hood["centre"] == a.uscc and not hood["truncated"]
    assert {"source": a.uscc, "target": b.uscc, "kind": "guarantee"} in hood["edges"]
    other = next(n for n in hood["nodes"] if n["id"] == b.uscc)
    assert other["kind"] == "ENTERPRISE" and other["hops"] == 1
    assert other["enterpriseId"] == encode_id("Enterprise", b.id)
    assert (await run(HOOD, world.applicant, id=ent))["enterprise"]["neighbourhood"] is None


async def test_staff_users_lists_who_can_hold(world: LendingWorld) -> None:
    data = await run("{ staffUsers { email role } }", world.officer)
    roles = {u["role"] for u in data["staffUsers"]}
    assert roles == {"LOAN_OFFICER", "RISK_MANAGER"}
    assert world.admin.email not in {u["email"] for u in data["staffUsers"]}


async def test_neighbourhood_query_count_is_constant(world: LendingWorld) -> None:
    a, b = world.enterprise, world.other_enterprise
    await Relation.create(kind="supply", src=a.uscc, dst=b.uscc)
    query = "query($n: Int) { enterprises(first: $n) { edges { node { neighbourhood { nodes { id risk } edges { kind } } } } } }"  # noqa: E501
    with count_queries() as q_small:
        await run(query, world.officer, n=1)
    with count_queries() as q_large:
        await run(query, world.officer, n=2)
    assert len(q_large) <= len(q_small)
