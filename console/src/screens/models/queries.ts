export interface ModelCard {
  name: string;
  version: string;
  trainedAt: string | null;
  active: boolean;
  metrics: Record<string, unknown> | null;
  description: string;
  monitoring: {
    asOf: string;
    level: string | null;
    note: string | null;
    drift: {
      n: number; scorePsi: number | null; scoreVerdict: string; maxPsi: number | null; level: string | null;
      features: { feature: string; psi: number | null; verdict: string }[];
    } | null;
    monthlyAuc: { month: string; n: number; defaults: number; defaultRate: number; auc: number | null }[];
  } | null;
}
export interface ActivationRequest {
  id: string; kind: string; name: string; version: string; status: string; reason: string; evidence: unknown;
  requestedBy: string; requestedAt: string; decidedBy: string | null; decidedAt: string | null; decisionComment: string | null;
}
export interface UserError { field: string | null; message: string; code: string }

const REQUEST = "id kind name version status reason evidence requestedBy requestedAt decidedBy decidedAt decisionComment";

export const MODELS = `query Models {
  models {
    name version trainedAt active metrics description
    monitoring {
      asOf level note
      drift { n scorePsi scoreVerdict maxPsi level features { feature psi verdict } }
      monthlyAuc { month n defaults defaultRate auc }
    }
  }
  activationRequests(first: 50) { ${REQUEST} }
}`;

const PAYLOAD = `request { ${REQUEST} } errors { field message code }`;
export const APPROVE = `mutation Approve($id: ID!, $comment: String!) { approveActivation(id: $id, comment: $comment) { ${PAYLOAD} } }`;
export const REJECT = `mutation Reject($id: ID!, $comment: String!) { rejectActivation(id: $id, comment: $comment) { ${PAYLOAD} } }`;
export const REQUEST_ACTIVATION = `mutation RequestActivation($name: String!, $version: String!, $reason: String!) {
  requestActivation(kind: MODEL, name: $name, version: $version, reason: $reason) { ${PAYLOAD} }
}`;
