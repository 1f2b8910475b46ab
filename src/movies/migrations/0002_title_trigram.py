"""A trigram index for ``?search=`` (case-insensitive substring of the title, which
Django writes as ``UPPER(title) LIKE UPPER(%s)``). PostgreSQL only; SQLite scans."""

from django.db import migrations

FORWARD = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS movies_movie_title_trgm
    ON movies_movie USING gin (UPPER(title) gin_trgm_ops);
"""
BACKWARD = "DROP INDEX IF EXISTS movies_movie_title_trgm;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("movies", "0001_catalog_ratings_recommender")]

    operations = [migrations.RunPython(forward, backward)]
