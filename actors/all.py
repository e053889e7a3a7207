"""Every actor, declared on the broker (import this before starting a worker), and the one
table from an outbox topic to the coroutine its actor runs (for work run on this loop)."""

from collections.abc import Awaitable, Callable
from typing import Any

from actors.application import assess_application, do_assess_application
from actors.audit import checkpoint_audit_chain
from actors.graph_risk import do_run_contagion, run_contagion, score_graph_risk
from actors.indicators import do_refresh_snapshots, refresh_snapshots
from actors.loanbook import close_business_day, close_loan_chunk
from actors.monitoring import (
    do_monitor_borrowers,
    do_process_event,
    monitor_borrowers,
    process_event,
)
from domain.messaging.topics import Topic

# topic -> what its actor runs; actor names are the topics' values (a test checks both agree)
HANDLERS: dict[Topic, Callable[..., Awaitable[Any]]] = {
    Topic.PROCESS_EVENT: do_process_event,
    Topic.ASSESS_APPLICATION: do_assess_application,
    Topic.MONITOR_BORROWERS: do_monitor_borrowers,
    Topic.RUN_CONTAGION: do_run_contagion,
    Topic.REFRESH_SNAPSHOTS: do_refresh_snapshots,
}

__all__ = [
    "HANDLERS",
    "assess_application",
    "checkpoint_audit_chain",
    "close_business_day",
    "close_loan_chunk",
    "monitor_borrowers",
    "process_event",
    "refresh_snapshots",
    "run_contagion",
    "score_graph_risk",
]
