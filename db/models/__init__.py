"""All Tortoise models, registered under the `models` app."""

from db.models.audit import AuditEntry, IdempotencyRecord
from db.models.lending import (
    ApplicationPatent,
    ApplicationStatus,
    Contract,
    Installment,
    Loan,
    LoanApplication,
    LoanProduct,
    Repayment,
    Review,
    StatusChange,
)
from db.models.monitoring import (
    DeadLetter,
    OutboxMessage,
    RiskWarning,
    WarningLevel,
    WarningStatus,
)
from db.models.risk import IndicatorSnapshot, ModelCard, RiskScore, Valuation
from db.models.user import Role, User
from db.models.world import (
    Enterprise,
    Event,
    Financial,
    Litigation,
    LitigationParty,
    LitigationPatent,
    Outcome,
    Patent,
    PatentCitation,
    Person,
    Relation,
    TaxRecord,
)

__all__ = [
    "ApplicationPatent", "ApplicationStatus", "AuditEntry", "Contract", "DeadLetter",
    "Enterprise", "Event", "Financial", "IdempotencyRecord", "IndicatorSnapshot", "Installment",
    "Litigation", "LitigationParty", "LitigationPatent", "Loan", "LoanApplication", "LoanProduct",
    "ModelCard", "Outcome", "OutboxMessage", "Patent", "PatentCitation", "Person", "Relation",
    "Repayment", "Review", "RiskScore", "RiskWarning", "Role", "StatusChange", "TaxRecord", "User",
    "Valuation", "WarningLevel", "WarningStatus",
]  # fmt: skip
