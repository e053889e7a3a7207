"""Separation of duties on one loan: who approves, who signs for the bank, who pays out.

The approver (every staff member whose manual approval the loan has), the bank's countersigner
and the disburser are three different people, and only staff with money powers (loan officers
and risk managers) hold these duties: an administrator manages accounts and does none of them.
Every refusal is FORBIDDEN with a message naming the rule it applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from db.models import Review, Role
from domain.accounts.principal import MONEY_ROLES, Principal
from domain.errors import Forbidden

APPROVED = "APPROVE"  # a review's approving verdict
LENDER = "LENDER"  # the role of the bank's signature on a contract


class Duty(StrEnum):
    """A step of one loan that only staff with money powers take, each a different person."""

    APPROVE = "approve"
    COUNTERSIGN = "countersign"
    DISBURSE = "disburse"


_WHAT = {
    Duty.APPROVE: "approve loans",
    Duty.COUNTERSIGN: "sign contracts for the bank",
    Duty.DISBURSE: "disburse loans",
}


def require_money_role(principal: Principal, duty: Duty) -> None:
    """Raise FORBIDDEN unless the caller is a loan officer or a risk manager (pure)."""
    if principal.role in MONEY_ROLES:
        return
    if principal.role == Role.ADMIN:
        raise Forbidden(
            f"separation of duties: an administrator manages accounts and cannot {_WHAT[duty]}"
        )
    raise Forbidden(f"only a loan officer or a risk manager may {_WHAT[duty]}")


async def approver_ids(application_id: int) -> frozenset[int]:
    """The staff whose manual approval the application has (none when the model approved)."""
    reviews = await Review.filter(application_id=application_id, decision=APPROVED).only(
        "id", "reviewer_id"
    )
    return frozenset(r.reviewer_id for r in reviews)


def signed_for_bank(principal: Principal, signatures: Iterable[Mapping[str, Any]]) -> bool:
    """True if one of a contract's bank signatures is the caller's (pure).

    A signature names its signer by user id where it records one, else as `user:<email>`.
    """
    for signature in signatures:
        if signature.get("role") != LENDER:
            continue
        user_id = signature.get("user_id")
        if user_id is not None:
            if int(user_id) == principal.user_id:
                return True
        elif signature.get("by") == f"user:{principal.email}":
            return True
    return False


async def check_countersigner(*, principal: Principal, application_id: int) -> None:
    """Raise FORBIDDEN unless this staff caller may sign the application's contract for the
    bank: a loan officer or risk manager who did not approve the loan. Callers that are not
    staff are left to the contract's own rules (the borrower signs for its enterprise)."""
    if not principal.is_staff:
        return
    require_money_role(principal, Duty.COUNTERSIGN)
    if principal.user_id in await approver_ids(application_id):
        raise Forbidden(
            "separation of duties: the approver of this loan cannot countersign its contract"
        )


async def check_disburser(
    *, principal: Principal, application_id: int, signatures: Iterable[Mapping[str, Any]]
) -> None:
    """Raise FORBIDDEN unless the caller may pay out the contract: a loan officer or risk
    manager who neither approved the loan nor signed its contract for the bank."""
    require_money_role(principal, Duty.DISBURSE)
    if principal.user_id in await approver_ids(application_id):
        raise Forbidden("separation of duties: the approver of this loan cannot disburse it")
    if signed_for_bank(principal, signatures):
        raise Forbidden(
            "separation of duties: the bank's countersigner of this contract cannot disburse it"
        )


__all__ = [
    "MONEY_ROLES",
    "Duty",
    "approver_ids",
    "check_countersigner",
    "check_disburser",
    "require_money_role",
    "signed_for_bank",
]
