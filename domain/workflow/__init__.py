"""The application lifecycle: transition table and guarded state changes."""

from domain.workflow.transitions import (
    FINAL_STATES,
    OPEN_STATES,
    TRANSITIONS,
    Event,
    allowed_events,
    apply_transition,
    can_transition,
    guarded_update,
    publish_update,
    record_creation,
    target_of,
)

__all__ = [
    "FINAL_STATES",
    "OPEN_STATES",
    "TRANSITIONS",
    "Event",
    "allowed_events",
    "apply_transition",
    "can_transition",
    "guarded_update",
    "publish_update",
    "record_creation",
    "target_of",
]
