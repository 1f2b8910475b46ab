"""PostgreSQL full-text search on products: a trigger keeps ``search_vector``
(name weighted A, description B) fresh on every insert and on every update that
touches name or description (not on stock or price changes), and a GIN index
serves ``@@`` queries. SQLite (the embedded default) gets an FTS5 table instead
(0003)."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION shop_product_search_vector() RETURNS trigger AS $$
BEGIN
  NEW.search_vector :=
    setweight(to_tsvector('english', coalesce(NEW.name, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(NEW.description, '')), 'B');
  RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER shop_product_search_vector_trigger
BEFORE INSERT OR UPDATE OF name, description ON shop_product
FOR EACH ROW EXECUTE FUNCTION shop_product_search_vector();

CREATE INDEX shop_product_search_gin ON shop_product USING gin (search_vector);

UPDATE shop_product SET name = name;
"""

BACKWARD = """
DROP INDEX IF EXISTS shop_product_search_gin;
DROP TRIGGER IF EXISTS shop_product_search_vector_trigger ON shop_product;
DROP FUNCTION IF EXISTS shop_product_search_vector();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_catalog_cart_orders")]

    operations = [migrations.RunPython(forward, backward)]
