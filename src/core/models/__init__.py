"""Every table of the ``core`` app, for Django's model registry and the migrations.

The models live with the concern that owns them (``core.identity.models``,
``core.notifications.models``, ``core.tasking.models``); this package only gathers
them under the app label ``core``, so the tables and migrations stay as they were.
Code imports a model from its owner, not from here.
"""

from core.identity.models import NexusUserManager, User
from core.notifications.models import Notification
from core.tasking.models import IdempotencyKey, TaskOutbox, TaskReceipt

__all__ = [
    "IdempotencyKey",
    "NexusUserManager",
    "Notification",
    "TaskOutbox",
    "TaskReceipt",
    "User",
]
