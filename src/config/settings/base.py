"""Settings shared by every environment.

Every knob is an environment variable read through one ``environ.Env``; each
is documented in ``.env.example``. Environment modules (``local``,
``production``, ``test``) only change defaults and add hardening.

This module holds the core Django settings; the paths, the one ``env`` and the secret
come from ``environment``, and each integration has its own module, pulled in at the
end (see there).
"""

from __future__ import annotations

# Re-exported: Django reads SECRET_KEY here, and the environment modules and tests the paths.
from .environment import BASE_DIR, SECRET_KEY, SRC_DIR, VAR_DIR, env  # noqa: F401

# --- core -------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
# Demo mode creates demo accounts and shows their passwords on the landing page.
NEXUS_DEMO_MODE = env.bool("NEXUS_DEMO_MODE", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "graphene_django",
    "graphene_django_graphiql_static",
    "csp",
    "core",
    "shop",
    "social",
    "movies",
    "jobs",
    "polls",
]

MIDDLEWARE = [
    "core.http.middleware.RequestIdMiddleware",
    "core.http.middleware.ClientIpMiddleware",
    # What the throttles found, as RateLimit headers (also on the problem bodies below).
    "core.http.middleware.RateLimitHeadersMiddleware",
    # Outside ProblemFallbackMiddleware: the problem bodies it makes get the header too.
    "csp.middleware.CSPMiddleware",
    "core.http.middleware.ProblemFallbackMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # ETag on GET responses and 304 for If-None-Match (catalog clients revalidate cheaply).
    "django.middleware.http.ConditionalGetMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "core.http.middleware.MalformedRequestMiddleware",
    "core.http.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.http.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: it needs the resolved route (process_view), and refuses before any view runs.
    "core.http.middleware.QueryParameterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- integrations -----------------------------------------------------------

# One module per integration, in the order of the sections they came from (the polls
# knob now sits with the other domains'). Each imports what it reads from where that is
# defined: ``env``, the paths and SECRET_KEY from ``environment``,
# REDIS_URL from ``cache``, STORAGES (``domains`` adds "resumes") from ``static``. The
# star imports put every setting in this namespace, where Django and ``local``,
# ``production`` and ``test`` (``from .base import *``) find them.
# isort: off
from .database import *  # noqa: E402,F403
from .identity import *  # noqa: E402,F403
from .static import *  # noqa: E402,F403
from .limits import *  # noqa: E402,F403
from .cache import *  # noqa: E402,F403
from .tasks import *  # noqa: E402,F403
from .email import *  # noqa: E402,F403
from .rest import *  # noqa: E402,F403
from .domains import *  # noqa: E402,F403
from .security import *  # noqa: E402,F403
from .logging import *  # noqa: E402,F403
# isort: on
