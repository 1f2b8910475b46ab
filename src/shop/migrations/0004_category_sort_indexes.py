"""A ``(category, sort key, id)`` index for each ordering of the product list (price had
one already), for active products: a category's page is then an index seek whatever
the category's size (``shop.selectors.CategorySeekQuerySet``). Built ``CONCURRENTLY`` on
PostgreSQL (a million products keep taking orders meanwhile), plainly elsewhere."""

from typing import Any

from django.db import migrations, models
from django.db.migrations.operations import AddIndex


class AddIndexConcurrentlyOnPostgres(AddIndex):
    """``AddIndex``, built without locking writes out on PostgreSQL (the migration is
    not atomic: ``CREATE INDEX CONCURRENTLY`` refuses a transaction)."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_index(model, self.index, concurrently=True)
        else:
            schema_editor.add_index(model, self.index)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.remove_index(model, self.index, concurrently=True)
        else:
            schema_editor.remove_index(model, self.index)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("shop", "0003_sqlite_search")]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="product",
            index=models.Index(
                condition=models.Q(("is_active", True)),
                fields=["category", key, "id"],
                name=f"shop_prod_cat_{name}",
            ),
        )
        for key, name in (("created_at", "created"), ("name", "name"), ("popularity", "popular"))
    ]
