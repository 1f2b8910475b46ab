"""Every example of the README's API sections runs as written against the server
`make run` starts (tests/core/make_run.py: its demo data and throttles, nothing added).

The `sh` blocks that call `localhost:8000` run in order in one bash, as a reader pasting
them into one terminal would, with the port of the test's server and a `cv.pdf` of the
reader's in the working directory. Each `curl` is wrapped to report its status: every
one must be a 2xx, or the status its line documents (`# 201`, `# 200: updated in
place`); the JSON members a line documents (`# "like_count": 1`, `# {"refresh": "...",
"access": "..."}`; "..." stands for any value) must be in the body it answered."""

from __future__ import annotations

import json
import re
import shlex
import subprocess

import pytest

from tests.client.conftest import ROOT

README = ROOT / "README.md"
BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.DOTALL | re.MULTILINE)
PORT = "localhost:8000"
# Reports each curl's status on stderr (curl's %{stderr}) and keeps its body, leaving
# stdout to the pipes and $(...) of the example.
WRAPPER = r"""
curl() {
  local n=$(( $(cat "$CALLS/count") + 1 ))
  echo "$n" > "$CALLS/count"
  command curl -w "%{stderr}@@curl $n %{http_code} %{method} %{url_effective}\n" "$@" \
    | tee "$CALLS/body.$n"
}
"""
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def example_blocks() -> list[tuple[int, str]]:
    """(first line, text) of each `sh` block that calls the API."""
    text = README.read_text()
    return [
        (text.count("\n", 0, match.start()) + 2, match.group(1))
        for match in BLOCK.finditer(text)
        if PORT in match.group(1)
    ]


def documented_calls(first_line: int, block: str) -> list[tuple[int, str]]:
    """Each `curl` of a block, in order, with the comment on the last line of its
    command: (README line, comment)."""
    lines = block.splitlines()
    calls = []
    for index, line in enumerate(lines):
        for _ in re.findall(r"(?:^|[\s($])curl\s", line):
            end = index
            while True:
                command = "\n".join(lines[index : end + 1])
                try:
                    shlex.split(command, comments=True)
                    complete = not lines[end].rstrip().endswith("\\")
                except ValueError:  # a quote still open
                    complete = False
                if complete:
                    break
                end += 1
            comment = lines[end].split("   # ", 1)[1] if "   # " in lines[end] else ""
            calls.append((first_line + index, comment))
    return calls


def documented_members(comment: str) -> dict:
    """The members a comment shows: a JSON object (`{"refresh": "...", ...}`), or
    `"name": value` pairs (`"like_count": 1`), values parsed as JSON."""
    decoder = json.JSONDecoder()
    brace, quote = comment.find("{"), comment.find('"')
    if brace != -1 and (quote == -1 or brace < quote):
        try:
            members, _ = decoder.raw_decode(comment, brace)
            return members
        except json.JSONDecodeError:  # `{"username": "demo_customer", ...}`: its pairs
            comment = comment[brace + 1 :]
    members, end = {}, 0
    for match in re.finditer(r'"(\w+)":\s*', comment):
        if match.start() < end:  # inside the value of the member before
            continue
        try:
            members[match.group(1)], end = decoder.raw_decode(comment, match.end())
        except json.JSONDecodeError:
            continue
    return members


def matches(expected, actual) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and matches(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(expected, str) and "..." in expected:
        return isinstance(actual, str) and actual.startswith(expected.split("...")[0])
    return expected == actual


def test_the_readme_documents_a_result_for_its_writes():
    calls = [call for line, block in example_blocks() for call in documented_calls(line, block)]
    assert len(calls) >= 25, "every domain section has examples"
    assert sum(bool(re.match(r"\d{3}\b", comment)) for _, comment in calls) >= 7
    assert sum(bool(documented_members(comment)) for _, comment in calls) >= 7


@pytest.mark.timeout(180)
def test_every_readme_example_runs_against_make_run(make_run_server, tmp_path):
    port = f"localhost:{make_run_server.port}"
    blocks = example_blocks()
    calls = [call for line, block in blocks for call in documented_calls(line, block)]
    script = "\n".join(block.replace(PORT, port) for _, block in blocks)
    (tmp_path / "calls").mkdir()
    (tmp_path / "calls" / "count").write_text("0")
    (tmp_path / "cv.pdf").write_bytes(MINIMAL_PDF)
    result = subprocess.run(
        ["bash", "-c", WRAPPER + script],
        cwd=tmp_path,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "CALLS": str(tmp_path / "calls")},
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    ran = re.findall(r"^@@curl (\d+) (\d{3}) (\S+) (\S+)$", result.stderr, re.MULTILINE)
    context = f"\n--- stdout ---\n{result.stdout[-3000:]}\n--- stderr ---\n{result.stderr[-3000:]}"
    assert len(ran) == len(calls), f"{len(calls)} curl commands, {len(ran)} ran{context}"

    wrong = []
    for (number, status, method, url), (line, comment) in zip(ran, calls, strict=True):
        documented = re.match(r"(\d{3})\b", comment)
        ok = status == documented.group(1) if documented else status.startswith("2")
        members = documented_members(comment)
        if members:
            body = (tmp_path / "calls" / f"body.{number}").read_text()
            try:
                ok = ok and matches(members, json.loads(body))
            except json.JSONDecodeError:
                ok = False
        if not ok:
            body = (tmp_path / "calls" / f"body.{number}").read_text()[:300]
            wrong.append(f"README.md:{line} {method} {url} -> {status} {body} (# {comment})")
    assert wrong == [], "\n".join(wrong) + context
