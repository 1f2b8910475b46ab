"""CORS, CSRF, trusted proxies, security headers and the Content-Security-Policy."""

from __future__ import annotations

from csp.constants import NONCE, NONE, SELF

from .environment import env

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
# Demo mode (`make run`, the tests): a frontend dev server on this machine may call the
# API from any port, over http or https (Vite on :5173, ...); its origin is echoed,
# never `*`. Production settings allow CORS_ALLOWED_ORIGINS only (config.settings.production).
_LOCAL_ORIGIN = r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?\Z"
CORS_ALLOWED_ORIGIN_REGEXES = [_LOCAL_ORIGIN] if env.bool("NEXUS_DEMO_MODE", default=False) else []
# What a browser app on another origin may read (docs/frontend.md uses each) and send:
# `RateLimit`/`RateLimit-Policy` say what is left before a 429 (core.http.throttling),
# `Idempotent-Replayed` tells a retried write from a new one, `ETag`/`If-None-Match`
# revalidate cached catalog reads, `Last-Event-ID` is sent by EventSource when it
# reconnects to a stream, and `traceparent`/`tracestate` by tracing instrumentation
# (W3C Trace Context, e.g. OpenTelemetry's fetch instrumentation).
CORS_EXPOSE_HEADERS = [
    "X-Request-ID",
    "Retry-After",
    "RateLimit",
    "RateLimit-Policy",
    "Location",
    "ETag",
    "Idempotent-Replayed",
]
CORS_ALLOW_HEADERS = [
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "if-none-match",
    "last-event-id",
    "traceparent",
    "tracestate",
    "x-request-id",
]
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The proxies (addresses or CIDR ranges) in front of the app, e.g. the ingress
# controller's pods. Only their X-Forwarded-For/-Proto/-Host are believed; the client
# is the right-most X-Forwarded-For address that is not one of them (core.http.net).
# Empty: nothing in front, the socket's peer is the client.
NEXUS_TRUSTED_PROXIES = env.list("NEXUS_TRUSTED_PROXIES", default=[])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "core.http.problems.csrf_failure"

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
