import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

django_application = get_wsgi_application()

# After Django is set up: the guard reads settings and core's problem details.
from core.http.guard import BodyGuardWSGI  # noqa: E402

# Bodies are bounded before Django reads them; chunked bodies reach Django with a length.
application = BodyGuardWSGI(django_application)
