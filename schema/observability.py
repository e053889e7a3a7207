"""A schema extension recording each operation's latency and its errors' codes."""

from __future__ import annotations

import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from domain.observability import GRAPHQL_ERRORS, GRAPHQL_LATENCY


class OperationMetrics(SchemaExtension):
    """Once per operation (never per field), so leaf resolution stays cheap."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        ec = self.execution_context
        name = ec.operation_name or "anonymous"
        try:
            kind = ec.operation_type.value
        except Exception:  # noqa: BLE001 - a document that did not parse has no type
            kind = "invalid"
        GRAPHQL_LATENCY.labels(name[:64], kind).observe(time.perf_counter() - started)
        request = getattr(ec.context, "request", None)
        state = getattr(request, "scope", {}).get("state") if request is not None else None
        if isinstance(state, dict):
            state["operation"] = name[:64]
        result = ec.result
        for error in (getattr(result, "errors", None) or []) + (ec.pre_execution_errors or []):
            code = (error.extensions or {}).get("code", "INTERNAL")
            GRAPHQL_ERRORS.labels(str(code)[:32]).inc()
