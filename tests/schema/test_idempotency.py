"""Idempotency keys on money-moving mutations: one effect, replays, refusal of a new request."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from db.models import Enterprise, OutboxMessage, Role, StatusChange
from domain.products.service import seed_products
from domain.world.importer import import_world_dir
from schema.context import Context
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
