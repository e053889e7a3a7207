"""The assessment service: idempotent, guarded, records everything needed to replay it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from db.models import ApplicationStatus, AuditEntry, LoanApplication, OutboxMessage, StatusChange
from domain.applications import withdraw_application
from domain.decision import CURRENT_VERSION, RiskInputs, assess_application, replay_decision
from domain.decision.gather import annual_revenue, graph_risk_of
from domain.errors import Unavailable
from tests.domain.lending_fixtures import LendingWorld, fixed_gather, inputs, submitted

S = ApplicationStatus


async def test_assessment_approves_and_records_the_decision(world: LendingWorld) -> None:
    application = await submitted(world)
    result = await assess_application(application_id=application.id, gather=fixed_gather(inputs()))
    assert result is not None
    stored = await LoanApplication.get(id=application.id)
    assert stored.status == S.APPROVED and stored.decided_at is not None
    record = stored.decision
    assert record["outcome"] == "APPROVED"
    assert record["approved_amount"] == "1000000.00"
    assert record["annual_rate"] == "0.044500"
    assert record["policy_version"] == CURRENT_VERSION and len(record["inputs_hash"]) == 64
    assert record["model_versions"] == {
        "gnn": "not-used", "policy": CURRENT_VERSION, "scorecard": "sc-test", "valuation": "val-test",
    }  # fmt: skip
    assert record["decided_by"].startswith(f"model:policy={CURRENT_VERSION},")
    assert record["graph_risk_used"] is False
    assert all({"code", "description", "weight"} <= set(r) for r in record["reasons"])
    history = await StatusChange.filter(application_id=application.id).order_by("id")
    assert [h.to_status for h in history] == ["DRAFT", "SUBMITTED", "ASSESSING", "APPROVED"]
    updates = await OutboxMessage.filter(
        topic="application_updated", key=str(application.id)
    ).count()
    assert updates == 4


async def test_assessment_runs_once(world: LendingWorld) -> None:
    application = await submitted(world)
    gather = fixed_gather(inputs())
    await assess_application(application_id=application.id, gather=gather)
    rows = await StatusChange.all().count(), await AuditEntry.all().count()
    assert await assess_application(application_id=application.id, gather=gather) is None
    assert (await StatusChange.all().count(), await AuditEntry.all().count()) == rows
    assert await assess_application(application_id=9999, gather=gather) is None


async def test_withdrawn_during_assessment_stays_withdrawn(world: LendingWorld) -> None:
    application = await submitted(world)

    async def gather_while_withdrawn(application: LoanApplication) -> RiskInputs:
        await withdraw_application(principal=world.applicant, application_id=application.id)
        return inputs()

    assert (
        await assess_application(application_id=application.id, gather=gather_while_withdrawn)
        is None
    )
    stored = await LoanApplication.get(id=application.id)
    assert stored.status == S.WITHDRAWN and stored.decision is None


async def test_missing_data_refers_to_a_person(world: LendingWorld) -> None:
    application = await submitted(world)

    async def broken(_application: LoanApplication) -> RiskInputs:
        raise Unavailable("no scorecard is trained yet")

    await assess_application(application_id=application.id, gather=broken)
    stored = await LoanApplication.get(id=application.id)
    assert stored.status == S.MANUAL_REVIEW and stored.decided_at is None
    assert stored.decision["reasons"][0]["code"] == "DATA_UNAVAILABLE"
    assert stored.decision["approved_amount"] == "1000000.00"


async def test_guarantee_recorded_on_approval(world: LendingWorld) -> None:
    application = await submitted(world, product="GOV_SUBSIDY", amount="400000", term=12)
    await assess_application(application_id=application.id, gather=fixed_gather(inputs()))
    stored = await LoanApplication.get(id=application.id)
    assert stored.status == S.APPROVED
    guarantee = stored.decision["guarantee"]
    assert guarantee["guarantor"] == "市科技融资担保有限公司"
    assert Decimal(guarantee["amount"]) == Decimal("320000.00")  # 80% coverage
    assert stored.decision["annual_rate"] == "0.033500"  # 3.85% + 0.50% - 1.00% subsidy
    entry = await AuditEntry.get(action="guarantee.recorded")
    assert entry.entity_id == str(application.id)


async def test_no_guarantee_when_referred(world: LendingWorld) -> None:
    application = await submitted(world, product="GOV_SUBSIDY", amount="400000", term=12)
    await assess_application(
        application_id=application.id, gather=fixed_gather(inputs(graph_risk=0.6))
    )
    stored = await LoanApplication.get(id=application.id)
    assert stored.status == S.MANUAL_REVIEW and "guarantee" not in stored.decision
    assert stored.decision["graph_risk_used"] is True


async def test_replay_reproduces_the_stored_decision(world: LendingWorld) -> None:
    application = await submitted(world)
    await assess_application(
        application_id=application.id, gather=fixed_gather(inputs(grade="BBB"))
    )
    result, same = await replay_decision(application_id=application.id)
    assert same and result.outcome.value == "APPROVED"
    stored = await LoanApplication.get(id=application.id)
    tampered = dict(stored.decision)
    tampered["inputs"] = {**tampered["inputs"], "grade": "AAA"}
    stored.decision = tampered
    await stored.save(update_fields=["decision"])
    _, same = await replay_decision(application_id=application.id)
    assert not same


async def test_without_trained_models_the_default_gatherer_refers(world: LendingWorld) -> None:
    application = await submitted(world)
    await assess_application(application_id=application.id)
    stored = await LoanApplication.get(id=application.id)
    assert stored.status == S.MANUAL_REVIEW
    assert stored.decision["reasons"][0]["code"] == "DATA_UNAVAILABLE"
    assert "scorecard" in stored.decision["reasons"][0]["description"]


async def test_revenue_prefers_full_year_statements(world: LendingWorld) -> None:
    from db.models import Financial

    assert await annual_revenue(enterprise_id=world.enterprise.id) == Decimal("24000000")
    await Financial.create(enterprise_id=world.enterprise.id, period="2025Q1", revenue=1)
    assert await annual_revenue(enterprise_id=world.enterprise.id) == Decimal("24000000")
    await Financial.all().delete()
    assert await annual_revenue(enterprise_id=world.enterprise.id) == Decimal("20000000")
    assert await annual_revenue(enterprise_id=world.other_enterprise.id) is None


async def test_graph_risk_is_absent_without_a_graph_model(world: LendingWorld) -> None:
    assert await graph_risk_of(world.enterprise.uscc) == (None, None)


async def test_an_unusable_graph_model_is_skipped_for_a_while(
    world: LendingWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gnn.service
    from domain.decision import gather

    calls = []

    async def broken() -> None:
        calls.append(1)
        raise RuntimeError("state_dict does not match the model")

    monkeypatch.setattr(gnn.service, "loaded", broken)
    monkeypatch.setattr(gather, "_graph_down_until", [0.0])
    assert await graph_risk_of(world.enterprise.uscc) == (None, None)
    assert await graph_risk_of(world.enterprise.uscc) == (None, None)
    assert calls == [1]
