"""The environment every settings module reads: the repository's paths, the one
``environ.Env`` (with ``.env`` loaded, never over what the process was given) and the
secret key. Imported by ``base`` and by each integration module, and importing none of
them."""

from __future__ import annotations

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parents[3]
SRC_DIR = BASE_DIR / "src"
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
