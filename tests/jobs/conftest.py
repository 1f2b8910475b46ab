"""Fixtures shared by the job board tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def resume_dir(settings, tmp_path):
    """Résumés go to a fresh directory per test (never the checkout's var/)."""
    root = tmp_path / "resumes"
    settings.STORAGES = {
        **settings.STORAGES,
        "resumes": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


@pytest.fixture
def moderation(settings):
    settings.JOBS_MODERATION = True
    return settings
