// The contagion explorer's GraphQL documents (names as in schema.graphql).

export interface GraphNode {
  /** natural key: a USCC for an enterprise, a person id for a person */
  id: string;
  kind: string;
  label: string;
  risk: number | null;
  /** the enterprise's opaque id (enterprises only): what simulateShock takes */
  enterpriseId: string | null;
}

export interface GraphEdge {
  source: string;
  target: string;
  kind: string;
}

export interface EnterpriseRef {
  id: string;
  name: string;
  uscc: string;
}

export const SEARCH = `query ContagionSearch($q: String!) {
  enterprises(first: 10, search: $q) { edges { node { id name uscc } } }
}`;

export interface SearchData {
  enterprises: { edges: { node: EnterpriseRef }[] };
}

export const NEIGHBOURHOOD = `query ContagionNeighbourhood($id: ID!, $hops: Int!) {
  enterprise(id: $id) {
    id name uscc
    neighbourhood(hops: $hops) {
      nodes { id kind label risk enterpriseId } edges { source target kind } truncated
    }
  }
}`;

export interface NeighbourhoodData {
  enterprise:
    | (EnterpriseRef & {
        neighbourhood: { nodes: GraphNode[]; edges: GraphEdge[]; truncated: boolean } | null;
      })
    | null;
}

export interface PathStep {
  from: string;
  relation: string;
  to: string;
}

export interface Exposed {
  riskBefore: number;
  riskAfter: number;
  path: PathStep[];
  enterprise: EnterpriseRef;
}

export const SHOCK = `mutation ContagionShock($ids: [ID!]!) {
  simulateShock(enterpriseIds: $ids) {
    modelVersion
    source { id name uscc }
    exposed { riskBefore riskAfter path { from relation to } enterprise { id name uscc } }
  }
}`;

export interface ShockData {
  simulateShock: { modelVersion: string; source: EnterpriseRef[]; exposed: Exposed[] };
}
