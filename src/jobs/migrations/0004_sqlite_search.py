"""The job search on SQLite (the embedded default behind ``make run``), as 0002 and
0003 give it to PostgreSQL (``jobs.fulltext_sqlite`` tells how it is queried).

- The lexicon (``jobs_searchword``): row triggers add the words of every inserted
  job and company and of every update of a job's title, location or tags or of a
  company's name (``INSERT OR IGNORE``). They split the text with
  ``jobs_search_words``, a function Django registers on each SQLite connection
  (``jobs.fulltext_sqlite.register_functions``). Backfilled here.
- ``jobs_job_fts``: an FTS5 table (porter stemmer, accents kept, as PostgreSQL's
  english configuration keeps them) of each job's title, company name, tags,
  description and location, ``rowid`` the job's id, kept by triggers on jobs
  (insert, update of those columns, delete) and companies (rename). Backfilled here.
  Skipped when SQLite was built without FTS5 (the search then matches words).

PostgreSQL gets nothing here.
"""

from django.db import migrations

TAGS = (
    "(SELECT group_concat(value, ' ') FROM json_each(CASE WHEN json_valid({tags}) "
    "AND json_type({tags}) = 'array' THEN {tags} ELSE '[]' END))"
)


def _lexicon_text(row):
    tags = TAGS.format(tags=f"{row}.tags")
    return f"coalesce({row}.title, '') || ' ' || coalesce({row}.location, '') || ' ' || coalesce({tags}, '')"


def _words(text):
    return f"SELECT value FROM json_each(jobs_search_words({text}))"


LEXICON = [
    f"""
    CREATE TRIGGER jobs_job_search_words_insert AFTER INSERT ON jobs_job
    BEGIN
      INSERT OR IGNORE INTO jobs_searchword (word) {_words(_lexicon_text("NEW"))};
    END
    """,
    f"""
    CREATE TRIGGER jobs_job_search_words_update AFTER UPDATE OF title, location, tags
    ON jobs_job
    BEGIN
      INSERT OR IGNORE INTO jobs_searchword (word) {_words(_lexicon_text("NEW"))};
    END
    """,
    f"""
    CREATE TRIGGER jobs_company_search_words_insert AFTER INSERT ON jobs_company
    BEGIN
      INSERT OR IGNORE INTO jobs_searchword (word) {_words("NEW.name")};
    END
    """,
    f"""
    CREATE TRIGGER jobs_company_search_words_update AFTER UPDATE OF name ON jobs_company
    BEGIN
      INSERT OR IGNORE INTO jobs_searchword (word) {_words("NEW.name")};
    END
    """,
    f"""
    INSERT OR IGNORE INTO jobs_searchword (word)
    SELECT w.value FROM jobs_job AS j, json_each(jobs_search_words({_lexicon_text("j")})) AS w
    UNION
    SELECT w.value FROM jobs_company AS c, json_each(jobs_search_words(c.name)) AS w
    """,
]


def _fts_row(row):
    return (
        f"SELECT {row}.id, {row}.title, "
        f"(SELECT name FROM jobs_company WHERE id = {row}.company_id), "
        f"{TAGS.format(tags=f'{row}.tags')}, {row}.description, {row}.location"
    )


FTS_COLUMNS = "rowid, title, company, tags, description, location"
FTS = [
    """
    CREATE VIRTUAL TABLE jobs_job_fts USING fts5(
      title, company, tags, description, location,
      tokenize = 'porter unicode61 remove_diacritics 0'
    )
    """,
    f"""
    CREATE TRIGGER jobs_job_fts_insert AFTER INSERT ON jobs_job
    BEGIN
      INSERT INTO jobs_job_fts ({FTS_COLUMNS}) {_fts_row("NEW")};
    END
    """,
    f"""
    CREATE TRIGGER jobs_job_fts_update
    AFTER UPDATE OF title, description, location, tags, company_id ON jobs_job
    BEGIN
      DELETE FROM jobs_job_fts WHERE rowid = OLD.id;
      INSERT INTO jobs_job_fts ({FTS_COLUMNS}) {_fts_row("NEW")};
    END
    """,
    """
    CREATE TRIGGER jobs_job_fts_delete AFTER DELETE ON jobs_job
    BEGIN
      DELETE FROM jobs_job_fts WHERE rowid = OLD.id;
    END
    """,
    """
    CREATE TRIGGER jobs_company_fts_rename AFTER UPDATE OF name ON jobs_company
    BEGIN
      UPDATE jobs_job_fts SET company = NEW.name
      WHERE rowid IN (SELECT id FROM jobs_job WHERE company_id = NEW.id);
    END
    """,
    f"INSERT INTO jobs_job_fts ({FTS_COLUMNS}) {_fts_row('j')} FROM jobs_job AS j",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS jobs_company_fts_rename",
    "DROP TRIGGER IF EXISTS jobs_job_fts_delete",
    "DROP TRIGGER IF EXISTS jobs_job_fts_update",
    "DROP TRIGGER IF EXISTS jobs_job_fts_insert",
    "DROP TABLE IF EXISTS jobs_job_fts",
    "DROP TRIGGER IF EXISTS jobs_company_search_words_update",
    "DROP TRIGGER IF EXISTS jobs_company_search_words_insert",
    "DROP TRIGGER IF EXISTS jobs_job_search_words_update",
    "DROP TRIGGER IF EXISTS jobs_job_search_words_insert",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from core.search.sqlite import fts5_available
    from jobs.fulltext_sqlite import register_functions

    register_functions(connection=schema_editor.connection)  # whatever opened it
    has_fts5 = fts5_available(schema_editor.connection.alias)
    statements = LEXICON + (FTS if has_fts5 else [])
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("jobs", "0003_search_words")]

    operations = [migrations.RunPython(forward, backward)]
