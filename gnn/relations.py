"""Node types and relation types of the risk graph, and how relation names read."""

from __future__ import annotations

EdgeType = tuple[str, str, str]

ENTERPRISE = "enterprise"
PATENT = "patent"
LITIGATION = "litigation"
PERSON = "person"
NODE_TYPES: tuple[str, ...] = (ENTERPRISE, PATENT, LITIGATION, PERSON)

REVERSE_PREFIX = "rev_"

# Forward relations as they are stored in the world; each gets a reverse edge type so that
# messages flow both ways while direction (guarantor vs guaranteed) stays distinguishable.
FORWARD_RELATIONS: tuple[EdgeType, ...] = (
    (ENTERPRISE, "owns", PATENT),
    (PATENT, "cites", PATENT),
    (ENTERPRISE, "party_to_plaintiff", LITIGATION),
    (ENTERPRISE, "party_to_defendant", LITIGATION),
    (ENTERPRISE, "party_to_third_party", LITIGATION),
    (LITIGATION, "concerns", PATENT),
    (ENTERPRISE, "guarantees", ENTERPRISE),
    (ENTERPRISE, "holds_shares", ENTERPRISE),
    (PERSON, "holds_shares", ENTERPRISE),
    (ENTERPRISE, "supplies", ENTERPRISE),
    (PERSON, "officer_of", ENTERPRISE),
)

PARTY_ROLES: dict[str, str] = {
    "plaintiff": "party_to_plaintiff",
    "defendant": "party_to_defendant",
    "third_party": "party_to_third_party",
}

# world-format relation kind -> relation name
RELATION_KINDS: dict[str, str] = {
    "guarantee": "guarantees",
    "shareholding": "holds_shares",
    "supply": "supplies",
    "officer": "officer_of",
}


def reverse(edge_type: EdgeType) -> EdgeType:
    """The reverse edge type of a forward one."""
    src, rel, dst = edge_type
    return (dst, REVERSE_PREFIX + rel, src)


def forward_name(relation: str) -> str:
    """The forward relation name of a relation or its reverse."""
    return relation.removeprefix(REVERSE_PREFIX)


ALL_EDGE_TYPES: tuple[EdgeType, ...] = FORWARD_RELATIONS + tuple(
    reverse(et) for et in FORWARD_RELATIONS
)


def key(edge_type: EdgeType) -> str:
    """A flat string key for an edge type (module dicts, JSON)."""
    return "__".join(edge_type)
