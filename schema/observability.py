"""A schema extension recording each operation's latency and its errors' codes."""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import Counter, Histogram
from strawberry.extensions import SchemaExtension

GRAPHQL_LATENCY = Histogram(
    "ipcredit_graphql_request_seconds",
    "GraphQL operation latency by operation name and type",
    ["operation", "type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
GRAPHQL_ERRORS = Counter("ipcredit_graphql_errors_total", "GraphQL errors by stable code", ["code"])

MAX_NAMES = 200
_names: set[str] = set()


def _label(name: str | None, kind: str) -> str:
    """A bounded label: clients choose operation names, so cap how many distinct ones we keep."""
    if kind == "invalid" or not name:
        return "invalid" if kind == "invalid" else "anonymous"
    name = name[:64]
    if name in _names:
        return name
    if len(_names) < MAX_NAMES:
        _names.add(name)
        return name
    return "other"


class OperationMetrics(SchemaExtension):
    """Once per operation (never per field), so leaf resolution stays cheap."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        ec = self.execution_context
        try:
            kind = ec.operation_type.value
        except Exception:  # noqa: BLE001 - a document that did not parse has no type
            kind = "invalid"
        if ec.pre_execution_errors:
            kind = "invalid"
        name = _label(ec.operation_name, kind)
        GRAPHQL_LATENCY.labels(name, kind).observe(time.perf_counter() - started)
        request = getattr(ec.context, "request", None)
        state = getattr(request, "scope", {}).get("state") if request is not None else None
        if isinstance(state, dict):
            state["operation"] = name
        result = ec.result
        for error in (getattr(result, "errors", None) or []) + (ec.pre_execution_errors or []):
            code = (error.extensions or {}).get("code", "INTERNAL")
            GRAPHQL_ERRORS.labels(str(code)[:32]).inc()
