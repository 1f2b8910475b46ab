"""The Celery application: RabbitMQ in production, eager in the embedded default.

Tasks are discovered in every installed app's ``tasks`` module. The beat
schedule starts with core's entries; domains add theirs through
``core.tasking.outbox.register_periodic`` from ``AppConfig.ready()``.
"""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("nexus", task_cls="core.tasking.outbox:NexusTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _use_django_logging(**_: object) -> None:
    """Let Django's LOGGING (text or JSON, with request ids) configure worker logs."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
