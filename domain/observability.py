"""Observability shared by the API, the actors and the models: structured JSON logs carrying
the request id (which follows a request into domain code and actors), and Prometheus metrics."""

from __future__ import annotations

import uuid
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

GRAPHQL_LATENCY = Histogram(
    "ipcredit_graphql_request_seconds",
    "GraphQL operation latency by operation name and type",
    ["operation", "type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
GRAPHQL_ERRORS = Counter("ipcredit_graphql_errors_total", "GraphQL errors by stable code", ["code"])
ACTOR_SECONDS = Histogram(
    "ipcredit_actor_seconds", "Actor run time by actor", ["actor"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300),
)  # fmt: skip
ACTOR_FAILURES = Counter("ipcredit_actor_failures_total", "Actor failures by actor", ["actor"])
QUEUE_DEPTH = Gauge("ipcredit_queue_depth", "Messages waiting, by queue", ["queue"])
WARNINGS_RAISED = Counter("ipcredit_warnings_raised_total", "Warnings raised by level", ["level"])
SCORING_SECONDS = Histogram(
    "ipcredit_model_scoring_seconds", "Model scoring time by model", ["model"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5),
)  # fmt: skip

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request (or actor message) being handled, if any."""
    return _request_id.get()


def set_request_id(value: str | None = None) -> str:
    """Set (or create) the current request id and return it."""
    rid = value or uuid.uuid4().hex
    _request_id.set(rid)
    return rid


def configure_logging(level: str = "INFO") -> None:
    """Structured JSON logs on stderr (ready for ELK), with the request id on every line."""
    import logging
    import sys

    import structlog

    def add_request_id(
        _: Any, __: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        rid = current_request_id()
        if rid is not None:
            event.setdefault("request_id", rid)
        return event

    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        add_request_id,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(ensure_ascii=False),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("tortoise", "aiosqlite", "asyncio", "multipart"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
