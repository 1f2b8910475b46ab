"""The domains' knobs: shop, social, movies, jobs, polls."""

from __future__ import annotations

from .cache import REDIS_URL
from .environment import VAR_DIR, env
from .static import STORAGES

# --- shop -------------------------------------------------------------------

# An unpaid order (bank transfer, card) expires this long after it is placed and
# its stock goes back on sale.
SHOP_PAYMENT_WINDOW_MINUTES = env.int("SHOP_PAYMENT_WINDOW_MINUTES", default=24 * 60)
# No hoarding: the unpaid units (pending orders within their window, and cash on
# delivery ones) one customer may hold, per product and in all; an order past either
# is a 409 `reservation_limit`.
SHOP_MAX_UNPAID_UNITS_PER_PRODUCT = env.int("SHOP_MAX_UNPAID_UNITS_PER_PRODUCT", default=10)
SHOP_MAX_UNPAID_UNITS = env.int("SHOP_MAX_UNPAID_UNITS", default=50)
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

# --- polls --------------------------------------------------------------------

# How long a results-stream ticket (POST .../stream-ticket/) stays valid.
POLLS_STREAM_TICKET_SECONDS = env.int("POLLS_STREAM_TICKET_SECONDS", default=60)
