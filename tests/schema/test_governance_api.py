"""Model monitoring in `models`, maker-checker mutations and `replayDecision` through the API."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from db.models import AuditEntry, ModelCard, Role
from domain.decision import assess_application
from domain.indicators.service import compute_and_store_snapshots
from domain.models_governance.monitoring import capture_scorecard_reference, monitor_models
from domain.scoring.service import train_models
from domain.world.generator import generate_world
from domain.world.importer import import_world_rows
from resolvers.ids import encode_id
from tests.domain.lending_fixtures import fixed_gather, inputs, make_lending_world, submitted
from tests.schema.helpers import make_user, run

MONITORING = """{ models { name active monitoring { level note
  drift { n scorePsi maxPsi level features { feature psi verdict } }
  monthlyAuc { month n defaults auc } } } }"""


async def test_models_show_drift_and_monthly_auc(db: str, data_dir: Path) -> None:
    await import_world_rows(generate_world(enterprises=400, seed=5))
    cards = await train_models(data_dir=data_dir)
    scorecard = next(c for c in cards if c.name == "scorecard")
    assert await capture_scorecard_reference(card=scorecard, data_dir=data_dir)
    ref = (await ModelCard.get(id=scorecard.id)).metrics["drift_reference"]
    assert ref["score"]["n"] > 100 and 1 <= len(ref["features"]) <= 5
    for day in ("2023-01-15", "2023-06-15"):
        await compute_and_store_snapshots(as_of=datetime.fromisoformat(day).replace(tzinfo=UTC))
    await monitor_models(data_dir=data_dir)
    staff = await make_user("risk@bank.cn", Role.RISK_MANAGER)

    data = await run(MONITORING, staff)

    card = next(c for c in data["models"] if c["name"] == "scorecard" and c["active"])
    drift = card["monitoring"]["drift"]
    assert drift["n"] > 100 and drift["scorePsi"] is not None
    assert {f["feature"] for f in drift["features"]} == set(ref["features"])
    assert (card["monitoring"]["level"] == "YELLOW") == (drift["maxPsi"] > 0.25)
    months = card["monitoring"]["monthlyAuc"]
    assert [m["month"] for m in months] == sorted(m["month"] for m in months)
    assert any(m["auc"] is not None and m["auc"] > 0.5 for m in months)
    valuation = next(c for c in data["models"] if c["name"] == "valuation")
    assert valuation["monitoring"]["drift"] is None and valuation["monitoring"]["note"]


async def test_drift_beyond_the_bound_is_a_yellow_model_warning(db: str, data_dir: Path) -> None:
    await import_world_rows(generate_world(enterprises=400, seed=5))
    cards = await train_models(data_dir=data_dir)
    card = next(c for c in cards if c.name == "scorecard")
    await capture_scorecard_reference(card=card, data_dir=data_dir)
    # today's population: the latest snapshots, scored later than the training window
    await compute_and_store_snapshots(as_of=datetime(2031, 1, 1, tzinfo=UTC))
    stored = await ModelCard.get(id=card.id)
    shifted = dict(stored.metrics)
    # a reference that no longer looks like today: every score in one bin
    shifted["drift_reference"]["score"]["shares"] = [1.0] + [0.0] * (
        len(shifted["drift_reference"]["score"]["shares"]) - 1
    )
    stored.metrics = shifted
    await stored.save(update_fields=["metrics"])
    await monitor_models(data_dir=data_dir)
    await monitor_models(data_dir=data_dir)  # still shifted: warned once, not twice
    staff = await make_user("risk@bank.cn", Role.RISK_MANAGER)
    data = await run(MONITORING, staff)
    card_data = next(c for c in data["models"] if c["name"] == "scorecard")
    assert card_data["monitoring"]["level"] == "YELLOW"
    assert card_data["monitoring"]["drift"]["scorePsi"] > 0.25
    warnings = await AuditEntry.filter(action="model.warning")
    assert len(warnings) == 1 and warnings[0].data["level"] == "YELLOW"


REQUEST = """mutation($k: ActivationKind!, $n: String!, $v: String!) {
  requestActivation(kind: $k, name: $n, version: $v, reason: "rollback") {
    request { id status evidence } errors { code } } }"""
APPROVE = """mutation($id: ID!) { approveActivation(id: $id, comment: "ok") {
  request { status decidedBy } errors { code message } } }"""


async def test_maker_checker_through_the_api(db: str) -> None:
    maker = await make_user("maker@bank.cn", Role.RISK_MANAGER)
    checker = await make_user("checker@bank.cn", Role.RISK_MANAGER)
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)
    made = await run(REQUEST, maker, k="POLICY", n="decision", v="v1")
    request = made["requestActivation"]["request"]
    assert request["status"] == "PENDING" and made["requestActivation"]["errors"] == []
    refused = await run(REQUEST, officer, k="POLICY", n="decision", v="v1")
    assert refused["requestActivation"]["errors"] == [{"code": "FORBIDDEN"}]

    own = await run(APPROVE, maker, id=request["id"])
    assert own["approveActivation"]["errors"][0]["code"] == "FORBIDDEN"
    done = await run(APPROVE, checker, id=request["id"])
    assert done["approveActivation"]["request"] == {
        "status": "APPROVED",
        "decidedBy": "checker@bank.cn",
    }
    again = await run(APPROVE, checker, id=request["id"])
    assert again["approveActivation"]["errors"][0]["code"] == "INVALID_STATE"
    listed = await run("{ activationRequests(status: APPROVED) { version decidedBy } }", officer)
    assert listed["activationRequests"] == [{"version": "v1", "decidedBy": "checker@bank.cn"}]


REPLAY = """query($id: ID!) { replayDecision(applicationId: $id) {
  same policyVersion modelVersions differences { field stored replayed } notes } }"""


async def test_replay_decision_shows_differences_field_by_field(db: str, data_dir: Path) -> None:
    world = await make_lending_world()
    application = await submitted(world)
    await assess_application(
        application_id=application.id, gather=fixed_gather(inputs(grade="BBB"))
    )
    staff = await make_user("risk@bank.cn", Role.RISK_MANAGER)
    gid = encode_id("LoanApplication", application.id)

    same = (await run(REPLAY, staff, id=gid))["replayDecision"]
    assert same["same"] is True and same["differences"] == []
    assert same["policyVersion"] == "v2" and same["modelVersions"]["scorecard"] == "sc-test"

    stored = await type(application).get(id=application.id)
    stored.decision = {**stored.decision, "approved_amount": "1.00", "annual_rate": "0.9"}
    await stored.save(update_fields=["decision"])
    changed = (await run(REPLAY, staff, id=gid))["replayDecision"]

    assert changed["same"] is False
    fields = {d["field"]: d for d in changed["differences"]}
    assert set(fields) == {"approved_amount", "annual_rate"}
    assert fields["approved_amount"]["stored"] == "1.00"
    assert fields["approved_amount"]["replayed"] == "1000000.00"


async def test_replay_is_for_staff_only(db: str) -> None:
    world = await make_lending_world()
    application = await submitted(world)
    await assess_application(application_id=application.id, gather=fixed_gather(inputs()))
    gid = encode_id("LoanApplication", application.id)
    from tests.schema.helpers import run_raw

    result = await run_raw(REPLAY, world.applicant, id=gid)
    assert result.errors and result.errors[0].extensions["code"] == "FORBIDDEN"
    with pytest.raises(AssertionError):
        assert (await run_raw(REPLAY, None, id=gid)).errors is None
