"""All Tortoise models, registered under the `models` app."""

from db.models.application import (
    ApplicationPatent,
    ApplicationStatus,
    LoanApplication,
    StatusChange,
)
from db.models.audit import AuditCheckpoint, AuditEntry, IdempotencyRecord
from db.models.consent import Consent, ConsentPurpose, DataAccess, DataSource
from db.models.contract import Contract
from db.models.credit import (
    CreditLine,
    CreditLineChange,
    Guarantee,
    GuaranteeClaim,
    GuaranteeProgramme,
    GuarantorInstitution,
    PatentPledge,
    SubsidyClaim,
    SubsidyProgramme,
)
from db.models.decision import Review
from db.models.enterprise import Enterprise, Financial, Person, Relation, TaxRecord
from db.models.event import Event, Outcome
from db.models.governance import ActivationRequest
from db.models.indicator import IndicatorSnapshot
from db.models.kyb import ChallengeStatus, Invitation, VerificationChallenge
from db.models.ledger import JournalEntry, JournalLine
from db.models.litigation import Litigation, LitigationParty, LitigationPatent
from db.models.loan import (
    BusinessDay,
    Installment,
    Loan,
    LoanChange,
    LoanMonthEnd,
    LoanStatusChange,
    Repayment,
)
from db.models.messaging import DeadLetter, OutboxMessage
from db.models.patent import Patent, PatentCitation
from db.models.product import LoanProduct
from db.models.scoring import ModelCard, RiskScore
from db.models.session import LoginAttempt, RefreshToken, RevokedSession
from db.models.user import Role, User, VerificationStatus
from db.models.valuation import Valuation
from db.models.warning import RiskWarning, WarningLevel, WarningStatus
from db.models.world import WorldRevision

__all__ = [
    "ApplicationPatent", "ApplicationStatus", "AuditEntry", "ChallengeStatus", "Consent",
    "ConsentPurpose", "Contract", "DataAccess", "DataSource", "DeadLetter", "Invitation",
    "Enterprise", "Event", "Financial", "IdempotencyRecord", "IndicatorSnapshot", "Installment",
    "Litigation", "LitigationParty", "LoginAttempt", "LitigationPatent", "Loan", "LoanApplication", "LoanProduct",
    "ModelCard", "Outcome", "OutboxMessage", "Patent", "RefreshToken", "RevokedSession", "PatentCitation", "Person", "Relation",
    "Repayment", "Review", "RiskScore", "RiskWarning", "Role", "StatusChange", "TaxRecord", "User",
    "Valuation", "VerificationChallenge", "VerificationStatus", "WarningLevel", "WarningStatus",
    "WorldRevision", "BusinessDay", "JournalEntry", "JournalLine", "LoanChange", "LoanMonthEnd",
    "LoanStatusChange", "AuditCheckpoint", "CreditLine", "CreditLineChange", "Guarantee",
    "GuaranteeClaim", "GuaranteeProgramme", "GuarantorInstitution", "PatentPledge",
    "SubsidyClaim", "SubsidyProgramme", "ActivationRequest",
]  # fmt: skip
