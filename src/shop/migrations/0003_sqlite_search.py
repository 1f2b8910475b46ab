"""Product search on SQLite (the embedded default behind ``make run``), as 0002 gives
it to PostgreSQL: ``shop_product_fts``, an FTS5 table (porter stemmer, accents kept,
as the english configuration keeps them) of each product's name and description,
``rowid`` the product's id, kept by triggers (insert, update of those columns,
delete) and backfilled here. ``core.search.sqlite`` queries it. Skipped when SQLite
was built without FTS5 (the search then matches words); PostgreSQL gets nothing here.
"""

from django.db import migrations

FORWARD = [
    """
    CREATE VIRTUAL TABLE shop_product_fts USING fts5(
      name, description, tokenize = 'porter unicode61 remove_diacritics 0'
    )
    """,
    """
    CREATE TRIGGER shop_product_fts_insert AFTER INSERT ON shop_product
    BEGIN
      INSERT INTO shop_product_fts (rowid, name, description)
      VALUES (NEW.id, NEW.name, NEW.description);
    END
    """,
    """
    CREATE TRIGGER shop_product_fts_update AFTER UPDATE OF name, description ON shop_product
    BEGIN
      DELETE FROM shop_product_fts WHERE rowid = OLD.id;
      INSERT INTO shop_product_fts (rowid, name, description)
      VALUES (NEW.id, NEW.name, NEW.description);
    END
    """,
    """
    CREATE TRIGGER shop_product_fts_delete AFTER DELETE ON shop_product
    BEGIN
      DELETE FROM shop_product_fts WHERE rowid = OLD.id;
    END
    """,
    """
    INSERT INTO shop_product_fts (rowid, name, description)
    SELECT id, name, description FROM shop_product
    """,
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS shop_product_fts_delete",
    "DROP TRIGGER IF EXISTS shop_product_fts_update",
    "DROP TRIGGER IF EXISTS shop_product_fts_insert",
    "DROP TABLE IF EXISTS shop_product_fts",
]


def forward(apps, schema_editor):
    from core.search.sqlite import fts5_available

    if schema_editor.connection.vendor == "sqlite" and fts5_available(
        schema_editor.connection.alias
    ):
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_product_search_trigger")]

    operations = [migrations.RunPython(forward, backward)]
