from django.apps import AppConfig


class MoviesConfig(AppConfig):
    name = "movies"
    verbose_name = "Movies"
    default_auto_field = "django.db.models.BigAutoField"
    # Read by core (landing page, domain index) without importing this app.
    nexus_domain = {
        "summary": (
            "Planned, not built yet: "
            "A movie catalog with ratings and personal recommendations computed from what "
            "similar viewers liked."
        ),
    }
