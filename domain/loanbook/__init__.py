"""Running the loan book after disbursement: ledger, interest, repayments, end of day."""
