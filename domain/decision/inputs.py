"""What a credit decision is made from, as plain values that round-trip through JSON."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

_ROW_REFERENCES = ("risk_score_id", "valuation_ids")


@dataclass(frozen=True)
class Counterparty:
    """A node of the risk graph a reason names: an enterprise (id: its USCC), a person, a
    case or a patent. Bank staff read it; applicants never do."""

    node_type: str
    id: str
    name: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready."""
        return {"node_type": self.node_type, "id": self.id, "name": self.name}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Counterparty:
        """The inverse of `to_dict`."""
        return cls(str(data["node_type"]), str(data["id"]), str(data["name"]))


@dataclass(frozen=True)
class Reason:
    """A reason code with a human description and its weight in the outcome.

    A graph reason also names the relation kind and (for staff) the counterparty, with the
    words an applicant reads instead of `description` (`public_description`).
    """

    code: str
    description: str
    weight: float = 0.0
    relation: str | None = None
    counterparty: Counterparty | None = None
    public_description: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the graph fields only when set, so older records hash the same)."""
        out: dict[str, Any] = {
            "code": self.code,
            "description": self.description,
            "weight": self.weight,
        }
        if self.relation is not None:
            out["relation"] = self.relation
        if self.counterparty is not None:
            out["counterparty"] = self.counterparty.to_dict()
        if self.public_description is not None:
            out["public_description"] = self.public_description
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reason:
        """The inverse of `to_dict`."""
        party = data.get("counterparty")
        return cls(
            code=str(data["code"]),
            description=str(data["description"]),
            weight=float(data.get("weight") or 0.0),
            relation=data.get("relation"),
            counterparty=None if party is None else Counterparty.from_dict(party),
            public_description=data.get("public_description"),
        )


@dataclass(frozen=True)
class GraphDriver:
    """What moved an enterprise's graph risk most, worked out when the risk reached the
    policy's review band and recorded with the decision's inputs (replays need no graph).

    `status`: FOUND (a relation, and usually the counterparty through it, raised the risk),
    OWN_DATA (no relation raised it: the enterprise's own data did) or UNAVAILABLE (the graph
    model could not explain it; `detail` says why). `delta` is how much the counterparty (or,
    without one, the relation) adds to the graph risk, as a probability.
    """

    status: str
    relation: str | None = None
    relation_words: str | None = None
    counterparty: Counterparty | None = None
    delta: float = 0.0
    model_version: str | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "status": self.status,
            "relation": self.relation,
            "relation_words": self.relation_words,
            "counterparty": None if self.counterparty is None else self.counterparty.to_dict(),
            "delta": self.delta,
            "model_version": self.model_version,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GraphDriver:
        """The inverse of `to_dict`."""
        party = data.get("counterparty")
        return cls(
            status=str(data["status"]),
            relation=data.get("relation"),
            relation_words=data.get("relation_words"),
            counterparty=None if party is None else Counterparty.from_dict(party),
            delta=float(data.get("delta") or 0.0),
            model_version=data.get("model_version"),
            detail=data.get("detail"),
        )


@dataclass(frozen=True)
class RuleHit:
    """An admission or anti-fraud rule that fired (action: reject or review)."""

    code: str
    kind: str
    action: str
    description: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "code": self.code,
            "kind": self.kind,
            "action": self.action,
            "description": self.description,
        }


@dataclass(frozen=True)
class RiskInputs:
    """The model outputs and data one decision uses; `graph_risk` is None without a GNN."""

    probability_of_default: float
    grade: str
    score: int
    reasons: tuple[Reason, ...] = ()
    graph_risk: float | None = None
    pledge_values: Mapping[str, Decimal] = field(default_factory=dict)
    annual_revenue: Decimal | None = None
    rule_hits: tuple[RuleHit, ...] = ()
    model_versions: Mapping[str, str] = field(default_factory=dict)
    as_of: datetime | None = None
    # which stored rows the values came from (kept for explanation, left out of the hash)
    risk_score_id: int | None = None
    valuation_ids: Mapping[str, int] = field(default_factory=dict)
    # what moved graph risk most, when it reached the review band (None: not worked out)
    graph_driver: GraphDriver | None = None

    @property
    def pledge_total(self) -> Decimal:
        """The summed pledge value of every pledged patent."""
        return sum(self.pledge_values.values(), Decimal("0"))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with money as strings (`graph_driver` only when there is one, so
        decisions recorded before it existed hash the same)."""
        out: dict[str, Any] = {
            "probability_of_default": self.probability_of_default,
            "grade": self.grade,
            "score": self.score,
            "reasons": [r.to_dict() for r in self.reasons],
            "graph_risk": self.graph_risk,
            "pledge_values": {k: str(v) for k, v in sorted(self.pledge_values.items())},
            "annual_revenue": None if self.annual_revenue is None else str(self.annual_revenue),
            "rule_hits": [h.to_dict() for h in self.rule_hits],
            "model_versions": dict(sorted(self.model_versions.items())),
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "risk_score_id": self.risk_score_id,
            "valuation_ids": dict(sorted(self.valuation_ids.items())),
        }
        if self.graph_driver is not None:
            out["graph_driver"] = self.graph_driver.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RiskInputs:
        """The inverse of `to_dict`."""
        revenue = data.get("annual_revenue")
        as_of = data.get("as_of")
        driver = data.get("graph_driver")
        return cls(
            probability_of_default=float(data["probability_of_default"]),
            grade=str(data["grade"]),
            score=int(data["score"]),
            reasons=tuple(Reason.from_dict(r) for r in data.get("reasons", [])),
            graph_risk=None if data.get("graph_risk") is None else float(data["graph_risk"]),
            pledge_values={k: Decimal(v) for k, v in data.get("pledge_values", {}).items()},
            annual_revenue=None if revenue is None else Decimal(revenue),
            rule_hits=tuple(RuleHit(**h) for h in data.get("rule_hits", [])),
            model_versions=dict(data.get("model_versions", {})),
            as_of=None if as_of is None else datetime.fromisoformat(as_of),
            risk_score_id=data.get("risk_score_id"),
            valuation_ids=dict(data.get("valuation_ids", {})),
            graph_driver=None if driver is None else GraphDriver.from_dict(driver),
        )


@dataclass(frozen=True)
class ApplicationTerms:
    """What the applicant asked for."""

    amount: Decimal
    term_months: int
    pledged_patents: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "amount": str(self.amount),
            "term_months": self.term_months,
            "pledged_patents": list(self.pledged_patents),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ApplicationTerms:
        """The inverse of `to_dict`."""
        return cls(
            Decimal(data["amount"]), int(data["term_months"]), tuple(data["pledged_patents"])
        )


@dataclass(frozen=True)
class ProductTerms:
    """The product parameters a decision depends on (a snapshot, so replays need no DB)."""

    code: str
    min_amount: Decimal
    max_amount: Decimal
    annual_rate: Decimal
    subsidy_rate: Decimal = Decimal("0")
    requires_pledge: bool = False
    guarantee_on_approval: bool = False
    guarantor_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "code": self.code,
            "min_amount": str(self.min_amount),
            "max_amount": str(self.max_amount),
            "annual_rate": str(self.annual_rate),
            "subsidy_rate": str(self.subsidy_rate),
            "requires_pledge": self.requires_pledge,
            "guarantee_on_approval": self.guarantee_on_approval,
            "guarantor_name": self.guarantor_name,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProductTerms:
        """The inverse of `to_dict`."""
        return cls(
            code=data["code"],
            min_amount=Decimal(data["min_amount"]),
            max_amount=Decimal(data["max_amount"]),
            annual_rate=Decimal(data["annual_rate"]),
            subsidy_rate=Decimal(data["subsidy_rate"]),
            requires_pledge=bool(data["requires_pledge"]),
            guarantee_on_approval=bool(data["guarantee_on_approval"]),
            guarantor_name=data.get("guarantor_name"),
        )


def inputs_hash(
    inputs: RiskInputs, terms: ApplicationTerms, product: ProductTerms, policy_sha256: str
) -> str:
    """SHA-256 of everything a decision is a function of, in canonical JSON."""
    body = json.dumps(
        {
            "inputs": {k: v for k, v in inputs.to_dict().items() if k not in _ROW_REFERENCES},
            "terms": terms.to_dict(),
            "product": product.to_dict(),
            "policy": policy_sha256,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()
