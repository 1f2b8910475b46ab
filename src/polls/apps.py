from django.apps import AppConfig

from core.http.manifest import DomainManifest


class PollsConfig(AppConfig):
    name = "polls"
    verbose_name = "Live polls"
    default_auto_field = "django.db.models.BigAutoField"
    # Called by `manage.py seed_demo` (core) after the demo accounts exist.
    demo_seed = "polls.demo.demo_seed"
    # Read by core (landing page, domain index) without importing this app.
    nexus_domain = DomainManifest(
        summary=(
            "Single and multiple-choice polls with one ballot per voter enforced by the "
            "database and exact tallies under concurrency; results hidden until voting or "
            "closing if the owner wants; live results over Server-Sent Events and a live "
            "page with a bar chart."
        ),
        links="polls.demo.landing_links",
        console="polls/console.html",
        console_account="demo_customer",
    )

    def ready(self) -> None:
        from core.tasking.outbox import register_periodic
        from polls import error_codes  # noqa: F401  (registers the polls' problem codes)

        # Readers derive the close from closes_at; beat records it, pushes the final
        # result to streams and notifies the owner.
        register_periodic("polls.close-due", "polls.tasks.polls_close_due_task", 30.0)
        register_periodic("polls.reconcile-tallies", "polls.tasks.tallies_reconcile_task", 600.0)

        from core.http.openapi import register_stream_operation

        register_stream_operation(
            "/api/v1/polls/polls/{id}/results/stream/",
            operation_id="polls_results_stream",
            tag="polls",
            summary="Live results (Server-Sent Events)",
            description=(
                "A `text/event-stream`: the results document at once (unless `Last-Event-ID` "
                "is its version), then each new version, coalesced to a few per second "
                "however fast votes arrive; `: keepalive` comments in between. When the poll "
                "closes: a `final` event and the end (a reconnect with that id gets a 204). "
                "A deleted poll: a `deleted` event. Browsers: `new EventSource(url)`. Who is "
                "watching comes from `?ticket=` (`POST .../stream-ticket/`) or the anonymous "
                "voter cookie; without either, what anyone may see. Served by the ASGI "
                "deployment."
            ),
            parameters=[
                {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                    "description": "The poll.",
                },
                {
                    "name": "ticket",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "From `POST .../stream-ticket/`; valid about a minute.",
                },
            ],
            events="Each event: `data` is the results document (as `GET .../results/`), `id` "
            "its `version`; event types: `message` (default), `final` (the closed poll's "
            'results, then the end), `deleted` (`data` is `{"poll": <id>, "deleted": true}`, '
            "then the end). The schema is one event, as an SSE parser yields it.",
            event_name="PollResultsEvent",
            event_types=("message", "final", "deleted"),
            data_schema={
                "oneOf": [
                    {"$ref": "#/components/schemas/Results"},
                    {
                        "type": "object",
                        "required": ["poll", "deleted"],
                        "properties": {
                            "poll": {"type": "integer", "description": "The deleted poll."},
                            "deleted": {"const": True},
                        },
                    },
                ]
            },
        )
