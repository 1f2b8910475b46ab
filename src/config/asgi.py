import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

django_application = get_asgi_application()

# After Django is set up: the guard reads settings and core's problem details.
from core.http_guard import BodyGuardASGI  # noqa: E402

# Bodies are bounded before Django reads them; chunked bodies reach DRF with a length.
application = BodyGuardASGI(django_application)
