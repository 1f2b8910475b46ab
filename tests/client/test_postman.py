"""clients/postman/nexus.postman_collection.json: what `manage.py export_postman` makes
of the committed openapi.json and clients/postman/flow.json, a valid v2.1 collection
with every operation that runs whole: sign-in first and logout last, ids chained from
earlier responses, every request testing its status and a body field. newman (Postman's
runner, which loads the file with the postman-collection SDK) runs all of it against
the server `make run` starts."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from core.management.commands.export_postman import FINISH, SCHEMA_URL, START_HERE, render
from core.management.postman_flow import expected_statuses, load_flow
from core.site.demo import DEMO_ACCOUNTS
from tests.client.conftest import ROOT, bin_of

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
        {
            (method.upper(), "{{baseUrl}}" + re.sub(r"\{(\w+)\}", r":\1", path))
            for path, item in spec["paths"].items()
            for method in METHODS
            if method in item
        }
    )
    requests = sorted(
        {
            (item["request"]["method"], item["request"]["url"]["raw"].split("?")[0])
            for item in requests_of(collection()["item"])
            if item["request"]["url"]["raw"] != "{{baseUrl}}/graphql/"
        }
    )
    assert requests == operations


def flow_entries() -> list[dict]:
    return [entry for folder in load_flow()["folders"] for entry in folder["requests"]]


def test_the_collection_is_v2_1_with_the_auth_flow_wired():
    """The parts of the v2.1 schema a collection must have; sign-in first, logout last."""
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

    folders = [folder["name"] for folder in data["item"]]
    assert folders[0] == START_HERE
    assert folders[-1] == FINISH
    everything = requests_of(data["item"])
    login, logout = everything[0], everything[-1]
    assert (login["name"], logout["name"]) == ("Login", "Logout")
    assert login["request"]["auth"] == {"type": "noauth"}
    script = "\n".join(login["event"][-1]["script"]["exec"])
    assert 'pm.collectionVariables.set("accessToken", get(body, "access"))' in script
    assert 'pm.collectionVariables.set("refreshToken", get(body, "refresh"))' in script
    assert "{{refreshToken}}" in logout["request"]["body"]["raw"]
    assert logout["request"]["url"]["raw"] == "{{baseUrl}}/api/v1/auth/token/blacklist/"


def test_every_request_tests_its_status_and_a_body_field():
    for item in requests_of(collection()["item"]):
        (test,) = [e for e in item["event"] if e["listen"] == "test"]
        script = "\n".join(test["script"]["exec"])
        assert "pm.expect(pm.response.code).to.be.oneOf(" in script, item["name"]
        assert script.count("pm.test(") >= 2, f"{item['name']}: a status and a body test"


VARIABLE = re.compile(r"\{\{([^{}]+)\}\}")


def test_every_variable_a_request_uses_is_set_before_it_runs():
    """No empty path variable, and every ``{{name}}`` a request sends (URL, headers,
    body, token) has a value by then: a default, or one an earlier request's script set."""
    data = collection()
    known = {v["key"] for v in data["variable"] if v["value"]}
    for item in requests_of(data["item"]):
        request = item["request"]
        for variable in request["url"].get("variable", []):
            assert variable["value"], f"{item['name']}: empty path variable {variable['key']}"
        scripts = {e["listen"]: "\n".join(e["script"]["exec"]) for e in item.get("event", [])}
        known |= set(
            re.findall(r'pm\.collectionVariables\.set\("(\w+)"', scripts.get("prerequest", ""))
        )
        sent = json.dumps(
            {k: request.get(k) for k in ("url", "header", "body", "auth")}
            | {
                "url": {
                    **request["url"],
                    "query": [q for q in request["url"].get("query", []) if not q.get("disabled")],
                }
            }
        )
        used = {name for name in VARIABLE.findall(sent) if not name.startswith("$")}
        used |= set(re.findall(r'pm\.collectionVariables\.get\("(\w+)"\)', scripts.get("test", "")))
        missing = {name.lstrip("#") for name in used} - known
        assert not missing, f"{item['name']} uses {sorted(missing)} before anything sets them"
        known |= set(re.findall(r'pm\.collectionVariables\.set\("(\w+)"', scripts.get("test", "")))


def test_the_demo_accounts_sign_in_with_their_own_passwords():
    passwords = {account.username: account.password for account in DEMO_ACCOUNTS}
    signins = [
        entry["body"]
        for entry in flow_entries()
        if entry["op"] == "POST /api/v1/auth/token/" and entry["body"]["username"] in passwords
    ]
    assert len(signins) >= 4
    for body in signins:
        assert body["password"] == passwords[body["username"]]


@pytest.mark.timeout(180)
def test_newman_runs_the_whole_collection_against_make_run(node, make_run_server, tmp_path):
    """Every request, in order, against what `make run` serves: no failed assertion, and
    no 401 or 404 (nor any other status) that the request's flow entry did not mean."""
    report = tmp_path / "newman.json"
    result = subprocess.run(
        [
            node,
            bin_of("newman"),
            "run",
            str(COLLECTION),
            "--env-var",
            f"baseUrl={make_run_server.url}",
            "--reporters",
            "cli,json",
            "--reporter-json-export",
            str(report),
            "--timeout-request",
            "60000",
        ],
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert report.exists(), result.stdout[-4000:] + result.stderr[-2000:]
    run = json.loads(report.read_text())["run"]
    stats = run["stats"]
    assert stats["requests"]["total"] == len(requests_of(collection()["item"]))
    assert stats["assertions"]["failed"] == 0, result.stdout[-6000:]
    assert run["failures"] == [], result.stdout[-6000:]
    items = requests_of(collection()["item"])
    entries = flow_entries()
    assert len(items) == len(entries)
    entry_of = {item["id"]: entry for item, entry in zip(items, entries, strict=True)}
    unmeant = []
    for execution in run["executions"]:
        code = execution["response"]["code"]
        entry = entry_of[execution["item"]["id"]]
        if code not in expected_statuses(entry) or (code in (401, 404) and not entry.get("why")):
            unmeant.append(f"{execution['item']['name']}: {code}")
    assert unmeant == []
    assert result.returncode == 0, result.stdout[-4000:]
