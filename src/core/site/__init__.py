"""Site: what a visitor reaches outside the domain APIs. The landing page and the problem
pages, the health probes, the demo accounts, the GraphQL endpoint (view, limits,
GraphiQL) and the static files storage."""
