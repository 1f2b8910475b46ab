"""Notifications' reactions to events (registered in ``CoreConfig.ready``)."""

from __future__ import annotations

from core.notifications import services
from core.tasking import events


def welcome_new_user(event: events.UserRegistered) -> None:
    services.notification_create(
        user_id=event.user_id,
        kind="welcome",
        title="Welcome to Nexus",
        body=(
            f"Hello {event.username}, your account is ready. One login works for the shop, "
            "the social feed, movies, jobs and polls."
        ),
        data={"roles": list(event.roles)},
        email=True,
    )


def register() -> None:
    events.subscribe(events.UserRegistered, welcome_new_user)
