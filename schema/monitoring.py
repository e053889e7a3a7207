"""Root fields of monitoring: warnings, events, contagion, and the live subscriptions."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

import resolvers.application
import resolvers.warning
from schema.connection import Connection
from schema.types.application import LoanApplication
from schema.types.warning import (
    ContagionReport,
    DeadLetter,
    IngestPayload,
    RiskWarning,
    WarningPayload,
)


@strawberry.type
class MonitoringQuery:
    warnings: Connection[RiskWarning] = strawberry.field(
        resolver=resolvers.warning.warnings,
        description="Warnings the caller may see, newest first.",
    )
    contagion: ContagionReport = strawberry.field(
        resolver=resolvers.warning.contagion,
        description="Who is exposed, and how, if this enterprise defaults (staff).",
    )
    dead_letters: list[DeadLetter] = strawberry.field(
        resolver=resolvers.warning.dead_letters,
        description="Actor messages that failed for good (staff).",
    )


@strawberry.type
class MonitoringMutation:
    ingest_event: IngestPayload = strawberry.mutation(
        resolver=resolvers.warning.ingest_event,
        description="Take in a signal (staff or a data feed's service account).",
    )
    acknowledge_warning: WarningPayload = strawberry.mutation(
        resolver=resolvers.warning.acknowledge_warning,
        description="Staff have seen the warning.",
    )
    resolve_warning: WarningPayload = strawberry.mutation(
        resolver=resolvers.warning.resolve_warning, description="Close the warning with a note."
    )
    simulate_shock: ContagionReport = strawberry.mutation(
        resolver=resolvers.warning.simulate_shock,
        description="What if these enterprises defaulted? (staff; writes nothing)",
    )


@strawberry.type(description="Live feeds over graphql-transport-ws.")
class Subscription:
    warnings: AsyncGenerator[RiskWarning, None] = strawberry.subscription(
        resolver=resolvers.warning.warnings_feed,
        description="Warnings as they are raised. With `after` (a warning cursor), first replays "
        "every warning the caller may see that was raised after it, then goes live: a client "
        "that reconnects misses nothing.",
    )
    application_updated: AsyncGenerator[LoanApplication, None] = strawberry.subscription(
        resolver=resolvers.application.application_updated,
        description="An application each time its status changes.",
    )


__all__ = ["MonitoringMutation", "MonitoringQuery", "Subscription"]
