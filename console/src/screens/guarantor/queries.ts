export interface Share { party: string; share: string }
export interface GuaranteedLoan {
  id: string; drawdownNumber: number; principal: string; outstanding: string; daysPastDue: number;
  status: string; classification: string; disbursedAt: string; guaranteeFee: string;
}
export interface Guarantee {
  id: string; status: string; amount: string; feeRate: string; feePayer: string; borrowerName: string;
  lineStatus: string; lineValidUntil: string; signedAt: string | null; fees: string; riskShares: Share[];
  programme: { code: string; name: string; guarantor: string; triggerDaysPastDue: number; claimDeadlineDays: number };
  loans: GuaranteedLoan[];
}
export interface Claim {
  id: string; status: string; outstanding: string; amount: string; daysPastDue: number; filedAt: string;
  dueBy: string; paidAt: string | null; paidAmount: string | null; shares: Share[];
  guarantee: { id: string; borrowerName: string; programme: { code: string; name: string } };
  loan: { id: string; drawdownNumber: number; principal: string; status: string };
}
export interface UserError { field: string | null; message: string; code: string }

const LOAN = "id drawdownNumber principal outstanding daysPastDue status classification disbursedAt guaranteeFee";
export const GUARANTEES = `query Guarantees {
  guarantees {
    id status amount feeRate feePayer borrowerName lineStatus lineValidUntil signedAt fees
    riskShares { party share }
    programme { code name guarantor triggerDaysPastDue claimDeadlineDays }
    loans { ${LOAN} }
  }
  guaranteeClaims {
    id status outstanding amount daysPastDue filedAt dueBy paidAt paidAmount
    shares { party share }
    guarantee { id borrowerName programme { code name } }
    loan { id drawdownNumber principal status }
  }
}`;

const ERRORS = "errors { field message code }";
export const SIGN = `mutation Sign($id: ID!, $otp: String!) { signGuarantee(guaranteeId: $id, otp: $otp) { guarantee { id status signedAt } ${ERRORS} } }`;
export const PAY = `mutation Pay($id: ID!, $amount: Decimal!) { payGuaranteeClaim(claimId: $id, amount: $amount) { claim { id status paidAt paidAmount } ${ERRORS} } }`;
