"""Graph reasons: when graph risk moves a decision, the relation and counterparty that raised
it most are a reason, recorded with the inputs so replays agree; applicants read the
relation kind only."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from db.models import LoanApplication
from domain.decision import (
    DecisionResult,
    Outcome,
    RiskInputs,
    assess_application,
    decide,
    replay_decision,
)
from domain.decision.graph_reasons import (
    applicant_reason,
    counterparty_of,
    driver_from_explanation,
)
from domain.decision.inputs import ApplicationTerms, Counterparty, GraphDriver, inputs_hash
from domain.decision.policy import load_policy
from gnn.explain import Contribution, Explanation
from tests.domain.decision.test_decision import PLEDGE
from tests.domain.lending_fixtures import LendingWorld, fixed_gather, inputs, submitted

POLICY = load_policy()
TERMS = ApplicationTerms(inputs().pledge_total, 12, ("CN1",))
USCC = "91340100MA2T9XYZ01"
GUARANTOR = Counterparty("enterprise", USCC, "合肥恒远担保有限公司")
DRIVER = GraphDriver(
    status="FOUND",
    relation="guarantees",
    relation_words="guarantees",
    counterparty=GUARANTOR,
    delta=0.213,
    model_version="gnn-test",
)


def _driven(risk: RiskInputs, driver: GraphDriver = DRIVER) -> RiskInputs:
    return replace(risk, graph_driver=driver)


def _decide(risk: RiskInputs) -> DecisionResult:
    return decide(risk, TERMS, PLEDGE, POLICY)


def _reasons(risk: RiskInputs) -> dict[str, dict[str, Any]]:
    return {r.code: r.to_dict() for r in _decide(risk).reasons}


@pytest.mark.parametrize(
    ("risk", "outcome"),
    [(POLICY.graph_risk_review + 0.01, Outcome.MANUAL_REVIEW), (0.93, Outcome.REJECTED)],
)
def test_graph_risk_in_a_band_names_the_relation_and_counterparty(
    risk: float, outcome: Outcome
) -> None:
    result = _decide(_driven(inputs(graph_risk=risk)))
    assert result.outcome is outcome
    [reason] = [r for r in result.reasons if r.code == "GRAPH_DRIVER"]
    assert reason.relation == "guarantees" and reason.counterparty == GUARANTOR
    assert reason.weight == pytest.approx(0.213)
    assert GUARANTOR.name in reason.description and USCC in reason.description
    assert "+21.3 points" in reason.description
    assert reason.public_description is not None
    assert "guarantees" in reason.public_description
    assert USCC not in reason.public_description and GUARANTOR.name not in reason.public_description


def test_below_the_review_band_graph_risk_gives_no_graph_reason() -> None:
    codes = _reasons(_driven(inputs(graph_risk=POLICY.graph_risk_review - 0.01), DRIVER))
    assert not any(code.startswith("GRAPH_DRIVER") for code in codes)
    assert "GRAPH_RISK_ELEVATED" not in codes


def test_without_a_recorded_driver_the_decision_is_as_before() -> None:
    plain = _decide(inputs(graph_risk=0.62))
    assert [r.code for r in plain.reasons if r.code.startswith("GRAPH")] == ["GRAPH_RISK_ELEVATED"]
    # an inputs record without a driver hashes as it did before drivers existed
    assert "graph_driver" not in inputs(graph_risk=0.62).to_dict()


def test_own_data_and_unknown_drivers_name_no_relation() -> None:
    own = _reasons(_driven(inputs(graph_risk=0.7), GraphDriver(status="OWN_DATA")))
    assert own["GRAPH_DRIVER_OWN_DATA"]["weight"] == 0.0
    assert "relation" not in own["GRAPH_DRIVER_OWN_DATA"]
    unknown = _reasons(
        _driven(inputs(graph_risk=0.7), GraphDriver(status="UNAVAILABLE", detail="model timed out"))
    )
    reason = unknown["GRAPH_DRIVER_UNKNOWN"]
    assert "model timed out" in str(reason["description"])
    assert "timed out" not in applicant_reason(reason)["description"]


def test_the_driver_round_trips_and_is_part_of_the_hash() -> None:
    risk = _driven(inputs(graph_risk=0.62), DRIVER)
    again = RiskInputs.from_dict(risk.to_dict())
    assert again == risk
    product, sha = PLEDGE, POLICY.sha256
    moved = _driven(risk, replace(DRIVER, counterparty=replace(GUARANTOR, id="OTHER")))
    assert inputs_hash(moved, TERMS, product, sha) != inputs_hash(risk, TERMS, product, sha)


def test_an_applicant_reads_the_relation_kind_never_the_counterparty() -> None:
    risk = _driven(inputs(graph_risk=0.62), DRIVER)
    stored = _reasons(risk)["GRAPH_DRIVER"]
    seen = applicant_reason(stored)
    assert seen["relation"] == "guarantees"
    assert USCC not in str(seen) and GUARANTOR.name not in str(seen)
    assert applicant_reason(seen) == seen  # applying it twice changes nothing
    assert counterparty_of(stored, staff_viewer=False) is None
    assert counterparty_of(stored, staff_viewer=True) == GUARANTOR.to_dict()


def _contribution(kind: str, relation: str, delta: float, node: str = "") -> Contribution:
    node_type = "enterprise" if node else ""
    return Contribution(kind, relation, node_type, node, f"Firm {node}" if node else "", delta)


def test_the_driver_is_the_neighbour_that_raises_risk_most() -> None:
    expl = Explanation(
        uscc=USCC,
        risk=0.71,
        relations=(_contribution("relation", "supplies", 0.3),),
        neighbours=(
            _contribution("neighbour", "supplies", -0.4, "N1"),  # lowers risk: not a driver
            _contribution("neighbour", "guarantees", 0.12, "N2"),
            _contribution("neighbour", "supplies", 0.2, "N3"),
        ),
        model_version="gnn-x",
    )
    driver = driver_from_explanation(expl)
    assert (driver.status, driver.relation, driver.delta) == ("FOUND", "supplies", 0.2)
    assert driver.counterparty == Counterparty("enterprise", "N3", "Firm N3")
    assert driver.relation_words == "supply links" and driver.model_version == "gnn-x"

    no_one = replace(expl, neighbours=expl.neighbours[:1])
    by_kind = driver_from_explanation(no_one)
    assert (by_kind.relation, by_kind.counterparty) == ("supplies", None)
    nothing = replace(no_one, relations=(_contribution("relation", "owns", 0.001),))
    assert driver_from_explanation(nothing).status == "OWN_DATA"


class _Explainer:
    def __init__(self, driver: GraphDriver) -> None:
        self.driver = driver
        self.asked: list[str] = []

    async def __call__(self, uscc: str) -> GraphDriver:
        self.asked.append(uscc)
        return self.driver


async def test_assessment_records_the_driver_and_replays_it(world: LendingWorld) -> None:
    application = await submitted(world)
    explainer = _Explainer(DRIVER)
    await assess_application(
        application_id=application.id,
        gather=fixed_gather(inputs(graph_risk=0.64)),
        explain=explainer,
    )
    assert explainer.asked == [world.enterprise.uscc]
    record = (await LoanApplication.get(id=application.id)).decision
    assert record["outcome"] == "MANUAL_REVIEW"
    assert record["inputs"]["graph_driver"] == DRIVER.to_dict()
    [reason] = [r for r in record["reasons"] if r["code"] == "GRAPH_DRIVER"]
    assert reason["counterparty"]["id"] == USCC
    result, same = await replay_decision(application_id=application.id)
    assert same
    assert [r.to_dict() for r in result.reasons] == record["reasons"]


async def test_below_the_band_nothing_is_explained(world: LendingWorld) -> None:
    application = await submitted(world)
    explainer = _Explainer(DRIVER)
    await assess_application(
        application_id=application.id,
        gather=fixed_gather(inputs(graph_risk=0.2)),
        explain=explainer,
    )
    assert explainer.asked == []
    record = (await LoanApplication.get(id=application.id)).decision
    assert "graph_driver" not in record["inputs"]


async def test_without_a_graph_model_the_decision_says_the_driver_is_unknown(
    world: LendingWorld,
) -> None:
    application = await submitted(world)
    await assess_application(
        application_id=application.id, gather=fixed_gather(inputs(graph_risk=0.85))
    )
    record = (await LoanApplication.get(id=application.id)).decision
    assert record["outcome"] == "REJECTED"
    assert record["inputs"]["graph_driver"]["status"] == "UNAVAILABLE"
    assert "GRAPH_DRIVER_UNKNOWN" in [r["code"] for r in record["reasons"]]
