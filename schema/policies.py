"""Who may read or call each field: an explicit policy for every field of the schema.

Root fields (Query, Mutation, Subscription) each have their own entry; an object type's fields
follow its type's policy unless a field has its own. A test walks the served schema and fails on
any field without a policy, and calls every root field anonymously and as an applicant to prove
the policy holds.
"""

from __future__ import annotations

from enum import StrEnum


class Policy(StrEnum):
    """Access policies, from most to least open."""

    PUBLIC = "public"  # anyone, logged in or not
    AUTHENTICATED = "authenticated"  # any logged-in user; results limited to what they may see
    OWNER = "owner"  # reachable only through a record of an enterprise the caller may see
    STAFF = "staff"  # bank staff only (loan officer, risk manager, admin)
    SERVICE = "service"  # bank staff or a data feed's service account
    # bank staff, or a guarantor institution's staff for their own institution's programmes
    GUARANTEE = "guarantee"


ROOT_POLICIES: dict[str, Policy] = {
    "Query.me": Policy.PUBLIC,
    "Query.loanProducts": Policy.PUBLIC,
    "Query.indicatorDefinitions": Policy.PUBLIC,
    "Query.enterprise": Policy.AUTHENTICATED,
    "Query.enterpriseByUscc": Policy.AUTHENTICATED,
    "Query.enterprises": Policy.AUTHENTICATED,
    "Query.patent": Policy.AUTHENTICATED,
    "Query.application": Policy.AUTHENTICATED,
    "Query.applications": Policy.AUTHENTICATED,
    "Query.loan": Policy.AUTHENTICATED,
    "Query.verifyContract": Policy.AUTHENTICATED,
    "Query.warnings": Policy.AUTHENTICATED,
    "Query.contagion": Policy.STAFF,
    "Query.models": Policy.STAFF,
    "Query.portfolioStats": Policy.STAFF,
    "Query.deadLetters": Policy.STAFF,
    "Query.pendingVerifications": Policy.STAFF,
    "Mutation.register": Policy.PUBLIC,
    "Mutation.login": Policy.PUBLIC,
    "Mutation.refreshToken": Policy.PUBLIC,
    "Mutation.logout": Policy.AUTHENTICATED,
    "Mutation.enrollTotp": Policy.AUTHENTICATED,
    "Mutation.confirmTotp": Policy.AUTHENTICATED,
    "Mutation.createApplication": Policy.AUTHENTICATED,
    "Mutation.submitApplication": Policy.AUTHENTICATED,
    "Mutation.withdrawApplication": Policy.AUTHENTICATED,
    "Mutation.reviewApplication": Policy.STAFF,
    "Mutation.acceptOffer": Policy.AUTHENTICATED,
    "Mutation.signContract": Policy.AUTHENTICATED,
    "Mutation.disburse": Policy.STAFF,
    "Mutation.valuePatent": Policy.AUTHENTICATED,
    "Mutation.recordRepayment": Policy.SERVICE,
    "Mutation.ingestEvent": Policy.SERVICE,
    "Mutation.acknowledgeWarning": Policy.STAFF,
    "Mutation.resolveWarning": Policy.STAFF,
    "Mutation.simulateShock": Policy.STAFF,
    "Mutation.requestVerification": Policy.AUTHENTICATED,
    "Mutation.confirmVerification": Policy.AUTHENTICATED,
    "Mutation.inviteUser": Policy.AUTHENTICATED,
    "Mutation.acceptInvitation": Policy.AUTHENTICATED,
    "Mutation.revokeVerification": Policy.STAFF,
    "Mutation.grantConsent": Policy.AUTHENTICATED,
    "Mutation.revokeConsent": Policy.AUTHENTICATED,
    # the loan book
    "Query.payoffQuote": Policy.AUTHENTICATED,
    "Query.portfolio": Policy.STAFF,
    "Query.loanChanges": Policy.STAFF,
    "Mutation.prepay": Policy.AUTHENTICATED,
    "Mutation.recordRecovery": Policy.SERVICE,
    "Mutation.reclassifyLoan": Policy.STAFF,
    "Mutation.restructureLoan": Policy.STAFF,
    "Mutation.writeOffLoan": Policy.STAFF,
    "Mutation.reverseRepayment": Policy.STAFF,
    "Mutation.approveLoanChange": Policy.STAFF,
    "Mutation.rejectLoanChange": Policy.STAFF,
    "Subscription.loanEvents": Policy.AUTHENTICATED,
    "Subscription.warnings": Policy.AUTHENTICATED,
    "Subscription.applicationUpdated": Policy.AUTHENTICATED,
    "Mutation.registerPledge": Policy.STAFF,
    "Mutation.releasePledge": Policy.STAFF,
    "Mutation.renewLoan": Policy.AUTHENTICATED,
    # credit lines
    "Query.creditLine": Policy.AUTHENTICATED,
    "Query.creditLines": Policy.AUTHENTICATED,
    "Mutation.drawdown": Policy.AUTHENTICATED,
    "Mutation.freezeCreditLine": Policy.STAFF,
    "Mutation.unfreezeCreditLine": Policy.STAFF,
    "Mutation.reduceCreditLine": Policy.STAFF,
    "Mutation.closeCreditLine": Policy.STAFF,
    # guarantee programmes: bank staff, or a guarantor for its own institution
    "Query.guarantees": Policy.GUARANTEE,
    "Query.guaranteeClaims": Policy.GUARANTEE,
    "Mutation.signGuarantee": Policy.GUARANTEE,
    "Mutation.fileGuaranteeClaim": Policy.STAFF,
    "Mutation.payGuaranteeClaim": Policy.GUARANTEE,
    # subsidy programmes and the regulator's figures
    "Query.subsidyStatement": Policy.STAFF,
    "Query.regulatorReport": Policy.STAFF,
    "Mutation.fileSubsidyClaim": Policy.STAFF,
    "Mutation.recordSubsidyPayment": Policy.STAFF,
    # model governance: maker-checker activation, decision replays
    "Query.activationRequests": Policy.STAFF,
    "Query.replayDecision": Policy.STAFF,
    "Mutation.requestActivation": Policy.STAFF,
    "Mutation.approveActivation": Policy.STAFF,
    "Mutation.rejectActivation": Policy.STAFF,
}

TYPE_POLICIES: dict[str, Policy] = {
    # reachable by anyone
    "AuthPayload": Policy.PUBLIC,
    "LogoutPayload": Policy.PUBLIC,
    "TotpEnrollment": Policy.OWNER,
    "User": Policy.OWNER,
    "UserError": Policy.PUBLIC,
    "PageInfo": Policy.PUBLIC,
    "LoanProduct": Policy.PUBLIC,
    "IndicatorDefinition": Policy.PUBLIC,
    # records of one enterprise: only through a parent the caller may see
    "Enterprise": Policy.OWNER,
    "EnterpriseConnection": Policy.OWNER,
    "EnterpriseEdge": Policy.OWNER,
    "Patent": Policy.OWNER,
    "PatentConnection": Policy.OWNER,
    "PatentEdge": Policy.OWNER,
    "Litigation": Policy.OWNER,
    "LitigationConnection": Policy.OWNER,
    "LitigationEdge": Policy.OWNER,
    "LitigationParty": Policy.OWNER,
    "TaxRecord": Policy.OWNER,
    "IndicatorValue": Policy.OWNER,
    "IndicatorSeries": Policy.OWNER,
    "IndicatorPoint": Policy.OWNER,
    "Valuation": Policy.OWNER,
    "ValuationPayload": Policy.OWNER,
    "ValueDriver": Policy.OWNER,
    "RiskScore": Policy.OWNER,
    "ReasonCode": Policy.OWNER,
    "GraphDriver": Policy.OWNER,
    # the counterparty that moved graph risk: the decision's resolver gives it to staff only
    "GraphCounterparty": Policy.STAFF,
    "LoanApplication": Policy.OWNER,
    "LoanApplicationConnection": Policy.OWNER,
    "LoanApplicationEdge": Policy.OWNER,
    "ApplicationPayload": Policy.OWNER,
    "Decision": Policy.OWNER,
    "StatusChange": Policy.OWNER,
    "Contract": Policy.OWNER,
    "ContractPayload": Policy.OWNER,
    "ContractVerification": Policy.OWNER,
    "Signature": Policy.OWNER,
    "CertificateCheck": Policy.OWNER,
    "Loan": Policy.OWNER,
    "LoanPayload": Policy.OWNER,
    "Installment": Policy.OWNER,
    "ScheduleVersion": Policy.OWNER,
    "Repayment": Policy.OWNER,
    "RepaymentConnection": Policy.OWNER,
    "RepaymentEdge": Policy.OWNER,
    "RepaymentAllocation": Policy.OWNER,
    "RepaymentPayload": Policy.OWNER,
    "PayoffQuote": Policy.OWNER,
    "LoanEvent": Policy.OWNER,
    "Warning": Policy.OWNER,
    "WarningConnection": Policy.OWNER,
    "WarningEdge": Policy.OWNER,
    "WarningPayload": Policy.OWNER,
    "PathStep": Policy.OWNER,
    "IngestPayload": Policy.SERVICE,
    "VerificationPayload": Policy.OWNER,
    "Invitation": Policy.OWNER,
    "InvitationPayload": Policy.OWNER,
    "Consent": Policy.OWNER,
    "ConsentPayload": Policy.OWNER,
    "DataAccessEntry": Policy.OWNER,
    "DataAccessEntryConnection": Policy.OWNER,
    "DataAccessEntryEdge": Policy.OWNER,
    # bank-wide views
    "PortfolioStats": Policy.STAFF,
    "ContagionReport": Policy.STAFF,
    "ExposedEnterprise": Policy.STAFF,
    "ModelCard": Policy.STAFF,
    "ModelMonitoring": Policy.STAFF,
    "ModelDrift": Policy.STAFF,
    "FeatureDrift": Policy.STAFF,
    "MonthlyAuc": Policy.STAFF,
    "ActivationRequest": Policy.STAFF,
    "ActivationPayload": Policy.STAFF,
    "FieldDifference": Policy.STAFF,
    "DecisionReplay": Policy.STAFF,
    "DeadLetter": Policy.STAFF,
    "PendingVerification": Policy.STAFF,
    "PendingVerificationConnection": Policy.STAFF,
    "PendingVerificationEdge": Policy.STAFF,
    # the bank's books: loan officers and risk managers
    "JournalEntry": Policy.STAFF,
    "JournalEntryConnection": Policy.STAFF,
    "JournalEntryEdge": Policy.STAFF,
    "JournalLine": Policy.STAFF,
    "LoanChange": Policy.STAFF,
    "LoanChangePayload": Policy.STAFF,
    "Portfolio": Policy.STAFF,
    "ParBucket": Policy.STAFF,
    "PortfolioShare": Policy.STAFF,
    "VintagePoint": Policy.STAFF,
    "RollRate": Policy.STAFF,
    # pledge registrations: through a patent or credit line the caller may see
    "PatentPledge": Policy.OWNER,
    "PledgePayload": Policy.STAFF,
    # credit lines: through an application or a line the caller may see
    "CreditLine": Policy.OWNER,
    "CreditLineChange": Policy.STAFF,
    "CreditLinePayload": Policy.STAFF,
    "DrawdownPayload": Policy.OWNER,
    # guarantee programmes: bank staff, or a guarantor for its own institution
    "Guarantee": Policy.GUARANTEE,
    "GuaranteeProgramme": Policy.GUARANTEE,
    "GuaranteedLoan": Policy.GUARANTEE,
    "GuaranteeClaim": Policy.GUARANTEE,
    "RiskShare": Policy.GUARANTEE,
    "GuaranteePayload": Policy.GUARANTEE,
    "GuaranteeClaimPayload": Policy.GUARANTEE,
    # subsidy programmes and the regulator's figures (bank staff)
    "SubsidyStatement": Policy.STAFF,
    "SubsidyStatementLine": Policy.STAFF,
    "SubsidyClaim": Policy.STAFF,
    "SubsidyClaimPayload": Policy.STAFF,
    "SubsidyPaymentPayload": Policy.STAFF,
    "RegulatorReport": Policy.STAFF,
    "RegulatorSegment": Policy.STAFF,
}

# fields stricter than their type
FIELD_POLICIES: dict[str, Policy] = {
    "Enterprise.riskScore": Policy.OWNER,
    "LoanApplication.riskScore": Policy.OWNER,
    "Decision.dataRefreshMs": Policy.STAFF,  # null to applicants
    "Loan.journal": Policy.STAFF,  # an empty page to others
    "Loan.changes": Policy.STAFF,  # empty to others
    "LoanEvent.entry": Policy.STAFF,  # null to others
    "CreditLine.changes": Policy.STAFF,  # empty to others
}

# the staff console: the work queue, the four-eyes inbox, reviews, audit trails, neighbourhoods
ROOT_POLICIES.update({
    "Query.myQueue": Policy.STAFF,
    "Query.awaitingSecondApproval": Policy.STAFF,
    "Query.staffUsers": Policy.STAFF,
    "Query.auditTrail": Policy.STAFF,
    "Mutation.claimApplication": Policy.STAFF,
    "Mutation.assignApplication": Policy.STAFF,
})  # fmt: skip
TYPE_POLICIES.update({
    "QueueItem": Policy.STAFF,
    "QueueItemConnection": Policy.STAFF,
    "QueueItemEdge": Policy.STAFF,
    "StaffUser": Policy.STAFF,
    "Review": Policy.STAFF,
    "AuditEntry": Policy.STAFF,
    "AuditEntryConnection": Policy.STAFF,
    "AuditEntryEdge": Policy.STAFF,
    "DecisionBreakdown": Policy.STAFF,
    "RuleHit": Policy.STAFF,
    "Scorecard": Policy.STAFF,
    "PledgedPatentValue": Policy.STAFF,
    "GraphRiskBreakdown": Policy.STAFF,
    "GraphRelation": Policy.STAFF,
    "PolicyCell": Policy.STAFF,
    "LimitBreakdown": Policy.STAFF,
    "PricingBreakdown": Policy.STAFF,
    "Neighbourhood": Policy.STAFF,
    "GraphNode": Policy.STAFF,
    "GraphEdge": Policy.STAFF,
})  # fmt: skip
FIELD_POLICIES.update({
    "LoanApplication.assignee": Policy.STAFF,  # null to others
    "LoanApplication.assignedAt": Policy.STAFF,  # null to others
    "LoanApplication.reviews": Policy.STAFF,  # empty to others
    "LoanApplication.decisionBreakdown": Policy.STAFF,  # null to others
    "Enterprise.neighbourhood": Policy.STAFF,  # null to others
})  # fmt: skip


def policy_of(type_name: str, field_name: str) -> Policy | None:
    """The policy of a field, or None when it has none (a test forbids that)."""
    key = f"{type_name}.{field_name}"
    if type_name in ("Query", "Mutation", "Subscription"):
        return ROOT_POLICIES.get(key)
    return FIELD_POLICIES.get(key) or TYPE_POLICIES.get(type_name)
