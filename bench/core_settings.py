"""Bench-only settings: production settings, with the URLconf that adds the raw-SQL
ceiling views of bench/core_urls.py. bench/run.py serves with these; the product
never loads this module."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "core_urls"
