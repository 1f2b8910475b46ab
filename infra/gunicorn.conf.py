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
worker_class = "uvicorn_worker.UvicornWorker"

# Longer than the load balancer's idle timeout (60 s on most), so the balancer,
# not gunicorn, closes idle kept-alive connections.
keepalive = 75
# Seconds a silent worker may block before it is restarted (uvicorn workers
# heartbeat while streaming, so long responses are not cut).
timeout = 60
# On SIGTERM, finish in-flight requests for this long; keep it below the
# orchestrator's grace period (Kubernetes terminationGracePeriodSeconds: 45).
graceful_timeout = 30

# Trust X-Forwarded-For/-Proto only from these proxy addresses ("*" when the
# container is reachable only through the ingress or load balancer).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs go to stdout/stderr for the container runtime to collect.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()

# Heartbeat files on tmpfs: a read-only root filesystem and slow disks cannot stall workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
