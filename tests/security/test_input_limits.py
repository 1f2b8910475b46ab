"""Input limits on every domain's endpoints (the core mechanisms themselves are tested in
tests/core/test_hostile_input.py, test_body_guard.py and test_graphql_limits.py):

- every write operation refuses an oversized body (413), deeply nested JSON (400) and a
  JSON body that is not an object (400), changing nothing;
- every paginated list of the OpenAPI schema refuses a huge, zero, negative or
  non-numeric ``page_size`` and a garbage ``cursor`` (or ``page``) with a 400 naming the
  parameter, as the contract says ("Items per page, 1 to 100");
- every GraphQL connection refuses a huge ``first`` and a garbage ``after`` with an
  error, not a 500; over-deep and over-costly documents on the real schema are refused;
- the one upload (a résumé) is judged by its bytes: HTML or text named ``.pdf``,
  ``.png`` or ``.docx`` is refused.
"""

from __future__ import annotations

import base64
import json
from functools import cache

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.core.factories import UserFactory
from tests.security.conftest import (
    changed_tables,
    client_for,
    fingerprint,
    graphql,
    graphql_codes,
    problem,
    rolled_back,
)
from tests.security.matrix import BY_OPERATION
from tests.security.test_matrix import documented_writes

pytestmark = pytest.mark.django_db

BODY_LIMIT = 4096


def _nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


# --- bodies, on every write -----------------------------------------------------------------


def _rest_writes() -> list[str]:
    return [label for label in documented_writes() if not label.startswith("Mutation.")]


def _actor(expect: dict) -> str:
    """Who may perform the operation (so a refusal is the body's doing, not the caller's)."""
    for identity in ("owner", "staff", "moderator", "candidate", "employer", "company_member"):
        outcome = expect.get(identity)
        if outcome is not None and outcome.allowed:
            return identity
    return "owner"


HOSTILE_BODIES = {
    # name: (raw body, expected status, expected codes, only for operations reading a body)
    "oversized": (json.dumps({"content": "x" * BODY_LIMIT}), 413, {"payload_too_large"}, False),
    "nested 200 deep": (_nested(200), 400, {"parse_error"}, True),
    "not an object": ("[1, 2, 3]", 400, {"validation_error", "parse_error"}, True),
}
# The payment webhook checks the provider's signature before it reads the body.
BODY_READ_AFTER = {"POST /api/v1/shop/payments/webhook/": {"invalid_signature"}}


@pytest.mark.parametrize("operation", [*_rest_writes(), "POST /graphql/"])
def test_hostile_bodies_are_refused_on_every_write(operation, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = BODY_LIMIT
    method, path = operation.split(" ", 1)
    if path == "/graphql/":
        row, ctx, actor = None, {}, "owner"
    else:
        row = BY_OPERATION[operation]
        ctx = row.setup(world)
        actor = _actor(row.expect)
    client = client_for(world.user(actor))
    failures = []
    for name, (body, status, codes, needs_body) in HOSTILE_BODIES.items():
        if needs_body and row is not None and row.body is None:
            continue  # the operation reads no body: there is nothing to refuse
        with rolled_back():
            before = fingerprint()
            response = client.generic(
                method, path.format(**ctx), body, content_type="application/json"
            )
            changed = changed_tables(before, fingerprint())
        if response["Content-Type"] == "application/problem+json":
            code = problem(response)["code"]
        else:  # GraphQL's own refusals: an error with extensions.code
            code = (graphql_codes(response) or [None])[0]
        if status == 400 and code in BODY_READ_AFTER.get(operation, ()):
            continue
        if response.status_code != status or code not in codes or changed:
            failures.append(f"{name}: {response.status_code} {code} changed={changed}")
    assert not failures, f"{operation} as {actor}: " + "; ".join(failures)


# --- pagination, on every paginated list ----------------------------------------------------


@cache
def _paginated_lists() -> tuple[tuple[str, tuple[str, ...], int], ...]:
    """``(path, pagination parameters, largest page_size)`` of every GET the OpenAPI
    generator documents with ``page_size``, ``cursor`` or ``page``."""
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.settings import spectacular_settings

    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    with GENERATOR_STATS.silence():
        schema = generator.get_schema(request=None, public=True)
    found = []
    for path, item in schema["paths"].items():
        operation = item.get("get") or {}
        names = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
        params = tuple(sorted(names & {"page_size", "cursor", "page"}))
        if params:
            [size] = [p for p in operation["parameters"] if p["name"] == "page_size"]
            found.append((path, params, size["schema"]["maximum"]))
    return tuple(found)


PAGE_SIZES = ["1000000000", "101", "0", "-1", "ten", "1e3"]
CURSORS = [
    "garbage",
    base64.urlsafe_b64encode(b'{"o":"x","v":[1,2]}').decode(),
    base64.urlsafe_b64encode(b"\xff\xfe\x00junk").decode(),
    "A" * 4000,
]
PAGES = ["ten", "0", "-3"]
# The query a list needs to answer at all (search needs words).
REQUIRED_QUERY = {"/api/v1/movies/search/": {"q": "night"}}


@pytest.fixture
def reader(db):
    """A superuser (every role) who owns a company with a job and has written a post, so
    every list answers them, with the path parameters those lists need."""
    from core.identity.roles import Role
    from tests.jobs.factories import make_company, make_job
    from tests.social.factories import post

    root = UserFactory(
        is_staff=True,
        is_superuser=True,
        roles=[Role.CUSTOMER, Role.CANDIDATE, Role.EMPLOYER, Role.MODERATOR],
    )
    job = make_job(make_company(root))
    params = {
        "/api/v1/social/posts/{id}/comments/": {"id": post(root).pk},
        "/api/v1/jobs/jobs/{id}/applications/": {"id": job.pk},
    }
    return root, params


def test_the_paginated_lists_are_found():
    assert len(_paginated_lists()) >= 15, _paginated_lists()


@pytest.mark.parametrize(("path", "params", "largest"), _paginated_lists())
def test_page_size_and_cursor_are_checked_on_every_list(path, params, largest, reader):
    root, path_params = reader
    url = path.format(**path_params.get(path, {}))
    client = client_for(root)

    required = REQUIRED_QUERY.get(path, {})
    control = client.get(url, {**required, "page_size": str(largest)})
    assert control.status_code == 200, control.content[:300]

    cases = [("page_size", value, 400) for value in [*PAGE_SIZES, str(largest + 1)]]
    if "cursor" in params:
        cases += [("cursor", value, 400) for value in CURSORS]
    if "page" in params:
        cases += [("page", value, 400) for value in PAGES]
        cases.append(("page", "99999", 404))  # past the last page (documented)
    failures = []
    for name, value, status in cases:
        response = client.get(url, {**required, name: value})
        if response.status_code != status:
            failures.append(f"{name}={value[:20]}: {response.status_code}")
            continue
        body = problem(response)
        if status == 400 and (body["code"] != "validation_error" or name not in body["errors"]):
            failures.append(f"{name}={value[:20]}: {body}")
    assert not failures, f"{url}: " + "; ".join(failures)


# --- GraphQL on the real schema -------------------------------------------------------------


def _connections() -> list[tuple[str, str]]:
    """``(root field, its required arguments)`` of every Query field taking ``first``:
    the Relay connections, and the plain lists (``trending``, ``whoToFollow``)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    schema = import_string(settings.GRAPHENE["SCHEMA"]).graphql_schema
    found = []
    for name, field in schema.query_type.fields.items():
        if "first" in field.args:
            required = [arg for arg, spec in field.args.items() if "!" in str(spec.type)]
            found.append((name, ",".join(required)))
    return found


def _is_connection(field: str) -> bool:
    from django.conf import settings
    from django.utils.module_loading import import_string

    schema = import_string(settings.GRAPHENE["SCHEMA"]).graphql_schema
    return str(schema.query_type.fields[field].type).rstrip("!").endswith("Connection")


def _selection(field: str) -> str:
    return "{ edges { node { id } } }" if _is_connection(field) else "{ id }"


@pytest.mark.parametrize(("field", "required"), _connections())
def test_every_connection_refuses_a_huge_page_and_a_garbage_cursor(field, required, reader):
    root, path_params = reader
    client = client_for(root)
    args = ""
    if required == "postId":
        args = f'postId: "{path_params["/api/v1/social/posts/{id}/comments/"]["id"]}", '
    elif required:
        pytest.fail(f"{field} needs arguments {required}: teach this test to fill them")

    control = graphql(client, f"{{ {field}({args}first: 100) {_selection(field)} }}").json()
    assert "errors" not in control, control

    huge = graphql(client, f"{{ {field}({args}first: 1000000) {_selection(field)} }}")
    assert huge.status_code == 400, huge.content
    assert graphql_codes(huge) == ["query_too_complex"]

    over_cap = graphql(client, f"{{ {field}({args}first: 101) {_selection(field)} }}")
    error = over_cap.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}, error
    assert not (over_cap.json().get("data") or {}).get(field)

    if _is_connection(field):  # a plain list takes no cursor
        for cursor in CURSORS:
            response = graphql(
                client, f'{{ {field}({args}after: "{cursor}") {_selection(field)} }}'
            )
            error = response.json()["errors"][0]
            assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}, error
            assert response.json()["data"] is None


def _deep_posts(levels: int) -> str:
    inner = "id"
    for _ in range(levels):
        inner = f"posts {{ edges {{ node {{ author {{ {inner} }} }} }} }}"
    return f"{{ {inner} }}"


def test_an_over_deep_document_on_the_real_schema_is_refused(db):
    response = graphql(client_for(), _deep_posts(5))

    assert response.status_code == 400
    assert graphql_codes(response) == ["query_too_complex"]


def test_an_over_costly_document_on_the_real_schema_is_refused():
    document = (
        "{ posts(first: 100) { edges { node { comments(first: 100) { edges { node { "
        "author { posts(first: 100) { edges { node { id } } } } } } } } } } }"
    )
    response = graphql(client_for(), document)

    assert response.status_code == 400
    assert graphql_codes(response) == ["query_too_complex"]
    assert "cost" in response.json()["errors"][0]["message"]


def test_aliases_cannot_batch_writes_past_the_limits(db):
    """A mutation with more aliases than allowed is refused whole, before any runs."""
    from social.models import Post

    aliases = " ".join(f'p{n}: createPost(content: "{n}") {{ post {{ id }} }}' for n in range(40))
    response = graphql(client_for(UserFactory()), f"mutation {{ {aliases} }}")

    assert response.status_code == 400
    assert graphql_codes(response) == ["query_too_complex"]
    assert Post.objects.count() == 0


# --- uploads ------------------------------------------------------------------------------------

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SPOOFED = {
    "HTML named .pdf": ("cv.pdf", HTML, "application/pdf"),
    "HTML named .png": ("cv.png", HTML, "image/png"),
    "text named .png": ("cv.png", b"just some text, not an image", "image/png"),
    "HTML named .docx": (
        "cv.docx",
        HTML,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "SVG named .pdf": ("cv.pdf", b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>', "x"),
    "PNG named .pdf": ("cv.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "application/pdf"),
}


@pytest.mark.parametrize("name", list(SPOOFED))
def test_a_spoofed_upload_is_refused_and_stores_nothing(name, resume_dir):
    from tests.jobs.factories import candidate, make_job

    filename, content, content_type = SPOOFED[name]
    job = make_job()
    client = client_for(candidate())
    before = fingerprint()

    response = client.post(
        f"/api/v1/jobs/jobs/{job.pk}/apply/",
        {"cover_letter": "Hi", "resume": SimpleUploadedFile(filename, content, content_type)},
        format="multipart",
    )

    assert response.status_code == 400, response.content
    assert problem(response)["code"] == "file_type_not_allowed"
    assert changed_tables(before, fingerprint()) == []
    assert (
        not any(path.is_file() for path in resume_dir.rglob("*")) if resume_dir.exists() else True
    )


def test_a_pdf_polyglot_is_kept_as_a_pdf_and_served_as_an_attachment(resume_dir):
    """Bytes that start like a PDF are a PDF whatever the name says: stored as ``.pdf``,
    downloaded as an attachment that no browser renders as a page."""
    from tests.jobs.factories import candidate, make_job

    job = make_job()
    applicant = candidate()
    client = client_for(applicant)
    content = b"%PDF-1.4\n" + HTML

    response = client.post(
        f"/api/v1/jobs/jobs/{job.pk}/apply/",
        {"resume": SimpleUploadedFile("cv.html", content, "text/html")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    download = client.get(f"/api/v1/jobs/applications/{response.json()['id']}/resume/")

    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert 'filename="cv.pdf"' in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]


def test_an_upload_over_the_upload_limit_is_a_413(settings, resume_dir):
    from jobs.models import Application
    from tests.jobs.factories import candidate, make_job, pdf_bytes

    settings.NEXUS_MAX_UPLOAD_BYTES = 8192
    job = make_job()

    response = client_for(candidate()).post(
        f"/api/v1/jobs/jobs/{job.pk}/apply/",
        {"resume": SimpleUploadedFile("cv.pdf", pdf_bytes(20_000), "application/pdf")},
        format="multipart",
    )

    assert response.status_code == 413
    assert problem(response)["code"] == "payload_too_large"
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "path",
    ["/api/v1/social/posts/", "/api/v1/polls/polls/", "/api/v1/shop/cart/items/"],
)
def test_a_multipart_body_over_the_body_limit_is_a_413_where_nothing_is_uploaded(path, settings):
    """Only the endpoint that takes a file gets the upload limit; everywhere else a
    multipart body is form fields, held to the body limit like JSON."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = BODY_LIMIT
    client = client_for(UserFactory())
    before = fingerprint()

    response = client.post(
        path,
        {"content": "hi", "attachment": SimpleUploadedFile("a.bin", b"x" * 4 * BODY_LIMIT)},
        format="multipart",
    )

    assert response.status_code == 413, response.content
    assert problem(response)["code"] == "payload_too_large"
    assert changed_tables(before, fingerprint()) == []


def test_nul_in_an_upload_form_field_is_a_400(resume_dir):
    from tests.jobs.factories import candidate, make_job, pdf_bytes

    job = make_job()
    client = client_for(candidate())
    before = fingerprint()

    response = client.post(
        f"/api/v1/jobs/jobs/{job.pk}/apply/",
        {
            "cover_letter": "Hello\x00there",
            "resume": SimpleUploadedFile("cv.pdf", pdf_bytes(), "application/pdf"),
        },
        format="multipart",
    )

    assert response.status_code == 400, response.content
    assert problem(response)["code"] in ("parse_error", "validation_error")
    assert changed_tables(before, fingerprint()) == []
