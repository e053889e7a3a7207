"""Monitoring through the API: ingest, warnings, staff actions, and the replaying subscription."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.models import AuditEntry, Enterprise, Role
from domain.monitoring.events import process_event
from domain.world.importer import import_world_dir
from schema.context import Context
from tests.factories import A, B, tiny_world, write_world
from tests.schema.helpers import SCHEMA, make_user, run

INGEST = """mutation($input: MonitoringEventInput!) { ingestEvent(input: $input) {
  accepted duplicate errors { field code } } }"""


@pytest.fixture
async def world(db: str, tmp_path: Path) -> dict[str, int]:
    write_world(tiny_world(), tmp_path / "w")
    await import_world_dir(tmp_path / "w")
    await Enterprise.filter(uscc__in=[A, B]).update(registered=True)
    return dict(await Enterprise.all().values_list("uscc", "id"))


def _event(eid: str, uscc: str, type_: str = "dishonest_listed") -> dict[str, object]:
    return {"id": eid, "uscc": uscc, "type": type_, "occurredAt": "2025-03-01T08:00:00+00:00",
            "payload": {"court": "合肥市中级人民法院"}}  # fmt: skip


async def test_event_to_warning_to_resolution(world: dict[str, int]) -> None:
    feed = await make_user("feed@bank.cn", Role.SERVICE)
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)

    first = await run(INGEST, feed, input=_event("e-1", A))
    again = await run(INGEST, feed, input=_event("e-1", A))
    await process_event(event_id="e-1")
    await process_event(event_id="e-1")  # a redelivery changes nothing
    listed = await run(
        "{ warnings(minLevel: ORANGE) { totalCount edges { cursor node { id level kind status enterprise { uscc } } } } }",
        officer,
    )
    node = listed["warnings"]["edges"][0]["node"]
    acked = await run(
        "mutation($id: ID!) { acknowledgeWarning(id: $id) { warning { status } errors { code } } }",
        officer,
        id=node["id"],
    )
    resolved = await run(
        'mutation($id: ID!) { resolveWarning(id: $id, note: "court listing cleared") { warning { status } errors { code } } }',
        officer,
        id=node["id"],
    )

    assert first["ingestEvent"] == {"accepted": True, "duplicate": False, "errors": []}
    assert again["ingestEvent"] == {"accepted": False, "duplicate": True, "errors": []}
    assert listed["warnings"]["totalCount"] == 1
    assert node["level"] == "RED"
    assert node["enterprise"]["uscc"] == A
    assert acked["acknowledgeWarning"]["warning"]["status"] == "ACKNOWLEDGED"
    assert resolved["resolveWarning"]["warning"]["status"] == "RESOLVED"
    assert await AuditEntry.filter(action__contains="warning").count() >= 2


async def test_bad_events_are_refused_with_codes(world: dict[str, int]) -> None:
    feed = await make_user("feed@bank.cn", Role.SERVICE)
    applicant = await make_user("cfo@a.cn", Role.APPLICANT, world[A])

    bad_type = await run(INGEST, feed, input=_event("e-2", A, "alien_landing"))
    unknown = await run(INGEST, feed, input=_event("e-3", "91340100MA0000099X"))
    refused = await SCHEMA.execute(
        INGEST, variable_values={"input": _event("e-4", A)}, context_value=Context(applicant)
    )

    assert bad_type["ingestEvent"]["errors"][0]["code"] == "INVALID_INPUT"
    assert unknown["ingestEvent"]["accepted"] is False
    assert unknown["ingestEvent"]["errors"]
    assert refused.errors[0].extensions["code"] == "FORBIDDEN"  # type: ignore[index]


async def test_applicants_see_only_their_own_warnings(world: dict[str, int]) -> None:
    feed = await make_user("feed@bank.cn", Role.SERVICE)
    own = await make_user("cfo@a.cn", Role.APPLICANT, world[A])
    for eid, uscc in (("e-a", A), ("e-b", B)):
        await run(INGEST, feed, input=_event(eid, uscc))
        await process_event(event_id=eid)

    listed = await run("{ warnings { totalCount edges { node { enterprise { uscc } } } } }", own)
    nested = await run(
        "query($u: String!) { enterpriseByUscc(uscc: $u) { warnings { totalCount edges { node { kind } } } } }",
        own,
        u=A,
    )

    assert [e["node"]["enterprise"]["uscc"] for e in listed["warnings"]["edges"]] == [A]
    assert nested["enterpriseByUscc"]["warnings"]["totalCount"] == 1


async def test_subscription_replays_after_a_cursor(world: dict[str, int]) -> None:
    feed = await make_user("feed@bank.cn", Role.SERVICE)
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)
    for eid, uscc in (("e-a", A), ("e-b", B)):
        await run(INGEST, feed, input=_event(eid, uscc))
        await process_event(event_id=eid)
    listed = await run("{ warnings { edges { cursor node { enterprise { uscc } } } } }", officer)
    oldest_first = list(reversed(listed["warnings"]["edges"]))
    after = oldest_first[0]["cursor"]

    stream = await SCHEMA.subscribe(
        "subscription($after: String) { warnings(after: $after) { cursor enterprise { uscc } } }",
        variable_values={"after": after},
        context_value=Context(officer),
    )
    first = await stream.__anext__()  # type: ignore[union-attr]
    await stream.aclose()  # type: ignore[union-attr]

    assert first.errors is None, first.errors
    assert (
        first.data["warnings"]["enterprise"]["uscc"]
        == oldest_first[1]["node"]["enterprise"]["uscc"]
    )
