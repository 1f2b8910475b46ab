"""Bench-only settings: production settings, with the URLconf that adds the raw-SQL
ceiling view of bench/jobs_urls.py. bench/jobs_run.py serves with these; the product
never loads this module."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "jobs_urls"
