"""Fixtures shared by the shop tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def eager(settings):
    """Tasks run in-process after commit (the embedded default), so a test that
    executes on-commit callbacks sees their effects and publishes nothing."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return settings
