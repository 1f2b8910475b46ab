"""The REST side of identity: ``/api/v1/auth/``."""
