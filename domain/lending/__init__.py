"""Lending, one module each: contract, loans (disbursement, repayment), arrears, schedule, stats."""
