"""Stateful fuzzing: create, then read, update and delete what was created.

One ``Chain`` per resource that has such a life (a product, a cart line, an order, a
post, a job posting, an application, a poll, a vote, a rating, ...), driven by a
Hypothesis state machine (``chain_machine``): each step is a schemathesis case of the
chain's operation, sent as the chain's identity through ``harness._Run.send``, so it is
checked exactly as a stateless case is (no 5xx, status, schema and content type
conformance, problem details), but its effect stays for the next steps. The whole
sequence runs in one savepoint, rolled back at the end.

Request bodies are either the chain's valid body (Hypothesis' simplest choice, so every
run starts with a sequence that gets through) or a positive case generated from the
operation's schema with the world's references swapped in. On top of the per-step
checks, the sequence itself must hold: what a 201 created is readable, and what a
successful delete removed is a 404 afterwards (or, for chains whose "delete" is a
cancellation or a withdrawal, still readable).
"""

from __future__ import annotations

import itertools
import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from string import Template
from typing import Any

import hypothesis
from django.db import transaction
from django.test import TestCase
from hypothesis import HealthCheck, Phase, Verbosity
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from schemathesis import Case
from schemathesis.generation import GenerationMode

from tests.fuzz import harness
from tests.fuzz.world import GRAPHQL_ARGUMENT, World, graphql_known_values, known_values

V1 = "/api/v1"
Body = Callable[[World, int], dict[str, Any]]


@dataclass(frozen=True)
class Chain:
    name: str  # "shop products": the test id, matched by -k
    identity: str  # who acts (the owner of what is created)
    create: str  # "POST /api/v1/shop/products/"
    create_body: Body
    read: str | None = None  # with a {parameter}: the created object; without: its list
    update: str | None = None
    update_body: Body | None = None
    delete: str | None = None
    delete_body: Body | None = None
    gone_after_delete: bool = True  # False: "delete" cancels or withdraws, it stays readable
    key: str | None = "id"  # the created object's reference in the 201 body; None: the path's
    # Where the reference is when it is not body[key] (a cart answers with the whole cart).
    find: Callable[[Any, Case], Any] | None = None
    create_path: Callable[[World], dict[str, Any]] | None = None  # a nested create's parent


def _n(prefix: str) -> Callable[[World, int], str]:
    return lambda world, n: f"{prefix}-{n}"


CHAINS = (
    Chain(
        "shop categories",
        "staff",
        f"POST {V1}/shop/categories/",
        lambda w, n: {"name": f"Fuzz kind {n}", "slug": f"fuzz-kind-{n}"},
        read=f"GET {V1}/shop/categories/{{slug}}/",
        update=f"PATCH {V1}/shop/categories/{{slug}}/",
        update_body=lambda w, n: {"description": f"Renamed {n}."},
        delete=f"DELETE {V1}/shop/categories/{{slug}}/",
        key="slug",
    ),
    Chain(
        "shop products",
        "staff",
        f"POST {V1}/shop/products/",
        lambda w, n: {
            "category": w.objects["category"].slug,
            "name": f"Fuzz product {n}",
            "slug": f"fuzz-product-{n}",
            "sku": f"FUZZ-{n}",
            "price": "9.99",
            "stock": 5,
        },
        read=f"GET {V1}/shop/products/{{id}}/",
        update=f"PATCH {V1}/shop/products/{{id}}/",
        update_body=lambda w, n: {"price": f"{n + 1}.50", "stock": n},
        delete=f"DELETE {V1}/shop/products/{{id}}/",
    ),
    Chain(
        "shop cart",
        "customer",
        f"POST {V1}/shop/cart/items/",
        lambda w, n: {"product": w.objects["product"].pk, "quantity": 1},
        read=f"GET {V1}/shop/cart/",
        update=f"PATCH {V1}/shop/cart/items/{{id}}/",
        update_body=lambda w, n: {"quantity": n % 5 + 1},
        delete=f"DELETE {V1}/shop/cart/items/{{id}}/",
        find=lambda body, case: next(
            (
                item["id"]
                for item in body.get("items", [])
                if item["product"]["id"] == (case.body or {}).get("product")
            ),
            None,
        ),
    ),
    Chain(
        "shop orders",
        "customer",
        f"POST {V1}/shop/orders/",
        lambda w, n: {"items": [{"product": w.objects["product"].pk, "quantity": 1}]},
        read=f"GET {V1}/shop/orders/{{id}}/",
        delete=f"POST {V1}/shop/orders/{{id}}/cancel/",
        gone_after_delete=False,
    ),
    Chain(
        "social posts",
        "customer",
        f"POST {V1}/social/posts/",
        lambda w, n: {"content": f"Fuzzed post {n}."},
        read=f"GET {V1}/social/posts/{{id}}/",
        update=f"PATCH {V1}/social/posts/{{id}}/",
        update_body=lambda w, n: {"content": f"Edited post {n}."},
        delete=f"DELETE {V1}/social/posts/{{id}}/",
    ),
    Chain(
        "social comments",
        "candidate",
        f"POST {V1}/social/posts/{{id}}/comments/",
        lambda w, n: {"text": f"Comment {n}."},
        read=f"GET {V1}/social/posts/{{id}}/comments/",
        key=None,
        create_path=lambda w: {"id": w.objects["post"].pk},
    ),
    Chain(
        "social likes",
        "candidate",
        f"POST {V1}/social/posts/{{id}}/like/",
        lambda w, n: {},
        read=f"GET {V1}/social/posts/{{id}}/",
        delete=f"DELETE {V1}/social/posts/{{id}}/like/",
        gone_after_delete=False,
        key=None,
        create_path=lambda w: {"id": w.objects["post"].pk},
    ),
    Chain(
        "jobs postings",
        "employer",
        f"POST {V1}/jobs/jobs/",
        lambda w, n: {
            "company": w.objects["company"].pk,
            "title": f"Fuzz engineer {n}",
            "description": "Writes the fuzzer.",
        },
        read=f"GET {V1}/jobs/jobs/{{id}}/",
        update=f"PATCH {V1}/jobs/jobs/{{id}}/",
        update_body=lambda w, n: {"title": f"Senior fuzz engineer {n}", "remote": True},
        delete=f"DELETE {V1}/jobs/jobs/{{id}}/",
    ),
    Chain(
        "jobs applications",
        "candidate",
        f"POST {V1}/jobs/jobs/{{id}}/apply/",
        lambda w, n: {"cover_letter": f"Hire me ({n})."},
        read=f"GET {V1}/jobs/applications/{{id}}/",
        delete=f"POST {V1}/jobs/applications/{{id}}/withdraw/",
        delete_body=lambda w, n: {"reason": "Changed my mind."},
        gone_after_delete=False,
        create_path=lambda w: {"id": w.objects["open_job"].pk},
    ),
    Chain(
        "jobs saved-searches",
        "candidate",
        f"POST {V1}/jobs/saved-searches/",
        lambda w, n: {"name": f"Search {n}", "query": "python", "frequency": "weekly"},
        read=f"GET {V1}/jobs/saved-searches/",
        delete=f"DELETE {V1}/jobs/saved-searches/{{id}}/",
    ),
    Chain(
        "polls polls",
        "customer",
        f"POST {V1}/polls/polls/",
        lambda w, n: {"question": f"Fuzz question {n}?", "options": ["Yes", "No"]},
        read=f"GET {V1}/polls/polls/{{id}}/",
        update=f"PATCH {V1}/polls/polls/{{id}}/",
        update_body=lambda w, n: {"description": f"Edited {n}."},
        delete=f"DELETE {V1}/polls/polls/{{id}}/",
    ),
    Chain(
        "polls votes",
        "customer",
        f"POST {V1}/polls/polls/{{id}}/vote/",
        lambda w, n: {"option": w.objects["options"][n % len(w.objects["options"])]},
        read=f"GET {V1}/polls/polls/{{id}}/results/",
        delete=f"DELETE {V1}/polls/polls/{{id}}/vote/",
        gone_after_delete=False,
        key=None,
        create_path=lambda w: {"id": w.objects["poll"].pk},
    ),
    Chain(
        "movies ratings",
        "customer",
        f"POST {V1}/movies/ratings/",
        lambda w, n: {"movie": w.objects["other_movie"].pk, "score": f"{n % 5 + 1}.0"},
        read=f"GET {V1}/movies/ratings/",
        delete=f"DELETE {V1}/movies/ratings/{{id}}/",
    ),
    Chain(
        "movies favorites",
        "customer",
        f"POST {V1}/movies/favorites/",
        lambda w, n: {"movie": w.objects["other_movie"].pk},
        read=f"GET {V1}/movies/favorites/",
        delete=f"DELETE {V1}/movies/favorites/{{id}}/",
    ),
)


# --- GraphQL ----------------------------------------------------------------------------------
#
# Schemathesis' own GraphQL state machine takes a mutation as a producer only when it
# returns the object itself (`createPost: Post`); ours return payloads (`createPost:
# CreatePostPayload { post }`), the graphene and Relay convention, so it finds none. These
# chains are written by hand instead, over the same fields, and each step is sent and checked
# as a stateless GraphQL case is.


def _literal(value: Any) -> str:
    """A GraphQL literal: a JSON string is a valid GraphQL string."""
    return json.dumps(str(value))


@dataclass(frozen=True)
class Field:
    """One root field a GraphQL chain calls."""

    label: str  # "Mutation.updatePost"
    # A valid document: $ref and $parent are the references (as literals), $n a fresh number.
    document: str
    argument: str | None = None  # the argument that names the reference in generated documents

    def valid(self, reference: str, parent: str, n: int) -> str:
        return Template(self.document).substitute(
            ref=_literal(reference), parent=_literal(parent), n=n
        )


@dataclass(frozen=True)
class GraphQLChain:
    name: str  # "graphql posts": the test id, matched by -k
    identity: str
    create: Field  # its reference is the parent's, which its generated documents get too
    created: tuple[str, ...]  # where the create's `data` holds the new reference
    read: Field | None = None
    present: Callable[[Any, str], bool] | None = None  # does read's `data` show the reference?
    update: Field | None = None
    delete: Field | None = None
    delete_again_refused: bool = True  # False: deleting twice is a no-op (unlike)
    parent: Callable[[World], Any] | None = None  # the world object a create hangs on
    # The create's reference is its parent's (a like is of the post): known even when a
    # generated document selects nothing that shows it, as its effect happened all the same.
    reference_is_parent: bool = False


def _dig(data: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        if not isinstance(data, dict):
            return None
        data = data.get(name)
    return data


def _comment_ids(data: Any, reference: str) -> bool:
    edges = _dig(data, ("comments", "edges")) or []
    return any(str(_dig(edge, ("node", "id"))) == reference for edge in edges)


GRAPHQL_CHAINS = (
    GraphQLChain(
        "graphql posts",
        "customer",
        Field(
            "Mutation.createPost",
            'mutation { createPost(content: "Fuzzed GraphQL post $n.") { post { id content } } }',
        ),
        created=("createPost", "post", "id"),
        read=Field("Query.post", "{ post(id: $ref) { id content likeCount commentCount } }", "id"),
        present=lambda data, ref: str(_dig(data, ("post", "id"))) == ref,
        update=Field(
            "Mutation.updatePost",
            'mutation { updatePost(postId: $ref, content: "Edited GraphQL post $n.") '
            "{ post { id content } } }",
            "postId",
        ),
        delete=Field(
            "Mutation.deletePost", "mutation { deletePost(postId: $ref) { ok } }", "postId"
        ),
    ),
    GraphQLChain(
        "graphql comments",
        "candidate",
        Field(
            "Mutation.createComment",
            'mutation { createComment(postId: $parent, text: "GraphQL comment $n.") '
            "{ comment { id } } }",
            "postId",
        ),
        created=("createComment", "comment", "id"),
        read=Field(
            "Query.comments", "{ comments(postId: $parent, first: 100) { edges { node { id } } } }"
        ),
        present=_comment_ids,
        delete=Field(
            "Mutation.deleteComment",
            "mutation { deleteComment(commentId: $ref) { ok } }",
            "commentId",
        ),
        parent=lambda world: world.objects["post"].pk,
    ),
    GraphQLChain(
        "graphql likes",
        "candidate",
        Field(
            "Mutation.likePost",
            "mutation { likePost(postId: $parent) { post { id likeCount } } }",
            "postId",
        ),
        created=("likePost", "post", "id"),
        read=Field("Query.post", "{ post(id: $ref) { id likeCount viewerHasLiked } }", "id"),
        present=lambda data, ref: _dig(data, ("post", "viewerHasLiked")) is True,
        delete=Field(
            "Mutation.unlikePost",
            "mutation { unlikePost(postId: $ref) { post { id likeCount } } }",
            "postId",
        ),
        delete_again_refused=False,
        parent=lambda world: world.objects["post"].pk,
        reference_is_parent=True,
    ),
)

MAX_STEPS = 8


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/src/" in f.filename and "site-packages" not in f.filename]
    frame = (ours or frames or [None])[-1]
    return f"{frame.filename.rsplit('/src/', 1)[-1]}:{frame.lineno}" if frame else "?"


def _parameter(label: str) -> str | None:
    if "{" not in label:
        return None
    return label.split("{", 1)[1].split("}", 1)[0]


@dataclass
class _Ref:
    """What a create made: the path parameters that reach it."""

    path: dict[str, Any]
    deleted: bool = False

    def __repr__(self) -> str:  # shown in Hypothesis' step listing
        return f"Ref({self.path})"


@dataclass
class _Steps:
    """How a sequence sends a step and records what the sequence itself gets wrong."""

    run: harness._Run
    chain: str  # its name, in every finding

    def expect(self, case: Case, response: Any, ok: bool, title: str, message: str) -> None:
        if ok or response is None:
            return
        self.run.report.record(
            ("sequence", self.chain, title),
            harness.Finding(
                operation=case.operation.label,
                check="sequence",
                title=title,
                message=message,
                status=response.status_code,
                identity=self.run.identity.name,
                origin=f"sequence: {self.chain}",
                curl=self.run._curl(case, response, None),
                response=harness._excerpt(response),
            ),
        )

    def send(self, case: Case) -> Any:
        """One step, kept; then what the commit would run (cache invalidation, tasks,
        events), as after a real request: the next step must see it."""
        run = self.run
        if run.spent():
            raise harness._BudgetSpent
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                return run.send(case, origin=f"sequence: {self.chain}", rollback=False)
        except harness._BudgetSpent:
            raise
        except Exception as exc:  # an on-commit callback failed: a server-side bug
            cause = harness.ServerException(
                type(exc).__name__, _where(exc), " ".join(str(exc).split())[:200]
            )
            run.report.record(
                ("on_commit", self.chain, cause.kind, cause.where),
                harness.Finding(
                    operation=case.operation.label,
                    check="after commit",
                    title="Work run after the commit failed",
                    message=str(cause),
                    status=0,
                    identity=run.identity.name,
                    origin=f"sequence: {self.chain}",
                    curl=repr(case),
                    response="(the response was sent; its after-commit work raised)",
                    cause=cause,
                ),
            )
            return None


class _RolledBack(RuleBasedStateMachine):
    """A sequence runs in one savepoint, rolled back at its end. Its steps are numbered
    from 1 in every sequence (``numbers``: unique names, which world value a case takes),
    so a sequence Hypothesis replays sends the same requests and gets the same answers;
    a count running across sequences made replays differ (FlakyStrategyDefinition)."""

    def __init__(self) -> None:
        super().__init__()
        self.numbers = itertools.count(1)
        self._atomic = transaction.atomic()
        self._atomic.__enter__()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)


def _operations(schema: Any, labels: list[str], where: str) -> tuple[dict, dict]:
    """The chain's operations by label, and a strategy of positive cases for each."""
    operations = {label: schema.find_operation_by_label(label) for label in labels}
    missing = [label for label, operation in operations.items() if operation is None]
    if missing:
        raise LookupError(f"not in {where}: {', '.join(missing)}")
    generated = {
        label: operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
        for label, operation in operations.items()
    }
    return operations, generated


def chain_machine(
    chain: Chain, schema: Any, world: World, run: harness._Run
) -> type[RuleBasedStateMachine]:
    """The state machine of one chain: create (a bundle of what exists), then read,
    update and delete any of it, in any order Hypothesis draws."""
    labels = [chain.create, chain.read, chain.update, chain.delete]
    operations, generated = _operations(schema, [x for x in labels if x], "/api/schema/")

    def case_for(
        data: st.DataObject, label: str, path: dict[str, Any], body: Body | None, n: int
    ) -> Case:
        """The chain's valid body, or (as often as Hypothesis picks it) a generated case
        with the world's references in, both at the given path; ``n`` is the step's number
        in its sequence."""
        operation = operations[label]
        case = data.draw(st.one_of(st.none(), generated[label]), label=label)
        if case is None:
            has_body = body is not None and label.split()[0] in {"POST", "PUT", "PATCH"}
            kwargs = {"body": body(world, n), "media_type": "application/json"} if has_body else {}
            case = operation.Case(path_parameters=dict(path), **kwargs)
        else:
            known_values(case, world, n)
            case.path_parameters = {**(case.path_parameters or {}), **path}
        return case

    steps = _Steps(run, chain.name)
    expect, send = steps.expect, steps.send

    class Machine(_RolledBack):
        created = Bundle("created")

        def __init__(self) -> None:
            super().__init__()
            self.refs: list[_Ref] = []

        def _made(self, ref: _Ref) -> _Ref:
            self.refs.append(ref)
            return ref

        def _gone(self, ref: _Ref) -> bool:
            """Deleted, and its address not taken since by a live one: a slug is free
            for a new object once its object is deleted, and then reaches that one."""
            return ref.deleted and not self._at(ref.path)

        def _at(self, path: dict[str, Any]) -> list[_Ref]:
            """The live references at ``path``: the object that address reaches now."""
            return [other for other in self.refs if not other.deleted and other.path == path]

        @rule(target=created, data=st.data())
        def create(self, data: st.DataObject):
            parent = chain.create_path(world) if chain.create_path else {}
            case = case_for(data, chain.create, parent, chain.create_body, next(self.numbers))
            response = send(case)
            if response is None or response.status_code not in (200, 201):
                return multiple()
            if chain.key is None:
                return self._made(_Ref(dict(case.path_parameters or {})))
            try:
                body = response.json()
                value = chain.find(body, case) if chain.find else body.get(chain.key)
            except (ValueError, AttributeError, KeyError, TypeError):
                value = None
            target = chain.read or chain.update or chain.delete or ""
            name = _parameter(target) or _parameter(chain.delete or "") or "id"
            expect(
                case,
                response,
                value is not None,
                "Created without its reference",
                f"the body has no `{chain.key}`",
            )
            return multiple() if value is None else self._made(_Ref({name: value}))

        def _path(self, label: str, ref: _Ref) -> dict[str, Any]:
            name = _parameter(label)
            if name is None:
                return {}
            if chain.key is None:
                return dict(ref.path)
            return {name: next(iter(ref.path.values()))}

        @precondition(lambda self: chain.read is not None)
        @rule(ref=created, data=st.data())
        def read(self, data: st.DataObject, ref: _Ref):
            assert chain.read is not None
            case = case_for(data, chain.read, self._path(chain.read, ref), None, next(self.numbers))
            case.query = {}
            response = send(case)
            if response is None or _parameter(chain.read) is None or chain.key is None:
                return
            status = response.status_code
            if self._gone(ref) and chain.gone_after_delete:
                expect(case, response, status == 404, "Readable after delete", f"HTTP {status}")
            else:
                expect(case, response, status == 200, "Created but not readable", f"HTTP {status}")

        @precondition(lambda self: chain.update is not None)
        @rule(ref=created, data=st.data())
        def update(self, data: st.DataObject, ref: _Ref):
            assert chain.update is not None
            case = case_for(
                data,
                chain.update,
                self._path(chain.update, ref),
                chain.update_body,
                next(self.numbers),
            )
            response = send(case)
            if response is None:
                return
            status = response.status_code
            if self._gone(ref) and chain.gone_after_delete:
                expect(case, response, status >= 400, "Updatable after delete", f"HTTP {status}")
            elif status == 200 and chain.key is not None and chain.find is None:  # a new slug
                try:
                    value = response.json().get(chain.key)
                except (ValueError, AttributeError):
                    value = None
                if value is not None:  # every live reference to that object moves with it
                    old, new = dict(ref.path), {next(iter(ref.path)): value}
                    for other in self._at(old):
                        other.path = new
                    ref.path = new

        @precondition(lambda self: chain.delete is not None)
        @rule(ref=created, data=st.data())
        def delete(self, data: st.DataObject, ref: _Ref):
            assert chain.delete is not None
            path = self._path(chain.delete, ref)
            case = case_for(data, chain.delete, path, chain.delete_body, next(self.numbers))
            response = send(case)
            if response is None:
                return
            status = response.status_code
            if self._gone(ref) and chain.gone_after_delete and chain.key is not None:
                expect(case, response, status >= 400, "Deletable twice", f"HTTP {status}")
            if status < 300:  # the object behind that address is gone, for every reference
                for other in self._at(dict(ref.path)):
                    other.deleted = True
                ref.deleted = True

    Machine.__name__ = f"Chain[{chain.name}]"
    return Machine


def _answer(response: Any) -> tuple[Any, list]:
    """A GraphQL response's ``data`` and ``errors`` (None and [] when it has neither)."""
    try:
        body = response.json()
    except ValueError:
        return None, []
    if not isinstance(body, dict):
        return None, []
    return body.get("data"), body.get("errors") or []


def _errors(errors: list) -> str:
    return "; ".join(str(error.get("message", error)) for error in errors[:3]) or "no errors"


def graphql_machine(
    chain: GraphQLChain, schema: Any, world: World, run: harness._Run
) -> type[RuleBasedStateMachine]:
    """The state machine of one GraphQL chain: create (a bundle of the references made),
    then read, update and delete any of them, in any order Hypothesis draws. What a
    reference's state is (alive, deleted) lives on the machine, keyed by the reference: a
    like made twice is one like."""
    fields = [chain.create, chain.read, chain.update, chain.delete]
    operations, generated = _operations(
        schema, [f.label for f in fields if f], "the GraphQL schema"
    )
    parent = str(chain.parent(world)) if chain.parent else ""
    steps = _Steps(run, chain.name)
    expect = steps.expect

    def case_for(data: st.DataObject, field: Field, reference: str, n: int) -> tuple[Case, bool]:
        """The chain's valid document (and True), or (as often as Hypothesis picks it) a
        generated one with the world's values and the reference in (and False); ``n`` is
        the step's number in its sequence."""
        case = data.draw(st.one_of(st.none(), generated[field.label]), label=field.label)
        if case is None:
            return operations[field.label].Case(body=field.valid(reference, parent, n)), True
        graphql_known_values(case, world, n)
        if field.argument and reference:
            literal = _literal(reference)
            case.body = GRAPHQL_ARGUMENT.sub(
                lambda m: f"{m['name']}: {literal}" if m["name"] == field.argument else m[0],
                case.body,
            )
        return case, False

    def step(data: st.DataObject, field: Field, reference: str, n: int):
        """Send the field's case: (it, whether it is the valid document, the response or
        None, the answer's ``data`` and ``errors``)."""
        case, valid = case_for(data, field, reference, n)
        response = steps.send(case)
        answer, errors = _answer(response) if response is not None else (None, [])
        return case, valid, response, answer, errors

    class Machine(_RolledBack):
        created = Bundle("created")

        def __init__(self) -> None:
            super().__init__()
            self.alive: dict[str, bool] = {}

        @rule(target=created, data=st.data())
        def create(self, data: st.DataObject):
            case, valid, response, answer, errors = step(
                data, chain.create, parent, next(self.numbers)
            )
            if response is None:
                return multiple()
            shown = _dig(answer, chain.created)
            if valid:
                expect(
                    case,
                    response,
                    shown is not None and not errors,
                    "Created without its reference",
                    f"no `{'.'.join(chain.created)}`: {_errors(errors)}",
                )
            reference = parent if chain.reference_is_parent else shown
            if reference is None or errors or response.status_code != 200:
                return multiple()
            self.alive[str(reference)] = True
            return str(reference)

        @precondition(lambda self: chain.read is not None)
        @rule(reference=created, data=st.data())
        def read(self, data: st.DataObject, reference: str):
            assert chain.read is not None
            assert chain.present is not None
            case, valid, response, answer, errors = step(
                data, chain.read, reference, next(self.numbers)
            )
            if response is None or not valid:
                return
            shown = chain.present(answer, reference)
            if self.alive[reference]:
                expect(
                    case,
                    response,
                    shown and not errors,
                    "Created but not readable",
                    f"`{reference}` not in the answer: {_errors(errors)}",
                )
            else:
                expect(case, response, not shown, "Readable after delete", f"`{reference}` shown")

        @precondition(lambda self: chain.update is not None)
        @rule(reference=created, data=st.data())
        def update(self, data: st.DataObject, reference: str):
            assert chain.update is not None
            case, valid, response, _, errors = step(
                data, chain.update, reference, next(self.numbers)
            )
            if response is None:
                return
            if not self.alive[reference]:
                expect(case, response, bool(errors), "Updatable after delete", "no errors")
            elif valid:
                expect(case, response, not errors, "A valid update refused", _errors(errors))

        @precondition(lambda self: chain.delete is not None)
        @rule(reference=created, data=st.data())
        def delete(self, data: st.DataObject, reference: str):
            assert chain.delete is not None
            case, valid, response, _, errors = step(
                data, chain.delete, reference, next(self.numbers)
            )
            if response is None:
                return
            if not self.alive[reference]:
                if chain.delete_again_refused:
                    expect(case, response, bool(errors), "Deletable twice", "no errors")
            elif valid:
                expect(case, response, not errors, "A valid delete refused", _errors(errors))
            if response.status_code == 200 and not errors:
                self.alive[reference] = False

    Machine.__name__ = f"GraphQLChain[{chain.name}]"
    return Machine


def run_chain(
    chain: Chain | GraphQLChain,
    schema: Any,
    world: World,
    identity: harness.Identity,
    *,
    checks: list[Callable],
    fuzz: harness.FuzzSettings,
    deadline: float | None,
    report: harness.OperationReport,
) -> harness.RunStats:
    """Run a chain's sequences (``fuzz.examples`` of them, or until the deadline)."""
    stats = harness.RunStats(f"sequence {chain.name}", identity.name)
    report.runs.append(stats)
    create = chain.create.label if isinstance(chain, GraphQLChain) else chain.create
    operation = schema.find_operation_by_label(create)
    run = harness._Run(operation, identity, checks, report, stats, deadline)
    started = time.monotonic()
    settings = hypothesis.settings(
        max_examples=fuzz.examples,
        stateful_step_count=MAX_STEPS,
        derandomize=fuzz.seed is None,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        print_blob=False,
    )
    try:
        if isinstance(chain, GraphQLChain):
            machine = graphql_machine(chain, schema, world, run)
        else:
            machine = chain_machine(chain, schema, world, run)
        if fuzz.seed is not None:
            machine = hypothesis.seed(fuzz.seed)(machine)  # Hypothesis' @seed, on the machine
        run_state_machine_as_test(machine, settings=settings)
    except harness._BudgetSpent:
        stats.stopped_by_budget = True
    except Exception as exc:
        summary = " ".join(str(exc).split())[:300]
        report.errors.append(f"as {identity.name}: {type(exc).__name__}: {summary}")
    finally:
        stats.seconds = time.monotonic() - started
    return stats
