// Paths in a neighbourhood (pure) and its drawing with Cytoscape (loaded only on this screen).
import type { Core, ElementDefinition } from "cytoscape";
import type { GraphEdge, GraphNode } from "./queries";

/** One link of a highlighted path, in the relation's own direction. */
export interface Step {
  edge: number;
  source: string;
  target: string;
  kind: string;
}

/** Hops from `centre` to every reachable node, links followed either way. */
export function distances(nodes: GraphNode[], edges: GraphEdge[], centre: string): Map<string, number> {
  const adj = adjacency(nodes, edges);
  const dist = new Map<string, number>([[centre, 0]]);
  const queue = [centre];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i];
    for (const [other] of adj.get(at) ?? []) {
      if (!dist.has(other)) {
        dist.set(other, (dist.get(at) ?? 0) + 1);
        queue.push(other);
      }
    }
  }
  return dist;
}

/** The shortest path from any of `from` to `to` (breadth-first, links either way), or null. */
export function shortestPath(
  nodes: GraphNode[],
  edges: GraphEdge[],
  from: string | string[],
  to: string,
): Step[] | null {
  const starts = Array.isArray(from) ? from : [from];
  const adj = adjacency(nodes, edges);
  const back = new Map<string, { prev: string; edge: number } | null>();
  const queue: string[] = [];
  for (const s of starts) {
    back.set(s, null);
    queue.push(s);
  }
  for (let i = 0; i < queue.length && !back.has(to); i++) {
    const at = queue[i];
    for (const [other, edge] of adj.get(at) ?? []) {
      if (!back.has(other)) {
        back.set(other, { prev: at, edge });
        queue.push(other);
      }
    }
  }
  if (!back.has(to)) return null;
  const steps: Step[] = [];
  for (let at = to, b = back.get(at); b; at = b.prev, b = back.get(at)) {
    const e = edges[b.edge];
    steps.unshift({ edge: b.edge, source: e.source, target: e.target, kind: e.kind });
  }
  return steps;
}

function adjacency(nodes: GraphNode[], edges: GraphEdge[]): Map<string, [string, number][]> {
  const adj = new Map<string, [string, number][]>(nodes.map((n) => [n.id, []]));
  edges.forEach((e, i) => {
    adj.get(e.source)?.push([e.target, i]);
    adj.get(e.target)?.push([e.source, i]);
  });
  // stable: neighbours in key order, so the same graph always gives the same path
  for (const list of adj.values()) list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  return adj;
}

/** Colour for a risk in 0..1 (green to red); grey when unknown. */
export function riskColour(risk: number | null | undefined): string {
  if (risk == null || Number.isNaN(risk)) return "#9e9e9e";
  const r = Math.max(0, Math.min(1, risk));
  const hue = Math.round(120 * (1 - r));
  return `hsl(${hue}, 70%, 40%)`;
}

export interface Drawing {
  highlight(nodeIds: string[], edgeIndexes: number[]): void;
  mark(exposed: Map<string, number>, shocked: Set<string>): void;
  select(id: string | null): void;
  fit(): void;
  destroy(): void;
}

/** Draw the neighbourhood in `container`; `onTap` receives a tapped node's id. */
export async function draw(
  container: HTMLElement,
  nodes: GraphNode[],
  edges: GraphEdge[],
  centre: string,
  onTap: (id: string) => void,
): Promise<Drawing> {
  const { default: cytoscape } = await import("cytoscape");
  const dist = distances(nodes, edges, centre);
  const far = Math.max(0, ...dist.values());
  const elements: ElementDefinition[] = [
    ...nodes.map((n) => ({
      group: "nodes" as const,
      data: {
        id: n.id,
        label: n.label,
        kind: n.kind,
        colour: riskColour(n.risk),
        level: far - (dist.get(n.id) ?? far),
      },
      classes: [n.kind.toLowerCase(), n.id === centre ? "centre" : ""].filter(Boolean).join(" "),
    })),
    ...edges.map((e, i) => ({
      group: "edges" as const,
      data: { id: `e${i}`, source: e.source, target: e.target, label: e.kind },
    })),
  ];
  const cy: Core = cytoscape({
    container,
    elements,
    minZoom: 0.2,
    maxZoom: 3,
    style: [
      {
        selector: "node",
        style: {
          "background-color": "data(colour)",
          label: "data(label)",
          "font-size": 10,
          color: "#1a1a1a",
          "text-valign": "bottom",
          "text-margin-y": 4,
          "text-wrap": "ellipsis",
          "text-max-width": "110px",
          width: 22,
          height: 22,
        },
      },
      { selector: "node.person", style: { shape: "round-rectangle", width: 16, height: 16 } },
      { selector: "node.other", style: { shape: "diamond", width: 16, height: 16 } },
      { selector: "node.centre", style: { width: 34, height: 34, "border-width": 3, "border-color": "#0b4f9c" } },
      {
        selector: "edge",
        style: {
          width: 1.5,
          "line-color": "#b0b0b0",
          "target-arrow-color": "#b0b0b0",
          "target-arrow-shape": "triangle",
          "curve-style": "bezier",
          label: "data(label)",
          "font-size": 8,
          color: "#555",
          "text-rotation": "autorotate",
        },
      },
      { selector: ".faded", style: { opacity: 0.25 } },
      {
        selector: "edge.path",
        style: { width: 4, "line-color": "#0b4f9c", "target-arrow-color": "#0b4f9c", opacity: 1, "z-index": 10 },
      },
      { selector: "node.path", style: { "border-width": 3, "border-color": "#0b4f9c", opacity: 1 } },
      { selector: "node.exposed", style: { "border-width": 4, "border-color": "#a4161a" } },
      { selector: "node.shocked", style: { shape: "octagon", "border-width": 4, "border-color": "#000" } },
      { selector: "node.selected", style: { "overlay-color": "#0b4f9c", "overlay-opacity": 0.2, "overlay-padding": 6 } },
    ],
    layout: {
      name: "concentric",
      concentric: (n) => Number(n.data("level")),
      levelWidth: () => 1,
      minNodeSpacing: 24,
      animate: false,
    },
  });
  cy.on("tap", "node", (ev) => onTap(String(ev.target.id())));
  return {
    highlight(nodeIds, edgeIndexes) {
      cy.batch(() => {
        cy.elements().removeClass("path faded");
        if (!nodeIds.length && !edgeIndexes.length) return;
        cy.elements().addClass("faded");
        for (const id of nodeIds) cy.getElementById(id).removeClass("faded").addClass("path");
        for (const i of edgeIndexes) cy.getElementById(`e${i}`).removeClass("faded").addClass("path");
      });
    },
    mark(exposed, shocked) {
      cy.batch(() => {
        cy.nodes().removeClass("exposed shocked");
        for (const id of exposed.keys()) cy.getElementById(id).addClass("exposed");
        for (const id of shocked) cy.getElementById(id).addClass("shocked");
      });
    },
    select(id) {
      cy.nodes().removeClass("selected");
      if (id) cy.getElementById(id).addClass("selected");
    },
    fit() {
      cy.fit(undefined, 20);
    },
    destroy() {
      cy.destroy();
    },
  };
}
