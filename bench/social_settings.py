"""Bench-only settings: production settings, with the URLconf that adds the raw-SQL
ceiling view (bench/social_urls.py). bench/social_run.py serves with these; the
product never loads this module."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "social_urls"
