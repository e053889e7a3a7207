"""Creating, submitting, withdrawing and reviewing applications; bad input writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from db.models import (
    ApplicationPatent,
    ApplicationStatus,
    AuditEntry,
    LoanApplication,
    OutboxMessage,
    Review,
    StatusChange,
)
from domain.accounts.principal import Principal
from domain.applications import (
    applications_by_enterprise_ids,
    applications_by_ids,
    approvals_complete,
    create_application,
    get_application_or_raise,
    history_by_application_ids,
    pledged_patents_by_application_ids,
    review_application,
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
    decided,
    inputs,
    submitted,
)

S = ApplicationStatus


async def _counts() -> tuple[int, ...]:
    return (
        await LoanApplication.all().count(),
        await ApplicationPatent.all().count(),
        await StatusChange.all().count(),
        await AuditEntry.all().count(),
        await OutboxMessage.all().count(),
        await Review.all().count(),
    )


async def test_create_makes_a_draft_with_history(world: LendingWorld) -> None:
    app = await create_application(
        principal=world.applicant,
        product_code="IPCREDIT_IP_PLEDGE",
        amount=Decimal("1500000.00"),
        term_months=24,
        pledged_patent_numbers=list(OWN_PATENTS[:2]),
        purpose="扩产",
    )
    assert app.status == S.DRAFT and app.amount == Decimal("1500000.00")
    assert app.enterprise_id == world.enterprise.id  # type: ignore[attr-defined]
    (patents,) = await pledged_patents_by_application_ids(ids=[app.id])
    assert [p.number for p in patents] == list(OWN_PATENTS[:2])
    (history,) = await history_by_application_ids(ids=[app.id])
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
    before = await _counts()
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
    assert await _counts() == before


async def test_patent_in_another_open_application_is_refused(world: LendingWorld) -> None:
    await submitted(world, patents=(OWN_PATENTS[0],))
    with pytest.raises(DomainError) as err:
        await create_application(
            principal=world.applicant, product_code="IPCREDIT_IP_PLEDGE", amount="500000",
            term_months=12, pledged_patent_numbers=[OWN_PATENTS[0]],
        )  # fmt: skip
    assert err.value.code is ErrorCode.DUPLICATE


async def test_credit_product_needs_no_patent(world: LendingWorld) -> None:
    app = await create_application(
        principal=world.applicant, product_code="TECH_CREDIT", amount="300000", term_months=12,
        pledged_patent_numbers=[],
    )  # fmt: skip
    assert app.status == S.DRAFT


async def test_submit_queues_assessment_in_the_same_transaction(world: LendingWorld) -> None:
    app = await submitted(world)
    assert app.status == S.SUBMITTED and app.submitted_at is not None
    message = await OutboxMessage.get(topic="assess_application", key=str(app.id))
    assert message.payload["application_id"] == app.id


async def test_submit_twice_is_invalid_state_and_writes_nothing(world: LendingWorld) -> None:
    app = await submitted(world)
    before = await _counts()
    with pytest.raises(DomainError) as err:
        await submit_application(principal=world.applicant, application_id=app.id)
    assert err.value.code is ErrorCode.INVALID_STATE
    assert await _counts() == before


async def test_other_enterprise_cannot_act_on_the_application(world: LendingWorld) -> None:
    app = await submitted(world)
    for action in (submit_application, withdraw_application, get_application_or_raise):
        with pytest.raises(DomainError) as err:
            await action(principal=world.other_applicant, application_id=app.id)
        assert err.value.code is ErrorCode.FORBIDDEN


async def test_missing_application_is_not_found(world: LendingWorld) -> None:
    with pytest.raises(DomainError) as err:
        await get_application_or_raise(principal=world.officer, application_id=999)
    assert err.value.code is ErrorCode.NOT_FOUND


async def test_withdraw_frees_the_patents(world: LendingWorld) -> None:
    app = await submitted(world)
    await withdraw_application(principal=world.applicant, application_id=app.id)
    assert (await LoanApplication.get(id=app.id)).status == S.WITHDRAWN
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


async def _in_review(world: LendingWorld, amount: str = "1000000") -> LoanApplication:
    # BB asks for review at any amount up to band M; above that A does (matrix, policy v1)
    risk = inputs(grade="BB" if Decimal(amount) <= 3_000_000 else "A", pd=0.06, pledge="9000000")
    app = await decided(world, risk, amount=amount)
    assert app.status == S.MANUAL_REVIEW
    return app


async def test_officer_approves_below_the_four_eyes_amount(world: LendingWorld) -> None:
    app = await _in_review(world)
    await review_application(
        principal=world.officer, application_id=app.id, decision="APPROVE", comment="ok"
    )
    stored = await LoanApplication.get(id=app.id)
    assert stored.status == S.APPROVED and stored.decided_at is not None
    assert stored.decision["outcome"] == "APPROVED"
    assert stored.decision["model"]["outcome"] == "MANUAL_REVIEW"
    assert stored.decision["reasons"][0]["code"] == "MANUAL_APPROVED"
    assert stored.decision["decided_by"] == "user:officer1@bank.example"


async def test_four_eyes_above_the_amount(world: LendingWorld) -> None:
    app = await _in_review(world, amount="5000000")
    await review_application(
        principal=world.officer, application_id=app.id, decision="APPROVE", comment="first"
    )
    assert (await LoanApplication.get(id=app.id)).status == S.MANUAL_REVIEW
    # the same person twice: refused, nothing written
    before = await _counts()
    with pytest.raises(DomainError) as err:
        await review_application(
            principal=world.officer, application_id=app.id, decision="APPROVE", comment="again"
        )
    assert err.value.code is ErrorCode.DUPLICATE
    assert await _counts() == before
    # another loan officer is not enough: a risk manager must approve
    await review_application(
        principal=world.officer2, application_id=app.id, decision="APPROVE", comment="second"
    )
    assert (await LoanApplication.get(id=app.id)).status == S.MANUAL_REVIEW
    await review_application(
        principal=world.risk_manager, application_id=app.id, decision="APPROVE", comment="risk ok"
    )
    stored = await LoanApplication.get(id=app.id)
    assert stored.status == S.APPROVED
    assert stored.decision["decided_by"].split(",") == [
        "user:officer1@bank.example", "user:officer2@bank.example", "user:risk@bank.example",
    ]  # fmt: skip
    assert len(stored.decision["reviews"]) == 3


async def test_reject_is_final_at_once(world: LendingWorld) -> None:
    app = await _in_review(world, amount="5000000")
    await review_application(
        principal=world.risk_manager, application_id=app.id, decision="REJECT", comment="no"
    )
    stored = await LoanApplication.get(id=app.id)
    assert stored.status == S.REJECTED and stored.decision["approved_amount"] is None


@pytest.mark.parametrize(
    ("who", "comment", "code"),
    [
        ("applicant", "ok", ErrorCode.FORBIDDEN),
        ("admin", "ok", ErrorCode.FORBIDDEN),
        ("officer", "   ", ErrorCode.INVALID_INPUT),
    ],
)
async def test_bad_reviews_are_refused(
    world: LendingWorld, who: str, comment: str, code: ErrorCode
) -> None:
    app = await _in_review(world)
    with pytest.raises(DomainError) as err:
        await review_application(
            principal=getattr(world, who), application_id=app.id, decision="APPROVE",
            comment=comment,
        )  # fmt: skip
    assert err.value.code is code


async def test_approving_twice_is_invalid_state(world: LendingWorld) -> None:
    app = await _in_review(world)
    await review_application(
        principal=world.officer, application_id=app.id, decision="APPROVE", comment="ok"
    )
    before = await _counts()
    with pytest.raises(DomainError) as err:
        await review_application(
            principal=world.officer2, application_id=app.id, decision="APPROVE", comment="ok"
        )
    assert err.value.code is ErrorCode.INVALID_STATE
    assert await _counts() == before


@pytest.mark.parametrize(
    ("amount", "roles", "complete"),
    [
        ("1000000", [], False),
        ("1000000", ["LOAN_OFFICER"], True),
        ("3000000", ["RISK_MANAGER"], True),
        ("3000000.01", ["LOAN_OFFICER"], False),
        ("5000000", ["LOAN_OFFICER", "LOAN_OFFICER"], False),
        ("5000000", ["RISK_MANAGER", "LOAN_OFFICER"], True),
    ],
)
def test_approvals_complete(amount: str, roles: list[str], complete: bool) -> None:
    assert approvals_complete(Decimal(amount), roles, Decimal("3000000")) is complete
