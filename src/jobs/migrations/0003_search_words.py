"""The search lexicon (``jobs_searchword``) for typo tolerance.

PostgreSQL's pg_trgm documentation recommends it for text search: keep a table of
the words the documents contain, look a misspelt query word up there by trigram
similarity, and run the full-text query with the word found. Every search is then
one GIN full-text scan of ``jobs_job``; only the small lexicon is searched by
trigrams (``jobs.selectors.search_corrections``).

- The lexicon: the words of job titles, locations and tags and of company names, as
  the ``simple`` parser splits them (lower-cased, unstemmed), 3 to 60 characters, not
  pure numbers. Descriptions stay out: long, many one-off words and typos of their
  own. A query word that is only in descriptions is still found (a correction is
  OR-ed with the word, never substituted for it).
- Kept fresh by triggers, ``INSERT ... ON CONFLICT DO NOTHING`` in word order (two
  writers adding the same new words cannot deadlock on them): statement-level ones on
  ``jobs_job`` with transition tables (a ``bulk_create`` of 2,000 jobs adds its words
  in one statement; an update adds the words of the rows whose title, location or
  tags changed, so status and salary updates cost a join of the transition tables),
  and a row trigger on ``jobs_company`` (insert, rename). Words are never deleted.
- A ``gin_trgm_ops`` GIN index on the word serves ``%`` (the primary key serves the
  "is it a known word" check).
- Backfilled here from the existing rows.
- The trigram index on ``jobs_job.title`` (the former typo path, ``word <% title``)
  is dropped: nothing reads it any more and every write paid for it.

SQLite gets the table here; 0004 adds its triggers and backfills it.
"""

from django.db import migrations, models

FORWARD = """
CREATE INDEX jobs_searchword_trgm ON jobs_searchword USING gin (word gin_trgm_ops);

-- The lexicon words of a text: the simple parser's lexemes, 3-60 characters, not numbers.
CREATE OR REPLACE FUNCTION jobs_search_words(doc text) RETURNS SETOF text AS $$
  SELECT word FROM unnest(tsvector_to_array(to_tsvector('simple'::regconfig, doc))) AS word
  WHERE length(word) BETWEEN 3 AND 60 AND word !~ '^[0-9.,+-]+$'
$$ LANGUAGE sql IMMUTABLE PARALLEL SAFE;

-- What of a job goes into the lexicon (its company's name comes from the company).
CREATE OR REPLACE FUNCTION jobs_job_lexicon_text(title text, location text, tags jsonb)
RETURNS text AS $$
  SELECT concat_ws(' ', title, location, (
    SELECT string_agg(tag, ' ') FROM jsonb_array_elements_text(
      CASE WHEN jsonb_typeof(tags) = 'array' THEN tags ELSE '[]'::jsonb END
    ) AS tag))
$$ LANGUAGE sql IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION jobs_job_search_words() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO jobs_searchword (word)
    SELECT DISTINCT w
    FROM new_jobs AS j, jobs_search_words(jobs_job_lexicon_text(j.title, j.location, j.tags)) AS w
    ORDER BY w
    ON CONFLICT DO NOTHING;
  ELSE
    INSERT INTO jobs_searchword (word)
    SELECT DISTINCT w
    FROM new_jobs AS j JOIN old_jobs AS o ON o.id = j.id,
         jobs_search_words(jobs_job_lexicon_text(j.title, j.location, j.tags)) AS w
    WHERE (j.title, j.location, j.tags) IS DISTINCT FROM (o.title, o.location, o.tags)
    ORDER BY w
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER jobs_job_search_words_insert
AFTER INSERT ON jobs_job REFERENCING NEW TABLE AS new_jobs
FOR EACH STATEMENT EXECUTE FUNCTION jobs_job_search_words();

CREATE TRIGGER jobs_job_search_words_update
AFTER UPDATE ON jobs_job REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs
FOR EACH STATEMENT EXECUTE FUNCTION jobs_job_search_words();

CREATE OR REPLACE FUNCTION jobs_company_search_words() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.name IS DISTINCT FROM OLD.name THEN
    INSERT INTO jobs_searchword (word)
    SELECT DISTINCT w FROM jobs_search_words(NEW.name) AS w ORDER BY w
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER jobs_company_search_words_trigger
AFTER INSERT OR UPDATE OF name ON jobs_company
FOR EACH ROW EXECUTE FUNCTION jobs_company_search_words();

INSERT INTO jobs_searchword (word)
SELECT DISTINCT w
FROM (
  SELECT jobs_job_lexicon_text(title, location, tags) AS doc FROM jobs_job
  UNION ALL
  SELECT name FROM jobs_company
) AS docs, jobs_search_words(docs.doc) AS w
ORDER BY w
ON CONFLICT DO NOTHING;

ANALYZE jobs_searchword;

DROP INDEX IF EXISTS jobs_job_title_trgm;
"""

BACKWARD = """
CREATE INDEX IF NOT EXISTS jobs_job_title_trgm ON jobs_job USING gin (title gin_trgm_ops);
DROP TRIGGER IF EXISTS jobs_company_search_words_trigger ON jobs_company;
DROP FUNCTION IF EXISTS jobs_company_search_words();
DROP TRIGGER IF EXISTS jobs_job_search_words_update ON jobs_job;
DROP TRIGGER IF EXISTS jobs_job_search_words_insert ON jobs_job;
DROP FUNCTION IF EXISTS jobs_job_search_words();
DROP FUNCTION IF EXISTS jobs_job_lexicon_text(text, text, jsonb);
DROP FUNCTION IF EXISTS jobs_search_words(text);
DROP INDEX IF EXISTS jobs_searchword_trgm;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("jobs", "0002_search")]

    operations = [
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("word", models.CharField(max_length=60, primary_key=True, serialize=False)),
            ],
            options={"ordering": ["word"]},
        ),
        migrations.RunPython(forward, backward),
    ]
