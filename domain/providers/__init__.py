"""Where outside data comes from: registration, courts, tax and patents behind one interface."""

from domain.providers.base import DataProvider, ProviderError, Rows
from domain.providers.directory import DirectoryProvider
from domain.providers.http import HttpProvider
from domain.providers.sources import select_rows, source_of

__all__ = [
    "DataProvider",
    "DirectoryProvider",
    "HttpProvider",
    "ProviderError",
    "Rows",
    "select_rows",
    "source_of",
]
