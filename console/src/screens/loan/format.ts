// Number, date and JSON formatting shared by the loan, portfolio, models and guarantor screens.

type Num = string | number | null | undefined;

function toNumber(value: Num): number | null {
  if (value === null || value === undefined || value === "") return null;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

/** CNY with two decimals ("—" when absent). */
export function money(value: Num, lang: string): string {
  const n = toNumber(value);
  if (n === null) return value == null || value === "" ? "—" : String(value);
  return new Intl.NumberFormat(lang, { style: "currency", currency: "CNY", minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n);
}

/** A fraction as a percentage. */
export function percent(value: Num, lang: string, digits = 2): string {
  const n = toNumber(value);
  if (n === null) return "—";
  return new Intl.NumberFormat(lang, { style: "percent", minimumFractionDigits: 0, maximumFractionDigits: digits }).format(n);
}

export function num(value: Num, lang: string, digits = 3): string {
  const n = toNumber(value);
  if (n === null) return "—";
  return new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(n);
}

export function day(value: string | null | undefined): string {
  return value ? value.slice(0, 10) : "—";
}

export function moment(value: string | null | undefined, lang: string): string {
  if (!value) return "—";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "short" }).format(d);
}

/** Today as YYYY-MM-DD in the browser's zone. */
export function today(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function toNum(value: Num): number {
  return toNumber(value) ?? 0;
}

/** A JSON value as short readable text (for evidence, details, metrics). */
export function brief(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(4);
  if (typeof value === "string" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** The first payload error's message, or null. */
export function payloadError(p: { errors: { message: string; code: string }[] } | null | undefined): string | null {
  if (!p) return null;
  return p.errors.length ? `${p.errors[0].message} (${p.errors[0].code})` : null;
}
