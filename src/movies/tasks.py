"""Movies tasks: thin, call a service; each is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from core.tasking.outbox import NexusTask
from movies import services


@shared_task(name="movies.tasks.recommender_train_task", base=NexusTask)
def recommender_train_task() -> int:
    """Nightly (beat) and on demand (staff): a new model version."""
    return services.model_train().version


@shared_task(name="movies.tasks.movies_enrich_batch_task", base=NexusTask)
def movies_enrich_batch_task() -> int:
    """TMDb overviews and posters for the most-rated movies not looked up yet (no-op
    without TMDB_API_TOKEN)."""
    return services.movies_enrich_batch()
