"""Prometheus metrics shared by the API, the actors and the models."""

from __future__ import annotations

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
