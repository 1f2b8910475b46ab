"""Cache: versioned cache-aside for reads (``versioned``), and the circuit breaker that
every Redis client of a process goes through (``breaker``), so a Redis outage degrades
to the database instead of failing or stalling requests."""
