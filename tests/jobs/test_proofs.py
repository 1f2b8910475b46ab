"""The job board's live proof on PostgreSQL (``/proofs/``): run for real, it holds, with
the exact counts, and leaves nothing behind, in the database or the résumé storage."""

from __future__ import annotations

import pytest

from core.identity.models import User
from core.notifications.models import Notification
from core.site.proofs import find, run_proof
from jobs.models import Application, ApplicationEvent, Company, CompanyMember, Job
from jobs.services.resumes import resume_storage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager")]

TOUCHED = (User, Company, CompanyMember, Job, Application, ApplicationEvent, Notification)


def _rows() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TOUCHED}


def test_the_one_application_proof_keeps_one_of_twenty_and_leaves_nothing(resume_dir):
    assert resume_storage().location == str(resume_dir)  # conftest's, for this test
    before = _rows()

    result = run_proof(find("one-application"))

    assert result.held is True, result
    assert result.counts == {
        "attempts": 20,
        "applications": 1,
        "events": 1,
        "resumes_stored": 1,
        "refused_already_applied": 19,
    }
    assert result.details["answers"] == {"ok": 1, "already_applied": 19}
    assert "jobs_application_one_active" in result.guard
    assert "cleanup_errors" not in result.details
    assert _rows() == before
    assert [path for path in resume_dir.rglob("*") if path.is_file()] == []  # the résumé went
