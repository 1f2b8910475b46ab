"""The GraphQL endpoint: its view, its validation rules (depth, cost, aliases) and the
offline GraphiQL page. The schema itself is composed in ``config.schema``."""
