"""Contracts, disbursement, repayment, arrears and portfolio figures (API: domain.lending.service)."""
