"""Chaos and load: the production deployment under load while its dependencies fail."""
