"""Nexus core: the shared platform every context builds on. It imports no context.

One sub-package per concern, each layered above the ones it uses (import-linter's
"Core's concerns" contract in ``pyproject.toml`` keeps the order):

- ``site``: the landing page, problem pages, health probes, demo accounts, the GraphQL
  endpoint, static files storage (templates and static files stay in the app's folders);
- ``notifications``: in-app and email notifications for one user;
- ``identity``: the user, roles, tokens, authentication, password rules, the auth API;
- ``tasking``: the task outbox and relay, the task base class, events, idempotency;
- ``live``: live topics (pub/sub) and Server-Sent Events;
- ``http``: middleware, request guards, parsers, negotiation, the client's address,
  problem details and their catalogue, pagination, throttles, OpenAPI, URL converters,
  routers, id fields, the domain index;
- ``cache``: versioned cache-aside and the Redis circuit breaker.

At the top level: ``apps`` (wiring at start-up), ``admin``, ``db`` (the database
router) and ``models``, which gathers every concern's tables under the app label
``core`` so the migrations stay as they were.
"""
