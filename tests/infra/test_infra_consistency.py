"""The scale-out files agree with the app: environment variable names, the port,
probe paths, commands and modules in infra/Dockerfile, infra/compose.yaml,
infra/k8s/*.yaml, infra/gunicorn.conf.py, infra/nginx.conf and the CI workflow.

The serving shape: one image, two web roles. "web" is WSGI (gunicorn gthread,
config.wsgi) and serves everything but the streaming paths; "stream" is ASGI (one
uvicorn process, config.asgi) and serves the streaming paths (Server-Sent Events)
only. A reverse proxy routes by path: nginx in compose, ingress-nginx in
Kubernetes. tests/infra/test_proxy_exercise.py runs the nginx config for real.

These tests read files and import modules only: no database, cache or broker.
"""

from __future__ import annotations

import importlib
import ipaddress
import json
import re
import runpy
import shlex
import tomllib
import urllib.request
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest
import yaml
from django.http.request import validate_host
from django.urls import resolve

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
DOCKERFILE = INFRA / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
COMPOSE = INFRA / "compose.yaml"
K8S = INFRA / "k8s"
GUNICORN_CONF = INFRA / "gunicorn.conf.py"
SETTINGS_DIR = ROOT / "src" / "config" / "settings"
ENV_EXAMPLE = ROOT / ".env.example"
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
MAKEFILE = ROOT / "Makefile"
NGINX_CONF = INFRA / "nginx.conf"

APP_PORT = 8000
ASGI_APP = "config.asgi:application"
WSGI_APP = "config.wsgi:application"
# The web role (the image's default CMD): WSGI on gthread workers.
WSGI_CMD = ["gunicorn", "-c", "infra/gunicorn.conf.py", "-k", "gthread", WSGI_APP]
LIVE = "/health/live/"
READY = "/health/ready/"
PRODUCTION = "config.settings.production"

COMPOSE_APP_SERVICES = ("migrate", "web", "stream", "worker", "beat")
COMPOSE_HTTP_SERVICES = ("web", "stream")
COMPOSE_BACKING_SERVICES = ("postgres", "redis", "rabbitmq")
COMPOSE_PROXY = "proxy"
NAMESPACE = "nexus"
WEB, WORKER, BEAT, MIGRATE = "nexus-web", "nexus-worker", "nexus-beat", "nexus-migrate"
STREAM = "nexus-stream"
HTTP_DEPLOYMENTS = (WEB, STREAM)
CONFIGMAP, SECRET = "nexus-config", "nexus-secrets"

# Variables read by the Python runtime or set for the image's own use, not by the app.
IMAGE_RUNTIME_VARS = {"PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"}

_ENV_CALL = re.compile(
    r"""\benv(?:\.(?:bool|int|float|str|list|tuple|dict|json|path|url|db|db_url|cache|"""
    r"""cache_url|email|email_url|search_url|decimal))?\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)
_OS_ENVIRON = re.compile(
    r"""\bos\.(?:environ\.(?:get|setdefault|pop)\(|getenv\(|environ\[)\s*["']([A-Z][A-Z0-9_]*)["']"""
)
_HTTP_URL = re.compile(r"http://[^/:'\"\s]+:(\d+)(/[^'\"\s]*)")


@pytest.fixture(autouse=True)
def _clean_cache():
    """Overrides the suite's cache-clearing fixture: nothing here touches Redis."""
    return


# --- what the app reads -----------------------------------------------------------


@cache
def settings_vars() -> frozenset[str]:
    names: set[str] = set()
    for module in sorted(SETTINGS_DIR.glob("*.py")):
        text = module.read_text()
        names |= set(_ENV_CALL.findall(text)) | set(_OS_ENVIRON.findall(text))
    return frozenset(names)


@cache
def gunicorn_vars() -> frozenset[str]:
    return frozenset(_OS_ENVIRON.findall(GUNICORN_CONF.read_text()))


@cache
def known_vars() -> frozenset[str]:
    return settings_vars() | gunicorn_vars() | {"DJANGO_SETTINGS_MODULE", "PYTHONPATH"}


@cache
def env_example() -> dict[str, str]:
    pairs = re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", ENV_EXAMPLE.read_text(), re.MULTILINE)
    return dict(pairs)


def assert_known(names, where: str) -> None:
    unknown = sorted(set(names) - known_vars())
    assert not unknown, f"{where} sets variables the app never reads: {unknown}"


def run_probe_snippet(code: str, allowed_hosts: str, monkeypatch) -> urllib.request.Request:
    """Run a `python -c` health check with urlopen stubbed; return the request it made."""
    sent: list[urllib.request.Request] = []
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", allowed_hosts)
    monkeypatch.setattr(urllib.request, "urlopen", lambda request, **_: sent.append(request))
    exec(compile(code, "<healthcheck>", "exec"), {})  # noqa: S102 - our own probe code
    assert len(sent) == 1, "the health check must make exactly one request"
    return sent[0]


def assert_probe_hits_the_app(request: urllib.request.Request, allowed_hosts: str) -> None:
    url = urlsplit(request.full_url)
    assert url.port == APP_PORT
    assert url.path == LIVE
    assert resolve(url.path).url_name == "health-live"
    host = request.get_header("Host")
    assert validate_host(host, allowed_hosts.split(",")), (
        f"probe Host {host!r} is not in ALLOWED_HOSTS {allowed_hosts!r}: Django would answer 400"
    )


def test_the_settings_scan_finds_the_variables():
    # Guards the regexes: if they stopped matching, every "is known" check would be vacuous.
    assert {
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "DATABASE_URL",
        "DATABASE_POOL",
        "REDIS_URL",
        "CELERY_BROKER_URL",
        "CELERY_TASK_ALWAYS_EAGER",
        "DJANGO_STATIC_ROOT",
        "EMAIL_URL",
        "LOG_FORMAT",
        "NEXUS_TRUSTED_PROXIES",
    } <= settings_vars()
    assert {"WEB_CONCURRENCY", "GUNICORN_THREADS", "LOG_LEVEL"} <= gunicorn_vars()


# Replaced by NEXUS_TRUSTED_PROXIES: one setting says which proxies are believed.
RETIRED_VARS = ("DJANGO_NUM_PROXIES", "GUNICORN_FORWARDED_ALLOW_IPS", "FORWARDED_ALLOW_IPS")


@pytest.mark.parametrize(
    "path",
    [
        ENV_EXAMPLE,
        COMPOSE,
        GUNICORN_CONF,
        DOCKERFILE,
        MAKEFILE,
        *sorted(SETTINGS_DIR.glob("*.py")),
        *sorted(K8S.glob("*.yaml")),
    ],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_the_proxy_trust_setting_is_the_only_one(path):
    text = path.read_text()
    assert not [name for name in RETIRED_VARS if re.search(rf"\b{name}\b", text)]
    assert "NUM_PROXIES" not in text


def test_every_variable_the_settings_read_is_documented():
    missing = sorted(settings_vars() - env_example().keys())
    assert not missing, f"read by src/config/settings but missing from .env.example: {missing}"


def test_gunicorn_variables_are_documented_under_serving():
    text = ENV_EXAMPLE.read_text()
    assert "# --- Serving" in text
    serving = text.split("# --- Serving", 1)[1]
    for name in sorted(gunicorn_vars() - settings_vars()):
        assert re.search(rf"^{name}=", serving, re.MULTILINE), (
            f"{name} (read by infra/gunicorn.conf.py) belongs in .env.example's Serving section"
        )
    for name in sorted(gunicorn_vars()):
        assert name in env_example(), f"{name} is read by gunicorn.conf.py but undocumented"


def test_env_example_documents_nothing_the_app_ignores():
    assert_known(env_example(), ".env.example")


# --- app modules and URLs -----------------------------------------------------------


@pytest.mark.parametrize("app", [WSGI_APP, ASGI_APP])
def test_the_served_applications_exist(app):
    module_name, attribute = app.split(":")
    application = getattr(importlib.import_module(module_name), attribute)
    assert callable(application)


def test_celery_app_is_found_from_dash_a_config():
    from celery import Celery
    from celery.app.utils import find_app

    app = find_app("config")
    assert isinstance(app, Celery)
    assert app.main == "nexus"


@pytest.mark.parametrize(("path", "url_name"), [(LIVE, "health-live"), (READY, "health-ready")])
def test_probe_paths_exist_and_skip_the_https_redirect(path, url_name):
    assert resolve(path).url_name == url_name
    production = importlib.import_module(PRODUCTION)
    exempt = [re.compile(pattern) for pattern in production.SECURE_REDIRECT_EXEMPT]
    # SecurityMiddleware matches the exemptions against the path without its leading slash.
    assert any(pattern.search(path.lstrip("/")) for pattern in exempt), (
        f"{path} would be redirected to HTTPS: plain-HTTP probes would fail"
    )


# --- gunicorn -----------------------------------------------------------------------


@cache
def gunicorn_config() -> dict:
    return runpy.run_path(str(GUNICORN_CONF))


def test_gunicorn_binds_the_app_port_with_uvicorn_workers_unless_told_otherwise(monkeypatch):
    """Without -k the file serves an ASGI app (tests/core/live_servers.py, bench/run.py
    start it so); the image's WSGI command says -k gthread (next test)."""
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    config = runpy.run_path(str(GUNICORN_CONF))
    assert config["bind"] == f"0.0.0.0:{APP_PORT}"
    assert config["worker_class"] == "config.workers.UvicornWorker"
    assert config["workers"] == 2
    assert config["threads"] == 4
    assert config["accesslog"] == "-"
    assert config["graceful_timeout"] > 0
    module_name, _, class_name = config["worker_class"].rpartition(".")
    worker = getattr(importlib.import_module(module_name), class_name)
    from uvicorn_worker import UvicornWorker

    assert issubclass(worker, UvicornWorker)
    # uvicorn neither rewrites the client address from X-Forwarded-For nor says "uvicorn".
    assert worker.CONFIG_KWARGS["proxy_headers"] is False
    assert worker.CONFIG_KWARGS["server_header"] is False


def gunicorn_command_config(command: list[str]):
    """gunicorn's own reading of a command line: the -c file, then the command line
    over it (as gunicorn.app.base.Application.load_config does)."""
    from gunicorn.config import Config

    assert command[0] == "gunicorn"
    settings = Config()
    arguments = settings.parser().parse_args(command[1:])
    assert (ROOT / arguments.config).resolve() == GUNICORN_CONF
    for name, value in runpy.run_path(str(ROOT / arguments.config)).items():
        if name in settings.settings:
            settings.set(name, value)
    for name, value in vars(arguments).items():
        if value is not None and name in settings.settings:
            settings.set(name.lower(), value)
    return settings, arguments.args


def test_the_wsgi_command_runs_gthread_workers_on_config_wsgi(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    settings, app = gunicorn_command_config(WSGI_CMD)
    assert app == [WSGI_APP]
    assert settings.worker_class_str == "gthread"
    assert settings.threads == 4
    assert settings.workers == 2
    assert settings.bind == [f"0.0.0.0:{APP_PORT}"]
    assert settings.forwarded_allow_ips == []


def test_gunicorn_leaves_forwarded_headers_to_the_app():
    """REMOTE_ADDR is the socket's peer and the scheme is Django's call
    (NEXUS_TRUSTED_PROXIES): gunicorn believes no forwarder's scheme headers."""
    from gunicorn.config import Config

    settings = Config()
    for name, value in gunicorn_config().items():
        if name in settings.settings:
            settings.set(name, value)
    assert settings.forwarded_allow_ips == []
    assert settings.secure_scheme_headers == {}


def test_make_run_serves_without_proxy_headers_or_banner():
    recipe = MAKEFILE.read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    (serve,) = [line for line in recipe.splitlines() if "uvicorn " in line]
    assert "--no-proxy-headers" in serve.split()
    assert "--no-server-header" in serve.split()


def test_gunicorn_workers_and_threads_follow_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    config = runpy.run_path(str(GUNICORN_CONF))
    assert (config["workers"], config["threads"]) == (5, 8)


# --- the stream role (uvicorn) -------------------------------------------------------


def uvicorn_options(command: list[str]) -> dict:
    """uvicorn's own parsing of a command line (click), without running it."""
    from uvicorn.main import main

    assert command[0] == "uvicorn"
    context = main.make_context("uvicorn", list(command[1:]))
    return context.params


def assert_stream_command(command: list[str], grace_seconds: float) -> None:
    """The ASGI role: config.asgi on the app port, the app (not uvicorn) judging
    forwarded headers, no banner, and a shutdown that cannot hang on open streams."""
    options = uvicorn_options(command)
    assert options["app"] == ASGI_APP
    assert (options["host"], options["port"]) == ("0.0.0.0", APP_PORT)  # noqa: S104
    assert options["proxy_headers"] is False, "core.http.net judges X-Forwarded-For, not uvicorn"
    assert options["server_header"] is False
    assert options["workers"] in (None, 1), "one process per container: scale with containers"
    assert not options["reload"]
    # Idle upstream connections are closed by the proxy (60 s), not by uvicorn.
    assert options["timeout_keep_alive"] > 60
    shutdown = options["timeout_graceful_shutdown"]
    assert shutdown is not None, "without it, SIGTERM waits for every open stream to end"
    assert 0 < shutdown < grace_seconds, (shutdown, grace_seconds)


# --- Dockerfile ---------------------------------------------------------------------


@cache
def dockerfile() -> tuple[tuple[int, str, str], ...]:
    """(stage index, INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    lines, buffer = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            buffer += line[:-1].strip() + " "
            continue
        lines.append(buffer + line)
        buffer = ""
    instructions, stage = [], -1
    for line in lines:
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append((stage, keyword, arguments.strip()))
    return tuple(instructions)


def instructions(keyword: str, stage: int | None = None) -> list[str]:
    return [
        arguments
        for index, name, arguments in dockerfile()
        if name == keyword and (stage is None or index == stage)
    ]


def final_stage() -> int:
    return len(instructions("FROM")) - 1


def env_assignments(stage: int) -> dict[str, str]:
    assignments = {}
    for arguments in instructions("ENV", stage):
        for token in shlex.split(arguments):
            name, equals, value = token.partition("=")
            assert equals, f"use ENV NAME=value, not the legacy form: {arguments!r}"
            assignments[name] = value
    return assignments


def dockerfile_uid() -> int:
    user = instructions("USER")[-1].split(":")[0]
    assert user.isdigit(), "a numeric USER lets Kubernetes verify runAsNonRoot"
    return int(user)


def test_dockerfile_is_multi_stage_on_python_311_slim():
    stages = [shlex.split(arguments) for arguments in instructions("FROM")]
    assert len(stages) >= 2
    for stage in stages:
        assert stage[0].startswith("python:3.11-slim"), stage[0]
    assert stages[0][-2:] == ["AS", "builder"]
    assert any("--from=builder" in arguments for arguments in instructions("COPY", final_stage()))


def test_dockerfile_installs_the_locked_dependencies_with_the_makefiles_uv():
    uv_version = re.search(r"^UV_VERSION := (\S+)$", MAKEFILE.read_text(), re.MULTILINE)[1]
    runs = " ".join(instructions("RUN", 0))
    assert f"uv=={uv_version}" in runs
    assert re.search(r"uv sync\b.*--frozen", runs)
    # Runtime dependencies only: neither the dev group nor the demo data (pyproject's
    # default groups, which `make run` and `make test` install) go into the image.
    assert "--no-default-groups" in runs
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["default-groups"]
    assert set(groups) == {"dev", "demo"}


def dockerfile_comments() -> str:
    """The Dockerfile's comments as one line of words."""
    words: list[str] = []
    for line in DOCKERFILE.read_text().splitlines():
        if line.strip().startswith("#"):
            words += line.strip().lstrip("#").split()
    return " ".join(words)


def test_dockerfile_serves_the_wsgi_role_on_the_app_port_by_default():
    assert json.loads(instructions("CMD")[-1]) == WSGI_CMD
    assert instructions("EXPOSE") == [str(APP_PORT)]


def test_dockerfile_documents_the_stream_roles_command():
    # The same command as compose and Kubernetes run (checked below against both).
    assert " ".join(service("stream")["command"]) in dockerfile_comments()


def test_dockerfile_runs_as_a_non_root_user():
    assert dockerfile_uid() != 0


def test_dockerfile_environment(monkeypatch):
    env = env_assignments(final_stage())
    assert_known(set(env) - IMAGE_RUNTIME_VARS, "infra/Dockerfile (ENV)")
    assert env["DJANGO_SETTINGS_MODULE"] == PRODUCTION
    # Secrets and hosts come from the deployment, never baked into the image.
    assert "DJANGO_SECRET_KEY" not in env
    assert "DJANGO_ALLOWED_HOSTS" not in env
    assert not [a for a in instructions("ARG") if a.startswith("DJANGO_SECRET_KEY")]
    # PYTHONPATH points at where the code is copied.
    workdir = PurePosixPath(instructions("WORKDIR", final_stage())[-1])
    copied = {
        str(workdir / shlex.split(arguments)[-1])
        for arguments in instructions("COPY", final_stage())
        if shlex.split(arguments)[:-1] == ["src"]
    }
    assert env["PYTHONPATH"] in {path.rstrip("/") for path in copied}


def test_dockerfile_collects_static_with_throwaway_production_values():
    runs = [run for run in instructions("RUN", final_stage()) if "collectstatic" in run]
    assert len(runs) == 1
    assert "DJANGO_SECRET_KEY=" in runs[0]
    assert "DJANGO_ALLOWED_HOSTS=" in runs[0]
    assert "--noinput" in runs[0]
    # Production refuses keys under 50 characters: the build-time one must pass too.
    key = re.search(r"DJANGO_SECRET_KEY=(\S+)", runs[0]).group(1)
    assert len(key) >= 50, f"the build-time DJANGO_SECRET_KEY has {len(key)} characters"
    # The files land where the settings look for them at runtime.
    static_root = env_assignments(final_stage())["DJANGO_STATIC_ROOT"]
    assert static_root.startswith(instructions("WORKDIR", final_stage())[-1])


@pytest.mark.parametrize(
    "allowed_hosts", ["nexus.example.org,localhost", ".example.org", "*", "localhost"]
)
def test_dockerfile_healthcheck_probes_liveness_with_an_allowed_host(allowed_hosts, monkeypatch):
    healthcheck = instructions("HEALTHCHECK")[-1]
    command = json.loads(healthcheck.split(" CMD ", 1)[1])
    assert command[:2] == ["python", "-c"]
    request = run_probe_snippet(command[2], allowed_hosts, monkeypatch)
    assert_probe_hits_the_app(request, allowed_hosts)


def dockerignore_excludes(path: str) -> bool:
    """Docker's rules: the last matching pattern wins; a pattern matching a parent
    directory matches everything below it; `!` re-includes."""

    def to_regex(pattern: str) -> re.Pattern:
        out, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                out, i = out + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                out, i = out + ".*", i + 2
            elif pattern[i] == "*":
                out, i = out + "[^/]*", i + 1
            elif pattern[i] == "?":
                out, i = out + "[^/]", i + 1
            elif pattern[i] == "[":
                end = pattern.index("]", i)
                out, i = out + pattern[i : end + 1], end + 1
            else:
                out, i = out + re.escape(pattern[i]), i + 1
        return re.compile(out + r"\Z")

    excluded = False
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    for line in DOCKERIGNORE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        regex = to_regex(line.lstrip("!").strip("/"))
        if any(regex.match(prefix) for prefix in prefixes):
            excluded = not negate
    return excluded


def test_dockerignore_keeps_what_the_dockerfile_copies():
    for arguments in instructions("COPY"):
        tokens = shlex.split(arguments)
        if any(token.startswith("--from") for token in tokens):
            continue
        for source in (t for t in tokens[:-1] if not t.startswith("--")):
            path = ROOT / source
            assert path.exists(), f"COPY {source}: no such file in the build context"
            files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
            for file in files:
                relative = file.relative_to(ROOT).as_posix()
                if "__pycache__" not in relative:
                    assert not dockerignore_excludes(relative), f".dockerignore drops {relative}"


@pytest.mark.parametrize(
    "path", [".env", ".git/config", ".venv/bin/python", "var/nexus.sqlite3", "tests/conftest.py"]
)
def test_dockerignore_keeps_local_state_out_of_the_image(path):
    assert dockerignore_excludes(path)


# --- compose ------------------------------------------------------------------------


@cache
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def service(name: str) -> dict:
    return compose()["services"][name]


def service_env(name: str) -> dict[str, str]:
    environment = service(name).get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.partition("=")[::2] for item in environment)
    return {key: str(value) for key, value in environment.items()}


def interpolated(value: str) -> str:
    """A compose value with every ${VAR...} replaced by a placeholder, to parse URLs."""
    return re.sub(r"\$\{[^}]*\}", "placeholder", value)


def test_compose_runs_the_whole_stack():
    assert set(compose()["services"]) == {
        *COMPOSE_APP_SERVICES,
        *COMPOSE_BACKING_SERVICES,
        COMPOSE_PROXY,
    }


@pytest.mark.parametrize("name", COMPOSE_APP_SERVICES)
def test_compose_app_services_build_the_image_and_set_only_known_variables(name):
    build = service(name)["build"]
    assert (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE
    env = service_env(name)
    assert_known(env, f"compose service {name!r}")
    assert env["DJANGO_SETTINGS_MODULE"] == PRODUCTION
    assert env["CELERY_TASK_ALWAYS_EAGER"] == "false"
    assert env.get("NEXUS_DEMO_MODE", "false") == "false"
    assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?"), "secret must be required"
    assert urlsplit(interpolated(env["DATABASE_URL"])).scheme == "postgres"
    assert urlsplit(interpolated(env["DATABASE_URL"])).hostname == "postgres"
    assert urlsplit(env["REDIS_URL"]).hostname == "redis"
    assert urlsplit(interpolated(env["CELERY_BROKER_URL"])).scheme == "amqp"
    assert urlsplit(interpolated(env["CELERY_BROKER_URL"])).hostname == "rabbitmq"


@pytest.mark.parametrize("name", COMPOSE_HTTP_SERVICES)
def test_compose_web_roles_share_the_image_and_the_app_environment(name):
    # Both roles run the image of every app service, with the shared app environment
    # (the x-app anchor, which migrate carries unchanged) plus a few serving knobs.
    assert service(name)["image"] == service("migrate")["image"]
    assert service(name)["build"] == service("migrate")["build"]
    assert service_env("migrate").items() <= service_env(name).items()
    extra = set(service_env(name)) - set(service_env("migrate"))
    assert extra <= {
        "DATABASE_POOL",
        "DATABASE_POOL_MIN_SIZE",
        "DATABASE_POOL_MAX_SIZE",
        "DATABASE_POOL_MAX_IDLE",
        "WEB_CONCURRENCY",
        "GUNICORN_THREADS",
    }, extra


def compose_edge_network() -> tuple[str, str]:
    """(name, subnet) of the network the proxy reaches the web roles on."""
    (network,) = service(COMPOSE_PROXY)["networks"]
    (pool,) = compose()["networks"][network]["ipam"]["config"]
    return network, pool["subnet"]


def compose_default(value: str) -> str:
    """The default of a ${VAR:-default} compose value (the value itself otherwise)."""
    match = re.fullmatch(r"\$\{[A-Z_]+:-([^}]*)\}", value)
    return match[1] if match else value


def test_compose_trusts_only_the_proxys_network():
    """The app believes X-Forwarded-* from the edge network only; on it, the web roles
    talk to nothing but the proxy, which overwrites X-Forwarded-For (nginx.conf)."""
    network, subnet = compose_edge_network()
    members = {
        name
        for name, spec in compose()["services"].items()
        if network in (spec.get("networks") or ["default"])
    }
    assert members == {COMPOSE_PROXY, *COMPOSE_HTTP_SERVICES}
    assert ipaddress.ip_network(compose_default(subnet)).is_private
    for name in COMPOSE_APP_SERVICES:
        # One variable moves both: the network's subnet and the trusted range.
        assert service_env(name)["NEXUS_TRUSTED_PROXIES"] == subnet, name


def published_targets(name: str) -> list[int]:
    targets = []
    for port in service(name).get("ports", []):
        targets.append(int(port["target"]) if isinstance(port, dict) else int(port.split(":")[-1]))
    return targets


def test_compose_publishes_only_the_proxy():
    published = {name: published_targets(name) for name in compose()["services"]}
    assert {name: ports for name, ports in published.items() if ports} == {
        COMPOSE_PROXY: [APP_PORT]
    }
    assert nginx_listen_ports() == [APP_PORT]


def test_compose_web_roles_database_connections():
    # WSGI: one persistent connection per gthread thread, as benchmarked.
    web = service_env("web")
    assert web["DATABASE_POOL"] == "false"
    assert {"WEB_CONCURRENCY", "GUNICORN_THREADS"} <= set(web)
    # ASGI: the pool (per-thread persistent connections are not reused under ASGI),
    # allowed to shrink to nothing so idle streams hold no connection.
    stream = service_env("stream")
    assert stream["DATABASE_POOL"] == "true"
    assert stream["DATABASE_POOL_MIN_SIZE"] == "0"
    assert int(stream["DATABASE_POOL_MAX_SIZE"]) >= 1
    # ... and closed soon after use (psycopg's default keeps them ten minutes).
    assert float(stream["DATABASE_POOL_MAX_IDLE"]) <= 120


def test_compose_commands():
    assert service("web")["command"] == WSGI_CMD
    assert service("worker")["command"][:4] == ["celery", "-A", "config", "worker"]
    beat = service("beat")["command"]
    assert beat[:4] == ["celery", "-A", "config", "beat"]
    assert beat[beat.index("--schedule") + 1].startswith("/tmp/")  # noqa: S108 - writable
    migrate = service("migrate")["command"]
    assert migrate == ["python", "manage.py", "migrate", "--noinput"]


def compose_seconds(value: str) -> float:
    return sum(
        float(number) * {"h": 3600, "m": 60, "s": 1}[unit]
        for number, unit in re.findall(r"(\d+(?:\.\d+)?)([hms])", value)
    )


def test_compose_stream_command():
    grace = compose_seconds(service("stream")["stop_grace_period"])
    assert_stream_command(service("stream")["command"], grace)
    # The web role's grace covers gunicorn's graceful_timeout.
    assert (
        compose_seconds(service("web")["stop_grace_period"]) > gunicorn_config()["graceful_timeout"]
    )


@pytest.mark.parametrize("name", ["web", "stream", "worker", "beat"])
def test_compose_app_waits_for_migrations_and_healthy_services(name):
    depends_on = service(name)["depends_on"]
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    for backing in COMPOSE_BACKING_SERVICES:
        assert depends_on[backing]["condition"] == "service_healthy"


def test_compose_proxy_waits_for_both_web_roles():
    depends_on = service(COMPOSE_PROXY)["depends_on"]
    for name in COMPOSE_HTTP_SERVICES:
        assert depends_on[name]["condition"] == "service_healthy"


def test_compose_proxy_is_a_pinned_nginx_with_the_config_read_only():
    image = service(COMPOSE_PROXY)["image"]
    name, _, tag = image.partition(":")
    assert name == "nginx"
    assert re.match(r"\d+\.\d+", tag), f"pin the nginx version: {image}"
    mounts = {}
    for volume in service(COMPOSE_PROXY)["volumes"]:
        source, target, *mode = volume.split(":")
        mounts[target] = ((COMPOSE.parent / source).resolve(), mode)
    assert mounts["/etc/nginx/nginx.conf"] == (NGINX_CONF, ["ro"])


def test_compose_migrate_waits_for_postgres_and_runs_once():
    assert service("migrate")["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert service("migrate")["restart"] == "no"
    assert service("migrate")["healthcheck"] == {"disable": True}


@pytest.mark.parametrize(
    "name", [*COMPOSE_BACKING_SERVICES, "web", "stream", "worker", "beat", COMPOSE_PROXY]
)
def test_compose_services_have_health_checks(name):
    assert service(name)["healthcheck"]["test"]


@pytest.mark.parametrize("name", COMPOSE_HTTP_SERVICES)
def test_compose_web_healthcheck_probes_liveness_with_an_allowed_host(name, monkeypatch):
    test = service(name)["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    default_hosts = compose_default(service_env(name)["DJANGO_ALLOWED_HOSTS"])
    request = run_probe_snippet(test[3], default_hosts, monkeypatch)
    assert_probe_hits_the_app(request, default_hosts)


def test_compose_proxy_healthcheck_hits_its_own_health_server():
    test = service(COMPOSE_PROXY)["healthcheck"]["test"]
    url = urlsplit(test[-1])
    (health,) = [s for s in nginx_servers() if s.listen_ports() != [APP_PORT]]
    assert health.first("listen").args == [f"{url.hostname}:{url.port}"]
    assert url.hostname == "127.0.0.1", "the health server is not reachable from outside"
    assert [loc.args for loc in health.all("location")] == [["=", url.path]]


def test_compose_worker_healthcheck_pings_its_own_node():
    test = " ".join(service("worker")["healthcheck"]["test"])
    assert "celery -A config inspect ping" in test
    command = service("worker")["command"]
    assert command[command.index("--hostname") + 1] == "celery@%h"
    assert "-d celery@$$HOSTNAME" in test


# --- Kubernetes ---------------------------------------------------------------------


@cache
def manifests() -> dict[tuple[str, str], dict]:
    documents = {}
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                key = (document["kind"], document["metadata"]["name"])
                assert key not in documents, f"{key} defined twice"
                documents[key] = document
    return documents


def manifest(kind: str, name: str) -> dict:
    return manifests()[(kind, name)]


def pod_spec(kind: str, name: str) -> dict:
    return manifest(kind, name)["spec"]["template"]["spec"]


def workloads() -> list[tuple[str, str]]:
    return [key for key in manifests() if key[0] in {"Deployment", "Job"}]


def containers(kind: str, name: str, *, init: bool = True) -> list[dict]:
    spec = pod_spec(kind, name)
    return spec["containers"] + (spec.get("initContainers", []) if init else [])


def container(kind: str, name: str) -> dict:
    return containers(kind, name, init=False)[0]


def configmap() -> dict[str, str]:
    return manifest("ConfigMap", CONFIGMAP)["data"]


def allowed_hosts() -> list[str]:
    return configmap()["DJANGO_ALLOWED_HOSTS"].split(",")


def test_k8s_has_the_expected_resources():
    expected = {
        ("Namespace", NAMESPACE),
        ("ConfigMap", CONFIGMAP),
        ("Secret", SECRET),
        ("Job", MIGRATE),
        ("Deployment", WEB),
        ("Deployment", WORKER),
        ("Deployment", BEAT),
        ("Service", WEB),
        ("Ingress", WEB),
        ("HorizontalPodAutoscaler", WEB),
        ("PodDisruptionBudget", WEB),
        ("Deployment", STREAM),
        ("Service", STREAM),
        ("Ingress", STREAM),
        ("HorizontalPodAutoscaler", STREAM),
        ("PodDisruptionBudget", STREAM),
        ("HorizontalPodAutoscaler", WORKER),
    }
    assert expected <= set(manifests())
    for (kind, name), document in manifests().items():
        if kind != "Namespace":
            assert document["metadata"]["namespace"] == NAMESPACE, f"{kind}/{name}"


def test_k8s_runs_no_backing_services():
    images = {c["image"] for key in workloads() for c in containers(*key)}
    assert not [i for i in images if re.match(r"(?:.*/)?(?:postgres|redis|rabbitmq)[:@]", i)]
    assert len(images) == 1, f"web, worker, beat and migrate run one image: {images}"


def test_k8s_sets_only_variables_the_app_reads():
    assert_known(configmap(), f"ConfigMap {CONFIGMAP}")
    secret = manifest("Secret", SECRET)
    assert_known({**secret.get("stringData", {}), **secret.get("data", {})}, f"Secret {SECRET}")
    for key in workloads():
        for c in containers(*key):
            assert_known({env["name"] for env in c.get("env", [])}, f"{key} container {c['name']}")
            for source in c.get("envFrom", []):
                if "configMapRef" in source:
                    assert ("ConfigMap", source["configMapRef"]["name"]) in manifests()
                if "secretRef" in source:
                    assert ("Secret", source["secretRef"]["name"]) in manifests()


def test_k8s_secret_holds_marked_placeholders_for_the_required_values():
    data = manifest("Secret", SECRET)["stringData"]
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"} <= set(data)
    for name, value in data.items():
        assert "REPLACE_ME" in value, f"{name} must be an obvious placeholder"
    assert urlsplit(data["DATABASE_URL"]).scheme == "postgres"
    assert urlsplit(data["CELERY_BROKER_URL"]).scheme == "amqp"
    assert urlsplit(data["REDIS_URL"]).scheme in {"redis", "rediss"}


def test_k8s_configmap_runs_production():
    assert configmap()["DJANGO_SETTINGS_MODULE"] == PRODUCTION
    assert configmap()["CELERY_TASK_ALWAYS_EAGER"] == "false"
    assert configmap().get("NEXUS_DEMO_MODE", "false") == "false"


def test_k8s_trusts_only_a_private_range_for_the_ingress():
    entries = [e.strip() for e in configmap()["NEXUS_TRUSTED_PROXIES"].split(",") if e.strip()]
    assert entries, "the ingress controller is a proxy: its range must be trusted"
    for entry in entries:
        network = ipaddress.ip_network(entry)  # the settings parse it the same way
        assert network.is_private, f"{entry}: trust the ingress' pod range, not the internet"


@pytest.mark.parametrize("name", HTTP_DEPLOYMENTS)
def test_k8s_port_service_and_ingress_agree(name):
    """Each web role has its Service and its Ingress (same name); every path of that
    Ingress goes to that Service."""
    ports = {p["name"]: p["containerPort"] for p in container("Deployment", name)["ports"]}
    assert ports == {"http": APP_PORT}
    service_spec = manifest("Service", name)["spec"]
    (service_port,) = service_spec["ports"]
    target = service_port["targetPort"]
    assert ports.get(target, target) == APP_PORT
    labels = manifest("Deployment", name)["spec"]["template"]["metadata"]["labels"]
    assert service_spec["selector"].items() <= labels.items()
    for other in HTTP_DEPLOYMENTS:
        if other != name:
            other_labels = manifest("Deployment", other)["spec"]["template"]["metadata"]["labels"]
            assert not service_spec["selector"].items() <= other_labels.items(), (
                f"Service {name} also selects the {other} pods"
            )
    ingress = manifest("Ingress", name)["spec"]
    for rule in ingress["rules"]:
        assert validate_host(rule["host"], allowed_hosts()), f"{rule['host']} not allowed"
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == name
            assert backend["port"] in (
                {"name": service_port["name"]},
                {"number": service_port["port"]},
            )


@pytest.mark.parametrize("name", HTTP_DEPLOYMENTS)
@pytest.mark.parametrize(
    ("probe", "path"),
    [("startupProbe", LIVE), ("readinessProbe", READY), ("livenessProbe", LIVE)],
)
def test_k8s_web_roles_probes_hit_the_health_views_with_an_allowed_host(name, probe, path):
    web = container("Deployment", name)
    http_get = web[probe]["httpGet"]
    assert http_get["path"] == path
    assert resolve(http_get["path"]).url_name in {"health-live", "health-ready"}
    ports = {p["name"]: p["containerPort"] for p in web["ports"]}
    assert ports.get(http_get["port"], http_get["port"]) == APP_PORT
    headers = {h["name"].lower(): h["value"] for h in http_get.get("httpHeaders", [])}
    # Without a Host header the kubelet sends the pod IP, which ALLOWED_HOSTS rejects.
    assert validate_host(headers.get("host", ""), allowed_hosts())


def container_env(name: str) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container("Deployment", name).get("env", [])}


def pre_stop_seconds(name: str) -> float:
    command = container("Deployment", name)["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    return float(command[1])


def test_k8s_web_serves_wsgi_on_gthread_workers():
    web = container("Deployment", WEB)
    assert web["command"] == WSGI_CMD
    env = container_env(WEB)
    assert env["DATABASE_POOL"] == "false"
    assert {"WEB_CONCURRENCY", "GUNICORN_THREADS"} <= set(env)
    graceful = gunicorn_config()["graceful_timeout"]
    grace = pod_spec("Deployment", WEB)["terminationGracePeriodSeconds"]
    assert grace > graceful + pre_stop_seconds(WEB)


def test_k8s_stream_serves_asgi_with_the_same_command_as_compose():
    stream = container("Deployment", STREAM)
    assert stream["command"] == service("stream")["command"]
    grace = pod_spec("Deployment", STREAM)["terminationGracePeriodSeconds"]
    assert_stream_command(stream["command"], grace - pre_stop_seconds(STREAM))
    env = container_env(STREAM)
    assert env["DATABASE_POOL"] == "true"
    assert env["DATABASE_POOL_MIN_SIZE"] == "0", "idle streams hold no database connection"
    # The web-role knobs have nothing to say here.
    assert not {"WEB_CONCURRENCY", "GUNICORN_THREADS"} & set(env)


def test_k8s_web_roles_share_the_image_and_the_environment_sources():
    web, stream = container("Deployment", WEB), container("Deployment", STREAM)
    assert web["image"] == stream["image"]
    assert web["envFrom"] == stream["envFrom"]
    assert web["securityContext"] == stream["securityContext"]
    assert (
        pod_spec("Deployment", WEB)["securityContext"]
        == pod_spec("Deployment", STREAM)["securityContext"]
    )


def test_k8s_worker_runs_celery_and_is_probed_by_ping():
    worker = container("Deployment", WORKER)
    assert worker["command"][:4] == ["celery", "-A", "config", "worker"]
    assert worker["command"][worker["command"].index("--hostname") + 1] == "celery@%h"
    probe = " ".join(worker["livenessProbe"]["exec"]["command"])
    assert "celery -A config inspect ping" in probe
    assert '-d "celery@$HOSTNAME"' in probe


def test_k8s_beat_is_a_singleton_with_a_writable_schedule():
    beat = manifest("Deployment", BEAT)["spec"]
    assert beat["replicas"] == 1
    assert beat["strategy"]["type"] == "Recreate"
    command = container("Deployment", BEAT)["command"]
    assert command[:4] == ["celery", "-A", "config", "beat"]
    schedule = PurePosixPath(command[command.index("--schedule") + 1])
    mounts = {m["mountPath"] for m in container("Deployment", BEAT)["volumeMounts"]}
    assert str(schedule.parent) in mounts, "the root filesystem is read-only"


def test_k8s_migrate_job_and_init_containers_run_migrate():
    job = container("Job", MIGRATE)
    assert job["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert pod_spec("Job", MIGRATE)["restartPolicy"] == "Never"
    for name in (WEB, STREAM, WORKER):
        (init,) = pod_spec("Deployment", name)["initContainers"]
        assert "manage.py migrate --check" in " ".join(init["command"])


@pytest.mark.parametrize(("name", "target"), [(WEB, WEB), (STREAM, STREAM), (WORKER, WORKER)])
def test_k8s_autoscalers_target_the_deployments(name, target):
    hpa = manifest("HorizontalPodAutoscaler", name)
    assert hpa["apiVersion"] == "autoscaling/v2"
    ref = hpa["spec"]["scaleTargetRef"]
    assert (ref["kind"], ref["name"]) == ("Deployment", target)
    assert ("Deployment", target) in manifests()
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def selects(selector: dict, kind: str, name: str) -> bool:
    labels = manifest(kind, name)["spec"]["template"]["metadata"]["labels"]
    return selector["matchLabels"].items() <= labels.items()


def test_k8s_every_scalable_deployment_has_an_autoscaler_and_web_roles_a_budget():
    targets = {
        document["spec"]["scaleTargetRef"]["name"]
        for (kind, _), document in manifests().items()
        if kind == "HorizontalPodAutoscaler"
    }
    for kind, name in workloads():
        if kind == "Deployment" and name != BEAT:  # beat is a singleton
            assert name in targets, f"no HorizontalPodAutoscaler for {name}"
    for name in HTTP_DEPLOYMENTS:
        budgets = [
            other
            for (kind, other), document in manifests().items()
            if kind == "PodDisruptionBudget"
            and selects(document["spec"]["selector"], "Deployment", name)
        ]
        assert budgets == [name], f"{name}: {budgets}"


def test_k8s_deployment_selectors_match_their_pods():
    for kind, name in workloads():
        if kind == "Deployment":
            spec = manifest(kind, name)["spec"]
            labels = spec["template"]["metadata"]["labels"]
            assert spec["selector"]["matchLabels"].items() <= labels.items(), name


def test_k8s_pods_run_as_the_images_non_root_user_with_resources():
    uid = dockerfile_uid()
    for key in workloads():
        security = pod_spec(*key)["securityContext"]
        assert security["runAsNonRoot"] is True, key
        assert security["runAsUser"] == uid, key
        for c in containers(*key):
            assert c["securityContext"]["allowPrivilegeEscalation"] is False, (key, c["name"])
            assert {"cpu", "memory"} <= set(c["resources"]["requests"]), (key, c["name"])
            assert "memory" in c["resources"]["limits"], (key, c["name"])


# --- routing by path: nginx (compose) and ingress-nginx (Kubernetes) ------------------

# Streaming paths end in "stream/" (Server-Sent Events, served by the ASGI role);
# the proxies keep their list in one place each (nginx.conf's regex location,
# 37-stream-ingress.yaml's paths). Ids as Django's <id:...> converter reads them:
# leading zeros resolve too, so the proxies must route them to the stream role.
STREAM_SAMPLES = (
    "/api/v1/polls/polls/1/results/stream/",
    "/api/v1/polls/polls/42/results/stream/",
    "/api/v1/polls/polls/007/results/stream/",
    "/api/v1/polls/polls/9223372036854775807/results/stream/",
)
WSGI_SAMPLES = (
    "/",
    "/api/",
    "/api/v1/polls/",
    "/api/v1/polls/polls/",
    "/api/v1/polls/polls/1/",
    "/api/v1/polls/polls/1/results/",
    "/api/v1/polls/polls/1/vote/",
    "/api/v1/polls/polls/1/stream-ticket/",
    "/api/v1/polls/polls/1/results/stream/extra/",
    "/api/v1/polls/polls/x/results/stream/",
    "/api/v1/polls/polls//results/stream/",
    "/xapi/v1/polls/polls/1/results/stream/",
    "/graphql/",
    "/admin/",
    "/admin/login/",
    "/static/core/nexus.css",
    "/media/avatar.png",
    "/health/live/",
    "/health/ready/",
    "/problems/not_found/",
    "/polls/1/live/",
)
STREAM_SUFFIX = "stream/"
WEB_SERVICE, STREAM_SERVICE = "web", "stream"


@dataclass
class Directive:
    """One nginx directive: name, arguments, and its block (None for a simple one)."""

    name: str
    args: list[str]
    block: list[Directive] | None = None
    parent: Directive | None = field(default=None, repr=False, compare=False)

    def all(self, name: str) -> list[Directive]:
        return [child for child in self.block or [] if child.name == name]

    def first(self, name: str) -> Directive | None:
        found = self.all(name)
        return found[0] if found else None

    def listen_ports(self) -> list[int]:
        return [int(d.args[0].rpartition(":")[2]) for d in self.all("listen")]

    def effective(self, name: str) -> list[str] | None:
        """A scalar directive's value here, inherited from the enclosing blocks."""
        level: Directive | None = self
        while level is not None:
            if (found := level.first(name)) is not None:
                return found.args
            level = level.parent
        return None

    def effective_headers(self) -> dict[str, str]:
        """proxy_set_header as nginx applies it: the innermost level that sets any
        header wins whole (a location with one proxy_set_header inherits none)."""
        level: Directive | None = self
        while level is not None:
            if found := level.all("proxy_set_header"):
                return {d.args[0].lower(): d.args[1] for d in found}
            level = level.parent
        return {}


def nginx_tokens(text: str) -> list[tuple[str, bool]]:
    """(token, quoted) pairs: words, quoted strings, and the punctuation { } ;."""
    tokens, i = [], 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char == "#":
            i = text.find("\n", i) if "\n" in text[i:] else len(text)
        elif char in "{};":
            tokens.append((char, False))
            i += 1
        elif char in "\"'":
            end = i + 1
            while text[end] != char:
                end += 2 if text[end] == "\\" else 1
            tokens.append((text[i + 1 : end], True))
            i = end + 1
        else:
            end = i
            while end < len(text) and not text[end].isspace() and text[end] not in "{};":
                end += 1
            tokens.append((text[i:end], False))
            i = end
    return tokens


def parse_nginx(text: str) -> Directive:
    root = Directive("main", [], [])
    stack, words = [root], []
    for token, quoted in nginx_tokens(text):
        if quoted or token not in "{};":
            words.append(token)
        elif token == ";":
            assert words, "empty directive"
            stack[-1].block.append(Directive(words[0], words[1:], None, stack[-1]))
            words = []
        elif token == "{":
            block = Directive(words[0], words[1:], [], stack[-1])
            stack[-1].block.append(block)
            stack.append(block)
            words = []
        else:
            assert not words, f"unterminated directive {words}"
            stack.pop()
            assert stack, "unbalanced }"
    assert len(stack) == 1, "unbalanced {"
    assert not words, f"unterminated directive {words}"
    return root


@cache
def nginx() -> Directive:
    return parse_nginx(NGINX_CONF.read_text())


def nginx_http() -> Directive:
    (http,) = nginx().all("http")
    return http


def nginx_servers() -> list[Directive]:
    return nginx_http().all("server")


def nginx_edge() -> Directive:
    (server,) = [s for s in nginx_servers() if APP_PORT in s.listen_ports()]
    return server


def nginx_listen_ports() -> list[int]:
    return nginx_edge().listen_ports()


def nginx_location(path: str) -> Directive:
    """The location nginx picks for a path: an exact match; else the longest prefix
    if it is ^~; else the first matching regex in file order; else that prefix."""
    prefixes, regexes = [], []
    for location in nginx_edge().all("location"):
        modifier, *rest = location.args
        if modifier == "=":
            if rest[0] == path:
                return location
        elif modifier in ("~", "~*"):
            regexes.append(
                (re.compile(rest[0], re.IGNORECASE if modifier == "~*" else 0), location)
            )
        elif modifier == "^~":
            prefixes.append((rest[0], True, location))
        else:
            prefixes.append((modifier, False, location))
    matching = sorted((p for p in prefixes if path.startswith(p[0])), key=lambda p: -len(p[0]))
    if matching and matching[0][1]:
        return matching[0][2]
    for regex, location in regexes:
        if regex.search(path):
            return location
    assert matching, f"no location for {path}"
    return matching[0][2]


def nginx_upstream_service(location: Directive) -> str:
    """The compose service a location proxies to (through its upstream block)."""
    (target,) = location.first("proxy_pass").args
    url = urlsplit(target)
    assert url.scheme == "http", target
    assert url.path in ("", "/"), target
    upstreams = {u.args[0]: u for u in nginx_http().all("upstream")}
    (server,) = upstreams[url.hostname].all("server")
    host, _, port = server.args[0].rpartition(":")
    assert int(port) == APP_PORT, server.args
    assert host in compose()["services"], f"{host} is not a compose service"
    return host


def nginx_route(path: str) -> str:
    return nginx_upstream_service(nginx_location(path))


def nginx_seconds(value: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "": 1}
    return sum(
        float(number) * units[unit] for number, unit in re.findall(r"(\d+)(ms|s|m|h|d|)", value)
    )


def nginx_bytes(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def heartbeat_seconds() -> float:
    from django.conf import settings

    return float(getattr(settings, "STREAMS_HEARTBEAT_SECONDS", 15))


def converter_sample(match: re.Match) -> str:
    return {
        "path": "x/y",
        "slug": "x",
        "str": "x",
        "uuid": "12345678-1234-5678-1234-567812345678",
    }.get(match[1] or "str", "1")


def route_sample(pattern) -> str | None:
    """A concrete path segment for a URL pattern, or None if it is not simple to make."""
    from django.urls.resolvers import RegexPattern, RoutePattern

    if isinstance(pattern, RoutePattern):
        return re.sub(r"<(?:(\w+):)?\w+>", converter_sample, str(pattern))
    if isinstance(pattern, RegexPattern):
        text = str(pattern).removeprefix("^").removesuffix("$").removesuffix(r"\Z")
        text = re.sub(r"\(\?P<\w+>[^()]*\)", "1", text).replace(r"\.", ".")
        return None if re.search(r"[\\()\[\]*+?|{}^$]", text) else text
    return None


@cache
def app_url_samples() -> tuple[str, ...]:
    """One concrete path per URL pattern of the app that resolves back to it."""
    from django.urls import URLResolver, get_resolver
    from django.urls.exceptions import Resolver404

    samples = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            segment = route_sample(entry.pattern)
            if segment is None:
                continue
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + segment)
                continue
            path = prefix + segment
            try:
                match = resolve(path)
            except Resolver404:
                continue
            if match.func == entry.callback:
                samples.append(path)

    walk(get_resolver().url_patterns, "/")
    return tuple(samples)


def test_the_app_url_samples_cover_the_app():
    samples = app_url_samples()
    assert {"/", "/graphql/", LIVE, READY, "/admin/"} <= set(samples)
    assert any(sample.startswith("/api/v1/") for sample in samples)


def test_nginx_config_has_the_edge_server_and_both_upstreams():
    assert nginx().first("events") is not None
    services = {nginx_upstream_service(loc) for loc in nginx_edge().all("location")}
    assert services == {WEB_SERVICE, STREAM_SERVICE}
    # The roles behind the names: WSGI on gthread, and the uvicorn ASGI role.
    assert service(WEB_SERVICE)["command"] == WSGI_CMD
    assert uvicorn_options(service(STREAM_SERVICE)["command"])["app"] == ASGI_APP


@pytest.mark.parametrize("path", STREAM_SAMPLES)
def test_nginx_routes_the_streaming_paths_to_the_asgi_role(path):
    assert nginx_route(path) == STREAM_SERVICE


@pytest.mark.parametrize("path", WSGI_SAMPLES)
def test_nginx_routes_everything_else_to_the_wsgi_role(path):
    assert nginx_route(path) == WEB_SERVICE


def test_nginx_routes_every_url_of_the_app_to_its_role():
    """Every URL pattern of the app, as a sample path: the ones ending in stream/ go
    to the ASGI role, all others to WSGI. A new streaming path fails here until the
    proxies list it."""
    wrong = [
        (path, nginx_route(path))
        for path in app_url_samples()
        if nginx_route(path) != (STREAM_SERVICE if path.endswith(STREAM_SUFFIX) else WEB_SERVICE)
    ]
    assert not wrong, wrong


def test_nginx_streams_unbuffered_with_a_read_timeout_above_the_heartbeat():
    location = nginx_location(STREAM_SAMPLES[0])
    assert location.effective("proxy_buffering") == ["off"]
    assert location.effective("proxy_cache") in (None, ["off"])
    assert location.effective("gzip") in (None, ["off"])
    assert location.effective("proxy_http_version") == ["1.1"]
    assert location.effective_headers().get("connection") == ""
    # nginx's default read timeout is 60 s: heartbeats must come well within it.
    read_timeout = nginx_seconds((location.effective("proxy_read_timeout") or ["60s"])[0])
    assert read_timeout >= 4 * heartbeat_seconds(), (read_timeout, heartbeat_seconds())
    send_timeout = nginx_seconds((location.effective("send_timeout") or ["60s"])[0])
    assert send_timeout >= 4 * heartbeat_seconds()


def test_nginx_web_location_keeps_buffering():
    # Buffered responses free a gthread thread as soon as Django is done.
    location = nginx_location("/api/v1/")
    assert location.effective("proxy_buffering") in (None, ["on"])
    assert location.effective("proxy_request_buffering") in (None, ["on"])
    assert location.effective("proxy_http_version") == ["1.1"]
    assert location.effective_headers().get("connection") == ""


@pytest.mark.parametrize("path", [STREAM_SAMPLES[0], "/api/v1/"])
def test_nginx_overwrites_forwarded_headers_at_the_edge(path):
    """The client address throttling sees is the connecting one: a client's own
    X-Forwarded-For is replaced, never appended to or passed on."""
    headers = nginx_location(path).effective_headers()
    assert headers["x-forwarded-for"] == "$remote_addr"
    assert headers["x-forwarded-proto"] == "$scheme"
    assert headers["host"] in ("$host", "$http_host")
    text = NGINX_CONF.read_text()
    assert "$proxy_add_x_forwarded_for" not in text
    assert not {"real_ip_header", "set_real_ip_from"} & {
        directive.name for directive in nginx_http().block + nginx_edge().block
    }


def test_nginx_accepts_the_apps_largest_upload():
    from django.conf import settings

    limit = nginx_bytes(nginx_edge().effective("client_max_body_size")[0])
    assert limit > settings.NEXUS_MAX_UPLOAD_BYTES


def test_nginx_upstreams_outlive_no_keepalive():
    # gunicorn and uvicorn keep idle connections longer than nginx reuses them (60 s).
    assert gunicorn_config()["keepalive"] > 60
    assert uvicorn_options(service(STREAM_SERVICE)["command"])["timeout_keep_alive"] > 60


def test_the_nginx_parser_reads_what_nginx_reads():
    # Guards the parser: comments, quotes, nesting, inheritance of proxy_set_header.
    root = parse_nginx(
        'http { a 1; # b 2;\n server { proxy_set_header Connection ""; '
        "location ~ ^/x$ { proxy_set_header X y; } location / { c 'd e'; } } }"
    )
    (server,) = root.first("http").all("server")
    regex, prefix = server.all("location")
    assert regex.args == ["~", "^/x$"]
    assert regex.effective_headers() == {"x": "y"}
    assert prefix.effective_headers() == {"connection": ""}
    assert prefix.first("c").args == ["d e"]
    assert prefix.effective("a") == ["1"]
    assert prefix.effective("b") is None


# ingress-nginx: annotations apply per Ingress; use-regex on any Ingress of a host
# makes every path of that host a case-insensitive regex anchored at the start
# (location ~* "^<path>"), and the controller writes a host's locations longest
# path first, so the first match in that order wins.


def ingress_paths(host: str) -> list[tuple[str, dict, str]]:
    """(path, the Ingress's annotations, backend service) for every path of host."""
    found = []
    for (kind, _), document in manifests().items():
        if kind != "Ingress":
            continue
        annotations = document["metadata"].get("annotations", {})
        for rule in document["spec"]["rules"]:
            if rule["host"] == host:
                for path in rule["http"]["paths"]:
                    found.append((path["path"], annotations, path["backend"]["service"]["name"]))
    return found


def ingress_route(path: str, host: str = "nexus.example.org") -> str:
    paths = ingress_paths(host)
    assert any(
        annotations.get("nginx.ingress.kubernetes.io/use-regex") == "true"
        for _, annotations, _ in paths
    ), "the stream paths are regexes: one Ingress of the host must say use-regex"
    for pattern, _, backend in sorted(paths, key=lambda p: -len(p[0])):
        if re.match("^" + pattern, path, re.IGNORECASE):
            return backend
    raise AssertionError(f"no Ingress path for {path}")


def test_k8s_stream_paths_are_regexes_of_the_stream_ingress():
    hosts = {rule["host"] for rule in manifest("Ingress", WEB)["spec"]["rules"]}
    for rule in manifest("Ingress", STREAM)["spec"]["rules"]:
        assert rule["host"] in hosts, "both Ingresses serve the same host"
        for path in rule["http"]["paths"]:
            assert path["pathType"] == "ImplementationSpecific"
            re.compile(path["path"])


@pytest.mark.parametrize("path", STREAM_SAMPLES)
def test_k8s_ingress_routes_the_streaming_paths_to_the_asgi_role(path):
    assert ingress_route(path) == STREAM


@pytest.mark.parametrize("path", WSGI_SAMPLES)
def test_k8s_ingress_routes_everything_else_to_the_wsgi_role(path):
    assert ingress_route(path) == WEB


def test_k8s_ingress_routes_every_url_of_the_app_to_its_role():
    wrong = [
        (path, ingress_route(path))
        for path in app_url_samples()
        if ingress_route(path) != (STREAM if path.endswith(STREAM_SUFFIX) else WEB)
    ]
    assert not wrong, wrong


def test_k8s_stream_ingress_does_not_buffer_and_reads_long():
    annotations = manifest("Ingress", STREAM)["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert annotations[prefix + "proxy-buffering"] == "off"
    assert float(annotations[prefix + "proxy-read-timeout"]) >= 4 * heartbeat_seconds()
    assert float(annotations[prefix + "proxy-send-timeout"]) >= 4 * heartbeat_seconds()
    assert annotations.get(prefix + "proxy-http-version", "1.1") == "1.1"
    # The WSGI paths keep the controller's buffering (and its 60 s reads).
    web = manifest("Ingress", WEB)["metadata"]["annotations"]
    assert web.get(prefix + "proxy-buffering", "on") == "on"
    assert int(web.get(prefix + "proxy-read-timeout", "60")) <= 120


def test_k8s_ingress_leaves_the_client_address_to_the_controller():
    # With use-forwarded-headers (a controller ConfigMap setting) ingress-nginx would
    # believe a client's X-Forwarded-For: nothing here may switch it on per Ingress.
    for (kind, name), document in manifests().items():
        if kind == "Ingress":
            annotations = document["metadata"].get("annotations", {})
            assert not [a for a in annotations if "forwarded" in a or "snippet" in a], name


# --- every variable the infra sets is documented ----------------------------------


def infra_variables() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for name in COMPOSE_APP_SERVICES:
        found[f"compose {name}"] = set(service_env(name))
    found["ConfigMap"] = set(configmap())
    secret = manifest("Secret", SECRET)
    found["Secret"] = set(secret.get("stringData", {})) | set(secret.get("data", {}))
    for key in workloads():
        for c in containers(*key):
            found[f"{key[1]} {c['name']}"] = {env["name"] for env in c.get("env", [])}
    found["Dockerfile"] = set(env_assignments(final_stage())) - IMAGE_RUNTIME_VARS - {"PYTHONPATH"}
    return found


def test_every_variable_the_infra_sets_is_in_env_example():
    missing = {
        where: sorted(names - env_example().keys())
        for where, names in infra_variables().items()
        if names - env_example().keys()
    }
    assert not missing, f"set by infra/ but missing from .env.example: {missing}"


# --- CI workflow --------------------------------------------------------------------


@cache
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def test_workflow_runs_make_test_against_the_test_settings_services():
    document = workflow()
    triggers = document.get("on", document.get(True))  # YAML 1.1 reads `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    assert document["permissions"] == {"contents": "read"}
    assert set(document["jobs"]) == {"test", "audit"}
    job = document["jobs"]["test"]
    assert [step["run"] for step in job["steps"] if "run" in step] == ["make test"]
    env = job["env"]
    # The suite's own knob: which Chromium the browser tests drive (tests/conftest.py).
    assert env.get("NEXUS_CHROMIUM") in (None, "/usr/bin/google-chrome")
    assert "NEXUS_CHROMIUM" in (ROOT / "tests" / "conftest.py").read_text()
    assert_known(set(env) - {"NEXUS_CHROMIUM"}, "the CI workflow")
    # The URLs are the test settings' defaults, and they point at the service containers.
    defaults = dict(
        re.findall(
            r"""os\.environ\.setdefault\(\s*["'](\w+)["'],\s*["']([^"']+)["']""",
            (SETTINGS_DIR / "test.py").read_text(),
        )
    )
    published = {
        int(port.split(":")[0])
        for spec in job["services"].values()
        for port in spec.get("ports", [])
    }
    images = {name: spec["image"] for name, spec in job["services"].items()}
    assert images == {"postgres": "postgres:16", "redis": "redis:7", "rabbitmq": "rabbitmq:3.13"}
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        assert env[name] == defaults[name], name
        assert urlsplit(env[name]).port in published, name


def test_dependency_audit_runs_in_the_workflow_and_never_in_make_lint():
    """pip-audit cannot reach its database on the offline build machines: it runs in the
    workflow's own job, strictly (an unaudited requirement fails it), and not in lint."""
    audit = workflow()["jobs"]["audit"]
    assert [step["run"] for step in audit["steps"] if "run" in step] == ["make audit"]
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^audit:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1)
    assert "pip-audit --strict" in recipe
    assert "--all-groups" in recipe
    assert "--frozen" in recipe
    lint = re.search(r"^lint:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1)
    assert "audit" not in lint


# --- Celery queues: every routed queue has a worker ---------------------------------------


def _worker_commands() -> dict[str, list[str]]:
    """Every place a worker starts: Makefile, compose, Kubernetes, test fixtures."""
    commands: dict[str, list[str]] = {}
    for line in MAKEFILE.read_text().splitlines():
        if re.search(r"celery -A config worker", line):
            commands["Makefile"] = shlex.split(line.strip().replace("$(BIN)/", ""))
    commands["compose worker"] = [str(part) for part in service("worker")["command"]]
    commands["k8s worker"] = [str(part) for part in container("Deployment", WORKER)["command"]]
    return commands


def _queues_argument(command: list[str]) -> str | None:
    for flag in ("-Q", "--queues"):
        if flag in command:
            return command[command.index(flag) + 1]
    joined = [part for part in command if part.startswith(("-Q", "--queues="))]
    return joined[0].split("=", 1)[-1].removeprefix("-Q") if joined else None


def test_every_routed_celery_queue_is_declared_for_workers():
    from django.conf import settings

    declared = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert settings.CELERY_TASK_DEFAULT_QUEUE in declared
    assert routed <= declared, f"routed to a queue no worker consumes: {routed - declared}"


def test_every_worker_command_consumes_every_declared_queue():
    # Without -Q a worker consumes all of CELERY_TASK_QUEUES; an explicit list must
    # name every queue, so a new routed queue cannot silently pile up.
    from django.conf import settings

    declared = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    commands = _worker_commands()
    assert set(commands) == {"Makefile", "compose worker", "k8s worker"}
    for where, command in commands.items():
        assert command[:4] == ["celery", "-A", "config", "worker"], where
        listed = _queues_argument(command)
        if listed is not None:
            missing = declared - set(listed.split(","))
            assert not missing, f"{where} does not consume {missing}"


def test_test_fixtures_that_start_workers_consume_every_declared_queue():
    starters = [
        path
        for path in (ROOT / "tests").rglob("*.py")
        if '"worker"' in path.read_text() and '"celery"' in path.read_text()
    ]
    assert starters, "no test starts a worker?"
    for path in starters:
        text = path.read_text()
        if "--queues" in text or '"-Q"' in text:
            assert "CELERY_TASK_QUEUES" in text, f"{path} names queues by hand"
