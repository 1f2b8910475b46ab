"""Limits on every GraphQL document, checked before execution (a document over
a limit is a GraphQL error, HTTP 400): depth, aliases and total fields, a
simple cost bound. They apply to introspection too, and to documents that
other rules find invalid (an undefined fragment, a fragment cycle): those are
reported by graphql-core's standard rules, which run with these."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from graphql import GraphQLError, ValidationRule, specified_rules
from graphql.language import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.validation.rules.custom.no_schema_introspection import (
    NoSchemaIntrospectionCustomRule,
)

TOO_COMPLEX = {"code": "query_too_complex"}


def operation_depth(
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    stop_after: int,
) -> int:
    """Deepest field nesting in ``operation`` (its root fields are depth 0), following
    fragments. Iterative, and each fragment is expanded once per depth, so neither a
    long fragment chain nor a fragment spread many times costs more than the document's
    size times the limit. Stops early once past ``stop_after``."""
    deepest = 0
    expanded: set[tuple[str, int]] = set()
    stack: list[tuple[SelectionSetNode, int]] = [(operation.selection_set, 0)]
    while stack:
        selection_set, depth = stack.pop()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                deepest = max(deepest, depth)
                if deepest > stop_after:
                    return deepest
                if selection.selection_set is not None:
                    stack.append((selection.selection_set, depth + 1))
            elif isinstance(selection, InlineFragmentNode):
                stack.append((selection.selection_set, depth))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                # Undefined fragments and cycles are reported by the standard rules.
                if fragment is None or (name, depth) in expanded:
                    continue
                expanded.add((name, depth))
                stack.append((fragment.selection_set, depth))
    return deepest


@lru_cache(maxsize=8)
def _depth_rule(max_depth: int) -> type[ValidationRule]:
    class DepthLimitRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            fragments = {
                definition.name.value: definition
                for definition in self.context.document.definitions
                if isinstance(definition, FragmentDefinitionNode)
            }
            if operation_depth(node, fragments, stop_after=max_depth) > max_depth:
                name = f"'{node.name.value}'" if node.name else "The operation"
                self.report_error(
                    GraphQLError(
                        f"{name} exceeds maximum operation depth of {max_depth}.",
                        node,
                        extensions=TOO_COMPLEX,
                    )
                )

    return DepthLimitRule


@lru_cache(maxsize=8)
def _budget_rule(max_aliases: int, max_fields: int) -> type[ValidationRule]:
    class QueryBudgetRule(ValidationRule):
        def __init__(self, context: Any) -> None:
            super().__init__(context)
            self.aliases = 0
            self.fields = 0
            self.reported = False

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            self.fields += 1
            if node.alias is not None:
                self.aliases += 1
            if self.reported:
                return
            if self.aliases > max_aliases:
                self.reported = True
                self.report_error(
                    GraphQLError(
                        f"Query uses more than {max_aliases} aliases.", node, extensions=TOO_COMPLEX
                    )
                )
            elif self.fields > max_fields:
                self.reported = True
                self.report_error(
                    GraphQLError(
                        f"Query selects more than {max_fields} fields.",
                        node,
                        extensions=TOO_COMPLEX,
                    )
                )

    return QueryBudgetRule


def validation_rules() -> list[type[ValidationRule]]:
    """graphql-core's standard rules, then ours. The limits are read per request, so
    settings apply; a rule class is built once per distinct limit."""
    rules = [
        *specified_rules,
        _depth_rule(settings.GRAPHQL_MAX_DEPTH),
        _budget_rule(settings.GRAPHQL_MAX_ALIASES, settings.GRAPHQL_MAX_FIELDS),
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        rules.append(NoSchemaIntrospectionCustomRule)
    return rules
