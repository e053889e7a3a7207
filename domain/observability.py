"""Observability shared by the actors and the models: structured JSON logs carrying the request
id (kept in domain.context), and Prometheus metrics (the API's are in schema.observability)."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from domain.context import current_request_id

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
