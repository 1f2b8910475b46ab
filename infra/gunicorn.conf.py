"""Gunicorn settings for the container image: ``gunicorn -c infra/gunicorn.conf.py
config.asgi:application``. Every knob the environment may change is read here and
documented in ``.env.example`` (section "Serving")."""

import os

# One port everywhere: the Dockerfile EXPOSE, compose, the Kubernetes Service.
bind = "0.0.0.0:8000"

# Processes per container: scale out with more containers rather than more workers.
# On 2 cores, 2 workers beat 4 (measured on the project machines).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# ASGI: live poll results stream; the uvicorn worker runs Django's ASGI handler.
# config.workers.UvicornWorker is uvicorn's worker without its X-Forwarded-For
# rewriting and without the "Server: uvicorn" banner.
worker_class = "config.workers.UvicornWorker"

# Longer than the load balancer's idle timeout (60 s on most), so the balancer,
# not gunicorn, closes idle kept-alive connections.
keepalive = 75
# Seconds a silent worker may block before it is restarted (uvicorn workers
# heartbeat while streaming, so long responses are not cut).
timeout = 60
# On SIGTERM, finish in-flight requests for this long; keep it below the
# orchestrator's grace period (Kubernetes terminationGracePeriodSeconds: 45).
graceful_timeout = 30

# Forwarded headers are the app's business, not the server's: Django reads
# X-Forwarded-For/-Proto/-Host only from NEXUS_TRUSTED_PROXIES (core.net,
# core.middleware.ClientIpMiddleware, SECURE_PROXY_SSL_HEADER). Gunicorn never
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
