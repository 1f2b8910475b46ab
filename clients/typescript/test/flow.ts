// The client's token lifecycle against a running app (tests/client/test_typescript_client.py
// runs it): NEXUS_URL, NEXUS_USERNAME and NEXUS_PASSWORD name the app and an account.
import assert from "node:assert/strict";

import { createNexusClient, GraphQLRequestError, MeDocument, ProblemError, unwrap } from "../src/index.js";

const baseUrl = process.env.NEXUS_URL ?? "http://127.0.0.1:8000";
const username = process.env.NEXUS_USERNAME ?? "demo_customer";
const password = process.env.NEXUS_PASSWORD ?? "nexus-customer-demo";

const refreshes: string[] = [];
let expired = 0;
const client = createNexusClient({
  baseUrl,
  onSessionExpired: () => {
    expired += 1;
  },
  fetch: (request) => {
    if (new URL(request.url).pathname === "/api/v1/auth/token/refresh/") refreshes.push(request.url);
    return fetch(request);
  },
});

// Wrong credentials: a typed problem.
await assert.rejects(client.login(username, "not-the-password"), (error: unknown) => {
  assert.ok(error instanceof ProblemError);
  assert.equal(error.status, 401);
  assert.equal(error.code, "no_active_account");
  return true;
});

// One login for REST and GraphQL.
const pair = await client.login(username, password);
const me = await unwrap(client.api.GET("/api/v1/auth/me/"));
assert.equal(me.username, username);
const viaGraphql = await client.graphql(MeDocument);
assert.equal(viaGraphql.me?.username, username);

// A stale access token: three requests fail with 401 together, share one refresh, and
// each is retried once with the new token.
client.tokens.set({ access: `${pair.access}x`, refresh: pair.refresh });
const again = await Promise.all([
  unwrap(client.api.GET("/api/v1/auth/me/")),
  unwrap(client.api.GET("/api/v1/auth/me/")),
  client.graphql(MeDocument),
]);
assert.deepEqual(
  again.map((body) => ("me" in body ? body.me?.username : body.username)),
  [username, username, username],
);
assert.equal(refreshes.length, 1, "concurrent 401s share one refresh");
const rotated = client.tokens.get();
assert.ok(rotated && rotated.refresh !== pair.refresh, "the refresh token rotated");

// The old refresh token was blacklisted by the rotation.
const reuse = await fetch(`${baseUrl}/api/v1/auth/token/refresh/`, {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ refresh: pair.refresh }),
});
assert.equal(reuse.status, 401);
assert.equal((await reuse.json()).code, "token_not_valid");

// Errors are typed problems.
await assert.rejects(
  unwrap(client.api.GET("/api/v1/shop/products/{id}/", { params: { path: { id: 999999999 } } })),
  (error: unknown) => error instanceof ProblemError && error.code === "not_found" && error.status === 404,
);
await assert.rejects(
  client.graphql(MeDocument.replace("username", "nosuchfield") as typeof MeDocument),
  (error: unknown) => error instanceof GraphQLRequestError,
);

// Logout blacklists the refresh token; a stale access token can no longer be refreshed.
const last = client.tokens.get();
assert.ok(last);
await client.logout();
assert.equal(client.tokens.get(), null);
client.tokens.set({ access: `${last.access}x`, refresh: last.refresh });
const refused = await client.api.GET("/api/v1/auth/me/");
assert.equal(refused.response.status, 401);
assert.equal(expired, 1, "the session ended once");
assert.equal(client.tokens.get(), null);

console.log("client flow ok");
