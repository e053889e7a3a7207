"""Idempotency keys on money-moving mutations: one effect, replays, refusal of a new request."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from db.models import Enterprise, OutboxMessage, Repayment, Role, StatusChange
from domain.lending import loans
from domain.products.service import seed_products
from domain.world.importer import import_world_dir
from resolvers.ids import encode_id
from schema.context import Context
from tests.domain.lending.repayment_fixtures import LoanWorld, make_loan_world
from tests.factories import A, tiny_world, write_world
from tests.schema.helpers import SCHEMA, make_user, run

SUBMIT = "mutation($id: ID!) { submitApplication(id: $id) { application { id status } errors { code message } } }"


@pytest.fixture
async def draft(db: str, tmp_path: Path) -> tuple[object, str]:
    write_world(tiny_world(), tmp_path / "w")
    await import_world_dir(tmp_path / "w")
    await seed_products()
    ent = await Enterprise.get(uscc=A)
    applicant = await make_user("cfo@a.cn", Role.APPLICANT, ent.id)
    created = await run(
        """mutation { createApplication(input: {productCode: "TECH_CREDIT", amount: "100000.00",
          termMonths: 12, pledgedPatentNumbers: []}) { application { id } errors { code } } }""",
        applicant,
    )
    return applicant, created["createApplication"]["application"]["id"]


async def _submit(principal: object, application_id: str, key: str | None) -> dict[str, object]:
    ctx = Context(principal, idempotency_key=key)  # type: ignore[arg-type]
    result = await SCHEMA.execute(SUBMIT, variable_values={"id": application_id}, context_value=ctx)
    assert result.errors is None, result.errors
    return result.data["submitApplication"]  # type: ignore[index,no-any-return]


async def test_fifty_concurrent_replays_have_one_effect(draft: tuple[object, str]) -> None:
    applicant, application_id = draft

    results = await asyncio.gather(
        *[_submit(applicant, application_id, "key-1") for _ in range(50)]
    )

    assert all(r["errors"] == [] for r in results), [r for r in results if r["errors"]][:3]
    assert {r["application"]["id"] for r in results} == {application_id}  # type: ignore[index]
    assert await StatusChange.filter(to_status="SUBMITTED").count() == 1
    assert await OutboxMessage.filter(topic="assess_application").count() == 1


async def test_without_a_key_the_second_submit_is_invalid_state(draft: tuple[object, str]) -> None:
    applicant, application_id = draft
    first = await _submit(applicant, application_id, None)
    second = await _submit(applicant, application_id, None)
    assert first["errors"] == []
    assert second["errors"][0]["code"] == "INVALID_STATE"  # type: ignore[index]


async def test_same_key_for_another_request_is_refused(draft: tuple[object, str]) -> None:
    applicant, application_id = draft
    await _submit(applicant, application_id, "key-2")

    other = await _submit(applicant, "TG9hbkFwcGxpY2F0aW9uOjk5", "key-2")

    assert other["errors"][0]["code"] == "CONFLICT"  # type: ignore[index]
    assert "different request" in other["errors"][0]["message"]  # type: ignore[index]


REPAY = """mutation($loan: ID!, $amount: Decimal!) { recordRepayment(loanId: $loan, amount: $amount) {
  loan { id outstanding status schedule { number paid } } errors { code message } } }"""


@pytest.fixture
async def loan_world(db: str) -> LoanWorld:
    return await make_loan_world()


async def _repay(world: LoanWorld, key: str | None, query: str = REPAY) -> Any:
    ctx = Context(world.feed, idempotency_key=key)
    variables = {"loan": encode_id("Loan", world.loan.id), "amount": "1000.00"}
    return await SCHEMA.execute(query, variable_values=variables, context_value=ctx)


async def test_a_payment_feed_gets_back_the_loan_it_paid_into(loan_world: LoanWorld) -> None:
    result = await _repay(loan_world, "feed-1")

    assert result.errors is None, result.errors
    payload = result.data["recordRepayment"]  # type: ignore[index]
    assert payload["errors"] == []
    assert payload["loan"]["id"] == encode_id("Loan", loan_world.loan.id)
    assert Decimal(payload["loan"]["outstanding"]) < loan_world.loan.principal
    assert await Repayment.all().count() == 1


async def test_a_feed_retrying_after_a_lost_answer_pays_once(
    loan_world: LoanWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = loans.get_repaid_loan_or_raise
    calls = {"n": 0}

    async def connection_lost(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionResetError("the answer never reached the feed")
        return await real(**kwargs)

    monkeypatch.setattr(loans, "get_repaid_loan_or_raise", connection_lost)
    lost = await _repay(loan_world, "feed-2")
    assert lost.errors  # the feed saw a failure, so it retries with the same key
    retried = await _repay(loan_world, "feed-2")

    assert retried.errors is None, retried.errors
    assert retried.data["recordRepayment"]["loan"] is not None  # type: ignore[index]
    assert await Repayment.all().count() == 1


async def test_concurrent_retries_of_a_feed_pay_once(loan_world: LoanWorld) -> None:
    results = await asyncio.gather(*[_repay(loan_world, "feed-3") for _ in range(20)])

    assert all(r.errors is None for r in results), [r.errors for r in results if r.errors][:2]
    loans_seen = {r.data["recordRepayment"]["loan"]["id"] for r in results}
    assert loans_seen == {encode_id("Loan", loan_world.loan.id)}
    assert await Repayment.all().count() == 1


async def test_a_feed_does_not_read_the_borrower_through_the_payload(
    loan_world: LoanWorld,
) -> None:
    query = REPAY.replace("status schedule", "status enterprise { name } schedule")
    result = await _repay(loan_world, None, query)

    assert [e.extensions["code"] for e in result.errors] == ["FORBIDDEN"]  # type: ignore[union-attr,index]
    assert "payment feed" in result.errors[0].message  # type: ignore[index]
    assert await Repayment.all().count() == 1
