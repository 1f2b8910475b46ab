"""A saved search's ``salary_period`` filter is now ``salary_min_period``: the period its
``salary_min`` is given in, not a filter on the jobs' own ``salary_period``."""

from django.db import migrations

OLD, NEW = "salary_period", "salary_min_period"


def rename(apps, schema_editor, old=OLD, new=NEW):
    SavedSearch = apps.get_model("jobs", "SavedSearch")
    for search in SavedSearch.objects.filter(filters__has_key=old).iterator():
        search.filters[new] = search.filters.pop(old)
        search.save(update_fields=["filters"])


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):
    dependencies = [("jobs", "0004_sqlite_search")]

    operations = [migrations.RunPython(rename, rename_back)]
