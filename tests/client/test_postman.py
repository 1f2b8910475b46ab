"""clients/postman/nexus.postman_collection.json: what `manage.py export_postman`
makes of the committed openapi.json, a valid v2.1 collection with every operation,
and its pre-wired sign-in flow works: newman (Postman's runner, which loads the file
with the postman-collection SDK) runs it against the real app."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from core.management.commands.export_postman import SCHEMA_URL, START_HERE, render
from tests.client.conftest import ROOT, base_url, bin_of

COLLECTION = ROOT / "clients" / "postman" / "nexus.postman_collection.json"
METHODS = ("get", "post", "put", "patch", "delete")


def collection() -> dict:
    return json.loads(COLLECTION.read_text())


def requests_of(items: list[dict]) -> list[dict]:
    found = []
    for item in items:
        if "item" in item:
            found.extend(requests_of(item["item"]))
        else:
            found.append(item)
    return found


def test_the_committed_collection_is_generated_from_the_committed_schema():
    spec = json.loads((ROOT / "openapi.json").read_text())
    assert COLLECTION.read_text() == render(spec), (
        "the Postman collection is out of date; run `make client`"
    )


def test_every_openapi_operation_is_a_request_of_the_collection():
    spec = json.loads((ROOT / "openapi.json").read_text())
    operations = sorted(
        (method.upper(), "{{baseUrl}}" + re.sub(r"\{(\w+)\}", r":\1", path))
        for path, item in spec["paths"].items()
        for method in METHODS
        if method in item
    )
    requests = sorted(
        (item["request"]["method"], item["request"]["url"]["raw"])
        for item in requests_of(collection()["item"])
        if item["request"]["url"]["raw"] != "{{baseUrl}}/graphql/"
    )
    assert requests == operations


def test_the_collection_is_v2_1_with_the_auth_flow_wired():
    """The parts of the v2.1 schema a collection must have, and the sign-in flow."""
    data = collection()
    assert data["info"]["schema"] == SCHEMA_URL
    assert data["info"]["name"]
    assert data["auth"] == {
        "type": "bearer",
        "bearer": [{"key": "token", "value": "{{accessToken}}", "type": "string"}],
    }
    variables = {v["key"] for v in data["variable"]}
    assert {"baseUrl", "accessToken", "refreshToken", "username", "password"} <= variables
    for item in requests_of(data["item"]):
        request = item["request"]
        assert item["name"]
        assert request["method"] in {m.upper() for m in METHODS}
        assert request["url"]["raw"].startswith("{{baseUrl}}/")
        assert all(isinstance(h["key"], str) and "value" in h for h in request["header"])

    start = next(folder for folder in data["item"] if folder["name"] == START_HERE)
    flow = {item["name"]: item for item in start["item"]}
    assert list(flow) == ["Login", "Who am I", "Refresh", "Logout"]
    assert flow["Login"]["request"]["auth"] == {"type": "noauth"}
    for name in ("Login", "Refresh"):
        script = "\n".join(flow[name]["event"][0]["script"]["exec"])
        assert 'pm.collectionVariables.set("accessToken", body.access)' in script
        assert 'pm.collectionVariables.set("refreshToken", body.refresh)' in script
    assert "{{refreshToken}}" in flow["Refresh"]["request"]["body"]["raw"]
    assert "auth" not in flow["Who am I"]["request"]  # inherits the collection's bearer


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(90)
def test_newman_runs_the_sign_in_flow_against_the_app(node, app_server, tmp_path):
    """Login stores the pair, Who am I sends it, Refresh rotates it, Logout blacklists
    it: each request's test script checks its answer, and newman exits non-zero if one
    fails (or if the file does not load)."""
    from core.site.demo import seed_accounts

    seed_accounts()
    report = tmp_path / "newman.json"
    result = subprocess.run(
        [
            node,
            bin_of("newman"),
            "run",
            str(COLLECTION),
            "--folder",
            START_HERE,
            "--env-var",
            f"baseUrl={base_url(app_server)}",
            "--reporters",
            "cli,json",
            "--reporter-json-export",
            str(report),
            "--bail",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    run = json.loads(report.read_text())["run"]
    assert [e["item"]["name"] for e in run["executions"]] == [
        "Login",
        "Who am I",
        "Refresh",
        "Logout",
    ]
    assert run["stats"]["assertions"] == {"total": 4, "pending": 0, "failed": 0}
