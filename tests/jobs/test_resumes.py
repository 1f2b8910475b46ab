"""Résumés: checked by content (a PDF header; a ZIP holding word/document.xml),
at most 5 MB, never empty; a refusal stores nothing; downloads only by the
candidate and the job's company, as attachments."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jobs.models import Application
from tests.helpers import assert_problem, client_for
from tests.jobs.factories import (
    candidate,
    docx_bytes,
    employer,
    job_url,
    make_company,
    make_job,
    moderator,
    owner_of,
    pdf_bytes,
    plain_zip_bytes,
)

pytestmark = pytest.mark.django_db

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def _upload(client, job, name: str, content: bytes, content_type: str):
    return client.post(
        job_url(job.pk, "apply"),
        {"cover_letter": "See attached", "resume": SimpleUploadedFile(name, content, content_type)},
        format="multipart",
    )


def _stored(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("name", "content", "content_type", "code"),
    [
        ("cv.pdf", EXE, "application/pdf", "file_type_not_allowed"),
        ("cv.docx", plain_zip_bytes(), "application/zip", "file_type_not_allowed"),
        ("cv.pdf", pdf_bytes(5 * 1024 * 1024 + 1), "application/pdf", "file_too_large"),
        ("cv.pdf", b"", "application/pdf", "validation_error"),
        ("cv.txt", b"plain text resume", "text/plain", "file_type_not_allowed"),
    ],
    ids=["exe-renamed-pdf", "plain-zip-renamed-docx", "over-5mb", "empty", "text"],
)
def test_a_bad_resume_is_a_400_that_stores_nothing(resume_dir, name, content, content_type, code):
    job = make_job()

    response = _upload(client_for(candidate()), job, name, content, content_type)

    body = assert_problem(response, 400, code)
    if code == "validation_error":
        assert "resume" in body["errors"]
    assert not Application.objects.filter(job=job).exists()
    assert _stored(resume_dir) == []


@pytest.mark.parametrize(
    ("name", "content", "expected_type", "extension"),
    [
        ("My CV.pdf", pdf_bytes(), "application/pdf", "pdf"),
        (
            "cv.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        ("cv.bin", pdf_bytes(), "application/pdf", "pdf"),  # judged by content, not name
    ],
    ids=["pdf", "docx", "pdf-named-bin"],
)
def test_a_pdf_or_docx_is_stored_privately(resume_dir, name, content, expected_type, extension):
    job = make_job()

    response = _upload(client_for(candidate()), job, name, content, "application/octet-stream")

    assert response.status_code == 201, response.content
    resume = response.json()["resume"]
    assert resume["content_type"] == expected_type
    assert resume["size"] == len(content)
    assert resume["name"].endswith(f".{extension}")
    assert resume["url"] == (  # absolute, as every link the API returns
        f"http://testserver/api/v1/jobs/applications/{response.json()['id']}/resume/"
    )
    (stored,) = _stored(resume_dir)
    assert stored.read_bytes() == content
    assert "media" not in str(stored)


def test_the_candidate_and_the_company_download_it_as_an_attachment():
    job = make_job()
    user = candidate()
    created = _upload(client_for(user), job, "cv.pdf", pdf_bytes(), "application/pdf").json()
    url = created["resume"]["url"]

    for reader in (user, owner_of(job.company)):
        response = client_for(reader).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == pdf_bytes()
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("who", ["other_candidate", "other_employer", "moderator", "anonymous"])
def test_nobody_else_can_download_it(who):
    job = make_job()
    created = _upload(client_for(candidate()), job, "cv.pdf", pdf_bytes(), "application/pdf").json()
    reader = {
        "other_candidate": candidate,
        "other_employer": lambda: owner_of(make_company(employer())),
        "moderator": moderator,
        "anonymous": lambda: None,
    }[who]()

    response = client_for(reader).get(created["resume"]["url"])

    assert response.status_code == (401 if reader is None else 404)
    assert b"%PDF" not in response.content


def test_an_application_without_a_resume_has_nothing_to_download():
    job = make_job()
    user = candidate()
    created = client_for(user).post(job_url(job.pk, "apply"), {}, format="json").json()

    assert created["resume"] is None
    response = client_for(user).get(f"/api/v1/jobs/applications/{created['id']}/resume/")
    assert response.status_code == 404
