// A small typed client for Nexus: REST through openapi-fetch (typed by the generated
// `paths`), GraphQL through `graphql()`, one login for both, and the token lifecycle:
// the access token is attached to every request; a 401 refreshes the pair once (all
// requests that fail together share that one refresh, because a refresh token works
// only once: it is blacklisted when rotated) and retries the request once.
import createClient, { type Client } from "openapi-fetch";

import type { components, paths } from "./generated/openapi.js";
import type { TypedDocument } from "./operations.js";

export type TokenPair = { access: string; refresh: string };

/** Every REST list's body, whatever the domain: its items, and absolute links to the
 * pages after and before it (null at the ends; both null for a list of one page). A few
 * lists add documented extras beside `results` (`corrected`, `model_version`, ...). */
export type Page<T> = { results: T[]; next: string | null; previous: string | null };

/** Where the token pair lives (memory by default; use your own to persist it). */
export interface TokenStore {
  get(): TokenPair | null;
  set(pair: TokenPair | null): void;
}

export function memoryTokenStore(initial: TokenPair | null = null): TokenStore {
  let pair = initial;
  return {
    get: () => pair,
    set: (next) => {
      pair = next;
    },
  };
}

/** RFC 9457 problem details, as every REST error (and /graphql/'s HTTP errors) is sent. */
export type Problem = components["schemas"]["Problem"] & {
  /** With `validation_error`: field path -> its errors. */
  errors?: Record<string, { message: string; code: string }[]>;
  /** Extra members some codes carry (`available`, `current_status`, ...). */
  [member: string]: unknown;
};

/** A non-2xx answer. `code` is the stable problem code to switch on. */
export class ProblemError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
    this.name = "ProblemError";
    this.status = problem.status;
    this.code = problem.code;
    this.problem = problem;
  }
}

function isProblem(value: unknown): value is Problem {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Problem).code === "string" &&
    typeof (value as Problem).status === "number"
  );
}

/** The error for a failed response: its problem details, or a generic one. */
export function problemOf(body: unknown, response: Response): ProblemError {
  if (isProblem(body)) return new ProblemError(body);
  return new ProblemError({
    type: "about:blank",
    title: response.statusText || "HTTP error",
    status: response.status,
    detail: typeof body === "string" && body ? body : `HTTP ${response.status}`,
    code: "http_error",
  });
}

/** Await an openapi-fetch call: its data, or a thrown ProblemError. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw problemOf(error, response);
  return data as T;
}

export type GraphQLError = {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
};

/** A GraphQL answer with `errors` (FORBIDDEN, BAD_USER_INPUT, query_too_complex, ...). */
export class GraphQLRequestError extends Error {
  readonly errors: GraphQLError[];
  readonly data: unknown;

  constructor(errors: GraphQLError[], data: unknown) {
    const first = errors[0];
    super(first ? `${first.extensions?.code ?? "GRAPHQL_ERROR"}: ${first.message}` : "GraphQL error");
    this.name = "GraphQLRequestError";
    this.errors = errors;
    this.data = data;
  }
}

export interface NexusClientOptions {
  /** Where the app is served, e.g. "http://127.0.0.1:8000" (no trailing slash). */
  baseUrl: string;
  tokens?: TokenStore;
  /** Called after a refresh fails (the session is over: sign in again). */
  onSessionExpired?: () => void;
  fetch?: (request: Request) => Promise<Response>;
}

const AUTH = "/api/v1/auth/token/";

export interface NexusClient {
  /** The typed REST client: `api.GET("/api/v1/shop/products/", { params: ... })`. */
  api: Client<paths>;
  tokens: TokenStore;
  login(username: string, password: string): Promise<TokenPair>;
  /** Refresh the pair now (shared with any refresh already in flight). */
  refresh(): Promise<boolean>;
  logout(): Promise<void>;
  graphql<TData, TVariables>(
    document: TypedDocument<TData, TVariables>,
    ...variables: TVariables extends Record<string, never> ? [] : [TVariables]
  ): Promise<TData>;
}

export function createNexusClient(options: NexusClientOptions): NexusClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const tokens = options.tokens ?? memoryTokenStore();
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  let inFlight: Promise<boolean> | null = null;

  function isTokenEndpoint(url: string): boolean {
    return new URL(url).pathname.startsWith(AUTH);
  }

  function authorize(request: Request): string | null {
    const access = tokens.get()?.access ?? null;
    if (access && !isTokenEndpoint(request.url)) {
      request.headers.set("Authorization", `Bearer ${access}`);
      return access;
    }
    return null;
  }

  async function postJson(path: string, body: unknown): Promise<Response> {
    return send(
      new Request(`${baseUrl}${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      }),
    );
  }

  function refresh(): Promise<boolean> {
    inFlight ??= (async () => {
      const pair = tokens.get();
      if (!pair) return false;
      const response = await postJson(`${AUTH}refresh/`, { refresh: pair.refresh });
      if (!response.ok) {
        tokens.set(null);
        options.onSessionExpired?.();
        return false;
      }
      tokens.set((await response.json()) as TokenPair);
      return true;
    })().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  async function authFetch(request: Request): Promise<Response> {
    const retry = request.clone();
    const sent = authorize(request);
    const response = await send(request);
    if (response.status !== 401 || sent === null) return response;
    // Refresh unless someone else already did since this request left.
    const current = tokens.get()?.access ?? null;
    if (current === null) return response;
    if (current === sent && !(await refresh())) return response;
    authorize(retry);
    return send(retry);
  }

  const api = createClient<paths>({ baseUrl, fetch: authFetch });

  return {
    api,
    tokens,
    refresh,
    async login(username, password) {
      const pair = await unwrap(api.POST("/api/v1/auth/token/", { body: { username, password } }));
      tokens.set(pair);
      return pair;
    },
    async logout() {
      const pair = tokens.get();
      tokens.set(null);
      if (!pair) return;
      const response = await postJson(`${AUTH}blacklist/`, { refresh: pair.refresh });
      if (!response.ok) throw problemOf(await response.json().catch(() => null), response);
    },
    async graphql(document, ...variables) {
      const response = await authFetch(
        new Request(`${baseUrl}/graphql/`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ query: document, variables: variables[0] ?? {} }),
        }),
      );
      const body = (await response.json().catch(() => null)) as {
        data?: unknown;
        errors?: GraphQLError[];
      } | null;
      if (body?.errors?.length) throw new GraphQLRequestError(body.errors, body.data);
      if (!response.ok || !body) throw problemOf(body, response);
      return body.data as never;
    },
  };
}
