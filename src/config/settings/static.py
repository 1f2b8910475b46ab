"""Static and media files, and the storages."""

from __future__ import annotations

from .environment import VAR_DIR, env

STATIC_URL = "/static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=VAR_DIR / "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # whitenoise's CompressedManifestStaticFilesStorage, keeping SRI-pinned files intact.
    "staticfiles": {"BACKEND": "core.site.storage.NexusStaticFilesStorage"},
}
