"""The REST side of notifications: ``/api/v1/auth/notifications/``."""
