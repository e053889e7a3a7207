"""An enterprise's k-hop neighbourhood over stored relations, bounded, for drawing.

Relations (guarantee, shareholding, supply, officer) are followed in either direction and keep
their own direction in the edges. Several centres are walked together, so a list of
enterprises costs the same few queries as one: the centres, one per hop, names and risk.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tortoise.expressions import Q

from db.models import Enterprise, Person, Relation
from domain.errors import InvalidInput
from domain.scoring.reads import latest_risk_scores

MAX_HOPS = 3
MAX_NODES = 150  # per neighbourhood, the centre included
MAX_LINKS_PER_HOP = 5000  # relations read per hop, all centres together

ENTERPRISE = "ENTERPRISE"
PERSON = "PERSON"
OTHER = "OTHER"


@dataclass(frozen=True)
class GraphNode:
    """A node: its natural key (USCC, person id), kind, label, risk and distance."""

    id: str
    kind: str
    label: str
    risk: float | None
    hops: int
    enterprise_id: int | None = None


@dataclass(frozen=True)
class GraphEdge:
    """A relation between two nodes, in its own direction."""

    source: str
    target: str
    kind: str


@dataclass(frozen=True)
class Neighbourhood:
    """The nodes within `hops` links of the centre and the relations among them; `truncated`
    when the node bound cut it short."""

    centre: str
    hops: int
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    truncated: bool


Link = tuple[str, str, str]  # kind, source, target


def check_hops(hops: int) -> int:
    """The hops if 1..MAX_HOPS, else INVALID_INPUT."""
    if not 1 <= hops <= MAX_HOPS:
        raise InvalidInput(f"hops must be between 1 and {MAX_HOPS}", field="hops")
    return hops


def reach(
    links: Iterable[Link], centre: str, hops: int, max_nodes: int = MAX_NODES
) -> tuple[dict[str, int], list[Link], bool]:
    """Breadth-first from `centre` (pure): each node's distance, the links among the reached
    nodes, and whether `max_nodes` cut the walk short. Ties break by key, so it is stable."""
    adjacency: dict[str, set[str]] = {}
    unique = sorted(set(links))
    for _, src, dst in unique:
        adjacency.setdefault(src, set()).add(dst)
        adjacency.setdefault(dst, set()).add(src)
    distance = {centre: 0}
    frontier = [centre]
    truncated = False
    for depth in range(1, hops + 1):
        following: list[str] = []
        for node in frontier:
            for other in sorted(adjacency.get(node, ())):
                if other in distance:
                    continue
                if len(distance) >= max_nodes:
                    truncated = True
                    break
                distance[other] = depth
                following.append(other)
        frontier = following
    kept = [link for link in unique if link[1] in distance and link[2] in distance]
    return distance, kept, truncated


async def _links_within(starts: set[str], hops: int) -> list[Link]:
    """Every relation within `hops` of any start (one query per hop)."""
    links: set[Link] = set()
    seen = set(starts)
    frontier = set(starts)
    for _ in range(hops):
        if not frontier:
            break
        keys = sorted(frontier)
        rows = (
            await Relation.filter(Q(src__in=keys) | Q(dst__in=keys))
            .limit(MAX_LINKS_PER_HOP)
            .values_list("kind", "src", "dst")
        )
        fresh: set[str] = set()
        for kind, src, dst in rows:
            links.add((str(kind), str(src), str(dst)))
            fresh.update({str(src), str(dst)} - seen)
        seen |= fresh
        frontier = fresh
    return sorted(links)


async def neighbourhoods(*, enterprise_ids: Sequence[int], hops: int) -> list[Neighbourhood | None]:
    """Each enterprise's neighbourhood in the order of `enterprise_ids` (None where unknown),
    in 1 + hops + 3 queries whatever their number."""
    check_hops(hops)
    centres = dict(await Enterprise.filter(id__in=set(enterprise_ids)).values_list("id", "uscc"))
    if not centres:
        return [None for _ in enterprise_ids]
    links = await _links_within({str(u) for u in centres.values()}, hops)
    walks = {pk: reach(links, str(uscc), hops) for pk, uscc in centres.items()}
    keys = sorted({key for distance, _, _ in walks.values() for key in distance})
    firms = {
        str(uscc): (int(pk), str(name))
        for pk, uscc, name in await Enterprise.filter(uscc__in=keys).values_list(
            "id", "uscc", "name"
        )
    }
    people = dict(await Person.filter(person_id__in=keys).values_list("person_id", "name"))
    firm_ids = sorted(pk for pk, _ in firms.values())
    scores = dict(zip(firm_ids, await latest_risk_scores(firm_ids), strict=True))
    out: list[Neighbourhood | None] = []
    for pk in enterprise_ids:
        if pk not in centres:
            out.append(None)
            continue
        distance, kept, truncated = walks[pk]
        nodes = []
        for key, depth in sorted(distance.items(), key=lambda kv: (kv[1], kv[0])):
            if key in firms:
                firm_id, name = firms[key]
                score = scores.get(firm_id)
                risk = None
                if score is not None:
                    risk = (
                        score.graph_risk
                        if score.graph_risk is not None
                        else score.probability_of_default
                    )
                nodes.append(GraphNode(key, ENTERPRISE, name, risk, depth, firm_id))
            elif key in people:
                nodes.append(GraphNode(key, PERSON, str(people[key]), None, depth))
            else:
                nodes.append(GraphNode(key, OTHER, key, None, depth))
        edges = tuple(GraphEdge(src, dst, kind) for kind, src, dst in kept)
        out.append(Neighbourhood(str(centres[pk]), hops, tuple(nodes), edges, truncated))
    return out


__all__ = [
    "MAX_HOPS",
    "MAX_NODES",
    "GraphEdge",
    "GraphNode",
    "Neighbourhood",
    "check_hops",
    "neighbourhoods",
    "reach",
]
