"""Batch reads for the API: one query per batch of keys, whatever the batch size."""
