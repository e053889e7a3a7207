"""Creating, submitting and withdrawing applications; bad input writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from db.models import (
    ApplicationStatus,
    LoanApplication,
    OutboxMessage,
)
from domain.accounts.principal import Principal
from domain.applications import (
    applications_by_enterprise_ids,
    applications_by_ids,
    create_application,
    get_application_or_raise,
    history_by_application_ids,
    pledged_patents_by_application_ids,
    submit_application,
    visible_applications,
    withdraw_application,
)
from domain.errors import DomainError, ErrorCode
from tests.domain.lending_fixtures import (
    OTHER_PATENT,
    OWN_PATENTS,
    PENDING_PATENT,
    PLEDGED_PATENT,
    LendingWorld,
    record_counts,
    submitted,
)

S = ApplicationStatus


async def test_create_makes_a_draft_with_history(world: LendingWorld) -> None:
    application = await create_application(
        principal=world.applicant,
        product_code="IPCREDIT_IP_PLEDGE",
        amount=Decimal("1500000.00"),
        term_months=24,
        pledged_patent_numbers=list(OWN_PATENTS[:2]),
        purpose="扩产",
    )
    assert application.status == S.DRAFT and application.amount == Decimal("1500000.00")
    assert application.enterprise_id == world.enterprise.id  # type: ignore[attr-defined]
    (patents,) = await pledged_patents_by_application_ids(ids=[application.id])
    assert [p.number for p in patents] == list(OWN_PATENTS[:2])
    (history,) = await history_by_application_ids(ids=[application.id])
    assert [(h.from_status, h.to_status) for h in history] == [(None, "DRAFT")]


CREATE_CASES = [
    ({"amount": "50000"}, ErrorCode.INVALID_INPUT, "amount"),
    ({"amount": "20000000"}, ErrorCode.INVALID_INPUT, "amount"),
    ({"amount": "100000.001"}, ErrorCode.INVALID_INPUT, "amount"),
    ({"amount": "abc"}, ErrorCode.INVALID_INPUT, "amount"),
    ({"term_months": 18}, ErrorCode.INVALID_INPUT, "termMonths"),
    ({"product_code": "NOPE"}, ErrorCode.NOT_FOUND, "productCode"),
    ({"patents": [OTHER_PATENT]}, ErrorCode.FORBIDDEN, "pledgedPatentNumbers"),
    ({"patents": [PENDING_PATENT]}, ErrorCode.INVALID_INPUT, "pledgedPatentNumbers"),
    ({"patents": [PLEDGED_PATENT]}, ErrorCode.INVALID_INPUT, "pledgedPatentNumbers"),
    ({"patents": ["CN999999999X"]}, ErrorCode.NOT_FOUND, "pledgedPatentNumbers"),
    (
        {"patents": [OWN_PATENTS[0], OWN_PATENTS[0]]},
        ErrorCode.INVALID_INPUT,
        "pledgedPatentNumbers",
    ),
    ({"patents": []}, ErrorCode.INVALID_INPUT, "pledgedPatentNumbers"),
    ({"enterprise": "other"}, ErrorCode.FORBIDDEN, None),
    ({"principal": "officer"}, ErrorCode.FORBIDDEN, None),
]


@pytest.mark.parametrize(("change", "code", "field"), CREATE_CASES)
async def test_bad_create_is_refused_and_writes_nothing(
    world: LendingWorld, change: dict[str, object], code: ErrorCode, field: str | None
) -> None:
    before = await record_counts()
    principal: Principal = getattr(world, str(change.get("principal", "applicant")))
    args: dict[str, object] = {
        "principal": principal,
        "product_code": change.get("product_code", "IPCREDIT_IP_PLEDGE"),
        "amount": change.get("amount", "1000000"),
        "term_months": change.get("term_months", 12),
        "pledged_patent_numbers": change.get("patents", [OWN_PATENTS[0]]),
    }
    if change.get("enterprise") == "other":
        args["enterprise_id"] = world.other_enterprise.id
    with pytest.raises(DomainError) as err:
        await create_application(**args)  # type: ignore[arg-type]
    assert err.value.code is code
    if field is not None:
        assert err.value.field == field
    assert await record_counts() == before


async def test_patent_in_another_open_application_is_refused(world: LendingWorld) -> None:
    await submitted(world, patents=(OWN_PATENTS[0],))
    with pytest.raises(DomainError) as err:
        await create_application(
            principal=world.applicant, product_code="IPCREDIT_IP_PLEDGE", amount="500000",
            term_months=12, pledged_patent_numbers=[OWN_PATENTS[0]],
        )  # fmt: skip
    assert err.value.code is ErrorCode.DUPLICATE


async def test_credit_product_needs_no_patent(world: LendingWorld) -> None:
    application = await create_application(
        principal=world.applicant, product_code="TECH_CREDIT", amount="300000", term_months=12,
        pledged_patent_numbers=[],
    )  # fmt: skip
    assert application.status == S.DRAFT


async def test_submit_queues_assessment_in_the_same_transaction(world: LendingWorld) -> None:
    application = await submitted(world)
    assert application.status == S.SUBMITTED and application.submitted_at is not None
    message = await OutboxMessage.get(topic="assess_application", key=str(application.id))
    assert message.payload["application_id"] == application.id


async def test_submit_twice_is_invalid_state_and_writes_nothing(world: LendingWorld) -> None:
    application = await submitted(world)
    before = await record_counts()
    with pytest.raises(DomainError) as err:
        await submit_application(principal=world.applicant, application_id=application.id)
    assert err.value.code is ErrorCode.INVALID_STATE
    assert await record_counts() == before


async def test_other_enterprise_cannot_act_on_the_application(world: LendingWorld) -> None:
    application = await submitted(world)
    for action in (submit_application, withdraw_application, get_application_or_raise):
        with pytest.raises(DomainError) as err:
            await action(principal=world.other_applicant, application_id=application.id)
        assert err.value.code is ErrorCode.FORBIDDEN


async def test_missing_application_is_not_found(world: LendingWorld) -> None:
    with pytest.raises(DomainError) as err:
        await get_application_or_raise(principal=world.officer, application_id=999)
    assert err.value.code is ErrorCode.NOT_FOUND


async def test_withdraw_frees_the_patents(world: LendingWorld) -> None:
    application = await submitted(world)
    await withdraw_application(principal=world.applicant, application_id=application.id)
    assert (await LoanApplication.get(id=application.id)).status == S.WITHDRAWN
    again = await submitted(world)
    assert again.status == S.SUBMITTED


async def test_list_helpers_batch_and_respect_visibility(world: LendingWorld) -> None:
    first = await submitted(world, patents=(OWN_PATENTS[0],))
    second = await submitted(world, patents=(OWN_PATENTS[1],))
    found = await applications_by_ids(ids=[second.id, 999, first.id])
    assert [a.id if a else None for a in found] == [second.id, None, first.id]
    own, other = await applications_by_enterprise_ids(
        enterprise_ids=[world.enterprise.id, world.other_enterprise.id]
    )
    assert [a.id for a in own] == [second.id, first.id] and other == []
    assert await visible_applications(principal=world.other_applicant).count() == 0
    assert await visible_applications(principal=world.officer, status="SUBMITTED").count() == 2


# ---- manual review -----------------------------------------------------------------------
