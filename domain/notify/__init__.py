"""Messages the platform sends people: verification deposits and codes, invitations, notices.

Services build a `Notice` and hand it to `current_notifier()`; which channel carries it is
configuration (`IPCREDIT_NOTIFIER`), never the service's business.
"""

from domain.notify.base import Notice, NoticeKind, Notifier, NotifyError, mask
from domain.notify.runtime import current_notifier

__all__ = ["Notice", "NoticeKind", "Notifier", "NotifyError", "current_notifier", "mask"]
