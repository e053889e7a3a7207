"""Fresh data at assessment: consent first, refresh under it, wait and retry when the provider
fails, never decide on a snapshot older than the policy allows."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from db.models import (
    ApplicationStatus,
    AuditEntry,
    Consent,
    DataAccess,
    DataSource,
    IndicatorSnapshot,
    LoanApplication,
    OutboxMessage,
    RiskScore,
    StatusChange,
    TaxRecord,
)
from domain.applications import create_application, submit_application, withdraw_application
from domain.decision import assess_application, load_policy
from domain.decision.policy import DataRules, parse_policy
from domain.decision.refresh import (
    DataUnavailable,
    Refreshed,
    check_snapshot_age,
    refresh_application_data,
)
from domain.decision.waiting import queue_due_retries
from domain.errors import NoConsent, Unavailable
from domain.providers.base import ProviderError, Rows
from domain.providers.directory import DirectoryProvider
from tests.domain.lending_fixtures import (
    OWN_PATENTS,
    LendingWorld,
    fixed_gather,
    inputs,
    record_counts,
    submitted,
)

S = ApplicationStatus
POLICY = load_policy()


class FailingProvider:
    """A data platform that times out on every fetch."""

    name = "failing"

    def __init__(self) -> None:
        self.calls = 0

    async def lookup(self, uscc: str) -> dict[str, Any] | None:
        return None

    async def fetch(self, uscc: str, sources: Collection[DataSource]) -> Rows:
        self.calls += 1
        raise ProviderError("the data platform timed out", source=DataSource.TAX)


def _world_dir(root: Path, world: LendingWorld) -> Path:
    """A world directory that knows one more tax year of the applicant than the database."""
    e = world.enterprise
    files = {
        "enterprises": [{"uscc": e.uscc, "name": e.name, "founded_on": "2015-03-01",
                         "high_tech": True, "status": "active"}],
        "tax": [{"uscc": e.uscc, "year": 2024, "rating": "A", "revenue": 20000000},
                {"uscc": e.uscc, "year": 2025, "rating": "A", "revenue": 26000000}],
    }  # fmt: skip
    root.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        (root / f"{name}.jsonl").write_text(lines, encoding="utf-8")
    return root


def _refresh(provider: Any) -> Any:
    return partial(refresh_application_data, provider=provider)


async def _history(application_id: int) -> list[str]:
    rows = await StatusChange.filter(application_id=application_id).order_by("id")
    return [r.to_status for r in rows]


async def _revoke_consents(world: LendingWorld) -> None:
    await Consent.filter(enterprise_id=world.enterprise.id).update(revoked_at=datetime.now(UTC))


async def test_submission_without_consent_is_refused_and_changes_nothing(
    world: LendingWorld,
) -> None:
    draft = await create_application(
        principal=world.applicant, product_code="IPCREDIT_IP_PLEDGE", amount="1000000",
        term_months=12, pledged_patent_numbers=[OWN_PATENTS[0]],
    )  # fmt: skip
    await _revoke_consents(world)
    before = await record_counts()

    with pytest.raises(NoConsent) as refused:
        await submit_application(principal=world.applicant, application_id=draft.id)

    assert refused.value.code == "NO_CONSENT"
    assert await record_counts() == before
    assert (await LoanApplication.get(id=draft.id)).status == S.DRAFT


async def test_assessment_refreshes_the_applicants_data_under_its_consent(
    world: LendingWorld, tmp_path: Path
) -> None:
    application = await submitted(world)
    provider = DirectoryProvider(_world_dir(tmp_path / "world", world))
    started = datetime.now(UTC)

    await assess_application(
        application_id=application.id, gather=fixed_gather(inputs()), refresh=_refresh(provider)
    )

    stored = await LoanApplication.get(id=application.id)
    assert stored.status == S.APPROVED and stored.data_attempts == 0
    years = await TaxRecord.filter(enterprise_id=world.enterprise.id).values_list("year", flat=True)
    assert sorted(years) == [2024, 2025]
    pulls = await DataAccess.filter(enterprise_id=world.enterprise.id).order_by("id")
    assert {p.source for p in pulls} == set(DataSource)
    assert {(p.outcome, p.purpose, p.actor) for p in pulls} == {
        ("OK", "APPLICATION", "system:assessment")
    }
    snapshot = await IndicatorSnapshot.filter(enterprise_id=world.enterprise.id).first()
    assert snapshot is not None and snapshot.as_of >= started


async def test_a_failing_provider_puts_the_application_in_waiting(world: LendingWorld) -> None:
    application = await submitted(world)
    provider = FailingProvider()
    before = datetime.now(UTC)

    result = await assess_application(
        application_id=application.id, gather=fixed_gather(inputs()), refresh=_refresh(provider)
    )

    assert result is not None
    stored = await LoanApplication.get(id=application.id)
    assert stored.status == S.WAITING_FOR_DATA and stored.decision is None
    assert stored.data_attempts == 1 and "timed out" in (stored.data_error or "")
    assert stored.data_retry_at is not None
    delay = stored.data_retry_at - before
    assert timedelta(seconds=29) < delay < timedelta(seconds=40)
    assert await _history(application.id) == ["DRAFT", "SUBMITTED", "ASSESSING",
                                               "WAITING_FOR_DATA"]  # fmt: skip
    entry = await AuditEntry.get(action="application.wait_for_data")
    assert entry.actor == "system:data-refresh" and entry.data["attempts"] == 1
    failed = await DataAccess.filter(enterprise_id=world.enterprise.id)
    assert failed and {f.outcome for f in failed} == {"FAILED"}


async def test_a_due_retry_is_queued_once_and_then_decided(
    world: LendingWorld, tmp_path: Path
) -> None:
    application = await submitted(world)
    await assess_application(
        application_id=application.id, gather=fixed_gather(inputs()),
        refresh=_refresh(FailingProvider()),
    )  # fmt: skip
    waiting = await LoanApplication.get(id=application.id)
    assert waiting.data_retry_at is not None
    messages = await OutboxMessage.filter(topic="assess_application").count()

    # not due yet: neither queued nor assessed by a stray message
    assert await queue_due_retries(now=waiting.data_retry_at - timedelta(seconds=1)) == 0
    assert await assess_application(application_id=application.id) is None
    # due: queued exactly once, however many schedulers ask
    due = waiting.data_retry_at + timedelta(seconds=1)
    assert await queue_due_retries(now=due) == 1
    assert await queue_due_retries(now=due) == 0
    assert await OutboxMessage.filter(topic="assess_application").count() == messages + 1

    provider = DirectoryProvider(_world_dir(tmp_path / "world", world))
    await assess_application(
        application_id=application.id, gather=fixed_gather(inputs()), refresh=_refresh(provider)
    )
    stored = await LoanApplication.get(id=application.id)
    assert stored.status == S.APPROVED
    assert (stored.data_attempts, stored.data_error, stored.data_retry_at) == (1, None, None)
    assert await _history(application.id) == [
        "DRAFT", "SUBMITTED", "ASSESSING", "WAITING_FOR_DATA", "ASSESSING", "APPROVED",
    ]  # fmt: skip


async def test_backoff_grows_and_the_last_attempt_goes_to_a_person(world: LendingWorld) -> None:
    application = await submitted(world)
    provider = FailingProvider()
    rules = POLICY.data
    delays = []
    for attempt in range(1, rules.max_attempts + 1):
        before = datetime.now(UTC)
        await assess_application(
            application_id=application.id, gather=fixed_gather(inputs()),
            refresh=_refresh(provider),
        )  # fmt: skip
        stored = await LoanApplication.get(id=application.id)
        assert stored.data_attempts == attempt
        if stored.status == S.WAITING_FOR_DATA:
            assert stored.data_retry_at is not None
            delays.append(round((stored.data_retry_at - before).total_seconds()))
            assert await queue_due_retries(now=stored.data_retry_at) == 1

    assert provider.calls == rules.max_attempts
    assert delays == [30, 60, 120, 240, 480]
    stored = await LoanApplication.get(id=application.id)
    assert stored.status == S.MANUAL_REVIEW and stored.decided_at is None
    [reason] = stored.decision["reasons"]
    assert reason["code"] == "DATA_UNAVAILABLE"
    assert reason["description"].startswith("outside data unavailable: ")
    assert stored.decision["inputs"] is None  # nothing was decided on missing data


async def test_withdraw_while_waiting(world: LendingWorld) -> None:
    application = await submitted(world)
    await assess_application(
        application_id=application.id, gather=fixed_gather(inputs()),
        refresh=_refresh(FailingProvider()),
    )  # fmt: skip

    await withdraw_application(principal=world.applicant, application_id=application.id)

    stored = await LoanApplication.get(id=application.id)
    assert stored.status == S.WITHDRAWN
    assert await queue_due_retries(now=datetime.now(UTC) + timedelta(days=1)) == 0
    assert await assess_application(application_id=application.id) is None


async def test_consent_revoked_after_submission_is_referred_without_a_pull(
    world: LendingWorld,
) -> None:
    application = await submitted(world)
    await _revoke_consents(world)
    provider = FailingProvider()

    await assess_application(
        application_id=application.id, gather=fixed_gather(inputs()), refresh=_refresh(provider)
    )

    stored = await LoanApplication.get(id=application.id)
    assert provider.calls == 0
    assert stored.status == S.MANUAL_REVIEW
    assert [r["code"] for r in stored.decision["reasons"]] == ["NO_CONSENT"]
    refused = await DataAccess.filter(enterprise_id=world.enterprise.id)
    assert refused and {r.outcome for r in refused} == {"REFUSED"}


async def _skip_refresh(application: LoanApplication, policy: Any) -> Refreshed:
    return Refreshed()


@pytest.mark.parametrize(("age_hours", "status"), [(1, S.APPROVED), (25, S.WAITING_FOR_DATA)])
async def test_a_decision_never_uses_a_snapshot_older_than_the_policy_allows(
    world: LendingWorld, age_hours: int, status: ApplicationStatus
) -> None:
    application = await submitted(world)
    score = await RiskScore.create(
        enterprise_id=world.enterprise.id, score=650, grade="A", probability_of_default=0.015,
        as_of=datetime.now(UTC) - timedelta(hours=age_hours),
    )  # fmt: skip
    risk = replace(inputs(), risk_score_id=score.id)

    await assess_application(
        application_id=application.id, gather=fixed_gather(risk), refresh=_skip_refresh
    )

    stored = await LoanApplication.get(id=application.id)
    assert stored.status == status
    if status == S.WAITING_FOR_DATA:
        assert stored.decision is None
        assert "snapshot is 25.0 hours old" in (stored.data_error or "")


async def test_snapshot_age_check_reads_the_policy(world: LendingWorld) -> None:
    now = datetime.now(UTC)
    score = await RiskScore.create(
        enterprise_id=world.enterprise.id, score=650, grade="A", probability_of_default=0.015,
        as_of=now - timedelta(hours=3),
    )  # fmt: skip
    risk = replace(inputs(), risk_score_id=score.id)
    await check_snapshot_age(risk, POLICY, now)
    strict = replace(POLICY, data=replace(POLICY.data, max_snapshot_age=timedelta(hours=2)))
    message = f"3.0 hours old; policy {POLICY.version} allows at most 2"
    with pytest.raises(DataUnavailable, match=message):
        await check_snapshot_age(risk, strict, now)
    # inputs that name no stored score read no snapshot: nothing to check
    await check_snapshot_age(inputs(), strict, now)


def test_policy_data_rules() -> None:
    rules = POLICY.data
    assert rules.max_snapshot_age == timedelta(hours=24)
    assert [rules.retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert DataRules().max_attempts == rules.max_attempts == 6


@pytest.mark.parametrize(
    "data",
    [
        {"max_snapshot_age_hours": 0},
        {"max_snapshot_age_hours": 24, "refresh_retry": {"first_seconds": 0}},
        {"max_snapshot_age_hours": 24, "refresh_retry": {"max_attempts": 0}},
    ],
)
def test_bad_data_rules_are_refused(data: dict[str, Any]) -> None:
    raw = json.loads((Path(__file__).parents[3] / "domain/decision/policy/v1.json").read_text())
    raw["data"] = data
    with pytest.raises(ValueError):  # noqa: PT011
        parse_policy(json.dumps(raw).encode())


def test_data_unavailable_is_an_unavailable_error() -> None:
    assert issubclass(DataUnavailable, Unavailable)
