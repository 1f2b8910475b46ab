from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "social"
    verbose_name = "Social feed"
    default_auto_field = "django.db.models.BigAutoField"
    # Read by core (landing page, domain index) without importing this app.
    nexus_domain = {
        "summary": (
            "Planned, not built yet: "
            "Posts, follows and a newest-first feed over GraphQL (and REST), with likes and "
            "comments counted exactly."
        ),
        "graphql": "/graphql/",
    }
