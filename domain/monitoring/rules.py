"""Warning rules as data: an event or a change of figures in, warning drafts out (pure)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from db.models import WarningLevel
from domain.world.validate import EVENT_TYPES

RULES_PATH = Path(__file__).with_name("rules.json")
LEVEL_RANK = {WarningLevel.YELLOW: 1, WarningLevel.ORANGE: 2, WarningLevel.RED: 3}
OPS = frozenset({"==", "!=", ">", ">=", "<", "<=", "in", "exists"})
_MISSING = object()


def at_least(level: WarningLevel | str, minimum: WarningLevel | str | None) -> bool:
    """True when `level` is as severe as `minimum` (or there is no minimum)."""
    if minimum is None:
        return True
    return LEVEL_RANK[WarningLevel(level)] >= LEVEL_RANK[WarningLevel(minimum)]


@dataclass(frozen=True)
class WarningDraft:
    """A warning a rule wants raised; the store decides whether it is new or a repeat."""

    level: WarningLevel
    kind: str
    message: str
    rule: str
    evidence: dict[str, Any]
    # part of the open key: one open warning per enterprise, kind and source
    source: str = ""
    # a draft whose fingerprint equals the latest warning's of the same key is not raised again,
    # so a resolved condition that has not changed does not come back on every sweep
    fingerprint: str | None = None
    loan_id: int | None = None


@dataclass(frozen=True)
class Condition:
    """`field op value` over `payload.*` or `context.*`."""

    field: str
    op: str
    value: Any

    def holds(self, facts: Mapping[str, Mapping[str, Any]]) -> bool:
        """Whether the condition is true of the facts (a missing field makes it false)."""
        scope, _, key = self.field.partition(".")
        actual = facts.get(scope, {}).get(key, _MISSING)
        if self.op == "exists":
            return (actual is not _MISSING and actual is not None) == bool(self.value)
        if actual is _MISSING or actual is None:
            return False
        if self.op == "in":
            return actual in self.value
        if self.op in ("==", "!="):
            return (_same(actual, self.value)) == (self.op == "==")
        left, right = _number(actual), _number(self.value)
        if left is None or right is None:
            return False
        return {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}[
            self.op
        ]


@dataclass(frozen=True)
class EventRule:
    """Event type and conditions -> level, kind, message."""

    id: str
    event: str
    level: WarningLevel
    kind: str
    message: str
    when: tuple[Condition, ...] = ()

    def matches(self, event_type: str, facts: Mapping[str, Mapping[str, Any]]) -> bool:
        """True when this rule applies to the event."""
        return self.event == event_type and all(c.holds(facts) for c in self.when)


@dataclass(frozen=True)
class RuleSet:
    """Every warning rule of one version."""

    version: str
    scope: str
    events: tuple[EventRule, ...]
    indicators: Mapping[str, Mapping[str, Any]]
    contagion: Mapping[str, Any]

    def rules_for(self, event_type: str) -> list[EventRule]:
        """The rules of one event type, in order."""
        return [r for r in self.events if r.event == event_type]


def parse_rules(data: Mapping[str, Any]) -> RuleSet:
    """Validate the rules document; ValueError naming the first bad rule."""
    events = []
    for i, raw in enumerate(data.get("events", [])):
        where = f"events[{i}] ({raw.get('id', '?')})"
        if raw.get("event") not in EVENT_TYPES:
            raise ValueError(f"{where}: unknown event type {raw.get('event')!r}")
        try:
            level = WarningLevel(raw["level"])
        except (KeyError, ValueError):
            raise ValueError(f"{where}: level must be one of YELLOW ORANGE RED") from None
        when = []
        for cond in raw.get("when", []):
            if not (isinstance(cond, list) and len(cond) == 3) or cond[1] not in OPS:
                raise ValueError(f"{where}: bad condition {cond!r}")
            if not str(cond[0]).startswith(("payload.", "context.")):
                raise ValueError(f"{where}: a condition reads payload.* or context.*")
            when.append(Condition(str(cond[0]), str(cond[1]), cond[2]))
        if not raw.get("kind") or not raw.get("message") or not raw.get("id"):
            raise ValueError(f"{where}: id, kind and message are required")
        events.append(
            EventRule(str(raw["id"]), raw["event"], level, raw["kind"], raw["message"], tuple(when))
        )
    indicators = dict(data.get("indicators", {}))
    for name, rule in indicators.items():
        WarningLevel(rule["level"])
        if not rule.get("kind") or not rule.get("id"):
            raise ValueError(f"indicators.{name}: id and kind are required")
    contagion = dict(data.get("contagion", {}))
    for row in [*contagion.get("gnn_levels", []), *contagion.get("walk_levels", [])]:
        WarningLevel(row["level"])
    return RuleSet(
        version=str(data["version"]),
        scope=str(data.get("scope", "customers")),
        events=tuple(events),
        indicators=indicators,
        contagion=contagion,
    )


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_PATH) -> RuleSet:
    """The rules in force (read once per path)."""
    return parse_rules(json.loads(path.read_text(encoding="utf-8")))


# ---- events -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventFacts:
    """An event as the rules see it."""

    event_id: str
    type: str
    uscc: str
    occurred_at: datetime
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class EventContext:
    """What the monitor knows around an event: the enterprise's name and looked-up facts."""

    name: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    loan_id: int | None = None


def event_evidence(event: EventFacts) -> dict[str, Any]:
    """The evidence entry of one event."""
    return {
        "event_id": event.event_id,
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat(),
        "payload": dict(event.payload),
    }


def evaluate_event(
    event: EventFacts, context: EventContext, rules: RuleSet | None = None
) -> list[WarningDraft]:
    """The warning the first matching rule raises for an event (none when no rule matches)."""
    ruleset = rules or load_rules()
    facts = {"payload": event.payload, "context": context.facts}
    for rule in ruleset.rules_for(event.type):
        if not rule.matches(event.type, facts):
            continue
        message = render(
            rule.message,
            name=context.name,
            uscc=event.uscc,
            event_type=event.type,
            payload=_Safe(event.payload),
            context=_Safe(context.facts),
        )
        evidence = {
            "rule": rule.id,
            "rules_version": ruleset.version,
            "events": [event_evidence(event)],
            "context": _jsonable(dict(context.facts)),
        }
        return [
            WarningDraft(
                level=rule.level,
                kind=rule.kind,
                message=message,
                rule=rule.id,
                evidence=evidence,
                fingerprint=f"event={event.event_id}",
                loan_id=context.loan_id,
            )
        ]
    return []


# ---- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """What the monitor measured about one borrower at one moment."""

    period: str | None = None
    revenue: Decimal | None = None
    net_profit: Decimal | None = None
    previous_period: str | None = None
    previous_revenue: Decimal | None = None
    previous_net_profit: Decimal | None = None
    # sum of the pledge values of the loan's pledged patents; None when nothing is pledged
    collateral_value: Decimal | None = None
    graph_risk: float | None = None


@dataclass(frozen=True)
class LoanContext:
    """The loan a borrower's figures are judged against."""

    name: str
    loan_id: int | None
    outstanding: Decimal
    pledged_patents: tuple[str, ...] = ()


def cover_ratio(collateral: Decimal | None, outstanding: Decimal) -> Decimal | None:
    """Collateral value over outstanding balance; None when it does not apply."""
    if collateral is None or outstanding <= 0:
        return None
    return collateral / outstanding


def evaluate_indicator_change(
    before: Figures | None, after: Figures, loan: LoanContext, rules: RuleSet | None = None
) -> list[WarningDraft]:
    """Warnings from a borrower's figures: collateral shortfall, financial decline, graph risk."""
    ruleset = rules or load_rules()
    drafts: list[WarningDraft] = []
    ltv = ruleset.indicators.get("ltv_shortfall")
    if ltv is not None and loan.pledged_patents:
        drafts += _ltv(before, after, loan, ltv, ruleset.version)
    decline = ruleset.indicators.get("financial_decline")
    if decline is not None:
        drafts += _decline(after, loan, decline, ruleset.version)
    graph = ruleset.indicators.get("graph_risk")
    if graph is not None and after.graph_risk is not None:
        drafts += _graph(before, after, loan, graph, ruleset.version)
    return drafts


def _ltv(
    before: Figures | None,
    after: Figures,
    loan: LoanContext,
    rule: Mapping[str, Any],
    version: str,
) -> list[WarningDraft]:
    cover = cover_ratio(after.collateral_value, loan.outstanding)
    required = Decimal(str(rule["required_cover"]))
    if cover is None or cover >= required:
        return []
    prior = cover_ratio(before.collateral_value, loan.outstanding) if before else None
    bucket = Decimal(str(rule.get("bucket", "0.10")))
    band = (cover / bucket).to_integral_value(rounding="ROUND_FLOOR") * bucket
    message = render(
        rule["message"],
        name=loan.name,
        cover=_pct(cover),
        outstanding=loan.outstanding,
        loan_id=loan.loan_id,
        required=_pct(required),
    )
    evidence = {
        "rule": rule["id"],
        "rules_version": version,
        "indicators": [
            {
                "code": "collateral_cover",
                "before": None if prior is None else str(_q(prior)),
                "after": str(_q(cover)),
            }
        ],
        "collateral_value": str(after.collateral_value),
        "outstanding": str(loan.outstanding),
        "required_cover": str(required),
        "patents": list(loan.pledged_patents),
    }
    return [
        WarningDraft(
            level=WarningLevel(rule["level"]),
            kind=rule["kind"],
            message=message,
            rule=rule["id"],
            evidence=evidence,
            source=f"loan:{loan.loan_id}",
            fingerprint=f"band={band}",
            loan_id=loan.loan_id,
        )
    ]


def _decline(
    after: Figures, loan: LoanContext, rule: Mapping[str, Any], version: str
) -> list[WarningDraft]:
    if after.period is None or after.previous_period is None:
        return []
    reasons: list[str] = []
    changes: list[dict[str, Any]] = []
    drop = Decimal(str(rule.get("revenue_drop", "0.30")))
    if after.revenue is not None and after.previous_revenue and after.previous_revenue > 0:
        fall = 1 - after.revenue / after.previous_revenue
        if fall >= drop:
            reasons.append(f"revenue down {_pct(fall)}%")
            changes.append(
                {
                    "code": "revenue",
                    "before": str(after.previous_revenue),
                    "after": str(after.revenue),
                }
            )
    if (
        rule.get("profit_turns_negative", True)
        and after.net_profit is not None
        and after.previous_net_profit is not None
        and after.previous_net_profit >= 0 > after.net_profit
    ):
        reasons.append("net profit turned negative")
        changes.append(
            {
                "code": "net_profit",
                "before": str(after.previous_net_profit),
                "after": str(after.net_profit),
            }
        )
    if not reasons:
        return []
    evidence = {
        "rule": rule["id"],
        "rules_version": version,
        "indicators": changes,
        "periods": [after.previous_period, after.period],
    }
    return [
        WarningDraft(
            level=WarningLevel(rule["level"]),
            kind=rule["kind"],
            message=render(
                rule["message"], name=loan.name, period=after.period, detail="; ".join(reasons)
            ),
            rule=rule["id"],
            evidence=evidence,
            fingerprint=f"period={after.period}",
            loan_id=loan.loan_id,
        )
    ]


def _graph(
    before: Figures | None,
    after: Figures,
    loan: LoanContext,
    rule: Mapping[str, Any],
    version: str,
) -> list[WarningDraft]:
    risk = after.graph_risk
    if risk is None or risk < float(rule["at_least"]):
        return []
    step = float(rule.get("bucket", 0.1))
    band = round(math.floor(risk / step) * step, 4)
    evidence = {
        "rule": rule["id"],
        "rules_version": version,
        "indicators": [
            {
                "code": "graph_risk",
                "before": None if before is None else before.graph_risk,
                "after": risk,
            }
        ],
    }
    return [
        WarningDraft(
            level=WarningLevel(rule["level"]),
            kind=rule["kind"],
            message=render(rule["message"], name=loan.name, risk=f"{risk:.2f}"),
            rule=rule["id"],
            evidence=evidence,
            fingerprint=f"band={band}",
            loan_id=loan.loan_id,
        )
    ]


# ---- contagion --------------------------------------------------------------------------------


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


# ---- helpers ----------------------------------------------------------------------------------


class _Safe(dict[str, Any]):
    """A mapping for message templates: a missing key renders as `?`."""

    def __missing__(self, key: str) -> str:
        return "?"


def render(template: str, **values: Any) -> str:
    """Fill a message template; unknown names and bad formats never fail a warning."""
    try:
        return template.format_map(_Safe(values))
    except (ValueError, IndexError, AttributeError, TypeError, KeyError):
        return template


def _q(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.0001"), rounding="ROUND_FLOOR")


def _pct(x: Decimal) -> str:
    return str((x * 100).quantize(Decimal("1"), rounding="ROUND_FLOOR"))


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        return x == y
    return bool(a == b)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))
