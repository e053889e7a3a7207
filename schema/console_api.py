"""Root fields of the staff console: the work queue, the four-eyes inbox, staff, audit trails."""

from __future__ import annotations

import strawberry

import resolvers.console_api
from schema.connection import Connection
from schema.types.application import ApplicationPayload
from schema.types.console import AuditEntry, QueueItem, StaffUser


@strawberry.type
class ConsoleQuery:
    my_queue: Connection[QueueItem] = strawberry.field(  # type: ignore[assignment]
        resolver=resolvers.console_api.my_queue,
        description="Applications awaiting a first review that you hold or nobody holds "
        "(`onlyMine`: yours only), oldest first (bank staff).",
    )
    awaiting_second_approval: Connection[QueueItem] = strawberry.field(  # type: ignore[assignment]
        resolver=resolvers.console_api.awaiting_second_approval,
        description="The four-eyes inbox: applications approved once by the other role and "
        "waiting for yours, never one you reviewed; oldest first (empty to administrators).",
    )
    staff_users: list[StaffUser] = strawberry.field(  # type: ignore[assignment]
        resolver=resolvers.console_api.staff_users,
        description="Loan officers and risk managers, by email: who an application can be "
        "assigned to (bank staff).",
    )
    audit_trail: Connection[AuditEntry] = strawberry.field(  # type: ignore[assignment]
        resolver=resolvers.console_api.audit_trail,
        description="The audit log of one record, oldest first (bank staff): `entityId` is its "
        "id; `entityType`, its API type (LoanApplication, Loan, Enterprise, Contract, "
        "CreditLine, ...), may be left out: the id says it.",
    )


@strawberry.type
class ConsoleMutation:
    claim_application: ApplicationPayload = strawberry.mutation(
        resolver=resolvers.console_api.claim_application,
        description="Take an application in manual review (loan officers and risk managers); "
        "ALREADY_ASSIGNED when a colleague holds it and has not reviewed it yet.",
    )
    assign_application: ApplicationPayload = strawberry.mutation(
        resolver=resolvers.console_api.assign_application,
        description="Hand an application in manual review to a loan officer or risk manager; "
        "taking it from a colleague who holds it is a risk manager's reassignment "
        "(ALREADY_ASSIGNED otherwise).",
    )


__all__ = ["ConsoleMutation", "ConsoleQuery"]
