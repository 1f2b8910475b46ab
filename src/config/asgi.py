import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Under ASGI each request's sync code runs in a thread of its own: a persistent
# per-thread connection is never reused and stays open until garbage collection.
# Close them after each request unless told otherwise; DATABASE_POOL=true reuses
# connections safely (the production stream role does).
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")

django_application = get_asgi_application()

# After Django is set up: the guard reads settings and core's problem details.
from core.http.guard import BodyGuardASGI  # noqa: E402

# Bodies are bounded before Django reads them; chunked bodies reach DRF with a length.
application = BodyGuardASGI(django_application)
