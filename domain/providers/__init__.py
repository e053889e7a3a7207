"""Where outside data comes from: registration, courts, tax and patents behind one interface."""

from domain.providers.base import DataProvider
from domain.providers.directory import DirectoryProvider

__all__ = ["DataProvider", "DirectoryProvider"]
