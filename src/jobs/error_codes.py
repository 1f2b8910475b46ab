"""The job board's problem codes, registered with core's catalogue (each has a page
under /problems/). Clients switch on ``code``. ``illegal_transition`` is core's,
shared by every context with a status workflow."""

from __future__ import annotations

from core.http.catalogue import ILLEGAL_TRANSITION as ILLEGAL_TRANSITION
from core.http.catalogue import register_problem

ALREADY_APPLIED = register_problem(
    "already_applied",
    status=409,
    title="Already applied",
    description="You already have an active application to this job (`application` names "
    "it). Withdraw it first to apply again.",
    context="jobs",
)
JOB_CLOSED = register_problem(
    "job_closed",
    status=409,
    title="Job not open",
    description="The job is not accepting applications: it is closed, expired or not "
    "published; `current_status` says which.",
    context="jobs",
)
JOB_NOT_EDITABLE = register_problem(
    "job_not_editable",
    status=409,
    title="Job not editable",
    description="A closed or expired job cannot be edited, and with moderation on a "
    "published one cannot either (close it and post a new one); `current_status` says "
    "where it is.",
    context="jobs",
)
JOB_HAS_APPLICATIONS = register_problem(
    "job_has_applications",
    status=409,
    title="Job has applications",
    description="A job that received applications cannot be deleted (candidates follow "
    "them); close it instead.",
    context="jobs",
)
FILE_TYPE_NOT_ALLOWED = register_problem(
    "file_type_not_allowed",
    status=400,
    title="File type not allowed",
    description="A résumé is a PDF (starting with `%PDF-`) or a Word document (DOCX: a ZIP "
    "that holds `word/document.xml`), checked by content whatever its name says. Nothing "
    "was stored.",
    context="jobs",
)
FILE_TOO_LARGE = register_problem(
    "file_too_large",
    status=400,
    title="File too large",
    description="A résumé is at most 5 MB (`max_bytes` says the limit), and not empty. "
    "Nothing was stored.",
    context="jobs",
)
