"""Bench-only settings: production settings, with the URLconf that adds the ceiling
views of bench/movies_urls.py. bench/movies_run.py serves with these; the product
never loads this module."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "movies_urls"
