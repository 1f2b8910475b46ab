"""Tasking: background work that survives crashes and retries. The transactional outbox
and its relay, the Celery task base (``NexusTask``: at-least-once delivery, effects
once), periodic jobs, the in-process events contexts react to, and idempotent writes
(``Idempotency-Key``), with their REST helper."""
