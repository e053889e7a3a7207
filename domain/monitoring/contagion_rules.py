"""Contagion rules: which warnings spread, and how severe a warning an exposure gets (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from db.models import WarningLevel
from domain.monitoring.rules import RuleSet, WarningDraft, load_rules, render


@dataclass(frozen=True)
class Exposure:
    """An enterprise a source's trouble may reach, and the links it travels."""

    uscc: str
    name: str
    hops: int
    path: tuple[Mapping[str, str], ...]
    risk_before: float | None = None
    risk_after: float | None = None


@dataclass(frozen=True)
class ContagionSource:
    """The warning that set contagion off."""

    warning_id: int
    uscc: str
    name: str
    level: WarningLevel
    kind: str


def is_contagion_source(level: WarningLevel | str, rules: RuleSet | None = None) -> bool:
    """Whether a warning of this level sets contagion off."""
    ruleset = rules or load_rules()
    return str(WarningLevel(level)) in ruleset.contagion.get("source_levels", ["RED", "ORANGE"])


def contagion_level(
    source: ContagionSource, exposure: Exposure, method: str, rules: RuleSet | None = None
) -> WarningLevel | None:
    """The level of the warning an exposure gets (None: not worth a warning)."""
    spec = (rules or load_rules()).contagion
    if method == "gnn":
        increase = (exposure.risk_after or 0.0) - (exposure.risk_before or 0.0)
        for row in spec.get("gnn_levels", []):
            if increase >= float(row["min_increase"]):
                return WarningLevel(row["level"])
        return None
    relations = {str(step.get("relation")) for step in exposure.path}
    for row in spec.get("walk_levels", []):
        if exposure.hops > int(row.get("max_hops", 99)):
            continue
        if "relation" in row and relations != {row["relation"]}:
            continue
        if "source_level" in row and str(source.level) != row["source_level"]:
            continue
        return WarningLevel(row["level"])
    return None


def render_path(path: Sequence[Mapping[str, str]]) -> str:
    """`A -guarantee-> B` for each link of a path."""
    return ", ".join(f"{s['from']} -{s['relation']}-> {s['to']}" for s in path) or "a direct link"


def contagion_draft(
    source: ContagionSource,
    exposure: Exposure,
    *,
    method: str,
    model_version: str | None,
    note: str | None = None,
    loan_id: int | None = None,
    rules: RuleSet | None = None,
) -> WarningDraft | None:
    """The contagion warning for one exposed enterprise, or None when it is not warranted."""
    ruleset = rules or load_rules()
    level = contagion_level(source, exposure, method, ruleset)
    if level is None:
        return None
    spec = ruleset.contagion
    evidence: dict[str, Any] = {
        "rule": "CONTAGION",
        "rules_version": ruleset.version,
        "method": method,
        "model_version": model_version,
        "source_warning_id": source.warning_id,
        "source": {"uscc": source.uscc, "level": str(source.level), "kind": source.kind},
        "hops": exposure.hops,
        "risk_before": exposure.risk_before,
        "risk_after": exposure.risk_after,
    }
    if note:
        evidence["note"] = note
    message = render(
        spec.get("message", "{name} is exposed to {source_name}"),
        name=exposure.name,
        source_name=source.name,
        source_level=str(source.level),
        source_kind=source.kind,
        path=render_path(exposure.path),
    )
    return WarningDraft(
        level=level,
        kind=str(spec.get("kind", "contagion")),
        message=message,
        rule="CONTAGION",
        evidence=evidence,
        source=source.uscc,
        fingerprint=f"source_warning={source.warning_id}",
        loan_id=loan_id,
    )
