// The application screen's queries and mutations (public API only).

const PAYLOAD = "application { id status assignee { email role } } errors { field message code }";

export const APPLICATION = /* GraphQL */ `
  query ApplicationScreen($id: ID!) {
    me { email role }
    application(id: $id) {
      id amount termMonths purpose status createdAt assignedAt
      enterprise { id name uscc industry region }
      product { code name annualRate subsidyRate maxAmount repaymentMethod }
      pledgedPatents {
        id number title status
        latestValuation { value low high pledgeValue }
      }
      decision {
        outcome approvedAmount annualRate decidedBy decidedAt
        reasons { code description weight }
      }
      assignee { email role }
      reviews { reviewer role decision comment at }
      history { from to at by }
      decisionBreakdown {
        outcome modelOutcome policyVersion modelVersions
        rulesHit { code kind action description }
        scorecard { score grade probabilityOfDefault reasons { code description weight } }
        pledgedPatents { patentNumber value low high pledgeValue method }
        graphRisk {
          value used reviewAt rejectAt
          relations { status relation relationWords delta modelVersion counterparty { nodeType id name } }
          reasons { code description weight }
        }
        policyCell { grade band action }
        limit { pledgeComponent creditComponent revenueCap productMax limit }
        pricing { baseRate gradeSpread bankRate subsidyRate annualRate }
      }
    }
  }
`;

export const AUDIT_TRAIL = /* GraphQL */ `
  query ApplicationAudit($id: ID!, $after: String) {
    auditTrail(entityType: "LoanApplication", entityId: $id, first: 50, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { seq at actor action data } }
    }
  }
`;

export const REVIEW = /* GraphQL */ `
  mutation Review($id: ID!, $decision: ReviewDecision!, $comment: String!) {
    reviewApplication(id: $id, decision: $decision, comment: $comment) { ${PAYLOAD} }
  }
`;

export const CLAIM = /* GraphQL */ `
  mutation Claim($id: ID!) {
    claimApplication(applicationId: $id) { ${PAYLOAD} }
  }
`;

export interface UserError {
  field: string | null;
  message: string;
  code: string;
}

export interface Payload {
  application: { id: string; status: string; assignee: { email: string; role: string } | null } | null;
  errors: UserError[];
}

export interface Reason {
  code: string;
  description: string;
  weight: number;
}

export interface Breakdown {
  outcome: string;
  modelOutcome: string | null;
  policyVersion: string | null;
  modelVersions: Record<string, unknown> | null;
  rulesHit: { code: string; kind: string; action: string; description: string }[];
  scorecard: { score: number; grade: string; probabilityOfDefault: number; reasons: Reason[] } | null;
  pledgedPatents: {
    patentNumber: string;
    value: string | null;
    low: string | null;
    high: string | null;
    pledgeValue: string;
    method: string | null;
  }[];
  graphRisk: {
    value: number | null;
    used: boolean;
    reviewAt: number | null;
    rejectAt: number | null;
    relations: {
      status: string;
      relation: string | null;
      relationWords: string | null;
      delta: number;
      modelVersion: string | null;
      counterparty: { nodeType: string; id: string; name: string } | null;
    }[];
    reasons: Reason[];
  };
  policyCell: { grade: string; band: string; action: string } | null;
  limit: {
    pledgeComponent: string | null;
    creditComponent: string | null;
    revenueCap: string | null;
    productMax: string | null;
    limit: string | null;
  } | null;
  pricing: {
    baseRate: number | null;
    gradeSpread: number | null;
    bankRate: number | null;
    subsidyRate: number | null;
    annualRate: number | null;
  } | null;
}

export interface ReviewRow {
  reviewer: string;
  role: string;
  decision: "APPROVE" | "REJECT";
  comment: string;
  at: string;
}

export interface StatusChange {
  from: string | null;
  to: string;
  at: string;
  by: string;
}

export interface Application {
  id: string;
  amount: string;
  termMonths: number;
  purpose: string | null;
  status: string;
  createdAt: string;
  assignedAt: string | null;
  enterprise: { id: string; name: string; uscc: string; industry: string | null; region: string | null };
  product: {
    code: string;
    name: string;
    annualRate: number;
    subsidyRate: number;
    maxAmount: string;
    repaymentMethod: string;
  };
  pledgedPatents: {
    id: string;
    number: string;
    title: string;
    status: string;
    latestValuation: { value: string; low: string; high: string; pledgeValue: string } | null;
  }[];
  decision: {
    outcome: string;
    approvedAmount: string | null;
    annualRate: number | null;
    decidedBy: string;
    decidedAt: string;
    reasons: Reason[];
  } | null;
  assignee: { email: string; role: string } | null;
  reviews: ReviewRow[];
  history: StatusChange[];
  decisionBreakdown: Breakdown | null;
}

export interface ApplicationResult {
  me: { email: string; role: string } | null;
  application: Application | null;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  data: unknown;
}

export interface AuditResult {
  auditTrail: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { node: AuditEntry }[];
  };
}
