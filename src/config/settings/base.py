"""Settings shared by every environment.

Every knob is an environment variable read through one ``environ.Env``; each
is documented in ``.env.example``. Environment modules (``local``,
``production``, ``test``) only change defaults and add hardening.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parents[3]
SRC_DIR = BASE_DIR / "src"
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- core -------------------------------------------------------------------

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
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
    "core.middleware.RequestIdMiddleware",
    "core.middleware.ClientIpMiddleware",
    # Outside ProblemFallbackMiddleware: the problem bodies it makes get the header too.
    "csp.middleware.CSPMiddleware",
    "core.middleware.ProblemFallbackMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # ETag on GET responses and 304 for If-None-Match (catalog clients revalidate cheaply).
    "django.middleware.http.ConditionalGetMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "core.middleware.MalformedRequestMiddleware",
    "core.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

# --- database ---------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'nexus.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep connections: a new PostgreSQL connection costs ~40 ms per request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# psycopg's pool (Django >= 5.1): the right choice under ASGI, where persistent
# per-thread connections are not reused. Pooled connections need CONN_MAX_AGE=0.
DATABASE_POOL = env.bool("DATABASE_POOL", default=False)
if DATABASE_POOL and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        # Connections above min_size unused this long are closed (the stream role sets
        # min 0 and a short idle time: idle streams leave no connection open).
        "max_idle": env.float("DATABASE_POOL_MAX_IDLE", default=600.0),
    }

if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    if "OPTIONS" in DATABASES["default"]:
        DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"]["OPTIONS"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["core.db.PrimaryReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- identity ---------------------------------------------------------------

AUTH_USER_MODEL = "core.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    # First: the cap stops a megabyte password before any other validator reads it.
    {"NAME": "core.validators.MaximumLengthPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- static -----------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=VAR_DIR / "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # whitenoise's CompressedManifestStaticFilesStorage, keeping SRI-pinned files intact.
    "staticfiles": {"BACKEND": "core.storage.NexusStaticFilesStorage"},
}

# --- request limits ---------------------------------------------------------

# Bodies above this are refused with 413 before any parser reads them.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_MAX_BODY_BYTES", default=1_048_576)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
NEXUS_MAX_UPLOAD_BYTES = env.int("NEXUS_MAX_UPLOAD_BYTES", default=10_485_760)
# JSON nested deeper than this is a 400 (core.parsers), for REST bodies and GraphQL.
NEXUS_MAX_JSON_DEPTH = env.int("NEXUS_MAX_JSON_DEPTH", default=32)

# --- cache ------------------------------------------------------------------

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="nexus"),
            "TIMEOUT": env.int("CACHE_DEFAULT_TIMEOUT", default=300),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # A Redis outage degrades to the database; it is logged, never a 500.
                "IGNORE_EXCEPTIONS": True,
                "LOG_IGNORED_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT", default=0.5),
                "SOCKET_TIMEOUT": env.float("REDIS_SOCKET_TIMEOUT", default=0.5),
                # After a connection failure Redis is skipped for REDIS_BREAKER_SECONDS
                # (core.breaker), so an unanswering Redis costs one timeout, not one a call.
                "CONNECTION_FACTORY": "core.breaker.ConnectionFactory",
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "core.cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "nexus",
            "TIMEOUT": env.int("CACHE_DEFAULT_TIMEOUT", default=300),
        }
    }
# core.breaker: after a Redis connection failure, skip that Redis this many seconds
# (every client of the process: cache, throttles, feeds, stream publishing); 0: off.
REDIS_BREAKER_SECONDS = env.float("REDIS_BREAKER_SECONDS", default=5.0)

# --- live streams (core.streams: pub/sub behind Server-Sent Events) ----------

# Redis pub/sub carries "changed" wake-ups between processes; without it, in-process.
STREAMS_REDIS_URL = env("STREAMS_REDIS_URL", default="") or REDIS_URL
STREAMS_CHANNEL_PREFIX = (
    env("STREAMS_CHANNEL_PREFIX", default="") or env("CACHE_KEY_PREFIX", default="nexus")
) + ":stream:"
# Heartbeat comments keep proxies from closing an idle stream (nginx's default is 60 s).
STREAMS_HEARTBEAT_SECONDS = env.float("STREAMS_HEARTBEAT_SECONDS", default=15.0)
# Coalescing: at most one reload (and one event) per topic and process per interval.
STREAMS_MIN_INTERVAL_SECONDS = env.float("STREAMS_MIN_INTERVAL_SECONDS", default=0.25)
# Reload anyway this often (pub/sub is at-most-once) ...
STREAMS_SAFETY_POLL_SECONDS = env.float("STREAMS_SAFETY_POLL_SECONDS", default=15.0)
# ... and this often while Redis is unreachable.
STREAMS_FALLBACK_POLL_SECONDS = env.float("STREAMS_FALLBACK_POLL_SECONDS", default=2.0)
STREAMS_RETRY_MILLISECONDS = env.int("STREAMS_RETRY_MILLISECONDS", default=3000)

# --- polls --------------------------------------------------------------------

# How long a results-stream ticket (POST .../stream-ticket/) stays valid.
POLLS_STREAM_TICKET_SECONDS = env.int("POLLS_STREAM_TICKET_SECONDS", default=60)

# --- tasks ------------------------------------------------------------------

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="nexus")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Receipts of tasks delivered through the outbox (their effects run once) are kept this long.
TASK_RECEIPT_DAYS = env.int("TASK_RECEIPT_DAYS", default=7)
# Publishing from a request must not hang when the broker is down: the outbox keeps the task.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
# Domains add entries through core.tasking.register_periodic(); see config/celery.py.
CELERY_BEAT_SCHEDULE: dict = {}
# Queues beyond the default one, named after it so a test run or a second deployment
# on the same broker stays apart. A worker started without -Q consumes every queue in
# CELERY_TASK_QUEUES (Makefile, compose, Kubernetes do); tests/infra fails when a
# routed queue is missing from it or from a worker command.
SOCIAL_FANOUT_QUEUE = (
    env("SOCIAL_FANOUT_QUEUE", default="") or f"{CELERY_TASK_DEFAULT_QUEUE}-social-fanout"
)
CELERY_TASK_ROUTES = {
    "social.tasks.feed_fan_out_task": {"queue": SOCIAL_FANOUT_QUEUE},
    "social.tasks.feed_retract_task": {"queue": SOCIAL_FANOUT_QUEUE},
}
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in dict.fromkeys([CELERY_TASK_DEFAULT_QUEUE, SOCIAL_FANOUT_QUEUE])
]

# --- email ------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Nexus <no-reply@nexus.localhost>")

# --- REST -------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "core.parsers.FormParser",
        "core.parsers.MultiPartParser",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.negotiation.FallbackContentNegotiation",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttling.AnonBurstThrottle",
        "core.throttling.UserBurstThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="120/min"),
        "user": env("THROTTLE_USER", default="600/min"),
        "auth": env("THROTTLE_AUTH", default="10/min"),
        "jobs_apply": env("THROTTLE_JOBS_APPLY", default="30/hour"),
        # core.throttling.ScopedUserThrottle / ScopedIPThrottle, named by a view's scope
        "poll_vote": env("THROTTLE_POLL_VOTE", default="30/min"),
        "poll_vote_ip": env("THROTTLE_POLL_VOTE_IP", default="300/min"),
        # social writes (posts, comments, likes, follows...), per user, REST and GraphQL
        "social_write": env("THROTTLE_SOCIAL_WRITE", default="120/min"),
    },
    "EXCEPTION_HANDLER": "core.errors.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env("JWT_SIGNING_KEY", default="") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    # Tokens whose claims are not what we issue (a non-numeric user id, an absurd
    # expiry) are refused as invalid, a 401, never a 500 (core.tokens).
    "AUTH_TOKEN_CLASSES": ("core.tokens.AccessToken",),
    "LEEWAY": 5,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Nexus API",
    "DESCRIPTION": (
        "Five reference backends on one core: shop, social, movies, jobs and polls. "
        "Authenticate with `POST /api/v1/auth/token/`, then use **Authorize** with the "
        "access token. Errors are RFC 9457 problem details (`application/problem+json`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1/",
    # `<id:pk>` (core.converters) is a database id: an integer, as in the bodies, so
    # generated clients type `{id}` as the number they read (not a digit string).
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1}
    },
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "JobApplicationStatusEnum": "jobs.models.ApplicationStatus",
        "JobApplicationMoveEnum": "jobs.api.serializers.applications.APPLICATION_MOVES",
    },
    "TAGS": [
        {"name": "auth", "description": "Identity: registration, JWT, profile, notifications."},
        {"name": "shop", "description": "E-commerce: catalog, cart, checkout, orders."},
        {"name": "social", "description": "Social feed (REST side; GraphQL at /graphql/)."},
        {"name": "movies", "description": "Movie catalog, ratings and recommendations."},
        {"name": "jobs", "description": "Job board: postings, applications, employers."},
        {"name": "polls", "description": "Live polls: questions, votes, streamed results."},
        {"name": "health", "description": "Liveness and readiness probes."},
    ],
    # Swagger UI and ReDoc assets are served from our own static files (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {
        "persistAuthorization": True,
        "deepLinking": True,
        "displayOperationId": False,
        "filter": True,
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.add_stream_operations",
    ],
}

GRAPHENE = {
    "SCHEMA": "config.schema.schema",
    "RELAY_CONNECTION_MAX_LIMIT": env.int("GRAPHQL_MAX_PAGE_SIZE", default=100),
    "RELAY_CONNECTION_ENFORCE_FIRST_OR_LAST": False,
    "ATOMIC_MUTATIONS": True,
}
# Limits on every GraphQL document, introspection included. Size and tokens are
# checked before and while parsing, so an oversized document costs milliseconds;
# depth, aliases and fields are checked before execution. Introspection obeys the
# same depth: GraphiQL's query is 12 levels deep, graphql-core's (Python clients,
# schemathesis) 14.
GRAPHQL_MAX_QUERY_BYTES = env.int("GRAPHQL_MAX_QUERY_BYTES", default=20_000)
GRAPHQL_MAX_TOKENS = env.int("GRAPHQL_MAX_TOKENS", default=3_000)
GRAPHQL_MAX_DEPTH = env.int("GRAPHQL_MAX_DEPTH", default=15)
GRAPHQL_MAX_ALIASES = env.int("GRAPHQL_MAX_ALIASES", default=30)
GRAPHQL_MAX_FIELDS = env.int("GRAPHQL_MAX_FIELDS", default=500)
# Estimated cost: each selected field counts 1, times the page sizes (`first`/`last`)
# of the connections above it, so nested pages cannot multiply into a huge response.
GRAPHQL_MAX_COST = env.int("GRAPHQL_MAX_COST", default=20_000)
# The schema is public (it is in the repository, like the OpenAPI schema), so both
# default to on; turning introspection off also leaves GraphiQL without its docs.
GRAPHQL_INTROSPECTION = env.bool("GRAPHQL_INTROSPECTION", default=True)
GRAPHQL_GRAPHIQL = env.bool("GRAPHQL_GRAPHIQL", default=True)

# --- shop -------------------------------------------------------------------

# An unpaid order (bank transfer, card) expires this long after it is placed and
# its stock goes back on sale.
SHOP_PAYMENT_WINDOW_MINUTES = env.int("SHOP_PAYMENT_WINDOW_MINUTES", default=24 * 60)
# Carts nobody touched for this many days are emptied (beat).
SHOP_CART_ABANDONED_DAYS = env.int("SHOP_CART_ABANDONED_DAYS", default=30)
# The card provider's webhook signing secret; empty refuses every webhook.
SHOP_WEBHOOK_SECRET = env("SHOP_WEBHOOK_SECRET", default="")

# --- social -----------------------------------------------------------------

# Home feeds: capped Redis sorted sets (SOCIAL_FEED_REDIS_URL, default REDIS_URL; none:
# every feed is read from PostgreSQL). A feed unread for SOCIAL_FEED_TTL_DAYS expires;
# fan-out skips it and the owner's next read rebuilds it.
SOCIAL_FEED_REDIS_URL = env("SOCIAL_FEED_REDIS_URL", default="") or REDIS_URL
SOCIAL_FEED_MAX_ITEMS = env.int("SOCIAL_FEED_MAX_ITEMS", default=500)
SOCIAL_FEED_TTL_DAYS = env.int("SOCIAL_FEED_TTL_DAYS", default=14)
# Authors with at least this many followers are not fanned out: their posts are merged
# into followers' feeds at read time (hybrid), so one account cannot cause a backlog.
SOCIAL_FANOUT_MAX_FOLLOWERS = env.int("SOCIAL_FANOUT_MAX_FOLLOWERS", default=10_000)
SOCIAL_FANOUT_BATCH = env.int("SOCIAL_FANOUT_BATCH", default=1000)
SOCIAL_TRENDING_CACHE_SECONDS = env.int("SOCIAL_TRENDING_CACHE_SECONDS", default=60)
# Likes, comments, shares and follows within this window become one notification.
SOCIAL_NOTIFY_WINDOW_SECONDS = env.int("SOCIAL_NOTIFY_WINDOW_SECONDS", default=300)

# --- movies -----------------------------------------------------------------

# TMDb (https://www.themoviedb.org/) enriches the MovieLens catalog and powers search and
# trending when a v4 read access token is set; empty, movies run on MovieLens alone.
TMDB_API_TOKEN = env("TMDB_API_TOKEN", default="")
TMDB_BASE_URL = env("TMDB_BASE_URL", default="https://api.themoviedb.org/3")
TMDB_TIMEOUT_SECONDS = env.float("TMDB_TIMEOUT_SECONDS", default=5.0)
# Outbound requests per second, shared by every process through the cache (Redis);
# TMDb's ceiling is about 40-50.
TMDB_RATE_LIMIT_PER_SECOND = env.int("TMDB_RATE_LIMIT_PER_SECOND", default=20)
# Personal recommendation lists stay cached this long (seconds) unless the user rates,
# favorites or changes preferences, or a new model is trained.
MOVIES_RECOMMENDATIONS_TTL = env.int("MOVIES_RECOMMENDATIONS_TTL", default=3600)

# --- jobs -------------------------------------------------------------------

# On: a submitted job waits in the moderation queue; off (the default, the demo's):
# submitting publishes it at once.
JOBS_MODERATION = env.bool("JOBS_MODERATION", default=False)
# A published job expires this many days after publication unless it says otherwise.
JOBS_DEFAULT_DURATION_DAYS = env.int("JOBS_DEFAULT_DURATION_DAYS", default=30)
# Largest résumé accepted (bytes).
JOBS_RESUME_MAX_BYTES = env.int("JOBS_RESUME_MAX_BYTES", default=5 * 1024 * 1024)
# Résumés are private: never under MEDIA_ROOT or a public URL, only downloaded through
# the API. Local files by default; an S3-compatible bucket when a bucket is set (pods
# share no disk).
JOBS_RESUME_S3_BUCKET = env("JOBS_RESUME_S3_BUCKET", default="")
if JOBS_RESUME_S3_BUCKET:
    STORAGES["resumes"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": JOBS_RESUME_S3_BUCKET,
            "endpoint_url": env("JOBS_RESUME_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("JOBS_RESUME_S3_REGION", default="") or None,
            "access_key": env("JOBS_RESUME_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("JOBS_RESUME_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": "resumes",
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    STORAGES["resumes"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.path("JOBS_RESUME_ROOT", default=VAR_DIR / "resumes"),
            "directory_permissions_mode": 0o700,
            "file_permissions_mode": 0o600,
        },
    }

# --- CORS and security ------------------------------------------------------

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
# What a browser app on another origin may read (docs/frontend.md uses each) and send:
# `Idempotent-Replayed` tells a retried write from a new one, `ETag`/`If-None-Match`
# revalidate cached catalog reads, and `Last-Event-ID` is sent by EventSource when it
# reconnects to a stream.
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After", "Location", "ETag", "Idempotent-Replayed"]
CORS_ALLOW_HEADERS = [
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "if-none-match",
    "last-event-id",
    "x-request-id",
]
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The proxies (addresses or CIDR ranges) in front of the app, e.g. the ingress
# controller's pods. Only their X-Forwarded-For/-Proto/-Host are believed; the client
# is the right-most X-Forwarded-For address that is not one of them (core.net).
# Empty: nothing in front, the socket's peer is the client.
NEXUS_TRUSTED_PROXIES = env.list("NEXUS_TRUSTED_PROXIES", default=[])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "core.errors.csrf_failure"

# Content-Security-Policy (django-csp) on every response. Every HTML page works
# under it: tests/core/test_browser.py loads each one in Chromium and fails on any
# violation. Scripts come from our origin or are inline with this request's nonce
# (`request.csp_nonce`); nothing is loaded from another host; no 'unsafe-inline'
# anywhere. One page adds to it: ReDoc (CONTENT_SECURITY_POLICY_REDOC below).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        # GraphiQL's stylesheet embeds its fonts as data: URIs.
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Added to the policy on /api/redoc/ only (config/urls.py). ReDoc writes <style>
# elements at runtime: those it makes after Redoc.init carry the nonce that
# core/static/core/redoc-init.js hands it; two are made while its bundle loads,
# before it can know a nonce, and are allowed by their hashes: the perfect-scrollbar
# stylesheet inside the bundle and an empty styled-components sheet. Its search
# index runs in a Web Worker started from a blob: URL.
CONTENT_SECURITY_POLICY_REDOC = {
    "style-src": [
        NONCE,
        "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    ],
    "worker-src": [SELF, "blob:"],
}

# --- logging ----------------------------------------------------------------

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_FORMAT = env("LOG_FORMAT", default="text")  # "text" or "json"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
    "formatters": {
        "text": {
            "format": (
                "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(client_ip)s] %(message)s"
            ),
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(client_ip)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.request": {"level": "ERROR", "propagate": True},
    },
}
