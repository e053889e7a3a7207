"""The data provider this process uses: the bank's data platform, else the data directory's world.

`IPCREDIT_PROVIDER_URL` set: an `HttpProvider` over it (timeouts, retries, breaker and cache
from the other `IPCREDIT_PROVIDER_*` settings). Empty: a `DirectoryProvider` over
`IPCREDIT_DATA_DIR/world` (the demo world lives there).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from config import ProviderSettings, settings
from domain.providers.base import DataProvider
from domain.providers.directory import DirectoryProvider
from domain.providers.http import HttpProvider


def current_provider() -> DataProvider:
    """The provider the settings name; one per settings, so its index, cache and breakers last."""
    s = settings()
    return _provider(s.provider, s.data_dir)


@lru_cache(maxsize=4)
def _provider(options: ProviderSettings, data_dir: Path) -> DataProvider:
    if options.url:
        return HttpProvider(options.url, options=options)
    return DirectoryProvider(data_dir / "world")
