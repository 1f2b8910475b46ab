"""Résumés: an upload is judged by its size and its bytes (a PDF, or a DOCX: a ZIP
holding ``word/document.xml``) before anything is stored; it is kept in the
``resumes`` storage and opened again only for whoever may read it."""

from __future__ import annotations

import zipfile

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages

from core.http.catalogue import ProblemError
from core.http.validation import field_error
from jobs import error_codes
from jobs.models import Application

RESUME_STORAGE = "resumes"
PDF = ("application/pdf", "pdf")
DOCX = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")


def resume_check(upload: File[bytes]) -> tuple[str, str]:
    """The résumé's (content type, extension), judged by its bytes, not its name:
    a PDF header, or a ZIP holding ``word/document.xml`` (any ZIP passes a magic-bytes
    test). Refusals are 400s raised before anything is stored."""
    limit = settings.JOBS_RESUME_MAX_BYTES
    size = getattr(upload, "size", None) or 0
    if size == 0:
        raise field_error("resume", "The file is empty.", "empty")
    if size > limit:
        raise ProblemError(
            error_codes.FILE_TOO_LARGE,
            f"The résumé is {size} bytes; at most {limit} are accepted.",
            max_bytes=limit,
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            names = set()
        finally:
            upload.seek(0)
        if "word/document.xml" in names:
            return DOCX
    raise ProblemError(
        error_codes.FILE_TYPE_NOT_ALLOWED,
        "The résumé must be a PDF or a Word (DOCX) document.",
    )


def resume_storage() -> Storage:
    return storages[RESUME_STORAGE]


def resume_open(*, application: Application) -> File[bytes]:
    """The stored résumé, opened for reading (the caller checked who may read it)."""
    if not application.resume_key:
        raise Application.DoesNotExist("This application has no résumé.")
    return resume_storage().open(application.resume_key, "rb")
