"""Gunicorn settings for the container image's WSGI role (the default command):

    gunicorn -c infra/gunicorn.conf.py -k gthread config.wsgi:application

REST, GraphQL, the admin, pages and health run there, on gthread workers: sync
Django views cost 1.5-4x less CPU under gthread than under uvicorn workers
(bench/RESULTS.md). The streaming paths (Server-Sent Events) run on the image's
second role, one plain uvicorn process per container (see infra/Dockerfile); it
does not read this file.

The command line names the shape with ``-k`` and wins over ``worker_class`` below.
The file default stays the uvicorn worker so that ``gunicorn -c
infra/gunicorn.conf.py config.asgi:application`` (an ASGI app on gunicorn, as
tests/core/live_servers.py and bench/run.py start it) keeps working; a gthread
worker cannot serve an ASGI app, nor should a uvicorn worker serve a WSGI one.
Every knob the environment may change is read here and documented in
``.env.example`` (section "Serving")."""

import os

# One port everywhere: the Dockerfile EXPOSE, compose, the Kubernetes Service.
bind = "0.0.0.0:8000"

# Processes per container: scale out with more containers rather than more workers.
# On 2 cores, 2 workers beat 4 (measured on the project machines).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Overridden by `-k gthread` in the WSGI command (see the docstring).
# config.workers.UvicornWorker is uvicorn's worker without its X-Forwarded-For
# rewriting and without the "Server: uvicorn" banner.
worker_class = "config.workers.UvicornWorker"
# gthread: request threads per worker (ignored by the uvicorn worker). Each thread
# keeps its own persistent database connection (DATABASE_CONN_MAX_AGE), so a WSGI
# container holds up to WEB_CONCURRENCY x GUNICORN_THREADS PostgreSQL connections.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Longer than the proxy's idle timeout for upstream connections (nginx keeps them
# 60 s), so the proxy, not gunicorn, closes idle kept-alive connections.
keepalive = 75
# Seconds a silent worker may block before it is restarted. Long-lived responses
# (SSE) never reach this role: the proxy routes them to the stream role.
timeout = 60
# On SIGTERM, finish in-flight requests for this long; keep it below the
# orchestrator's grace period (Kubernetes terminationGracePeriodSeconds: 45).
graceful_timeout = 30

# Forwarded headers are the app's business, not the server's: Django reads
# X-Forwarded-For/-Proto/-Host only from NEXUS_TRUSTED_PROXIES (core.http.net,
# core.http.middleware.ClientIpMiddleware, SECURE_PROXY_SSL_HEADER). Gunicorn never
# rewrites REMOTE_ADDR; from the peers in forwarded_allow_ips it would set the URL
# scheme from X-Forwarded-Proto/-Protocol/-Ssl (and map SCRIPT_NAME/PATH_INFO
# headers), behind Django's back, for gthread workers. So it trusts no peer and
# reads no scheme header (its default, 127.0.0.1, would trust anything on the pod).
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}

# Logs go to stdout/stderr for the container runtime to collect.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()

# Heartbeat files on tmpfs: a read-only root filesystem and slow disks cannot stall workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
