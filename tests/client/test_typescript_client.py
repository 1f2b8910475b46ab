"""The TypeScript client's token lifecycle works against the real app:
clients/typescript/test/flow.ts (run by Node) signs in, uses one token for REST and
GraphQL, turns a stale access token's concurrent 401s into one refresh and one retry
each, surfaces problem details as ProblemError, and logs out (the refresh token is
blacklisted; the next 401 ends the session)."""

from __future__ import annotations

import os

import pytest

from tests.client.conftest import CLIENT, base_url, run

SOURCES = ["src/client.ts", "src/operations.ts", "src/index.ts", "test/flow.ts"]
# The pinned compiler's own transpiler, file by file (the type check is test_exports'
# `tsc --noEmit`; a second full program build would only cost time). Output goes under
# clients/typescript so that Node resolves openapi-fetch from its node_modules.
TRANSPILE = """
const fs = require("node:fs");
const path = require("node:path");
const ts = require("typescript");
const options = { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 };
for (const source of process.argv.slice(1)) {
  const out = path.join("dist", source.replace(/\\.ts$/, ".js"));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const { outputText } = ts.transpileModule(fs.readFileSync(source, "utf8"), {
    compilerOptions: options,
    fileName: source,
    reportDiagnostics: false,
  });
  fs.writeFileSync(out, outputText);
}
"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(90)
def test_the_client_refreshes_once_retries_once_and_logs_out(node, app_server):
    from tests.core.factories import PASSWORD, UserFactory

    user = UserFactory(username="ts-client")
    run([node, "-e", TRANSPILE, *SOURCES])

    result = run(
        [node, str(CLIENT / "dist" / "test" / "flow.js")],
        timeout=60,
        NEXUS_URL=base_url(app_server),
        NEXUS_USERNAME=user.username,
        NEXUS_PASSWORD=PASSWORD,
        PATH=os.environ.get("PATH", "/usr/bin:/bin"),
    )
    assert "client flow ok" in result.stdout
