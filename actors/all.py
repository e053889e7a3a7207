"""Every actor, declared on the broker (import this before starting a worker)."""

from actors.gnn import run_contagion, score_graph_risk
from actors.lending import assess_application
from actors.monitoring import monitor_borrowers, process_event

__all__ = [
    "assess_application",
    "monitor_borrowers",
    "process_event",
    "run_contagion",
    "score_graph_risk",
]
