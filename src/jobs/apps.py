from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Job board"
    default_auto_field = "django.db.models.BigAutoField"
    # Read by core (landing page, domain index) without importing this app.
    nexus_domain = {
        "summary": (
            "Planned, not built yet: "
            "Employers publish openings, candidates search and apply once, and both follow "
            "each application's status."
        ),
    }
