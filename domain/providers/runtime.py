"""The data provider this process uses: the world directory in the data directory."""

from __future__ import annotations

from functools import lru_cache

from config import settings
from domain.providers.directory import DirectoryProvider


@lru_cache(maxsize=1)
def current_provider() -> DirectoryProvider:
    """A directory provider over `IPCREDIT_DATA_DIR/world` (the demo world lives there)."""
    return DirectoryProvider(settings().data_dir / "world")
