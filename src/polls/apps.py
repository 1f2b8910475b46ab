from django.apps import AppConfig


class PollsConfig(AppConfig):
    name = "polls"
    verbose_name = "Live polls"
    default_auto_field = "django.db.models.BigAutoField"
    # Read by core (landing page, domain index) without importing this app.
    nexus_domain = {
        "summary": (
            "Planned, not built yet: "
            "Questions with choices, one vote per user, and results that stream live to every"
            " open browser."
        ),
    }
