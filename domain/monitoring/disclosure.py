"""What an applicant may read of a warning about its own enterprise (staff read everything).

A contagion warning is raised because another enterprise is in trouble. Its stored message,
evidence and path name that enterprise and its state (its warning's level and kind); shown to
the applicant, it says only that a related enterprise's trouble may reach it, with the figures
about the applicant itself (its graph risk before and after, how many links away the trouble
is). Other warnings are about the applicant's own records and are shown as stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.monitoring.rules import load_rules

CONTAGION_MESSAGE = (
    "trouble at a related enterprise may reach this enterprise; the bank is reviewing the exposure"
)
# what a contagion warning's evidence says about the warned enterprise itself
OWN_EVIDENCE = ("rule", "rules_version", "method", "model_version", "hops", "risk_before",
                "risk_after")  # fmt: skip


def is_contagion(kind: str, evidence: Mapping[str, Any] | None = None) -> bool:
    """Whether a warning was raised because of another enterprise's trouble."""
    if kind == str(load_rules().contagion.get("kind", "contagion")):
        return True
    return bool(evidence) and (evidence or {}).get("rule") == "CONTAGION"


def applicant_message(kind: str, message: str) -> str:
    """The message as the warned enterprise's applicant reads it."""
    return CONTAGION_MESSAGE if is_contagion(kind) else message


def applicant_evidence(kind: str, evidence: Mapping[str, Any] | None) -> dict[str, Any]:
    """The evidence as the warned enterprise's applicant reads it."""
    stored = dict(evidence or {})
    if not is_contagion(kind, stored):
        return stored
    return {key: stored[key] for key in OWN_EVIDENCE if key in stored}
