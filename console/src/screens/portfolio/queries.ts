export interface Share { key: string; detail: string; loans: number; principal: string; share: string | null }
export interface Portfolio {
  asOf: string | null;
  snapshot: string | null;
  loans: number;
  principal: string;
  outstanding: string;
  par: { days: number; principal: string; ratio: string | null }[];
  nplPrincipal: string;
  nplRatio: string | null;
  provisions: string;
  coverage: string | null;
  tiers: Share[];
  vintages: { cohort: string; monthEnd: string; monthsOnBook: number; disbursed: string; bad: string; share: string | null }[];
  rollFrom: string | null;
  rollTo: string | null;
  rollRates: { fromTier: string; toTier: string; loans: number; principal: string; rate: string | null }[];
  byIndustry: Share[];
  byRegion: Share[];
  byGuaranteeGroup: Share[];
}

const SHARE = "key detail loans principal share";
export const PORTFOLIO = `query Portfolio($asOf: Date) {
  portfolio(asOf: $asOf) {
    asOf snapshot loans principal outstanding
    par { days principal ratio }
    nplPrincipal nplRatio provisions coverage
    tiers { ${SHARE} }
    vintages { cohort monthEnd monthsOnBook disbursed bad share }
    rollFrom rollTo
    rollRates { fromTier toTier loans principal rate }
    byIndustry { ${SHARE} }
    byRegion { ${SHARE} }
    byGuaranteeGroup { ${SHARE} }
  }
}`;

export interface Segment {
  key: string; borrowers: number; loans: number; balance: string; nplBalance: string; nplRatio: string | null;
  disbursedLoans: number; disbursedAmount: string; averageRate: string | null; firstLoans: number; firstLoanAmount: string;
}
export interface RegulatorReport {
  month: string; asOf: string; source: string; definition: string;
  allLoans: Segment; inclusive: Segment; tech: Segment[];
  allBalanceYearStart: string; inclusiveBalanceYearStart: string; inclusiveBorrowersYearStart: number;
  allGrowth: string | null; inclusiveGrowth: string | null; growthOk: boolean | null; borrowersOk: boolean;
}
const SEGMENT = "key borrowers loans balance nplBalance nplRatio disbursedLoans disbursedAmount averageRate firstLoans firstLoanAmount";
export const REGULATOR = `query Regulator($month: String!) {
  regulatorReport(month: $month) {
    month asOf source definition
    allLoans { ${SEGMENT} }
    inclusive { ${SEGMENT} }
    tech { ${SEGMENT} }
    allBalanceYearStart inclusiveBalanceYearStart inclusiveBorrowersYearStart
    allGrowth inclusiveGrowth growthOk borrowersOk
  }
}`;
