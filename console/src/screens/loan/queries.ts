// The loan screen's GraphQL documents: one per tab, so each stays well under the cost limit.

export interface UserError { field: string | null; message: string; code: string }

export interface Valuation { value: string; low: string; high: string; pledgeValue: string; createdAt: string; modelVersion: string }
export interface PledgedPatent { id: string; number: string; title: string; status: string; pledged: boolean; latestValuation: Valuation | null }
export interface Pledge { id: string; registrationNumber: string; registeredOn: string; standing: boolean; patent: PledgedPatent | null }

export interface LoanSummary {
  id: string;
  principal: string;
  outstanding: string;
  principalOutstanding: string;
  interestOutstanding: string;
  penaltyOutstanding: string;
  feesOutstanding: string;
  creditBalance: string;
  annualRate: number;
  status: string;
  daysPastDue: number;
  classification: string;
  classificationReason: string;
  closedThrough: string | null;
  disbursedAt: string;
  drawdownNumber: number;
  firstLoan: boolean;
  renewedWithoutPrincipal: boolean;
  enterprise: { id: string; name: string; uscc: string };
  application: { id: string; termMonths: number; pledgedPatents: PledgedPatent[] };
  creditLine: {
    id: string;
    limit: string;
    status: string;
    pledges: Pledge[];
    guarantee: { id: string; status: string; programme: { code: string; name: string; guarantor: string; triggerDaysPastDue: number } } | null;
  } | null;
}

const VALUATION = "latestValuation { value low high pledgeValue createdAt modelVersion }";
const PATENT = `id number title status pledged ${VALUATION}`;

export const LOAN_SUMMARY = `query LoanSummary($id: ID!) {
  loan(id: $id) {
    id principal outstanding principalOutstanding interestOutstanding penaltyOutstanding feesOutstanding
    creditBalance annualRate status daysPastDue classification classificationReason closedThrough
    disbursedAt drawdownNumber firstLoan renewedWithoutPrincipal
    enterprise { id name uscc }
    application { id termMonths pledgedPatents { ${PATENT} } }
    creditLine {
      id limit status
      pledges { id registrationNumber registeredOn standing patent { ${PATENT} } }
      guarantee { id status programme { code name guarantor triggerDaysPastDue } }
    }
  }
}`;

export interface Installment {
  number: number; dueOn: string; startsOn: string | null; principal: string; interest: string;
  paid: boolean; paidPrincipal: string; paidInterest: string;
}
export interface ScheduleVersion { version: number; current: boolean; installments: Installment[] }

export const LOAN_SCHEDULE = `query LoanSchedule($id: ID!) {
  loan(id: $id) {
    id
    scheduleVersions { version current installments { number dueOn startsOn principal interest paid paidPrincipal paidInterest } }
  }
}`;

export interface Allocation {
  fees: string; penalty: string; overdueInterest: string; overduePrincipal: string;
  currentInterest: string; currentPrincipal: string; credit: string; recovery: string;
}
export interface Repayment {
  id: string; kind: string; amount: string; receivedAt: string; businessDate: string | null;
  reversed: boolean; reversedAt: string | null; reversalReason: string | null; allocation: Allocation;
}
export interface Page { hasNextPage: boolean; endCursor: string | null }

export const LOAN_REPAYMENTS = `query LoanRepayments($id: ID!, $after: String) {
  loan(id: $id) {
    id
    repayments(first: 50, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        id kind amount receivedAt businessDate reversed reversedAt reversalReason
        allocation { fees penalty overdueInterest overduePrincipal currentInterest currentPrincipal credit recovery }
      } }
    }
  }
}`;

export interface JournalEntry {
  id: string; kind: string; businessDate: string; postedAt: string; postedBy: string; memo: string;
  reverses: string | null; lines: { account: string; debit: string; credit: string }[];
}

export const LOAN_JOURNAL = `query LoanJournal($id: ID!, $after: String) {
  loan(id: $id) {
    id
    journal(first: 50, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id kind businessDate postedAt postedBy memo reverses lines { account debit credit } } }
    }
  }
}`;

export interface LoanChange {
  id: string; kind: string; status: string; reason: string; details: unknown; requestedBy: string;
  requestedAt: string; decidedBy: string | null; decidedAt: string | null; decisionComment: string | null;
}
const CHANGE = "id kind status reason details requestedBy requestedAt decidedBy decidedAt decisionComment";

export const LOAN_CHANGES = `query LoanChanges($id: ID!) { loan(id: $id) { id changes { ${CHANGE} } } }`;

export const PENDING_CHANGES = `query PendingLoanChanges {
  loanChanges(status: PENDING, first: 50) { ${CHANGE} loan { id enterprise { name } } }
}`;

export const LOAN_LIST = `query LoanList($search: String) {
  enterprises(first: 40, search: $search) {
    edges { node { id name loans { id drawdownNumber principal principalOutstanding status classification daysPastDue disbursedAt } } }
  }
}`;

export const PAYOFF_QUOTE = `query Payoff($id: ID!, $date: Date!) {
  payoffQuote(loanId: $id, date: $date) { principal interest penalty fees total }
}`;

export const LOAN_EVENTS = `subscription LoanEvents($id: ID!) { loanEvents(loanId: $id) { cursor kind businessDate } }`;

const ERRORS = "errors { field message code }";
const CHANGE_PAYLOAD = `change { ${CHANGE} } ${ERRORS}`;

export const RECORD_REPAYMENT = `mutation Repay($id: ID!, $amount: Decimal!) {
  recordRepayment(loanId: $id, amount: $amount) { loan { id } ${ERRORS} }
}`;
export const PREPAY = `mutation Prepay($id: ID!, $amount: Decimal, $mode: PrepaymentMode!) {
  prepay(loanId: $id, amount: $amount, mode: $mode) { repayment { id } ${ERRORS} }
}`;
export const RESTRUCTURE = `mutation Restructure($id: ID!, $reason: String!, $extraMonths: Int, $newTermMonths: Int, $annualRate: Decimal) {
  restructureLoan(loanId: $id, reason: $reason, extraMonths: $extraMonths, newTermMonths: $newTermMonths, annualRate: $annualRate) { ${CHANGE_PAYLOAD} }
}`;
export const WRITE_OFF = `mutation WriteOff($id: ID!, $reason: String!) { writeOffLoan(loanId: $id, reason: $reason) { ${CHANGE_PAYLOAD} } }`;
export const REVERSE = `mutation Reverse($id: ID!, $reason: String!) { reverseRepayment(repaymentId: $id, reason: $reason) { ${CHANGE_PAYLOAD} } }`;
export const APPROVE_CHANGE = `mutation ApproveChange($id: ID!, $comment: String) { approveLoanChange(id: $id, comment: $comment) { ${CHANGE_PAYLOAD} } }`;
export const REJECT_CHANGE = `mutation RejectChange($id: ID!, $comment: String!) { rejectLoanChange(id: $id, comment: $comment) { ${CHANGE_PAYLOAD} } }`;
export const RECLASSIFY = `mutation Reclassify($id: ID!, $classification: LoanClassification!, $reason: String!) {
  reclassifyLoan(loanId: $id, classification: $classification, reason: $reason) { loan { id } ${ERRORS} }
}`;
export const FILE_CLAIM = `mutation FileClaim($id: ID!) { fileGuaranteeClaim(loanId: $id) { claim { id status } ${ERRORS} } }`;

export const CLASSIFICATIONS = ["NORMAL", "SPECIAL_MENTION", "SUBSTANDARD", "DOUBTFUL", "LOSS"] as const;
