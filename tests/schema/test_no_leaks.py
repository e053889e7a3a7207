"""What applicants may not read: staff emails, reviewers' words, other enterprises behind a
contagion warning. Staff read everything."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from db.models import Enterprise, LoanApplication, RiskWarning, WarningLevel
from domain.accounts.principal import Principal
from domain.decision import assess_application, review_application
from domain.decision.refresh import Refreshed
from domain.errors import Unavailable
from resolvers.ids import encode_cursor, encode_id
from schema.context import Context
from tests.domain.lending_fixtures import (
    LendingWorld,
    fixed_gather,
    inputs,
    make_lending_world,
    submitted,
)
from tests.schema.helpers import SCHEMA, run

APPLICATION = """query($id: ID!) { application(id: $id) { status history { to by }
  decision { outcome decidedBy reasons { code description } } } }"""
WARNINGS = """{ warnings { edges { node { kind message evidence contagionPath { from to }
  contagionSource { name } } } } }"""
COMMENT = "cash flow checked against the 2024 statements by J. Wu"


@pytest.fixture
async def world(db: str, data_dir: Path) -> LendingWorld:
    return await make_lending_world()


async def _no_refresh(application: LoanApplication, policy: Any) -> Refreshed:
    return Refreshed()


async def _broken(_application: LoanApplication) -> Any:
    raise Unavailable("no scorecard has been trained yet (run `ipcredit train`)")


async def _reviewed(world: LendingWorld) -> str:
    """An application referred by the model and approved by a loan officer; its id."""
    application = await submitted(world, amount="400000")
    await assess_application(application_id=application.id, gather=_broken, refresh=_no_refresh)
    await review_application(principal=world.officer, application_id=application.id,
                             decision="APPROVE", comment=COMMENT)  # fmt: skip
    return encode_id("LoanApplication", application.id)


async def test_applicants_read_bank_for_staff_and_no_reviewer_words(world: LendingWorld) -> None:
    application_id = await _reviewed(world)

    mine = (await run(APPLICATION, world.applicant, id=application_id))["application"]
    staff = (await run(APPLICATION, world.officer, id=application_id))["application"]

    assert mine["status"] == staff["status"] == "APPROVED"
    by = {h["to"]: h["by"] for h in mine["history"]}
    assert by["DRAFT"] == by["SUBMITTED"] == "user:cfo@photon.example"  # the applicant itself
    assert by["ASSESSING"] == "model:assessment" and by["MANUAL_REVIEW"].startswith("model:")
    assert by["APPROVED"] == "bank"
    assert mine["decision"]["decidedBy"] == "bank"
    text = str(mine)
    assert "officer1@bank.example" not in text and COMMENT not in text
    assert "ipcredit train" not in text  # internal reasons read as fixed sentences
    assert [r["code"] for r in mine["decision"]["reasons"]] == [
        "MANUAL_APPROVED", "DATA_UNAVAILABLE",
    ]  # fmt: skip

    staff_by = {h["to"]: h["by"] for h in staff["history"]}
    assert staff_by["APPROVED"] == "user:officer1@bank.example"
    assert staff["decision"]["decidedBy"] == "user:officer1@bank.example"
    assert staff["decision"]["reasons"][0]["description"] == COMMENT


async def _slow_refresh(application: LoanApplication, policy: Any) -> Refreshed:
    await asyncio.sleep(0.03)
    return Refreshed()


async def test_staff_read_how_long_the_data_refresh_took_applicants_do_not(
    world: LendingWorld,
) -> None:
    application = await submitted(world)
    await assess_application(
        application_id=application.id, gather=fixed_gather(inputs()), refresh=_slow_refresh
    )
    query = "query($id: ID!) { application(id: $id) { status decision { dataRefreshMs } } }"
    application_id = encode_id("LoanApplication", application.id)

    staff = (await run(query, world.officer, id=application_id))["application"]
    mine = (await run(query, world.applicant, id=application_id))["application"]

    assert staff["status"] == mine["status"] == "APPROVED"
    assert 30 <= staff["decision"]["dataRefreshMs"] < 10_000
    assert mine["decision"] == {"dataRefreshMs": None}


async def test_applicants_list_shows_no_staff_email(world: LendingWorld) -> None:
    await _reviewed(world)
    listed = await run(
        "{ applications { edges { node { history { by } decision { decidedBy } } } } }",
        world.applicant,
    )
    assert "officer1@bank.example" not in str(listed)
    assert "bank" in str(listed)


async def _contagion(world: LendingWorld) -> RiskWarning:
    """A contagion warning about the applicant's enterprise, set off by the other one."""
    other: Enterprise = world.other_enterprise
    return await RiskWarning.create(
        enterprise_id=world.enterprise.id,
        level=WarningLevel.YELLOW,
        kind="contagion",
        message=f"{world.enterprise.name} is exposed to {other.name} (RED dishonest_listed) "
        f"through {other.name} -guarantee-> {world.enterprise.name}",
        evidence={"rule": "CONTAGION", "rules_version": "r1", "method": "walk", "hops": 1,
                  "source_warning_id": 77, "risk_before": 0.1, "risk_after": 0.3,
                  "source": {"uscc": other.uscc, "level": "RED", "kind": "dishonest_listed"}},
        contagion_source_id=other.id,
        contagion_path=[{"from": other.name, "relation": "guarantee",
                         "to": world.enterprise.name}],
    )  # fmt: skip


def _assert_hidden(node: dict[str, Any], world: LendingWorld) -> None:
    other = world.other_enterprise
    text = str(node)
    assert other.name not in text and other.uscc not in text
    assert "RED" not in text and "dishonest_listed" not in text and "77" not in text
    assert node["contagionPath"] == []
    assert node["contagionSource"] is None


async def test_a_contagion_warning_names_no_other_enterprise_to_applicants(
    world: LendingWorld,
) -> None:
    await _contagion(world)

    mine = (await run(WARNINGS, world.applicant))["warnings"]["edges"]
    staff = (await run(WARNINGS, world.officer))["warnings"]["edges"]

    [node] = [e["node"] for e in mine]
    _assert_hidden(node, world)
    assert node["kind"] == "contagion"
    assert node["evidence"] == {"rule": "CONTAGION", "rules_version": "r1", "method": "walk",
                                "hops": 1, "risk_before": 0.1, "risk_after": 0.3}  # fmt: skip
    [seen] = [e["node"] for e in staff]
    assert world.other_enterprise.name in seen["message"]
    assert seen["evidence"]["source"]["uscc"] == world.other_enterprise.uscc
    assert seen["contagionPath"][0]["from"] == world.other_enterprise.name
    assert seen["contagionSource"] == {"name": world.other_enterprise.name}


async def test_the_warning_subscription_hides_the_other_enterprise(world: LendingWorld) -> None:
    warning = await _contagion(world)

    async def first(principal: Principal) -> dict[str, Any]:
        stream = await SCHEMA.subscribe(
            """subscription($after: String) { warnings(after: $after) {
              message evidence contagionPath { from to } contagionSource { name } } }""",
            variable_values={"after": encode_cursor(warning.id - 1)},
            context_value=Context(principal),
        )
        result = await stream.__anext__()  # type: ignore[union-attr]
        await stream.aclose()  # type: ignore[union-attr]
        assert result.errors is None, result.errors
        assert result.data is not None
        node: dict[str, Any] = result.data["warnings"]
        return node

    _assert_hidden(await first(world.applicant), world)
    assert world.other_enterprise.name in (await first(world.officer))["message"]
