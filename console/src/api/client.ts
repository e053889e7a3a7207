// GraphQL over HTTP (gql) and over graphql-transport-ws (subscribe), with the session's token.
import { ref } from "vue";
import { createClient, type Client } from "graphql-ws";
import { onSessionChange, post, refreshSession, session, signOut, GRAPHQL_URL, type SessionUser } from "./session";

export class ApiError extends Error {
  constructor(
    public code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

type GqlErrors = { message: string; extensions?: { code?: string } }[] | undefined;

function firstError(errors: GqlErrors, status: number): ApiError | null {
  if (errors && errors.length) {
    return new ApiError(errors[0].extensions?.code ?? "ERROR", errors[0].message);
  }
  if (status === 401) return new ApiError("UNAUTHENTICATED", "authentication required");
  if (status >= 400) return new ApiError("HTTP_" + status, `HTTP ${status}`);
  return null;
}

/** A query or mutation; throws ApiError on top-level errors (payload errors are the caller's). */
export async function gql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  let attempt = 0;
  for (;;) {
    let res;
    try {
      res = await post<T>(query, variables, session.token);
    } catch (e) {
      throw new ApiError("NETWORK", e instanceof Error ? e.message : String(e));
    }
    const err = firstError(res.body.errors, res.status);
    if (err && err.code === "UNAUTHENTICATED" && attempt === 0 && session.refreshToken) {
      attempt++;
      if (await refreshSession()) continue;
    }
    if (err && err.code === "UNAUTHENTICATED" && session.token) await signOut();
    if (err) throw err;
    if (res.body.data == null) throw new ApiError("ERROR", "empty response");
    return res.body.data;
  }
}

// ---- subscriptions ----------------------------------------------------------------------

/** "connecting" | "connected" | "reconnecting": for a live indicator. */
export const connectionState = ref<"idle" | "connecting" | "connected" | "reconnecting">("idle");

let wsClient: Client | null = null;

function wsUrl(): string {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}${GRAPHQL_URL}`;
}

function client(): Client {
  if (wsClient) return wsClient;
  wsClient = createClient({
    url: wsUrl(),
    lazy: true,
    // our own loop below resubscribes (with fresh variables: a cursor) after any drop
    retryAttempts: 0,
    keepAlive: 15_000,
    connectionParams: () => (session.token ? { authorization: `Bearer ${session.token}` } : {}),
    on: {
      connecting: () => {
        connectionState.value = connectionState.value === "idle" ? "connecting" : "reconnecting";
      },
      connected: () => {
        connectionState.value = "connected";
      },
      closed: () => {
        if (connectionState.value === "connected") connectionState.value = "reconnecting";
      },
    },
  });
  return wsClient;
}

/** Drop the socket (sign-out, new token): subscriptions reconnect with the new token. */
export function resetSocket(): void {
  const c = wsClient;
  wsClient = null;
  if (c) void c.dispose();
}

let lastToken = session.token;
onSessionChange((s) => {
  if (s.token === lastToken) return;
  const signedOut = !s.token;
  lastToken = s.token;
  if (signedOut) {
    resetSocket();
    connectionState.value = "idle";
  }
});

function closeCode(e: unknown): number | null {
  if (e && typeof e === "object" && "code" in e && typeof (e as { code: unknown }).code === "number") {
    return (e as { code: number }).code;
  }
  return null;
}

/**
 * Subscribe; `variables` may be a function, evaluated at every (re)subscription (a cursor to
 * resume from). Reconnects with back-off after drops, renews the token on 4401. Returns the
 * function that ends the subscription.
 */
export function subscribe<T>(
  query: string,
  variables: Record<string, unknown> | (() => Record<string, unknown>) | undefined,
  onData: (d: T) => void,
  onError?: (e: ApiError) => void,
): () => void {
  let stopped = false;
  let dispose: (() => void) | null = null;
  let delay = 250;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const retry = () => {
    if (stopped) return;
    timer = setTimeout(start, delay);
    delay = Math.min(delay * 2, 5_000);
  };

  const start = () => {
    if (stopped || !session.token) return;
    const vars = typeof variables === "function" ? variables() : (variables ?? {});
    dispose = client().subscribe<T>(
      { query, variables: vars },
      {
        next: (msg) => {
          delay = 250;
          if (msg.errors && msg.errors.length) {
            const err = new ApiError(
              String((msg.errors[0] as { extensions?: { code?: string } }).extensions?.code ?? "ERROR"),
              msg.errors[0].message,
            );
            onError?.(err);
            return;
          }
          if (msg.data) onData(msg.data as T);
        },
        error: async (e: unknown) => {
          dispose = null;
          if (stopped) return;
          const code = closeCode(e);
          if (code === 4401 || code === 4403) {
            resetSocket();
            if (session.refreshToken && (await refreshSession())) {
              retry();
              return;
            }
            onError?.(new ApiError("UNAUTHENTICATED", "session ended"));
            return;
          }
          if (Array.isArray(e)) {
            const g = e[0] as { message?: string; extensions?: { code?: string } };
            onError?.(new ApiError(g?.extensions?.code ?? "ERROR", g?.message ?? "subscription failed"));
            return;
          }
          // network drop or server restart: come back
          connectionState.value = "reconnecting";
          resetSocket();
          retry();
        },
        complete: () => {
          dispose = null;
        },
      },
    );
  };

  start();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    dispose?.();
  };
}

/** Check a restored session with the server (renewing it once if its token is refused);
 *  signs out where it no longer stands. Updates the user's email and role. */
export async function verifySession(): Promise<boolean> {
  if (!session.token) return false;
  const me = "{ me { email role } }";
  try {
    let d = await gql<{ me: { email: string; role: SessionUser["role"] } | null }>(me);
    if (!d.me && session.refreshToken && (await refreshSession())) d = await gql(me);
    if (!d.me) {
      await signOut();
      return false;
    }
    session.user = d.me;
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.code === "UNAUTHENTICATED") return false;
    return true; // offline or a server error: keep the session, calls will tell
  }
}
