"""Indicators, valuations and model cards through the API, on a small generated world."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from db.models import Enterprise, Patent, Role
from domain.indicators.service import compute_and_store_snapshots
from domain.scoring.service import train_models
from domain.world.generator import generate_world
from domain.world.importer import import_world_rows
from tests.schema.helpers import make_user, run


@pytest.fixture
async def trained(db: str, data_dir: Path) -> Path:
    await import_world_rows(generate_world(enterprises=400, seed=5))
    await train_models(data_dir=data_dir)
    return data_dir


async def test_definitions_are_public_and_numerous(db: str) -> None:
    data = await run("{ indicatorDefinitions { code category source direction } }", None)
    defs = data["indicatorDefinitions"]
    assert len(defs) >= 500
    assert sum(d["category"] == "ip" for d in defs) >= 100
    ip = await run('{ indicatorDefinitions(category: "ip") { code } }', None)
    assert len(ip["indicatorDefinitions"]) == sum(d["category"] == "ip" for d in defs)


async def test_enterprise_indicators_from_the_latest_snapshot(db: str) -> None:
    await import_world_rows(generate_world(enterprises=60, seed=3))
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)
    ent = await Enterprise.all().order_by("id").first()
    assert ent is not None
    await compute_and_store_snapshots(as_of=datetime(2025, 1, 1, tzinfo=UTC))

    data = await run(
        'query($u: String!) { enterpriseByUscc(uscc: $u) { indicators(category: "ip") { definition { code } value asOf } } }',
        officer,
        u=ent.uscc,
    )

    values = data["enterpriseByUscc"]["indicators"]
    assert len(values) >= 100
    assert values[0]["asOf"].startswith("2025-01-01")


async def test_value_patent_and_latest_valuation(trained: Path) -> None:
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)
    patent = await Patent.filter(status="granted").order_by("id").first()
    assert patent is not None

    valued = await run(
        """mutation($n: String!) { valuePatent(number: $n) { valuation { value low high pledgeValue
          modelVersion drivers { name contribution } patent { number } } errors { code } } }""",
        officer,
        n=patent.number,
    )
    latest = await run(
        "query($n: String!) { patent(number: $n) { latestValuation { value modelVersion } } }",
        officer,
        n=patent.number,
    )
    cards = await run("{ models { name version metrics } }", officer)

    v = valued["valuePatent"]["valuation"]
    assert valued["valuePatent"]["errors"] == []
    assert float(v["low"]) <= float(v["value"]) <= float(v["high"])
    assert float(v["pledgeValue"]) <= float(v["value"])
    assert v["drivers"]
    assert latest["patent"]["latestValuation"]["modelVersion"] == v["modelVersion"]
    assert {"valuation", "scorecard"} <= {c["name"] for c in cards["models"]}


async def test_unknown_or_foreign_patent_is_not_found(trained: Path) -> None:
    other = await Enterprise.all().order_by("-id").first()
    assert other is not None
    applicant = await make_user("cfo@x.cn", Role.APPLICANT, other.id)
    foreign = await Patent.exclude(owner_id=other.id).first()
    assert foreign is not None

    for number in ("CN000000000X", foreign.number):
        data = await run(
            "mutation($n: String!) { valuePatent(number: $n) { valuation { value } errors { code } } }",
            applicant,
            n=number,
        )
        assert data["valuePatent"] == {"valuation": None, "errors": [{"code": "NOT_FOUND"}]}


async def test_value_patent_without_a_model_is_unavailable(db: str, data_dir: Path) -> None:
    await import_world_rows(generate_world(enterprises=30, seed=3))
    officer = await make_user("officer@bank.cn", Role.LOAN_OFFICER)
    patent = await Patent.all().first()
    assert patent is not None
    data = await run(
        "mutation($n: String!) { valuePatent(number: $n) { errors { code } } }",
        officer,
        n=patent.number,
    )
    assert data["valuePatent"]["errors"] == [{"code": "UNAVAILABLE"}]


async def test_automated_decision_records_its_risk_score(trained: Path) -> None:
    from db.models import LoanApplication
    from domain.decision.service import assess_application
    from domain.products.service import seed_products

    await seed_products()
    ent = (
        await Enterprise.filter(status="active", industry__not_in=["J66", "J69"])
        .order_by("id")
        .first()
    )
    assert ent is not None
    applicant = await make_user("cfo@x.cn", Role.APPLICANT, ent.id)
    created = await run(
        """mutation { createApplication(input: {productCode: "TECH_CREDIT", amount: "100000.00",
          termMonths: 12, pledgedPatentNumbers: []}) { application { id } errors { code message } } }""",
        applicant,
    )
    application_id = created["createApplication"]["application"]["id"]
    await run(
        "mutation($id: ID!) { submitApplication(id: $id) { errors { code } } }",
        applicant,
        id=application_id,
    )

    await assess_application(application_id=(await LoanApplication.get()).id)
    data = await run(
        """query($id: ID!) { application(id: $id) { status decision { outcome reasons { code } decidedBy }
          riskScore { score grade probabilityOfDefault modelVersions } } }""",
        applicant,
        id=application_id,
    )

    application = data["application"]
    assert application["status"] in ("APPROVED", "REJECTED", "MANUAL_REVIEW")
    assert application["decision"]["reasons"]
    assert application["decision"]["decidedBy"].startswith("model:")
    assert 0 < application["riskScore"]["probabilityOfDefault"] < 1
    assert "scorecard" in application["riskScore"]["modelVersions"]


async def test_unknown_indicator_category_is_a_coded_client_error(db: str) -> None:
    from tests.schema.helpers import run_raw

    result = await run_raw('{ indicatorDefinitions(category: "nope") { code } }', None)
    assert result.errors[0].extensions["code"] == "BAD_USER_INPUT"
