"""The scale-out files agree with the app: environment variable names, the port,
probe paths, commands and modules in infra/Dockerfile, infra/compose.yaml,
infra/k8s/*.yaml, infra/gunicorn.conf.py and the CI workflow.

These tests read files and import modules only: no database, cache or broker.
"""

from __future__ import annotations

import importlib
import ipaddress
import json
import re
import runpy
import shlex
import urllib.request
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

APP_PORT = 8000
ASGI_APP = "config.asgi:application"
GUNICORN_CMD = ["gunicorn", "-c", "infra/gunicorn.conf.py", ASGI_APP]
LIVE = "/health/live/"
READY = "/health/ready/"
PRODUCTION = "config.settings.production"

COMPOSE_APP_SERVICES = ("migrate", "web", "worker", "beat")
COMPOSE_BACKING_SERVICES = ("postgres", "redis", "rabbitmq")
NAMESPACE = "nexus"
WEB, WORKER, BEAT, MIGRATE = "nexus-web", "nexus-worker", "nexus-beat", "nexus-migrate"
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
    assert {"WEB_CONCURRENCY", "LOG_LEVEL"} <= gunicorn_vars()


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


def test_gunicorn_app_is_the_asgi_application():
    module_name, attribute = ASGI_APP.split(":")
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


def test_gunicorn_binds_the_app_port_with_uvicorn_workers(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    config = runpy.run_path(str(GUNICORN_CONF))
    assert config["bind"] == f"0.0.0.0:{APP_PORT}"
    assert config["worker_class"] == "config.workers.UvicornWorker"
    assert config["workers"] == 2
    assert config["accesslog"] == "-"
    assert config["graceful_timeout"] > 0
    module_name, _, class_name = config["worker_class"].rpartition(".")
    worker = getattr(importlib.import_module(module_name), class_name)
    from uvicorn_worker import UvicornWorker

    assert issubclass(worker, UvicornWorker)
    # uvicorn neither rewrites the client address from X-Forwarded-For nor says "uvicorn".
    assert worker.CONFIG_KWARGS["proxy_headers"] is False
    assert worker.CONFIG_KWARGS["server_header"] is False


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


def test_gunicorn_workers_follow_web_concurrency(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    assert runpy.run_path(str(GUNICORN_CONF))["workers"] == 5


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
    assert "--no-dev" in runs


def test_dockerfile_serves_the_asgi_app_on_the_app_port():
    assert json.loads(instructions("CMD")[-1]) == GUNICORN_CMD
    assert instructions("EXPOSE") == [str(APP_PORT)]


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
    assert set(compose()["services"]) == {*COMPOSE_APP_SERVICES, *COMPOSE_BACKING_SERVICES}


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


@pytest.mark.parametrize("name", COMPOSE_APP_SERVICES)
def test_compose_trusts_no_proxy_by_default(name):
    # Nothing sits in front of the published port: X-Forwarded-* from clients is ignored.
    assert service_env(name)["NEXUS_TRUSTED_PROXIES"] == "${NEXUS_TRUSTED_PROXIES:-}"


def test_compose_web_uses_the_pool_and_publishes_the_app_port():
    assert service_env("web")["DATABASE_POOL"] == "true"
    targets = []
    for port in service("web")["ports"]:
        targets.append(int(port["target"]) if isinstance(port, dict) else int(port.split(":")[-1]))
    assert targets == [APP_PORT]


def test_compose_commands():
    assert service("web")["command"] == GUNICORN_CMD
    assert service("worker")["command"][:4] == ["celery", "-A", "config", "worker"]
    beat = service("beat")["command"]
    assert beat[:4] == ["celery", "-A", "config", "beat"]
    assert beat[beat.index("--schedule") + 1].startswith("/tmp/")  # noqa: S108 - writable
    migrate = service("migrate")["command"]
    assert migrate == ["python", "manage.py", "migrate", "--noinput"]


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_compose_app_waits_for_migrations_and_healthy_services(name):
    depends_on = service(name)["depends_on"]
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    for backing in COMPOSE_BACKING_SERVICES:
        assert depends_on[backing]["condition"] == "service_healthy"


def test_compose_migrate_waits_for_postgres_and_runs_once():
    assert service("migrate")["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert service("migrate")["restart"] == "no"
    assert service("migrate")["healthcheck"] == {"disable": True}


@pytest.mark.parametrize("name", [*COMPOSE_BACKING_SERVICES, "web", "worker", "beat"])
def test_compose_services_have_health_checks(name):
    assert service(name)["healthcheck"]["test"]


def test_compose_web_healthcheck_probes_liveness_with_an_allowed_host(monkeypatch):
    test = service("web")["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    default_hosts = re.fullmatch(
        r"\$\{DJANGO_ALLOWED_HOSTS:-(.+)\}", service_env("web")["DJANGO_ALLOWED_HOSTS"]
    )[1]
    request = run_probe_snippet(test[3], default_hosts, monkeypatch)
    assert_probe_hits_the_app(request, default_hosts)


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


def test_k8s_web_port_service_and_ingress_agree():
    ports = {p["name"]: p["containerPort"] for p in container("Deployment", WEB)["ports"]}
    assert ports == {"http": APP_PORT}
    service_spec = manifest("Service", WEB)["spec"]
    (service_port,) = service_spec["ports"]
    target = service_port["targetPort"]
    assert ports.get(target, target) == APP_PORT
    web_labels = manifest("Deployment", WEB)["spec"]["template"]["metadata"]["labels"]
    assert service_spec["selector"].items() <= web_labels.items()
    ingress = manifest("Ingress", WEB)["spec"]
    for rule in ingress["rules"]:
        assert validate_host(rule["host"], allowed_hosts()), f"{rule['host']} not allowed"
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == WEB
            assert backend["port"] in (
                {"name": service_port["name"]},
                {"number": service_port["port"]},
            )


@pytest.mark.parametrize(
    ("probe", "path"),
    [("startupProbe", LIVE), ("readinessProbe", READY), ("livenessProbe", LIVE)],
)
def test_k8s_web_probes_hit_the_health_views_with_an_allowed_host(probe, path):
    web = container("Deployment", WEB)
    http_get = web[probe]["httpGet"]
    assert http_get["path"] == path
    assert resolve(http_get["path"]).url_name in {"health-live", "health-ready"}
    ports = {p["name"]: p["containerPort"] for p in web["ports"]}
    assert ports.get(http_get["port"], http_get["port"]) == APP_PORT
    headers = {h["name"].lower(): h["value"] for h in http_get.get("httpHeaders", [])}
    # Without a Host header the kubelet sends the pod IP, which ALLOWED_HOSTS rejects.
    assert validate_host(headers.get("host", ""), allowed_hosts())


def test_k8s_web_serves_the_asgi_app_with_the_pool():
    web = container("Deployment", WEB)
    assert web["command"] == GUNICORN_CMD
    env = {e["name"]: e["value"] for e in web["env"]}
    assert env["DATABASE_POOL"] == "true"
    assert "WEB_CONCURRENCY" in env
    graceful = gunicorn_config()["graceful_timeout"]
    assert pod_spec("Deployment", WEB)["terminationGracePeriodSeconds"] > graceful


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
    for name in (WEB, WORKER):
        (init,) = pod_spec("Deployment", name)["initContainers"]
        assert "manage.py migrate --check" in " ".join(init["command"])


@pytest.mark.parametrize(("name", "target"), [(WEB, WEB), (WORKER, WORKER)])
def test_k8s_autoscalers_target_the_deployments(name, target):
    hpa = manifest("HorizontalPodAutoscaler", name)
    assert hpa["apiVersion"] == "autoscaling/v2"
    ref = hpa["spec"]["scaleTargetRef"]
    assert (ref["kind"], ref["name"]) == ("Deployment", target)
    assert ("Deployment", target) in manifests()
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


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


# --- CI workflow --------------------------------------------------------------------


@cache
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def test_workflow_runs_make_test_against_the_test_settings_services():
    document = workflow()
    triggers = document.get("on", document.get(True))  # YAML 1.1 reads `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    assert document["permissions"] == {"contents": "read"}
    (job,) = document["jobs"].values()
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
