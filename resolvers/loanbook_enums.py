"""The loan book's choices as the API names them (the schema turns each into a GraphQL enum)."""

from __future__ import annotations

from enum import StrEnum


class Classification(StrEnum):
    """The five regulatory tiers."""

    NORMAL = "NORMAL"
    SPECIAL_MENTION = "SPECIAL_MENTION"
    SUBSTANDARD = "SUBSTANDARD"
    DOUBTFUL = "DOUBTFUL"
    LOSS = "LOSS"


class PrepaymentMode(StrEnum):
    """What a partial prepayment does to the rest of the schedule."""

    SHORTEN_TERM = "SHORTEN_TERM"
    LOWER_INSTALLMENT = "LOWER_INSTALLMENT"


class ChangeKind(StrEnum):
    """What a maker-checker change does."""

    RESTRUCTURE = "RESTRUCTURE"
    WRITE_OFF = "WRITE_OFF"
    REVERSAL = "REVERSAL"


class ChangeStatus(StrEnum):
    """Where a maker-checker change stands."""

    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


__all__ = ["ChangeKind", "ChangeStatus", "Classification", "PrepaymentMode"]
