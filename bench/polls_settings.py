"""Bench-only settings: production settings, with the URLconf that adds the raw-SQL
ceiling of the vote (bench/polls_urls.py). bench/polls_run.py serves with these; the
product never loads this module.

``BENCH_PROFILE=<directory>`` (investigation only, never in a measured run; passed
through by bench/polls_run.py) adds a middleware that writes one cProfile ``.prof``
file per request to that directory."""

import os

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "polls_urls"

if os.environ.get("BENCH_PROFILE"):
    MIDDLEWARE = ["polls_urls.ProfileMiddleware", *MIDDLEWARE]  # noqa: F405
