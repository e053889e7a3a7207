"""For each record type a list can read lean: its fields and the attributes each one reads.

A plain field reads its own column; a field with a resolver reads what that resolver reads
from its parent (a foreign key, the key, or several columns). A field missing here makes the
list read whole records, so a new field is never shown from a column that was not read.
"""

from __future__ import annotations

from resolvers.selection import Columns

_KEY = ("id",)
_TYPENAME = {"__typename": ()}

ENTERPRISE: Columns = {
    **_TYPENAME,
    "id": _KEY,
    "uscc": ("uscc",),
    "name": ("name",),
    "foundedOn": ("founded_on",),
    "industry": ("industry",),
    "region": ("region",),
    "employees": ("employees",),
    "highTech": ("high_tech",),
    "patents": _KEY,
    "litigations": _KEY,
    "applications": _KEY,
    "loans": _KEY,
    "riskScore": _KEY,
    "indicators": _KEY,
    "indicatorHistory": _KEY,
    "warnings": _KEY,
    "taxRecords": _KEY,
    "consents": _KEY,
    "dataAccessLog": _KEY,
    "neighbourhood": _KEY,
}

PATENT: Columns = {
    **_TYPENAME,
    "id": _KEY,
    "number": ("number",),
    "title": ("title",),
    "kind": ("kind",),
    "ipc": ("ipc",),
    "status": ("status",),
    "filedOn": ("filed_on",),
    "grantedOn": ("granted_on",),
    "claims": ("claims",),
    "forwardCitations": ("forward_citations",),
    "owner": ("owner_id",),
    "litigations": _KEY,
    "latestValuation": _KEY,
    "pledge": _KEY,
    "pledged": ("pledged",),
}

APPLICATION: Columns = {
    **_TYPENAME,
    "id": _KEY,
    "amount": ("amount",),
    "termMonths": ("term_months",),
    "purpose": ("purpose",),
    "status": ("status",),
    "decision": ("decision",),
    "createdAt": ("created_at",),
    "enterprise": ("enterprise_id",),
    "product": ("product_id",),
    "pledgedPatents": _KEY,
    # the decision's score, else the enterprise's latest
    "riskScore": ("decision", "enterprise_id"),
    "contract": _KEY,
    "history": _KEY,
    "creditLine": _KEY,
    # the staff console
    "assignee": ("assigned_to_id",),
    "assignedAt": ("assigned_at",),
    "reviews": _KEY,
    "decisionBreakdown": ("decision",),
}

WARNING: Columns = {
    **_TYPENAME,
    "id": _KEY,
    "cursor": _KEY,
    "level": ("level",),
    "kind": ("kind",),
    # applicants read a contagion warning's message and evidence without the other firm
    "message": ("message", "kind"),
    "evidence": ("evidence", "kind"),
    "contagionPath": ("contagion_path",),
    "status": ("status",),
    "createdAt": ("created_at",),
    "enterprise": ("enterprise_id",),
    "loan": ("loan_id",),
    "contagionSource": ("contagion_source_id",),
}

LOAN: Columns = {
    **_TYPENAME,
    "id": _KEY,
    "principal": ("principal",),
    "outstanding": ("outstanding",),
    "principalOutstanding": ("principal_outstanding",),
    "interestOutstanding": ("interest_outstanding",),
    "penaltyOutstanding": ("penalty_outstanding",),
    "feesOutstanding": ("fee_outstanding",),
    "creditBalance": ("credit_balance",),
    "annualRate": ("annual_rate",),
    "status": ("status",),
    "daysPastDue": ("days_past_due",),
    "classification": ("classification",),
    "classificationReason": ("classification_reason",),
    "closedThrough": ("closed_through",),
    "disbursedAt": ("disbursed_at",),
    "enterprise": ("enterprise_id",),
    "application": ("application_id",),
    # the version in force picks the schedule's rows
    "schedule": ("schedule_version",),
    "scheduleVersions": ("schedule_version",),
    "repayments": _KEY,
    "journal": _KEY,
    "changes": _KEY,
    "creditLine": ("credit_line_id",),
    "drawdownNumber": ("drawdown_number",),
    "firstLoan": ("first_loan",),
    "renewalOf": ("renewal_of_id",),
    "renewedBy": _KEY,
    "renewedWithoutPrincipal": ("renewed_without_principal",),
}

DEAD_LETTER: Columns = {
    **_TYPENAME,
    "actor": ("actor",),
    "messageId": ("message_id",),
    "args": ("args",),
    "error": ("error",),
    "failedAt": ("failed_at",),
}

# the GraphQL type each table describes, for the test that keeps them complete
TABLES: dict[str, Columns] = {
    "Enterprise": ENTERPRISE,
    "Patent": PATENT,
    "LoanApplication": APPLICATION,
    "Warning": WARNING,
    "Loan": LOAN,
    "DeadLetter": DEAD_LETTER,
}

__all__ = ["APPLICATION", "DEAD_LETTER", "ENTERPRISE", "LOAN", "PATENT", "TABLES", "WARNING"]
