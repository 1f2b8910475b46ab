"""Notifications: a message for one user, shown in-app and optionally emailed (through
a task). Contexts notify a user through ``core.notifications.services``; the welcome
message reacts to ``UserRegistered``."""
