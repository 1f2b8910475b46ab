from django.apps import AppConfig

from core.http.manifest import DomainManifest


class SocialConfig(AppConfig):
    name = "social"
    verbose_name = "Social feed"
    default_auto_field = "django.db.models.BigAutoField"
    # Called by `manage.py seed_demo` (core) after the demo accounts exist.
    demo_seed = "social.demo.demo_seed"
    # Read by core (landing page, domain index) without importing this app.
    nexus_domain = DomainManifest(
        summary=(
            "Posts, comments, likes, shares, follows, blocks and mutes over GraphQL (and a "
            "REST mirror); a newest-first home feed fanned out into capped Redis sorted "
            "sets on its own Celery queue, merged at read time for very followed accounts "
            "and rebuilt from PostgreSQL when cold or when Redis is down; exact counts."
        ),
        graphql="/graphql/",
        # /demo/social/: compose, the home feed with each entry's origin, who to follow
        # and profiles, over GraphQL (core's console shell around it).
        console="social/console.html",
        console_account="demo_customer",
        # GraphiQL opens with this document (core.site.views.graphql_example_query).
        graphql_example=(
            "# Sign in first: POST /api/v1/auth/token/ (a demo account from the landing\n"
            "# page works), then under Headers below add\n"
            '#   {"Authorization": "Bearer <access>"}\n'
            "# The original example, feed(userId: 1) { ... }, works for your own id\n"
            "# (me { id }) or for a moderator; without userId it is your own feed.\n"
            "query Feed {\n"
            "  me { id username }\n"
            "  feed(first: 10) {\n"
            "    edges {\n"
            "      sharedBy { username }\n"
            "      sharedAt\n"
            "      node { id content author { username } createdAt likeCount commentCount }\n"
            "    }\n"
            "    pageInfo { hasNextPage endCursor }\n"
            "  }\n"
            "}\n"
        ),
    )

    def ready(self) -> None:
        from core.tasking.events import UserRegistered, subscribe
        from core.tasking.outbox import register_periodic
        from social import handlers

        subscribe(UserRegistered, handlers.on_user_registered)
        register_periodic("social.maintain-feeds", "social.tasks.feeds_maintain_task", 3600.0)
        register_periodic("social.flush-notices", "social.tasks.notices_flush_task", 60.0)
