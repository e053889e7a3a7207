"""The lending API the GraphQL layer calls: contracts, disbursement, repayment, arrears, figures."""

from domain.lending.arrears import Classification, LoanClassification, classify, classify_loans
from domain.lending.contract import (
    ContractStatus,
    accept_offer,
    contract_pdf,
    contracts_by_application_ids,
    get_contract_or_raise,
    sign_contract,
    verify_contract,
)
from domain.lending.loans import (
    LoanStatus,
    RepaymentResult,
    disburse,
    get_loan_or_raise,
    installments_by_loan_ids,
    loans_by_application_ids,
    loans_by_enterprise_ids,
    loans_by_ids,
    record_repayment,
)
from domain.lending.schedule import ScheduledInstallment, build_schedule
from domain.lending.stats import PortfolioStats, portfolio_stats
from domain.products.repayment import RepaymentMethod

__all__ = [
    "Classification",
    "ContractStatus",
    "LoanClassification",
    "LoanStatus",
    "PortfolioStats",
    "RepaymentMethod",
    "RepaymentResult",
    "ScheduledInstallment",
    "accept_offer",
    "build_schedule",
    "classify",
    "classify_loans",
    "contract_pdf",
    "contracts_by_application_ids",
    "disburse",
    "get_contract_or_raise",
    "get_loan_or_raise",
    "installments_by_loan_ids",
    "loans_by_application_ids",
    "loans_by_enterprise_ids",
    "loans_by_ids",
    "portfolio_stats",
    "record_repayment",
    "sign_contract",
    "verify_contract",
]
