"""The APIs: REST framework, JWT, OpenAPI (drf-spectacular), GraphQL (graphene)."""

from __future__ import annotations

from datetime import timedelta

from .environment import SECRET_KEY, env

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.identity.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "core.http.parsers.JSONParser",
        "core.http.parsers.FormParser",
        "core.http.parsers.MultiPartParser",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.http.negotiation.FallbackContentNegotiation",
    "DEFAULT_PAGINATION_CLASS": "core.http.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "core.http.throttling.AnonBurstThrottle",
        "core.http.throttling.UserBurstThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="120/min"),
        "user": env("THROTTLE_USER", default="600/min"),
        "auth": env("THROTTLE_AUTH", default="10/min"),
        "jobs_apply": env("THROTTLE_JOBS_APPLY", default="30/hour"),
        # core.http.throttling.ScopedUserThrottle / ScopedIPThrottle, named by a view's scope
        "poll_vote": env("THROTTLE_POLL_VOTE", default="30/min"),
        "poll_vote_ip": env("THROTTLE_POLL_VOTE_IP", default="300/min"),
        # social writes (posts, comments, likes, follows...), per user, REST and GraphQL
        "social_write": env("THROTTLE_SOCIAL_WRITE", default="120/min"),
        # running a live proof (demo mode), per client IP: each run takes the whole site's
        # one proof slot for up to a few seconds
        "proof_run_ip": env("THROTTLE_PROOF_RUN_IP", default="20/min"),
    },
    "EXCEPTION_HANDLER": "core.http.problems.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.http.openapi.AutoSchema",
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
    # expiry) are refused as invalid, a 401, never a 500 (core.identity.tokens).
    "AUTH_TOKEN_CLASSES": ("core.identity.tokens.AccessToken",),
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
    # OpenAPI 3.1: JSON Schema 2020-12 (nullable is a type array, `["string", "null"]`), and
    # webhooks. The event stream's schema (core.http.openapi) follows 3.2's `itemSchema`.
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1/",
    # `<id:pk>` (core.http.converters) is a database id: an integer, as in the bodies, so
    # generated clients type `{id}` as the number they read (not a digit string).
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1}
    },
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "JobApplicationStatusEnum": "jobs.models.ApplicationStatus",
        "JobApplicationMoveEnum": "jobs.api.serializers.applications.APPLICATION_MOVES",
        # The statuses of the allowed_transitions lists (one choice set per resource).
        "OrderStatusEnum": "shop.models.OrderStatus",
        "JobStatusEnum": "jobs.models.JobStatus",
        "StateEnum": "polls.models.POLL_STATES",  # a poll's state, as before
        "FeedOriginEnum": "social.home_feed.ORIGINS",  # a social feed entry's origin
    },
    "TAGS": [
        {
            "name": "api",
            "description": "The API's index: the domains, sign-in, the schema, docs and GraphQL.",
        },
        {"name": "auth", "description": "Identity: registration, JWT, profile, notifications."},
        {"name": "shop", "description": "E-commerce: catalog, cart, checkout, orders."},
        {"name": "social", "description": "Social feed (REST side; GraphQL at /graphql/)."},
        {"name": "movies", "description": "Movie catalog, ratings and recommendations."},
        {"name": "jobs", "description": "Job board: postings, applications, employers."},
        {"name": "polls", "description": "Live polls: questions, votes, streamed results."},
        {"name": "health", "description": "Liveness and readiness probes."},
        {
            "name": "proofs",
            "description": "Live proofs (demo mode only): the invariants the suite proves, "
            "run on demand against the real database.",
        },
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
        "core.http.openapi.add_stream_operations",
        "core.http.openapi.add_rate_limit_headers",
        "core.http.openapi.jsonschema_nullable",
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
# Documents that parsed and passed validation are kept by hash (per process, least
# recently used first out), up to this many bytes of document text: a parsed document
# takes about 150 bytes of memory per byte of text, so 64 KiB is about 10 MB. 0 keeps none.
GRAPHQL_DOCUMENT_CACHE_BYTES = env.int("GRAPHQL_DOCUMENT_CACHE_BYTES", default=65_536)
