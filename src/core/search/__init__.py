"""Full-text search on the embedded default: SQLite's FTS5 read the way PostgreSQL's
``websearch_to_tsquery`` reads a query (``sqlite``), for every context that searches."""
