"""PostgreSQL search for jobs.

- ``search_vector`` is weighted: title A, company name and tags B, description C,
  location D. A trigger recomputes it on every insert and on updates that touch those
  columns (not on status or salary changes); a second trigger refreshes a company's
  jobs when the company is renamed.
- GIN indexes: the vector (``@@ websearch_to_tsquery``), the title's trigrams (typo
  tolerance: ``word <% title``), the location's trigrams (``location`` filter, an
  ``ILIKE '%...%'`` on ``UPPER(location)``) and the tags (``tags @> '["python"]'``).
- ``pg_trgm`` is enabled here (``CREATE EXTENSION`` needs a role allowed to; on a
  managed database, enable it once beforehand).

SQLite (the embedded default) gets an FTS5 table and triggers of its own (0004).
"""

from django.db import migrations

FORWARD = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE OR REPLACE FUNCTION jobs_job_search_vector() RETURNS trigger AS $$
DECLARE
  company_name text;
BEGIN
  SELECT name INTO company_name FROM jobs_company WHERE id = NEW.company_id;
  NEW.search_vector :=
    setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(company_name, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(
      (SELECT string_agg(tag, ' ') FROM jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(NEW.tags) = 'array' THEN NEW.tags ELSE '[]'::jsonb END
      ) AS tag), '')), 'B') ||
    setweight(to_tsvector('english', coalesce(NEW.description, '')), 'C') ||
    setweight(to_tsvector('english', coalesce(NEW.location, '')), 'D');
  RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER jobs_job_search_vector_trigger
BEFORE INSERT OR UPDATE OF title, description, location, tags, company_id ON jobs_job
FOR EACH ROW EXECUTE FUNCTION jobs_job_search_vector();

CREATE OR REPLACE FUNCTION jobs_company_renamed() RETURNS trigger AS $$
BEGIN
  IF NEW.name IS DISTINCT FROM OLD.name THEN
    UPDATE jobs_job SET title = title WHERE company_id = NEW.id;
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER jobs_company_renamed_trigger
AFTER UPDATE OF name ON jobs_company
FOR EACH ROW EXECUTE FUNCTION jobs_company_renamed();

CREATE INDEX jobs_job_search_gin ON jobs_job USING gin (search_vector);
CREATE INDEX jobs_job_title_trgm ON jobs_job USING gin (title gin_trgm_ops);
CREATE INDEX jobs_job_location_trgm ON jobs_job USING gin (UPPER(location) gin_trgm_ops);
CREATE INDEX jobs_job_tags_gin ON jobs_job USING gin (tags jsonb_path_ops);

UPDATE jobs_job SET title = title;
"""

BACKWARD = """
DROP INDEX IF EXISTS jobs_job_tags_gin;
DROP INDEX IF EXISTS jobs_job_location_trgm;
DROP INDEX IF EXISTS jobs_job_title_trgm;
DROP INDEX IF EXISTS jobs_job_search_gin;
DROP TRIGGER IF EXISTS jobs_company_renamed_trigger ON jobs_company;
DROP FUNCTION IF EXISTS jobs_company_renamed();
DROP TRIGGER IF EXISTS jobs_job_search_vector_trigger ON jobs_job;
DROP FUNCTION IF EXISTS jobs_job_search_vector();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_companies_jobs_applications")]

    operations = [migrations.RunPython(forward, backward)]
