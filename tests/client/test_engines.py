"""The kit's `engines` is true: every Node it admits (`package.json`), this machine's
included, runs every locked package, so `npm ci` warns of no engine (EBADENGINE)."""

from __future__ import annotations

import json

from tests.client.conftest import run

# For each locked package whose `engines.node` the oldest admitted Node, or this one,
# does not satisfy: "name@version needs <range>".
CHECK = """
const semver = require("semver");
const lock = require("./package-lock.json");
const admitted = require("./package.json").engines.node;
const oldest = semver.minVersion(admitted).version;
const problems = [];
if (!semver.satisfies(process.version, admitted)) problems.push(`this Node ${process.version}`);
for (const [path, info] of Object.entries(lock.packages)) {
  const needs = info.engines && info.engines.node;
  if (!needs) continue;
  for (const version of [oldest, process.version]) {
    if (!semver.satisfies(version, needs)) {
      problems.push(`${path.split("node_modules/").pop()}@${info.version} needs ${needs}`);
    }
  }
}
console.log(JSON.stringify({ admitted, oldest, problems }));
"""


def test_every_locked_package_runs_on_every_node_the_kit_admits(node):
    result = json.loads(run([node, "-e", CHECK]).stdout)

    assert result["oldest"].startswith("20."), result  # Node 20 stays supported
    assert result["problems"] == [], result
