"""Maker-checker activation of model and policy versions: guarded, audited, never self-approved."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from db.models import ActivationRequest, AuditEntry, ModelCard, Role
from domain.accounts.principal import Principal
from domain.errors import Conflict, Forbidden, InvalidState, NotFound
from domain.models_governance import (
    active_policy_version,
    approve_activation,
    reject_activation,
    request_activation,
)
from domain.models_governance.training import stage_trained
from tests.schema.helpers import make_user


async def _card(name: str, version: str, *, active: bool) -> ModelCard:
    return await ModelCard.create(
        name=name, version=version, trained_at=datetime.now(UTC), metrics={"auc": 0.7},
        active=active,
    )  # fmt: skip


@pytest.fixture
async def people(db: str) -> dict[str, Principal]:
    return {
        "maker": await make_user("maker@bank.cn", Role.RISK_MANAGER),
        "checker": await make_user("checker@bank.cn", Role.RISK_MANAGER),
        "officer": await make_user("officer@bank.cn", Role.LOAN_OFFICER),
    }


async def test_a_second_person_puts_the_version_in_service(people: dict[str, Principal]) -> None:
    await _card("scorecard", "old", active=True)
    await _card("scorecard", "new", active=False)
    request = await request_activation(
        principal=people["maker"], kind="MODEL", name="scorecard", version="new", reason="better"
    )
    assert request.status == "PENDING"
    assert request.evidence["incumbent"]["version"] == "old"
    assert (await ModelCard.get(name="scorecard", version="old")).active

    approved = await approve_activation(principal=people["checker"], request_id=request.id)

    assert approved.status == "APPROVED" and approved.decided_by == "checker@bank.cn"
    active = await ModelCard.filter(name="scorecard", active=True).values_list("version", flat=True)
    assert active == ["new"]
    actions = await AuditEntry.filter(entity_type="ActivationRequest").values_list(
        "action", flat=True
    )
    assert actions == ["activation.requested", "activation.approved"]


async def test_nobody_approves_or_rejects_their_own_request(people: dict[str, Principal]) -> None:
    await _card("scorecard", "new", active=False)
    request = await request_activation(
        principal=people["maker"], kind="MODEL", name="scorecard", version="new"
    )
    with pytest.raises(Forbidden):
        await approve_activation(principal=people["maker"], request_id=request.id)
    with pytest.raises(Forbidden):
        await reject_activation(principal=people["maker"], request_id=request.id, comment="no")
    with pytest.raises(Forbidden):  # a loan officer is not a checker
        await approve_activation(principal=people["officer"], request_id=request.id)
    assert (await ActivationRequest.get(id=request.id)).status == "PENDING"
    assert not (await ModelCard.get(name="scorecard", version="new")).active


async def test_a_decided_request_cannot_be_decided_again(people: dict[str, Principal]) -> None:
    await _card("valuation", "v2", active=False)
    request = await request_activation(
        principal=people["maker"], kind="MODEL", name="valuation", version="v2"
    )
    rejected = await reject_activation(
        principal=people["checker"], request_id=request.id, comment="interval coverage too low"
    )
    assert rejected.status == "REJECTED"
    with pytest.raises(InvalidState):
        await approve_activation(principal=people["checker"], request_id=request.id)
    assert not (await ModelCard.get(name="valuation", version="v2")).active


async def test_refusals_write_nothing(people: dict[str, Principal]) -> None:
    await _card("scorecard", "live", active=True)
    await _card("scorecard", "next", active=False)
    with pytest.raises(NotFound):
        await request_activation(
            principal=people["maker"], kind="MODEL", name="scorecard", version="nope"
        )
    with pytest.raises(InvalidState):
        await request_activation(
            principal=people["maker"], kind="MODEL", name="scorecard", version="live"
        )
    with pytest.raises(Forbidden):
        await request_activation(
            principal=people["officer"], kind="MODEL", name="scorecard", version="next"
        )
    await request_activation(
        principal=people["maker"], kind="MODEL", name="scorecard", version="next"
    )
    with pytest.raises(Conflict):
        await request_activation(
            principal=people["maker"], kind="MODEL", name="scorecard", version="next"
        )
    assert await ActivationRequest.all().count() == 1
    assert await AuditEntry.filter(entity_type="ActivationRequest").count() == 1


async def test_approval_supersedes_other_pending_requests(people: dict[str, Principal]) -> None:
    for v in ("a", "b"):
        await _card("scorecard", v, active=False)
    first = await request_activation(
        principal=people["maker"], kind="MODEL", name="scorecard", version="a"
    )
    second = await request_activation(
        principal=people["maker"], kind="MODEL", name="scorecard", version="b"
    )
    await approve_activation(principal=people["checker"], request_id=second.id)
    assert (await ActivationRequest.get(id=first.id)).status == "SUPERSEDED"
    with pytest.raises(InvalidState):
        await approve_activation(principal=people["checker"], request_id=first.id)


async def test_policy_versions_need_a_second_person_too(people: dict[str, Principal]) -> None:
    assert await active_policy_version() == "v2"
    request = await request_activation(
        principal=people["maker"], kind="POLICY", name="decision", version="v1", reason="rollback"
    )
    assert request.evidence["incumbent"]["version"] == "v2"
    assert await active_policy_version() == "v2"
    await approve_activation(principal=people["checker"], request_id=request.id)
    assert await active_policy_version() == "v1"
    with pytest.raises(NotFound):
        await request_activation(
            principal=people["maker"], kind="POLICY", name="decision", version="v99"
        )


async def test_training_bootstraps_once_then_asks_for_approval(
    people: dict[str, Principal], data_dir: Path
) -> None:
    trainer = Principal(user_id=0, email="cli:ops", role=Role.ADMIN)
    await _card("scorecard", "first", active=True)  # as training left it: active
    assert await stage_trained(before={}, trained=[("scorecard", "first")], principal=trainer) == []
    await ModelCard.filter(name="scorecard").update(active=False)
    await _card("scorecard", "second", active=True)
    await ModelCard.filter(name="scorecard", version="first").update(active=True)
    await ModelCard.filter(name="scorecard", version="second").update(active=True)

    requests = await stage_trained(
        before={"scorecard": "first"}, trained=[("scorecard", "second")], principal=trainer
    )

    active = await ModelCard.filter(name="scorecard", active=True).values_list("version", flat=True)
    assert active == ["first"]
    assert [(r.version, r.status) for r in requests] == [("second", "PENDING")]
    assert await AuditEntry.filter(action="activation.bootstrap").count() == 1
    await approve_activation(principal=people["checker"], request_id=requests[0].id)
    active = await ModelCard.filter(name="scorecard", active=True).values_list("version", flat=True)
    assert active == ["second"]
