// The warnings board's GraphQL documents (names as in schema.graphql).
import type { BoardWarning } from "./board";

const FIELDS = `id cursor level kind message status createdAt
  enterprise { id name uscc } loan { id } contagionSource { id name }`;

/** Open and acknowledged warnings (newest first, a page each), and the newest cursor of all. */
export const BOARD = `query WarningsBoard {
  open: warnings(first: 100, status: OPEN) { totalCount edges { node { ${FIELDS} } } }
  acknowledged: warnings(first: 100, status: ACKNOWLEDGED) { totalCount edges { node { ${FIELDS} } } }
  newest: warnings(first: 1) { edges { cursor } }
}`;

export interface Page {
  totalCount: number;
  edges: { node: BoardWarning }[];
}

export interface BoardData {
  open: Page;
  acknowledged: Page;
  newest: { edges: { cursor: string }[] };
}

/** Live warnings; with `after`, every one raised since that cursor first (resume). */
export const FEED = `subscription WarningsFeed($after: String) {
  warnings(after: $after) { ${FIELDS} }
}`;

export interface FeedData {
  warnings: BoardWarning;
}

export interface UserError {
  field: string | null;
  code: string;
  message: string;
}

export const ACKNOWLEDGE = `mutation AcknowledgeWarning($id: ID!) {
  acknowledgeWarning(id: $id) { warning { ${FIELDS} } errors { field code message } }
}`;

export const RESOLVE = `mutation ResolveWarning($id: ID!, $note: String!) {
  resolveWarning(id: $id, note: $note) { warning { ${FIELDS} } errors { field code message } }
}`;

export interface WarningPayload {
  warning: BoardWarning | null;
  errors: UserError[];
}
