"""Errors raised by the graph package; `code` matches the domain's stable error codes."""

from __future__ import annotations


class GraphRiskError(ValueError):
    """An expected failure of graph building, training, scoring or contagion."""

    code = "INVALID_INPUT"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidGraphInput(GraphRiskError):
    """Bad arguments or data (hops out of range, no outcomes, empty world)."""

    code = "INVALID_INPUT"


class UnknownEnterprise(GraphRiskError):
    """An enterprise id that is not in the graph."""

    code = "NOT_FOUND"


class ModelUnavailable(GraphRiskError):
    """No trained graph model is in service."""

    code = "UNAVAILABLE"


class TrainingFailed(GraphRiskError):
    """Training could not produce a usable model; the previous one stays in service."""

    code = "INVALID_STATE"
