"""A schema extension recording each operation's latency and its errors' codes, and who may
read the metrics.

Operation names are the client's choice, so a name becomes a label value only when it is
known: the name of a root field of the served schema (`loanProducts` or `LoanProducts`) or a
name the bank lists in `IPCREDIT_METRICS_OPERATIONS` (comma-separated, e.g. the names of its
applications' persisted documents); any other name is counted as "other".

`/metrics` answers a request with `Authorization: Bearer <IPCREDIT_METRICS_TOKEN>` (when that
is set) or from a client address in `IPCREDIT_METRICS_ALLOW` (comma-separated addresses or
networks; default loopback only, empty for none); anyone else gets 401 or 403.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from prometheus_client import Counter, Histogram
from strawberry.extensions import SchemaExtension

GRAPHQL_LATENCY = Histogram(
    "ipcredit_graphql_request_seconds",
    "GraphQL operation latency by operation name and type",
    ["operation", "type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
GRAPHQL_ERRORS = Counter("ipcredit_graphql_errors_total", "GraphQL errors by stable code", ["code"])

DEFAULT_ALLOW = "127.0.0.1/8,::1/128"
# known operation names of each served schema (a handful of schemas per process)
_known: WeakKeyDictionary[Any, frozenset[str]] = WeakKeyDictionary()


def _listed(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def known_operations(schema: Any) -> frozenset[str]:
    """The root field names of a strawberry schema (also capitalised), and the listed names."""
    found = _known.get(schema)
    if found is None:
        graphql_schema = schema._schema
        names: set[str] = set(_listed(os.environ.get("IPCREDIT_METRICS_OPERATIONS")))
        for root in (
            graphql_schema.query_type,
            graphql_schema.mutation_type,
            graphql_schema.subscription_type,
        ):
            for field in root.fields if root is not None else ():
                names.update((field, field[:1].upper() + field[1:]))
        found = _known[schema] = frozenset(names)
    return found


def operation_label(name: str | None, kind: str, known: frozenset[str]) -> str:
    """A label value from a bounded set: the known name, or invalid, anonymous or other."""
    if kind == "invalid":
        return "invalid"
    if not name:
        return "anonymous"
    return name if name in known else "other"


@dataclass(frozen=True)
class MetricsAccess:
    """Who may read /metrics: holders of the token, and clients from the allowed networks."""

    token: str | None = None
    allow: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def from_environ(cls) -> MetricsAccess:
        """IPCREDIT_METRICS_TOKEN and IPCREDIT_METRICS_ALLOW (default: loopback only)."""
        allow = os.environ.get("IPCREDIT_METRICS_ALLOW", DEFAULT_ALLOW)
        return cls(
            token=os.environ.get("IPCREDIT_METRICS_TOKEN") or None,
            allow=tuple(ipaddress.ip_network(a, strict=False) for a in _listed(allow)),
        )

    def permits(self, authorization: str | None, client: str | None) -> bool:
        """Whether a request with this Authorization header, from this address, may read."""
        scheme, _, presented = (authorization or "").partition(" ")
        if self.token is not None and scheme.lower() == "bearer":
            if hmac.compare_digest(presented.strip().encode(), self.token.encode()):
                return True
        try:
            address = ipaddress.ip_address(client or "")
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.allow)


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
        name = operation_label(ec.operation_name, kind, known_operations(ec.schema))
        GRAPHQL_LATENCY.labels(name, kind).observe(time.perf_counter() - started)
        request = getattr(ec.context, "request", None)
        state = getattr(request, "scope", {}).get("state") if request is not None else None
        if isinstance(state, dict):
            state["operation"] = name
        result = ec.result
        for error in (getattr(result, "errors", None) or []) + (ec.pre_execution_errors or []):
            code = (error.extensions or {}).get("code", "INTERNAL")
            GRAPHQL_ERRORS.labels(str(code)[:32]).inc()
