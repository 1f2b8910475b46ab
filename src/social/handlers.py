"""Reactions to core events."""

from __future__ import annotations

from core.tasking.events import UserRegistered
from social.services import accounts


def on_user_registered(event: UserRegistered) -> None:
    """Every registered account gets an (empty) profile."""
    accounts.profile_ensure(user_id=event.user_id)
