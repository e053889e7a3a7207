// The signed-in session: tokens and user, kept per browser tab (sessionStorage), renewed
// before the access token expires and once on an UNAUTHENTICATED answer.
import { reactive } from "vue";

export type Role = "APPLICANT" | "LOAN_OFFICER" | "RISK_MANAGER" | "ADMIN" | "SERVICE" | "GUARANTOR";

export interface SessionUser {
  email: string;
  role: Role;
}

export interface SessionState {
  token: string | null;
  refreshToken: string | null;
  expiresAt: string | null;
  /** the token only enrols a second factor (money roles before enrolment) */
  enrolmentOnly: boolean;
  user: SessionUser | null;
}

export interface FieldError {
  field: string | null;
  message: string;
  code: string;
}

/** What signIn / confirmTotp answer: signed in, enrolment needed, or the form's errors. */
export type SignInResult =
  | { ok: true; enrolmentOnly: boolean }
  | { ok: false; errors: FieldError[] };

export const GRAPHQL_URL = "/graphql";
const STORAGE_KEY = "ipcredit.console.session";
const REFRESH_MARGIN_MS = 60_000;
/** roles whose login needs a one-time code */
export const MONEY_ROLES: readonly Role[] = ["LOAN_OFFICER", "RISK_MANAGER"];

const AUTH_FIELDS = "token refreshToken expiresAt enrolmentOnly user { email role } errors { field message code }";

interface AuthPayload {
  token: string | null;
  refreshToken: string | null;
  expiresAt: string | null;
  enrolmentOnly: boolean;
  user: SessionUser | null;
  errors: FieldError[];
}

function empty(): SessionState {
  return { token: null, refreshToken: null, expiresAt: null, enrolmentOnly: false, user: null };
}

function load(): SessionState {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (raw) return { ...empty(), ...(JSON.parse(raw) as Partial<SessionState>) };
  } catch {
    /* storage unavailable or corrupt: start signed out */
  }
  return empty();
}

export const session = reactive<SessionState>(load());

function persist(): void {
  try {
    if (session.token) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    /* private mode: the session lives in memory only */
  }
}

let refreshTimer: ReturnType<typeof setTimeout> | null = null;
const listeners = new Set<(s: SessionState) => void>();

/** Called whenever the session's token changes (sign-in, refresh, sign-out). */
export function onSessionChange(fn: (s: SessionState) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function schedule(): void {
  if (refreshTimer) clearTimeout(refreshTimer);
  refreshTimer = null;
  if (!session.refreshToken || !session.expiresAt) return;
  const due = new Date(session.expiresAt).getTime() - Date.now() - REFRESH_MARGIN_MS;
  refreshTimer = setTimeout(() => void refreshSession(), Math.max(due, 1_000));
}

function apply(p: AuthPayload | null): void {
  if (p && p.token) {
    session.token = p.token;
    session.refreshToken = p.refreshToken;
    session.expiresAt = p.expiresAt;
    session.enrolmentOnly = p.enrolmentOnly;
    session.user = p.user;
  } else {
    Object.assign(session, empty());
  }
  persist();
  schedule();
  listeners.forEach((fn) => fn(session));
}

/** A raw GraphQL POST (no refresh logic: client.ts builds on this). */
export async function post<T>(
  query: string,
  variables: Record<string, unknown> | undefined,
  token: string | null,
): Promise<{ status: number; body: { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] } }> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(GRAPHQL_URL, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables: variables ?? {} }),
  });
  let body: { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = await res.json();
  } catch {
    body = { errors: [{ message: `HTTP ${res.status}`, extensions: { code: "NETWORK" } }] };
  }
  return { status: res.status, body };
}

async function authCall(field: string, query: string, variables: Record<string, unknown>, token: string | null): Promise<AuthPayload> {
  const { body } = await post<Record<string, AuthPayload>>(query, variables, token);
  const payload = body.data?.[field];
  if (!payload) {
    const e = body.errors?.[0];
    return {
      token: null, refreshToken: null, expiresAt: null, enrolmentOnly: false, user: null,
      errors: [{ field: null, message: e?.message ?? "network error", code: e?.extensions?.code ?? "NETWORK" }],
    };
  }
  return payload;
}

/** Sign in with email, password and (money roles) a one-time code. */
export async function signIn(email: string, password: string, otp?: string): Promise<SignInResult> {
  const p = await authCall(
    "login",
    `mutation Login($email: String!, $password: String!, $otp: String) { login(email: $email, password: $password, otp: $otp) { ${AUTH_FIELDS} } }`,
    { email, password, otp: otp?.trim() || null },
    null,
  );
  // a money role without a second factor: a token good only for enrolling one (with a refusal)
  if (p.token && p.enrolmentOnly) {
    apply(p);
    return { ok: true, enrolmentOnly: true };
  }
  if (p.errors.length || !p.token) return { ok: false, errors: p.errors };
  apply(p);
  return { ok: true, enrolmentOnly: p.enrolmentOnly };
}

/** Start enrolling a second factor (an enrolment-only session): the secret and otpauth URI. */
export async function enrollTotp(): Promise<{ uri: string | null; secret: string | null; errors: FieldError[] }> {
  const { body } = await post<{ enrollTotp: { uri: string | null; secret: string | null; errors: FieldError[] } }>(
    "mutation { enrollTotp { uri secret errors { field message code } } }",
    {},
    session.token,
  );
  return body.data?.enrollTotp ?? { uri: null, secret: null, errors: [{ field: null, message: body.errors?.[0]?.message ?? "error", code: "ERROR" }] };
}

/** Confirm the second factor with a code: a full session from then on. */
export async function confirmTotp(code: string): Promise<SignInResult> {
  const p = await authCall(
    "confirmTotp",
    `mutation Confirm($code: String!) { confirmTotp(code: $code) { ${AUTH_FIELDS} } }`,
    { code: code.trim() },
    session.token,
  );
  if (p.errors.length || !p.token) return { ok: false, errors: p.errors };
  apply(p);
  return { ok: true, enrolmentOnly: p.enrolmentOnly };
}

let inflight: Promise<boolean> | null = null;

/** Exchange the refresh token for new tokens, once at a time (a refresh token is good once). */
export function refreshSession(): Promise<boolean> {
  if (inflight) return inflight;
  const refreshToken = session.refreshToken;
  if (!refreshToken) return Promise.resolve(false);
  inflight = (async () => {
    try {
      const p = await authCall(
        "refreshToken",
        `mutation Refresh($token: String!) { refreshToken(token: $token) { ${AUTH_FIELDS} } }`,
        { token: refreshToken },
        null,
      );
      if (p.errors.length || !p.token) {
        apply(null);
        return false;
      }
      apply(p);
      return true;
    } catch {
      return false; // offline: keep the session, the next call tries again
    } finally {
      inflight = null;
    }
  })();
  return inflight;
}

/** End the session on the server (its tokens and websockets stop) and here. */
export async function signOut(): Promise<void> {
  const token = session.token;
  apply(null);
  if (token) {
    try {
      await post("mutation { logout { ok } }", {}, token);
    } catch {
      /* the local session is gone either way */
    }
  }
}

export function hasRole(...roles: Role[]): boolean {
  return !!session.user && !session.enrolmentOnly && roles.includes(session.user.role);
}

export function isSignedIn(): boolean {
  return !!session.token && !session.enrolmentOnly;
}

// a restored session renews on schedule
schedule();
