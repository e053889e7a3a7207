"""The chart of accounts the loan book posts to, and which of them a loan's balances read.

Asset accounts (and expense accounts) grow with debits; liability, income and contra-asset
accounts grow with credits. A loan's balances on its row are the ledger balances of the
accounts in `LOAN_BALANCES`, per loan: `ipcredit ledger check` proves they agree.
"""

from __future__ import annotations

from enum import StrEnum


class Account(StrEnum):
    """Accounts of the chart (codes after the Chinese banks' chart where one exists)."""

    SETTLEMENT = "1002_SETTLEMENT"  # cash at the settlement account: money in and out
    LOAN_PRINCIPAL = "1303_LOAN_PRINCIPAL"  # principal lent and not repaid
    LOAN_LOSS_ALLOWANCE = "1304_LOAN_LOSS_ALLOWANCE"  # provisions (contra-asset, credit)
    INTEREST_RECEIVABLE = "1132_INTEREST_RECEIVABLE"  # interest accrued, not paid
    PENALTY_RECEIVABLE = "1133_PENALTY_RECEIVABLE"  # penalty and compound interest accrued
    FEE_RECEIVABLE = "1134_FEE_RECEIVABLE"  # fees charged, not paid
    SUBSIDY_RECEIVABLE = "1135_SUBSIDY_RECEIVABLE"  # interest subsidy owed by a programme
    GUARANTEE_CLAIM_RECEIVABLE = "1221_GUARANTEE_CLAIM_RECEIVABLE"  # claims filed, not paid
    CUSTOMER_CREDIT = "2241_CUSTOMER_CREDIT"  # overpayments held for the borrower (liability)
    GUARANTEE_FEE_PAYABLE = "2242_GUARANTEE_FEE_PAYABLE"  # fees owed to guarantors (liability)
    INTEREST_INCOME = "6011_INTEREST_INCOME"
    PENALTY_INCOME = "6012_PENALTY_INCOME"
    SUBSIDY_INTEREST_INCOME = "6013_SUBSIDY_INTEREST_INCOME"  # interest a programme pays
    FEE_INCOME = "6021_FEE_INCOME"
    GUARANTEE_FEE_EXPENSE = "6402_GUARANTEE_FEE_EXPENSE"  # guarantee fees the bank pays
    PROVISION_EXPENSE = "6701_PROVISION_EXPENSE"  # charge for loan-loss provisions
    RECOVERY_INCOME = "6711_RECOVERY_INCOME"  # money recovered after a write-off
    # off balance sheet: what was written off and is still claimed (memo pair, always equal)
    WRITTEN_OFF_CLAIMS = "7001_WRITTEN_OFF_CLAIMS"
    WRITTEN_OFF_CONTRA = "7002_WRITTEN_OFF_CONTRA"


DEBIT_NORMAL = frozenset(
    {
        Account.SETTLEMENT,
        Account.LOAN_PRINCIPAL,
        Account.INTEREST_RECEIVABLE,
        Account.PENALTY_RECEIVABLE,
        Account.FEE_RECEIVABLE,
        Account.SUBSIDY_RECEIVABLE,
        Account.GUARANTEE_CLAIM_RECEIVABLE,
        Account.GUARANTEE_FEE_EXPENSE,
        Account.PROVISION_EXPENSE,
        Account.WRITTEN_OFF_CLAIMS,
    }
)

# the loan row's cached balance field for each account that a loan's balance reads
LOAN_BALANCES: dict[Account, str] = {
    Account.LOAN_PRINCIPAL: "principal_outstanding",
    Account.INTEREST_RECEIVABLE: "interest_outstanding",
    Account.PENALTY_RECEIVABLE: "penalty_outstanding",
    Account.FEE_RECEIVABLE: "fee_outstanding",
    Account.CUSTOMER_CREDIT: "credit_balance",
    Account.WRITTEN_OFF_CLAIMS: "written_off_outstanding",
}


def is_debit_normal(account: Account | str) -> bool:
    """Whether the account's balance is debits minus credits (else credits minus debits)."""
    return Account(account) in DEBIT_NORMAL


__all__ = ["DEBIT_NORMAL", "LOAN_BALANCES", "Account", "is_debit_normal"]
