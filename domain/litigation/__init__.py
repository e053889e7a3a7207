"""Litigation records as the API reads them."""
