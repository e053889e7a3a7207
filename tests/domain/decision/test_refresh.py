"""The refresh at assessment: what the provider says now replaces what is stored, and an answer
that says nothing of the applicant is never taken for "nothing new"."""

from __future__ import annotations

from collections.abc import Collection
from functools import partial
from typing import Any

import pytest

from db.models import (
    ApplicationStatus,
    DataSource,
    Enterprise,
    IndicatorSnapshot,
    LoanApplication,
    TaxRecord,
)
from domain.decision import assess_application, load_policy
from domain.decision.refresh import DataUnavailable, Refreshed, refresh_application_data
from domain.providers.base import Rows
from tests.domain.lending_fixtures import LendingWorld, fixed_gather, inputs, submitted

S = ApplicationStatus
POLICY = load_policy()


class FixedProvider:
    """A data platform that answers the same rows for every enterprise."""

    name = "fixed"

    def __init__(self, rows: Rows) -> None:
        self.rows = rows
        self.calls = 0

    async def lookup(self, uscc: str) -> dict[str, Any] | None:
        return None

    async def fetch(self, uscc: str, sources: Collection[DataSource]) -> Rows:
        self.calls += 1
        return self.rows


def _record(enterprise: Enterprise, **fields: Any) -> dict[str, Any]:
    """The applicant's registration record as the lending world stores it, with `fields`."""
    return {"uscc": enterprise.uscc, "name": enterprise.name, "founded_on": "2015-03-01",
            "high_tech": True, "status": "active", **fields}  # fmt: skip


async def _latest_values(enterprise_id: int) -> dict[str, Any]:
    latest = IndicatorSnapshot.filter(enterprise_id=enterprise_id).order_by("-as_of")
    snapshot = await latest.first()
    assert snapshot is not None
    return dict(snapshot.values)


def _unknown_answers(world: LendingWorld) -> list[Rows]:
    own, other = world.enterprise, world.other_enterprise
    return [
        {},  # the platform does not know the enterprise
        {"enterprises": [{"uscc": other.uscc, "name": other.name, "status": "active"}]},
        {"tax": [{"uscc": own.uscc, "year": 2025, "rating": "A"}]},  # no registration record
    ]


@pytest.mark.parametrize("answer", range(3))
async def test_an_answer_that_says_nothing_of_the_applicant_is_data_unavailable(
    world: LendingWorld, answer: int
) -> None:
    application = await submitted(world)
    provider = FixedProvider(_unknown_answers(world)[answer])

    with pytest.raises(DataUnavailable, match="knows nothing of enterprise"):
        await refresh_application_data(application, POLICY, provider=provider)

    assert await TaxRecord.filter(enterprise_id=world.enterprise.id, year=2025).count() == 0
    assert await IndicatorSnapshot.filter(enterprise_id=world.enterprise.id).count() == 0


async def test_an_applicant_the_provider_does_not_know_waits_instead_of_being_decided(
    world: LendingWorld,
) -> None:
    application = await submitted(world)
    provider = FixedProvider({})

    await assess_application(
        application_id=application.id, gather=fixed_gather(inputs()),
        refresh=partial(refresh_application_data, provider=provider),
    )  # fmt: skip

    stored = await LoanApplication.get(id=application.id)
    assert provider.calls == 1
    assert stored.status == S.WAITING_FOR_DATA and stored.decision is None
    assert "knows nothing of enterprise" in (stored.data_error or "")


async def test_changed_facts_update_the_stored_records_and_the_snapshot(
    world: LendingWorld,
) -> None:
    # given: the lending world stores tax year 2024 rated A and no head count
    application = await submitted(world)
    e = world.enterprise
    provider = FixedProvider({
        "enterprises": [_record(e, employees=120)],
        "tax": [{"uscc": e.uscc, "year": 2024, "rating": "C", "revenue": 20000000}],
    })  # fmt: skip
    seen: list[Refreshed] = []

    async def refresh(app: LoanApplication, policy: Any) -> Refreshed:
        seen.append(await refresh_application_data(app, policy, provider=provider))
        return seen[-1]

    # when: the application is assessed
    await assess_application(
        application_id=application.id, gather=fixed_gather(inputs()), refresh=refresh
    )

    # then: the provider's facts replaced the stored ones, in place, and the snapshot says so
    [tax] = await TaxRecord.filter(enterprise_id=e.id, year=2024)
    assert tax.rating == "C"
    assert (await Enterprise.get(id=e.id)).employees == 120
    assert seen[0].added == seen[0].updated == {"enterprises": 1, "tax": 1}
    values = await _latest_values(e.id)
    assert values["tax.rating.C"] == 1 and values["tax.rating.A"] == 0
    assert values["tax.rating.score"] == 1
    assert (await LoanApplication.get(id=application.id)).status == S.APPROVED


async def test_new_facts_are_reported_as_added(world: LendingWorld) -> None:
    application = await submitted(world)
    e = world.enterprise
    provider = FixedProvider({
        "enterprises": [_record(e)],
        "tax": [{"uscc": e.uscc, "year": 2024, "rating": "A", "revenue": 20000000},
                {"uscc": e.uscc, "year": 2025, "rating": "B", "revenue": 26000000}],
    })  # fmt: skip

    refreshed = await refresh_application_data(application, POLICY, provider=provider)

    assert refreshed.added == {"tax": 1} and refreshed.updated == {}
    assert (await _latest_values(e.id))["tax.rating.score"] == 3


async def test_the_stored_world_is_found_again_and_nothing_changes(world: LendingWorld) -> None:
    # the tests' own provider (installed through the settings) answers what is stored
    application = await submitted(world)

    refreshed = await refresh_application_data(application, POLICY)

    assert refreshed.added == {} and refreshed.updated == {}
    assert (await _latest_values(world.enterprise.id))["tax.rating.score"] == 4
