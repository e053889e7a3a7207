"""Graph reasons through the API: bank staff read the counterparty that raised graph risk most
(name and USCC); the applicant reads the relation kind only, in the reasons and in
`graphDriver`, before and after a person reviews the decision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from db.models import LoanApplication
from domain.decision import assess_application, review_application
from domain.decision.inputs import Counterparty, GraphDriver
from domain.decision.refresh import Refreshed
from resolvers.ids import encode_id
from tests.domain.lending_fixtures import (
    LendingWorld,
    fixed_gather,
    inputs,
    make_lending_world,
    submitted,
)
from tests.schema.helpers import run

QUERY = """query($id: ID!) { application(id: $id) { status decision {
  reasons { code description weight }
  graphDriver { code relation description weight counterparty { nodeType id name } } } } }"""
LIST = """{ applications { edges { node { decision { reasons { code description }
  graphDriver { relation description counterparty { id name } } } } } } }"""


@pytest.fixture
async def world(db: str, data_dir: Path) -> LendingWorld:
    return await make_lending_world()


async def _no_refresh(application: LoanApplication, policy: Any) -> Refreshed:
    return Refreshed()


def _driver(world: LendingWorld) -> GraphDriver:
    """The other enterprise, linked by a guarantee, raised the applicant's graph risk most."""
    other = world.other_enterprise
    return GraphDriver(
        status="FOUND",
        relation="guarantees",
        relation_words="guarantees",
        counterparty=Counterparty("enterprise", other.uscc, other.name),
        delta=0.18,
        model_version="gnn-api",
    )


async def _assessed(world: LendingWorld, graph_risk: float) -> str:
    application = await submitted(world)
    driver = _driver(world)

    async def explain(_uscc: str) -> GraphDriver:
        return driver

    await assess_application(
        application_id=application.id,
        gather=fixed_gather(inputs(graph_risk=graph_risk)),
        refresh=_no_refresh,
        explain=explain,
    )
    return encode_id("LoanApplication", application.id)


def _assert_hidden(seen: Any, world: LendingWorld) -> None:
    text = str(seen)
    other = world.other_enterprise
    assert other.uscc not in text and other.name not in text


async def test_staff_read_the_counterparty_the_applicant_the_relation_kind(
    world: LendingWorld,
) -> None:
    application_id = await _assessed(world, graph_risk=0.66)
    staff = (await run(QUERY, world.officer, id=application_id))["application"]
    mine = (await run(QUERY, world.applicant, id=application_id))["application"]
    other = world.other_enterprise

    assert staff["status"] == mine["status"] == "MANUAL_REVIEW"
    driver = staff["decision"]["graphDriver"]
    assert driver["code"] == "GRAPH_DRIVER" and driver["relation"] == "guarantees"
    assert driver["counterparty"] == {
        "nodeType": "enterprise",
        "id": other.uscc,
        "name": other.name,
    }
    assert other.uscc in driver["description"] and driver["weight"] == pytest.approx(0.18)
    staff_codes = {r["code"]: r["description"] for r in staff["decision"]["reasons"]}
    assert other.name in staff_codes["GRAPH_DRIVER"]

    _assert_hidden(mine, world)
    seen = mine["decision"]["graphDriver"]
    assert seen["relation"] == "guarantees" and seen["counterparty"] is None
    assert "guarantees" in seen["description"]
    codes = [r["code"] for r in mine["decision"]["reasons"]]
    assert "GRAPH_DRIVER" in codes and "GRAPH_RISK_ELEVATED" in codes
    _assert_hidden(await run(LIST, world.applicant), world)


async def test_after_a_review_the_applicant_still_does_not_read_the_counterparty(
    world: LendingWorld,
) -> None:
    application_id = await _assessed(world, graph_risk=0.66)
    application = await LoanApplication.get(enterprise_id=world.enterprise.id)
    await review_application(
        principal=world.officer,
        application_id=application.id,
        decision="APPROVE",
        comment="guarantor's exposure checked",
    )
    mine = (await run(QUERY, world.applicant, id=application_id))["application"]
    staff = (await run(QUERY, world.officer, id=application_id))["application"]
    assert mine["status"] == "APPROVED"
    _assert_hidden(mine, world)
    assert mine["decision"]["graphDriver"]["relation"] == "guarantees"
    assert staff["decision"]["graphDriver"]["counterparty"]["id"] == world.other_enterprise.uscc


async def test_graph_risk_below_the_review_band_gives_no_driver(world: LendingWorld) -> None:
    application_id = await _assessed(world, graph_risk=0.3)
    staff = (await run(QUERY, world.officer, id=application_id))["application"]
    assert staff["decision"]["graphDriver"] is None
    assert not any(r["code"].startswith("GRAPH_DRIVER") for r in staff["decision"]["reasons"])
