"""The data provider this process uses: the bank's data platform, else the data directory's world.

`IPCREDIT_PROVIDER_URL` set: an `HttpProvider` over it (timeouts, retries, breaker and cache
from the other `IPCREDIT_PROVIDER_*` settings). `IPCREDIT_PROVIDER_ADAPTER` set instead: the
bank's own `DataProvider`, named `package.module:name` (a class or factory called without
arguments, or an instance). Neither: a `DirectoryProvider` over `IPCREDIT_DATA_DIR/world` (the
demo world lives there).
"""

from __future__ import annotations

import importlib
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
    if options.adapter:
        return _adapter(options.adapter)
    return DirectoryProvider(data_dir / "world")


def _adapter(spec: str) -> DataProvider:
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"IPCREDIT_PROVIDER_ADAPTER must be package.module:name, not {spec!r}")
    found = getattr(importlib.import_module(module_name), attr)
    is_instance = hasattr(found, "fetch") and not isinstance(found, type)
    provider: DataProvider = found if is_instance else found()
    return provider
