"""The kit cannot drift from the code: the committed exports (openapi.json,
schema.graphql) are what the code generates, the committed TypeScript types are what
the pinned generators make of those exports, and the client type-checks against them.
Regenerate everything with `make client`."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.client.conftest import CLIENT, ROOT, bin_of, run

OPENAPI = ROOT / "openapi.json"
GUIDE = ROOT / "docs" / "frontend.md"
GENERATED = CLIENT / "src" / "generated"


def assert_same(committed: Path, current: str, what: str) -> None:
    text = committed.read_text() if committed.exists() else ""
    if text != current:
        diff = "".join(
            difflib.unified_diff(
                text.splitlines(keepends=True),
                current.splitlines(keepends=True),
                f"{committed.relative_to(ROOT)} (committed)",
                what,
                n=2,
            )
        )
        pytest.fail(
            f"{committed.relative_to(ROOT)} is out of date; run `make client`.\n{diff[:6000]}"
        )


def test_the_committed_openapi_json_is_the_schema_the_code_generates(tmp_path):
    """The command `make client` runs (it and `make checks` also validate the schema)."""
    out = tmp_path / "openapi.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(out))
    assert_same(OPENAPI, out.read_text(), "the code's schema")


def test_the_typescript_types_are_generated_from_the_committed_exports(node, tmp_path):
    openapi_ts = tmp_path / "openapi.ts"
    run([bin_of("openapi-typescript"), str(OPENAPI), "--output", str(openapi_ts)])
    assert_same(GENERATED / "openapi.ts", openapi_ts.read_text(), "openapi-typescript's output")

    graphql_ts = tmp_path / "graphql.ts"
    run([bin_of("graphql-codegen"), "--config", "codegen.ts"], NEXUS_CODEGEN_OUT=str(graphql_ts))
    assert_same(GENERATED / "graphql.ts", graphql_ts.read_text(), "graphql-codegen's output")


def test_the_client_and_the_guides_typescript_type_check(node, tmp_path):
    """`tsc --noEmit` (strict) over the project: src/ (the client, its GraphQL documents,
    the generated types), test/ (the flow the live test runs), and the TypeScript
    example in docs/frontend.md, so the guide cannot show a call the types refuse."""
    (example,) = re.findall(r"^```ts\n(.*?)^```$", GUIDE.read_text(), re.DOTALL | re.MULTILINE)
    example = example.replace("./clients/typescript/src/", f"{CLIENT}/src/")
    (tmp_path / "guide_example.mts").write_text(
        "// The app's own callbacks, which the example calls.\n"
        "declare function showLogin(): void;\n"
        "declare function showAlreadyVoted(): void;\n"
        f"{example}\nexport {{}};\n"
    )
    config = {
        "extends": str(CLIENT / "tsconfig.json"),
        "compilerOptions": {"typeRoots": [str(CLIENT / "node_modules" / "@types")]},
        "include": [f"{CLIENT}/src/**/*.ts", f"{CLIENT}/test/**/*.ts", "guide_example.mts"],
    }
    (tmp_path / "tsconfig.json").write_text(json.dumps(config))
    run([bin_of("tsc"), "--noEmit", "-p", str(tmp_path / "tsconfig.json")])
