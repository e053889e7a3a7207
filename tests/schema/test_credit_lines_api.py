"""Credit lines through the API: a line, two drawings, one repaid, drawn again (a revolving
line restores its limit, a non-revolving one does not); refusals that write nothing; a RED
warning freezing the line; staff changes; constant query counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from db.models import (
    AuditEntry,
    Contract,
    CreditLine,
    JournalEntry,
    Loan,
    LoanApplication,
    WarningLevel,
)
from domain.accounts.principal import Principal
from domain.monitoring.rules import WarningDraft
from domain.monitoring.store import raise_warning
from resolvers.ids import encode_id
from schema.context import Context
from tests.domain.contracts.codes import signing_code
from tests.domain.credit.line_fixtures import granted_line
from tests.domain.lending_fixtures import LendingWorld, make_lending_world
from tests.schema.helpers import SCHEMA, count_queries, run

D = Decimal
LINES = """{ creditLines { id limit available drawn status revolving validUntil frozenReason
  loans { id principal principalOutstanding } } }"""
LINE = """query($id: ID!) { creditLine(id: $id) { id limit available drawn status frozenReason
  loans { id } changes { kind reason } } }"""
DRAW = """mutation($line: ID!, $amount: Decimal!, $term: Int!, $otp: String) {
  drawdown(lineId: $line, amount: $amount, termMonths: $term, otp: $otp) {
    loan { id principal schedule { principal interest } } errors { code message field } } }"""
PAY = """mutation($id: ID!, $amount: Decimal!) { recordRepayment(loanId: $id, amount: $amount) {
  loan { principalOutstanding } errors { code message } } }"""
FREEZE = """mutation($id: ID!, $reason: String!) { freezeCreditLine(lineId: $id, reason: $reason) {
  creditLine { status frozenReason } errors { code } } }"""
UNFREEZE = """mutation($id: ID!, $reason: String!) {
  unfreezeCreditLine(lineId: $id, reason: $reason) { creditLine { status } errors { code } } }"""


@pytest.fixture
async def world(db: str, data_dir: Path) -> LendingWorld:
    return await make_lending_world()


async def _draw(who: Principal, line_id: str, amount: Decimal | str, term: int = 6) -> Any:
    otp = await signing_code(who.user_id)
    data = await run(DRAW, who, line=line_id, amount=str(amount), term=term, otp=otp)
    return data["drawdown"]


async def _line(who: Principal, line_id: str) -> dict[str, Any]:
    return (await run(LINE, who, id=line_id))["creditLine"]


async def _written() -> tuple[int, ...]:
    return (
        await Loan.all().count(),
        await Contract.all().count(),
        await JournalEntry.all().count(),
        await AuditEntry.exclude(action="otp_refused").count(),
    )


@pytest.mark.parametrize("revolving", [True, False])
async def test_line_two_drawings_repay_one_draw_again(world: LendingWorld, revolving: bool) -> None:
    await granted_line(world, revolving=revolving)
    (listed,) = (await run(LINES, world.applicant))["creditLines"]
    limit = D(listed["limit"])
    first_amount = (limit * D("0.6")).quantize(D("0.01"))

    first = await _draw(world.applicant, listed["id"], first_amount)
    second = await _draw(world.applicant, listed["id"], limit - first_amount)
    drawn_out = await _line(world.applicant, listed["id"])
    installment = first["loan"]["schedule"][0]
    paid = D(installment["principal"]) + D(installment["interest"])
    repaid = await run(PAY, world.officer, id=first["loan"]["id"], amount=str(paid))
    restored = await _line(world.applicant, listed["id"])
    before = await _written()
    third = await _draw(world.applicant, listed["id"], "50000.00")

    assert listed["status"] == "ACTIVE" and listed["revolving"] is revolving
    assert D(listed["available"]) == limit and listed["loans"] == []
    assert first["errors"] == [] and second["errors"] == []
    assert D(drawn_out["available"]) == 0 and len(drawn_out["loans"]) == 2
    assert repaid["recordRepayment"]["errors"] == []
    if revolving:
        assert D(restored["available"]) == D(installment["principal"])
        assert third["errors"] == [] and D(third["loan"]["principal"]) == D("50000.00")
        assert len((await _line(world.applicant, listed["id"]))["loans"]) == 3
    else:
        assert D(restored["available"]) == 0
        assert [e["code"] for e in third["errors"]] == ["LIMIT_EXCEEDED"]
        assert await _written() == before


@pytest.mark.parametrize("case", ["over_limit", "expired", "frozen", "other_enterprise"])
async def test_refused_drawings_write_nothing(world: LendingWorld, case: str) -> None:
    line = await granted_line(world)
    line_id = encode_id("CreditLine", line.id)
    who, amount = world.applicant, "100000.00"
    if case == "over_limit":
        amount = str(line.limit + D("100.00"))
    elif case == "expired":
        yesterday = datetime.now(UTC).date() - timedelta(days=1)
        await CreditLine.filter(id=line.id).update(valid_until=yesterday)
    elif case == "frozen":
        frozen = await run(FREEZE, world.officer, id=line_id, reason="site visit")
        assert frozen["freezeCreditLine"]["creditLine"]["status"] == "FROZEN"
    else:
        who = world.other_applicant
    otp = await signing_code(who.user_id)
    before = await _written()

    result = (await run(DRAW, who, line=line_id, amount=amount, term=6, otp=otp))["drawdown"]

    expected = {"over_limit": "LIMIT_EXCEEDED", "expired": "LINE_EXPIRED",
                "frozen": "LINE_FROZEN", "other_enterprise": "FORBIDDEN"}[case]  # fmt: skip
    assert result["loan"] is None
    assert [e["code"] for e in result["errors"]] == [expected]
    if case == "over_limit":
        assert str(line.limit) in result["errors"][0]["message"]
    assert await _written() == before


async def test_a_retried_drawing_lends_once(world: LendingWorld) -> None:
    line = await granted_line(world)
    line_id = encode_id("CreditLine", line.id)
    otp = await signing_code(world.applicant.user_id)
    answers = []
    for _ in range(2):
        result = await SCHEMA.execute(
            DRAW,
            variable_values={"line": line_id, "amount": "100000.00", "term": 6, "otp": otp},
            context_value=Context(world.applicant, idempotency_key="draw-1"),
        )
        assert result.errors is None, result.errors
        answers.append(result.data["drawdown"])  # type: ignore[index]

    assert answers[0] == answers[1] and answers[0]["errors"] == []
    assert await Loan.filter(credit_line_id=line.id).count() == 1


async def test_a_red_warning_freezes_the_line_and_staff_unfreeze_it(world: LendingWorld) -> None:
    line = await granted_line(world)
    line_id = encode_id("CreditLine", line.id)
    draft = WarningDraft(
        level=WarningLevel.RED, kind="JUDICIAL_ENFORCEMENT", message="被列为被执行人",
        rule="r1", evidence={}, source="court",
    )  # fmt: skip
    async with in_transaction() as conn:
        await raise_warning(draft, enterprise_id=world.enterprise.id, conn=conn)

    seen = await _line(world.applicant, line_id)
    refused = await _draw(world.applicant, line_id, "100000.00")
    by_applicant = await SCHEMA.execute(
        UNFREEZE, variable_values={"id": line_id, "reason": "x"},
        context_value=Context(world.applicant),
    )  # fmt: skip
    blank = (await run(UNFREEZE, world.officer, id=line_id, reason=" "))["unfreezeCreditLine"]
    thawed = (await run(UNFREEZE, world.officer, id=line_id, reason="lifted"))["unfreezeCreditLine"]
    history = (await _line(world.officer, line_id))["changes"]

    assert seen["status"] == "FROZEN" and "RED warning" in seen["frozenReason"]
    assert seen["changes"] == []  # the history is the bank's
    assert [e["code"] for e in refused["errors"]] == ["LINE_FROZEN"]
    assert by_applicant.errors[0].extensions["code"] == "FORBIDDEN"  # type: ignore[index]
    assert [e["code"] for e in blank["errors"]] == ["INVALID_INPUT"]
    assert thawed == {"creditLine": {"status": "ACTIVE"}, "errors": []}
    assert [c["kind"] for c in history] == ["FREEZE", "UNFREEZE"]


async def test_lines_are_read_by_their_borrower_and_staff_only(world: LendingWorld) -> None:
    line = await granted_line(world)
    line_id = encode_id("CreditLine", line.id)

    assert (await run(LINE, world.other_applicant, id=line_id))["creditLine"] is None
    assert (await run(LINES, world.other_applicant))["creditLines"] == []
    assert len((await run(LINES, world.officer))["creditLines"]) == 1
    assert (await run(LINE, world.officer, id=line_id))["creditLine"]["id"] == line_id


async def _another_line(world: LendingWorld, like: CreditLine) -> None:
    """A second line (of another application) for the list query."""
    application = await LoanApplication.create(
        enterprise_id=world.other_enterprise.id, product_id=like.product_id,  # type: ignore[attr-defined]
        created_by_id=world.other_applicant.user_id, amount=like.limit, term_months=12,
        status="CONTRACT_SIGNED",
    )  # fmt: skip
    await CreditLine.create(
        enterprise_id=world.other_enterprise.id, application_id=application.id,
        product_id=like.product_id, limit=like.limit, annual_rate=like.annual_rate,  # type: ignore[attr-defined]
        max_term_months=12, valid_from=date(2026, 1, 1), valid_until=date(2099, 1, 1),
    )  # fmt: skip


async def test_credit_lines_resolve_in_a_constant_number_of_queries(world: LendingWorld) -> None:
    line = await granted_line(world)
    line_id = encode_id("CreditLine", line.id)
    await _draw(world.applicant, line_id, "100000.00")
    query = """{ creditLines { id available drawn enterprise { name }
      loans { id principal schedule { number } } changes { kind } } }"""
    with count_queries() as one:
        await run(query, world.officer)
    await _draw(world.applicant, line_id, "100000.00")
    await _draw(world.applicant, line_id, "100000.00")
    await run(FREEZE, world.officer, id=line_id, reason="check")
    await _another_line(world, line)
    with count_queries() as many:
        data = await run(query, world.officer)

    assert len(data["creditLines"]) == 2
    assert sum(len(x["loans"]) for x in data["creditLines"]) == 3
    assert len(many) == len(one), many
