// The work queue's queries and mutations (public API only).

const ITEM = `
  cursor
  node {
    waitingSince ageHours amount proposedAmount grade graphRisk mine
    assignee { email role }
    application { id status termMonths enterprise { id name } product { code name } }
  }
`;

export const MY_QUEUE = /* GraphQL */ `
  query MyQueue($first: Int!, $after: String, $onlyMine: Boolean!) {
    myQueue(first: $first, after: $after, onlyMine: $onlyMine) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { ${ITEM} }
    }
  }
`;

export const FOUR_EYES = /* GraphQL */ `
  query FourEyesInbox($first: Int!, $after: String) {
    awaitingSecondApproval(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          waitingSince ageHours amount proposedAmount grade graphRisk mine
          assignee { email role }
          application {
            id status termMonths enterprise { id name } product { code name }
            reviews { reviewer role decision }
          }
        }
      }
    }
  }
`;

export const STAFF = /* GraphQL */ `
  query StaffUsers { staffUsers { email role } }
`;

const PAYLOAD = "application { id assignee { email role } } errors { field message code }";

export const CLAIM = /* GraphQL */ `
  mutation ClaimApplication($id: ID!) { claimApplication(applicationId: $id) { ${PAYLOAD} } }
`;

export const ASSIGN = /* GraphQL */ `
  mutation AssignApplication($id: ID!, $email: String!) {
    assignApplication(applicationId: $id, userEmail: $email) { ${PAYLOAD} }
  }
`;

export interface QueueNode {
  waitingSince: string;
  ageHours: number;
  amount: string;
  proposedAmount: string | null;
  grade: string | null;
  graphRisk: number | null;
  mine: boolean;
  assignee: { email: string; role: string } | null;
  application: {
    id: string;
    status: string;
    termMonths: number;
    enterprise: { id: string; name: string };
    product: { code: string; name: string };
    reviews?: { reviewer: string; role: string; decision: string }[];
  };
}

export interface QueuePage {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { cursor: string; node: QueueNode }[];
}

export interface Payload {
  application: { id: string; assignee: { email: string; role: string } | null } | null;
  errors: { field: string | null; message: string; code: string }[];
}

/** A row of the table: flat, so the table can sort and format its columns. */
export interface QueueRow {
  id: string;
  enterprise: string;
  enterpriseId: string;
  product: string;
  amount: number;
  proposed: number | null;
  grade: string | null;
  graphRisk: number | null;
  ageHours: number;
  assignee: string | null;
  mine: boolean;
  firstApproval: string | null;
}

export function toRow(n: QueueNode): QueueRow {
  return {
    id: n.application.id,
    enterprise: n.application.enterprise.name,
    enterpriseId: n.application.enterprise.id,
    product: n.application.product.name,
    amount: Number(n.amount),
    proposed: n.proposedAmount === null ? null : Number(n.proposedAmount),
    grade: n.grade,
    graphRisk: n.graphRisk,
    ageHours: n.ageHours,
    assignee: n.assignee?.email ?? null,
    mine: n.mine,
    firstApproval:
      n.application.reviews?.find((r) => r.decision === "APPROVE")?.reviewer ?? null,
  };
}
