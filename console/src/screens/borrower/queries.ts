// Borrower 360: one query for the page, read only from the public API.

export const BORROWER = /* GraphQL */ `
  query Borrower360($id: ID!) {
    enterprise(id: $id) {
      id
      uscc
      name
      foundedOn
      industry
      region
      employees
      highTech
      riskScore {
        score
        grade
        probabilityOfDefault
        graphRisk
        asOf
        reasons { code description weight }
      }
      indicators {
        definition { code name category unit direction }
        value
        asOf
      }
      patents(first: 50) {
        totalCount
        edges {
          node {
            id number title kind status grantedOn pledged forwardCitations
            latestValuation { value low high pledgeValue createdAt }
          }
        }
      }
      litigations(first: 20) {
        totalCount
        edges {
          node {
            id caseNo cause status amount filedOn
            parties { role enterprise { id name } }
          }
        }
      }
      taxRecords { year rating revenue arrears }
      consents { id sources purposes validFrom validUntil signedAt revokedAt state }
      dataAccessLog(first: 30) {
        totalCount
        edges { node { id at source purpose actor outcome basis detail } }
      }
      applications(first: 50) {
        totalCount
        edges {
          node {
            id amount termMonths status createdAt
            creditLine { id limit available drawn status revolving validUntil frozenReason }
          }
        }
      }
      loans {
        id principal outstanding annualRate status daysPastDue classification disbursedAt
        creditLine { id }
      }
      warnings(first: 50) {
        totalCount
        edges { node { id level kind message status createdAt } }
      }
    }
  }
`;

export interface Indicator {
  definition: { code: string; name: string; category: string; unit: string | null; direction: string };
  value: number | null;
  asOf: string;
}

export interface PatentNode {
  id: string;
  number: string;
  title: string;
  kind: string;
  status: string;
  grantedOn: string | null;
  pledged: boolean;
  forwardCitations: number;
  latestValuation: { value: string; low: string; high: string; pledgeValue: string; createdAt: string } | null;
}

export interface LitigationNode {
  id: string;
  caseNo: string;
  cause: string;
  status: string;
  amount: string | null;
  filedOn: string | null;
  parties: { role: string; enterprise: { id: string; name: string } | null }[];
}

export interface TaxRecord {
  year: number;
  rating: string;
  revenue: string | null;
  arrears: string | null;
}

export interface Consent {
  id: string;
  sources: string[];
  purposes: string[];
  validFrom: string;
  validUntil: string;
  signedAt: string | null;
  revokedAt: string | null;
  state: string;
}

export interface DataAccess {
  id: string;
  at: string;
  source: string;
  purpose: string;
  actor: string;
  outcome: string;
  basis: string;
  detail: string | null;
}

export interface CreditLine {
  id: string;
  limit: string;
  available: string;
  drawn: string;
  status: string;
  revolving: boolean;
  validUntil: string;
  frozenReason: string | null;
}

export interface ApplicationNode {
  id: string;
  amount: string;
  termMonths: number;
  status: string;
  createdAt: string;
  creditLine: CreditLine | null;
}

export interface LoanRow {
  id: string;
  principal: string;
  outstanding: string;
  annualRate: number;
  status: string;
  daysPastDue: number;
  classification: string;
  disbursedAt: string;
  creditLine: { id: string } | null;
}

export interface WarningNode {
  id: string;
  level: string;
  kind: string;
  message: string;
  status: string;
  createdAt: string;
}

interface Page<T> {
  totalCount: number;
  edges: { node: T }[];
}

export interface Borrower {
  id: string;
  uscc: string;
  name: string;
  foundedOn: string | null;
  industry: string | null;
  region: string | null;
  employees: number | null;
  highTech: boolean;
  riskScore: {
    score: number;
    grade: string;
    probabilityOfDefault: number;
    graphRisk: number;
    asOf: string;
    reasons: { code: string; description: string; weight: number }[];
  } | null;
  indicators: Indicator[];
  patents: Page<PatentNode>;
  litigations: Page<LitigationNode>;
  taxRecords: TaxRecord[];
  consents: Consent[];
  dataAccessLog: Page<DataAccess>;
  applications: Page<ApplicationNode>;
  loans: LoanRow[];
  warnings: Page<WarningNode>;
}

// Trends for the indicator tables: asked after the page is drawn, values only, so the page's
// own query stays small.
export const INDICATOR_HISTORY = /* GraphQL */ `
  query IndicatorHistory($id: ID!, $last: Int!) {
    enterprise(id: $id) {
      id
      indicatorHistory(last: $last) { definition { code } points { value } }
    }
  }
`;

export interface IndicatorHistoryResult {
  enterprise: {
    id: string;
    indicatorHistory: { definition: { code: string }; points: { value: number | null }[] }[];
  } | null;
}

export interface BorrowerResult {
  enterprise: Borrower | null;
}
