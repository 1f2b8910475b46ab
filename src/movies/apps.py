from django.apps import AppConfig

from core.http.manifest import DomainManifest


class MoviesConfig(AppConfig):
    name = "movies"
    verbose_name = "Movies"
    default_auto_field = "django.db.models.BigAutoField"
    # Called by `manage.py seed_demo` (core) after the demo accounts exist.
    demo_seed = "movies.demo.demo_seed"
    # Read by core (landing page, domain index) without importing this app.
    nexus_domain = DomainManifest(
        summary=(
            "The MovieLens catalog (9k movies, 100k ratings) with search and filters; "
            "ratings, favorites and genre preferences; personal recommendations from an "
            "item-item model plus genres and popularity, each with its reason, cached per "
            "user and measured offline against a popularity baseline; optional TMDb "
            "enrichment, search and trending."
        ),
        links="movies.demo.landing_links",
        console="movies/console.html",
        console_account="demo_customer",
    )

    def ready(self) -> None:
        from celery.schedules import crontab

        from core.site.health import register_check
        from core.tasking.outbox import register_periodic
        from movies import (
            error_codes,  # noqa: F401  (registers the movies' problem codes)
            tmdb,
        )

        register_periodic(
            "movies.train-recommender",
            "movies.tasks.recommender_train_task",
            crontab(hour=3, minute=15),
        )
        register_periodic("movies.tmdb-enrich", "movies.tasks.movies_enrich_batch_task", 600.0)
        # Optional: without a token it reports "skipped: not configured", never unready.
        register_check("tmdb", tmdb.readiness_probe)
