"""GraphiQL's assets are served from our static files and match the Subresource
Integrity hashes the page pins them with, in development and after production's
collectstatic (whose manifest storage rewrites CSS and JS files)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from core.site.graphql.graphiql import OfflineGraphiQLMixin

ROOT = Path(__file__).resolve().parents[2]


def sri(content: bytes) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(content).digest()).decode()


class _Assets(HTMLParser):
    """Collects (url, integrity) of every script and stylesheet a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[tuple[str, str | None]] = []
        self.inline_scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.assets.append((attributes["src"] or "", attributes.get("integrity")))
        elif tag == "script":
            self.inline_scripts.append(attributes)
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.assets.append((attributes.get("href") or "", attributes.get("integrity")))


@pytest.fixture
def graphiql_page(client) -> tuple[_Assets, str]:
    response = client.get("/graphql/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    parser = _Assets()
    parser.feed(response.content.decode())
    return parser, response["Content-Security-Policy"]


def test_graphiql_loads_only_local_assets_each_pinned_by_its_hash(graphiql_page):
    page, _ = graphiql_page
    vendored = [(url, integrity) for url, integrity in page.assets if "graphiql_static/" in url]

    assert {url.removeprefix("/static/") for url, _ in vendored} == set(
        OfflineGraphiQLMixin.graphiql_assets
    )
    for url, _ in page.assets:
        assert url.startswith("/static/"), f"{url} is not served by us"
    for url, integrity in vendored:
        found = finders.find(url.removeprefix("/static/"))
        assert found, url
        assert integrity == sri(Path(found).read_bytes()), f"{url}: SRI does not match the file"


def test_graphiql_settings_script_carries_the_nonce_of_the_csp_header(graphiql_page):
    page, policy = graphiql_page
    script_src = next(d for d in policy.split("; ") if d.startswith("script-src "))
    nonce = re.fullmatch(r"script-src 'self' 'nonce-([^']+)'", script_src)

    assert nonce, policy
    assert page.inline_scripts == [{"nonce": nonce.group(1)}]


def test_collectstatic_for_production_keeps_pinned_assets_intact(tmp_path):
    static_root = tmp_path / "static"
    env = {
        **{name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ},
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(45)[:60],
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DJANGO_STATIC_ROOT": str(static_root),
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]

    for asset, attribute in OfflineGraphiQLMixin.graphiql_assets.items():
        hashed = manifest[asset]
        assert hashed != asset  # still a cache-busting name
        expected = getattr(OfflineGraphiQLMixin, attribute)
        content = (static_root / hashed).read_bytes()
        assert sri(content) == expected, f"{hashed} no longer matches its SRI hash"
        compressed = static_root / f"{hashed}.gz"
        if compressed.exists():
            assert sri(gzip.decompress(compressed.read_bytes())) == expected

    # Everything else is still post-processed: references point at hashed names.
    sidecar = "drf_spectacular_sidecar/swagger-ui-dist/"
    swagger_css = (static_root / manifest[sidecar + "swagger-ui.css"]).read_text()
    source_map = re.search(r"sourceMappingURL=(\S+)", swagger_css)
    assert source_map
    assert source_map.group(1) == Path(manifest[sidecar + "swagger-ui.css.map"]).name
