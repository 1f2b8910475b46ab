"""Every existing account gets an empty profile (new ones get it on UserRegistered)."""

from django.conf import settings
from django.db import migrations


def backfill(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Profile = apps.get_model("social", "Profile")
    missing = User.objects.filter(social_profile__isnull=True).values_list("pk", flat=True)
    batch = []
    for user_id in missing.iterator(chunk_size=2000):
        batch.append(Profile(user_id=user_id))
        if len(batch) >= 2000:
            Profile.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Profile.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("social", "0001_posts_follows_feed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
