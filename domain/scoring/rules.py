"""Admission and anti-fraud rules kept as data, evaluated by a small interpreter (no eval).

A rule file is JSON: {"rules": [{"code", "kind", "action", "description", "when"}]} where
`when` is a condition:
  {"fact": NAME, "op": OP, "value": V}   OP in eq ne lt le gt ge in not_in (need a value),
                                         is_true is_false present absent (no value)
  {"all": [conditions]}  {"any": [conditions]}  {"not": condition}
A comparison with a fact that is missing (absent or None) is false; `absent` tests for it.
`kind` is "admission" or "fraud"; `action` is "reject" or "review".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domain.errors import InvalidInput

DEFAULT_RULES = Path(__file__).with_name("rules.json")

KINDS = ("admission", "fraud")
ACTIONS = ("reject", "review")

_BINARY: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: bool(a == b),
    "ne": lambda a, b: bool(a != b),
    "lt": lambda a, b: bool(a < b),
    "le": lambda a, b: bool(a <= b),
    "gt": lambda a, b: bool(a > b),
    "ge": lambda a, b: bool(a >= b),
    "in": lambda a, b: a in b,
    "not_in": lambda a, b: a not in b,
}
_UNARY: dict[str, Callable[[Any], bool]] = {
    "is_true": lambda a: a is True or a == 1,
    "is_false": lambda a: a is False or a == 0,
}


@dataclass(frozen=True)
class Rule:
    """One rule: stable code, what it checks, and the condition as data."""

    code: str
    kind: str
    action: str
    description: str
    when: Mapping[str, Any]


@dataclass(frozen=True)
class RuleHit:
    """A rule that fired, with the facts its condition read (for the decision record)."""

    code: str
    kind: str
    action: str
    description: str
    facts: Mapping[str, object]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "code": self.code,
            "kind": self.kind,
            "action": self.action,
            "description": self.description,
            "facts": dict(self.facts),
        }


@dataclass(frozen=True)
class RuleSet:
    """Rules with the version of the file they came from (hash of its content)."""

    rules: tuple[Rule, ...]
    version: str


def validate_condition(cond: object, where: str = "when") -> None:
    """Raise InvalidInput unless `cond` is a well-formed condition."""
    if not isinstance(cond, Mapping):
        raise InvalidInput(f"{where}: a condition must be an object")
    keys = set(cond)
    if keys == {"all"} or keys == {"any"}:
        items = cond["all" if "all" in keys else "any"]
        if not isinstance(items, list) or not items:
            raise InvalidInput(f"{where}: all/any needs a non-empty list")
        for i, item in enumerate(items):
            validate_condition(item, f"{where}[{i}]")
        return
    if keys == {"not"}:
        validate_condition(cond["not"], f"{where}.not")
        return
    if "fact" not in keys or "op" not in keys or not keys <= {"fact", "op", "value"}:
        raise InvalidInput(f"{where}: expected fact/op/value, all, any or not; got {sorted(keys)}")
    if not isinstance(cond["fact"], str) or not cond["fact"]:
        raise InvalidInput(f"{where}: fact must be a name")
    op = cond["op"]
    if op in _BINARY:
        if "value" not in cond:
            raise InvalidInput(f"{where}: op {op} needs a value")
        if op in ("in", "not_in") and not isinstance(cond["value"], list):
            raise InvalidInput(f"{where}: op {op} needs a list value")
    elif op in _UNARY or op in ("present", "absent"):
        if "value" in cond:
            raise InvalidInput(f"{where}: op {op} takes no value")
    else:
        raise InvalidInput(f"{where}: unknown op {op!r}")


def holds(cond: Mapping[str, Any], facts: Mapping[str, object]) -> bool:
    """Whether a (validated) condition holds for the facts."""
    if "all" in cond:
        return all(holds(c, facts) for c in cond["all"])
    if "any" in cond:
        return any(holds(c, facts) for c in cond["any"])
    if "not" in cond:
        return not holds(cond["not"], facts)
    op = cond["op"]
    value = facts.get(cond["fact"])
    if op == "present":
        return value is not None
    if op == "absent":
        return value is None
    if value is None:
        return False
    try:
        if op in _UNARY:
            return _UNARY[op](value)
        return _BINARY[op](value, cond["value"])
    except TypeError:
        # a fact of the wrong type (text against a number) cannot satisfy the comparison
        return False


def facts_read(cond: Mapping[str, Any]) -> list[str]:
    """The fact names a condition reads, in order of appearance."""
    if "all" in cond or "any" in cond:
        return [n for c in cond.get("all", cond.get("any", [])) for n in facts_read(c)]
    if "not" in cond:
        return facts_read(cond["not"])
    return [str(cond["fact"])]


def parse_rules(data: object) -> RuleSet:
    """Validate a rule document (the parsed JSON) into a RuleSet."""
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        raise InvalidInput('a rule file is an object with a "rules" list')
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["rules"]):
        if not isinstance(raw, Mapping):
            raise InvalidInput(f"rules[{i}] must be an object")
        missing = {"code", "kind", "action", "description", "when"} - set(raw)
        if missing:
            raise InvalidInput(f"rules[{i}] lacks {', '.join(sorted(missing))}")
        code = str(raw["code"])
        if code in seen:
            raise InvalidInput(f"rules[{i}]: duplicate code {code}")
        seen.add(code)
        if raw["kind"] not in KINDS:
            raise InvalidInput(f"rule {code}: kind must be one of {', '.join(KINDS)}")
        if raw["action"] not in ACTIONS:
            raise InvalidInput(f"rule {code}: action must be one of {', '.join(ACTIONS)}")
        validate_condition(raw["when"], f"rule {code}.when")
        rules.append(Rule(code, raw["kind"], raw["action"], str(raw["description"]), raw["when"]))
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    version = "rules-" + hashlib.sha256(canonical.encode()).hexdigest()[:16]
    return RuleSet(tuple(rules), version)


def load_rules(path: Path | None = None) -> RuleSet:
    """Read and validate a rule file (default: the shipped rules.json)."""
    p = path or DEFAULT_RULES
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"cannot read rule file {p.name}: {exc}") from exc
    return parse_rules(data)


def evaluate_rules(
    facts: Mapping[str, object], rules: RuleSet | Sequence[Rule] | None = None
) -> list[RuleHit]:
    """The rules that fire for these facts, in file order (default: the shipped rules)."""
    chosen = load_rules() if rules is None else rules
    items = chosen.rules if isinstance(chosen, RuleSet) else chosen
    hits = []
    for rule in items:
        if holds(rule.when, facts):
            read = {n: facts.get(n) for n in facts_read(rule.when)}
            hits.append(RuleHit(rule.code, rule.kind, rule.action, rule.description, read))
    return hits
