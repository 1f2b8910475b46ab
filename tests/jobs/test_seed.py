"""Demo data (the ``seed_demo`` hook) and boards at scale (``seed_jobs``), on
PostgreSQL and on the embedded SQLite default."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from core.site.demo import seed_accounts
from jobs.demo import DEMO_CANDIDATE, DEMO_EMPLOYER, SEED_COMPANY_PREFIX, demo_seed
from jobs.models import Application, Company, Job
from tests.helpers import client_for
from tests.jobs.factories import APPLICATIONS, JOBS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    seed_accounts()
    return demo_seed()


def _user(name):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=name)


def test_demo_has_about_200_varied_postings_and_one_verified_company(demo):
    jobs = Job.objects.all()
    assert 190 <= jobs.count() <= 210
    assert Company.objects.filter(verified=True).count() == 1
    assert set(jobs.values_list("employment_type", flat=True)) == {
        "full_time",
        "part_time",
        "contract",
        "internship",
        "temporary",
    }
    assert len(set(jobs.values_list("experience_level", flat=True))) == 5
    assert len(set(jobs.values_list("location", flat=True))) > 15
    assert jobs.filter(remote=True).count() > 20
    assert set(jobs.exclude(currency="").values_list("salary_period", flat=True)) == {
        "hour",
        "month",
        "year",
    }
    public = client_for().get(JOBS, {"q": "python", "page_size": 100}).json()["results"]
    assert len(public) >= 5
    missing = [(i["title"], i["snippet"]) for i in public if "<mark>" not in i["snippet"]]
    assert not missing, missing


def test_demo_candidate_follows_applications_in_several_states(demo):
    candidate = _user(DEMO_CANDIDATE)
    statuses = sorted(
        Application.objects.filter(candidate=candidate).values_list("status", flat=True)
    )
    assert statuses == sorted(
        ["interview", "in_review", "submitted", "offer", "rejected", "withdrawn"]
    )
    mine = client_for(candidate).get(APPLICATIONS).json()["results"]
    offer = next(item for item in mine if item["status"] == "offer")
    detail = client_for(candidate).get(f"{APPLICATIONS}{offer['id']}/").json()
    assert [h["to_status"] for h in detail["history"]] == [
        "submitted",
        "in_review",
        "interview",
        "offer",
    ]
    assert "Budget approved" not in str(detail)
    employer_view = client_for(_user(DEMO_EMPLOYER)).get(f"{APPLICATIONS}{offer['id']}/").json()
    assert employer_view["history"][-1]["internal_note"] == "Budget approved by CFO."
    with_resume = next(item for item in mine if item["resume"])
    assert client_for(candidate).get(with_resume["resume"]["url"]).status_code == 200


def test_demo_seed_twice_changes_nothing(demo):
    before = (Job.objects.count(), Application.objects.count(), Company.objects.count())

    demo_seed()

    assert (Job.objects.count(), Application.objects.count(), Company.objects.count()) == before


def test_seed_jobs_tops_up_and_fills_search_vectors():
    out = io.StringIO()
    call_command("seed_jobs", "--jobs", "300", "--companies", "20", stdout=out)
    call_command("seed_jobs", "--jobs", "350", "--companies", "20", stdout=out)

    seeded = Job.objects.filter(company__slug__startswith=SEED_COMPANY_PREFIX)
    assert seeded.count() == 350
    assert "created 300" in out.getvalue()
    assert "created 50" in out.getvalue()
    assert not seeded.filter(search_vector__isnull=True).exists()
    assert client_for().get(JOBS, {"q": "developer"}).json()["results"]


def test_make_run_path_works_on_sqlite(tmp_path, migrated_sqlite):
    """The embedded default: a freshly migrated SQLite file (a copy of the session's),
    the demo and a word search on it."""
    shutil.copyfile(migrated_sqlite, tmp_path / "jobs.sqlite3")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
        "JOBS_RESUME_ROOT": str(tmp_path / "resumes"),
        "NEXUS_DEMO_MODE": "true",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    outputs = []
    for command in (
        ["shell", "-c", _SQLITE_DEMO],
        ["seed_jobs", "--jobs", "200", "--companies", "10"],
    ):
        result = subprocess.run(
            manage + command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, result.stdout + result.stderr
        outputs.append(result.stdout)
    assert outputs[0].strip().splitlines()[-1] == "ok"
    assert "created 200" in outputs[1]


_SQLITE_DEMO = """
from core.site.demo import seed_accounts
from jobs.demo import demo_seed
from rest_framework.test import APIClient
seed_accounts()
demo_seed()
client = APIClient()
body = client.get("/api/v1/jobs/jobs/", {"q": "python developer", "page_size": 50}).json()
assert body["results"], body
assert all("python" in (r["title"] + r["description"] + " ".join(r["tags"])).lower()
           for r in body["results"])
assert "<mark>" in body["results"][0]["snippet"], body["results"][0]["snippet"]
salary = client.get("/api/v1/jobs/jobs/", {"salary_min": 60000, "currency": "EUR"}).json()
assert salary["results"]
tagged = client.get("/api/v1/jobs/jobs/", {"tags": "django"}).json()
assert tagged["results"] and all("django" in r["tags"] for r in tagged["results"])
print("ok")
"""
