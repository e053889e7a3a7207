"""Risk indicators: per-patent quality, the indicator registry, computation and snapshots."""
