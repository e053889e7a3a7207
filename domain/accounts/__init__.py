"""Accounts: registration, login, tokens, and who may see what."""
