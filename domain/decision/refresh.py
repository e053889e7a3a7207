"""Fresh data for a decision: pull the applicant's outside data under its consent, import it,
compute a new indicator snapshot, and refuse to decide on a snapshot older than the policy
allows.

The pull goes through `domain.consent.access.pull`, so it is covered by the enterprise's data
authorisation for applications and written to its data-access log. A provider that fails or
times out, answers nothing about the applicant (registration stores only the public record, so
deciding on what is stored would be deciding on thin data), or answers something that cannot
be imported, is `DataUnavailable`: the application then waits and the refresh is tried again
(see `domain.decision.waiting`). The answer is imported as a delta: a fact the provider now
states differently (a tax year re-rated, a new head count) updates the stored record.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from db.models import ConsentPurpose, Enterprise, LoanApplication, RiskScore
from domain.applications.service import APPLICATION_SOURCES
from domain.decision.inputs import RiskInputs
from domain.decision.policy import Policy
from domain.errors import Unavailable

if TYPE_CHECKING:
    from domain.providers.base import DataProvider

log = logging.getLogger("ipcredit.decision")

# who pulls the data at assessment, in the data-access log and the audit log
PULL_ACTOR = "system:assessment"


class DataUnavailable(Unavailable):
    """The outside data a decision needs could not be refreshed, or is too old to use."""


@dataclass(frozen=True)
class Refreshed:
    """What a refresh brought: records added or changed per world file (`updated`: the
    changed ones among them), and the snapshot's moment."""

    added: dict[str, int] = field(default_factory=dict)
    snapshot_as_of: datetime | None = None
    updated: dict[str, int] = field(default_factory=dict)


Refresher = Callable[[LoanApplication, Policy], Awaitable[Refreshed]]


async def refresh_application_data(
    application: LoanApplication,
    policy: Policy,
    *,
    provider: DataProvider | None = None,
    now: datetime | None = None,
) -> Refreshed:
    """Pull `APPLICATION_SOURCES` for the applicant (under its APPLICATION consent), import
    what is new or changed, and store a snapshot of its indicators as of now.

    NoConsent when no valid consent covers the sources (nothing fetched); DataUnavailable when
    the provider fails, knows nothing of the applicant, or its answer cannot be imported
    (nothing imported).
    """
    from domain.consent.access import pull
    from domain.indicators.service import compute_and_store_snapshots
    from domain.providers.base import ProviderError
    from domain.world.importer import WorldInvalid, import_world_rows

    when = now or datetime.now(UTC)
    enterprise = await Enterprise.get(id=application.enterprise_id)  # type: ignore[attr-defined]
    if provider is None:
        from domain.providers.runtime import current_provider

        provider = current_provider()
    try:
        rows = await pull(
            enterprise_id=enterprise.id,
            sources=APPLICATION_SOURCES,
            purpose=ConsentPurpose.APPLICATION,
            actor=PULL_ACTOR,
            provider=provider,
        )
    except ProviderError as exc:
        raise DataUnavailable(f"the data provider failed: {exc}") from exc
    if not any(r.get("uscc") == enterprise.uscc for r in rows.get("enterprises", ())):
        raise DataUnavailable(f"the data provider knows nothing of enterprise {enterprise.uscc}")
    try:
        report = await import_world_rows(rows, delta=True)
    except WorldInvalid as exc:
        first = exc.lines[0] if exc.lines else ""
        raise DataUnavailable(f"the provider's answer cannot be imported: {first}") from exc
    updated = {name: n for name, n in report.updated.items() if n}
    changed = {n: report.added[n] + report.updated[n] for n in report.added}
    added = {name: n for name, n in changed.items() if n}
    await compute_and_store_snapshots(as_of=when, usccs=[enterprise.uscc])
    if added:
        log.info("application %s: refreshed %s (updated %s)", application.id, added, updated)
    return Refreshed(added=added, snapshot_as_of=when, updated=updated)


async def check_snapshot_age(inputs: RiskInputs, policy: Policy, now: datetime) -> None:
    """DataUnavailable when the score the inputs used comes from an indicator snapshot older
    than the policy's maximum age (inputs that name no stored score read no snapshot)."""
    if inputs.risk_score_id is None:
        return
    score = await RiskScore.get_or_none(id=inputs.risk_score_id)
    if score is None:
        raise DataUnavailable("the risk score the decision would use is gone")
    age = now - score.as_of
    limit = policy.data.max_snapshot_age
    if age > limit:
        hours = age.total_seconds() / 3600
        raise DataUnavailable(
            f"the indicator snapshot is {hours:.1f} hours old; policy {policy.version} allows "
            f"at most {limit.total_seconds() / 3600:g}"
        )
