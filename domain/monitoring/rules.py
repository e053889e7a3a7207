"""Warning rules as data: loading and checking rules.json, and the event rules (pure)."""

from __future__ import annotations

import json
from collections.abc import Mapping
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
