"""Limits on every GraphQL document, checked before execution (a document over
a limit is a GraphQL error, HTTP 400): depth, aliases and total fields, and an
estimated cost that counts connection sizes (``selection_cost``). They apply to
introspection too, and to documents that other rules find invalid (an undefined
fragment, a fragment cycle): those are reported by graphql-core's standard
rules, which run with these."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from graphql import (
    ASTValidationRule,
    GraphQLError,
    ValidationContext,
    ValidationRule,
    specified_rules,
)
from graphql.language import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
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
        def __init__(self, context: ValidationContext) -> None:
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


PAGE_ARGUMENTS = ("first", "last")


def _page_multiplier(field: FieldNode, variable_page: int) -> int:
    """How many items a field can return: its literal ``first``/``last``; a variable
    counts as the largest page allowed; no such argument counts as one."""
    for argument in field.arguments or ():
        if argument.name.value not in PAGE_ARGUMENTS:
            continue
        if isinstance(argument.value, IntValueNode):
            return max(1, int(argument.value.value))
        if isinstance(argument.value, VariableNode):
            return max(1, variable_page)
    return 1


def selection_cost(
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    variable_page: int,
    memo: dict[str, int] | None = None,
    visiting: set[str] | None = None,
    spread: set[str] | None = None,
) -> int:
    """Estimated cost of a selection: each field counts 1, and everything below a field
    with ``first``/``last`` counts that many times. As in execution, a fragment spread
    twice into one selection counts once; a fragment's cost is computed once (cost is
    linear), so the estimate takes time linear in the document's size. Undefined and
    cyclic fragments count nothing here (the standard rules report them)."""
    memo = {} if memo is None else memo
    visiting = set() if visiting is None else visiting
    spread = set() if spread is None else spread  # fragments already in this selection
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            total += 1
            if selection.selection_set is not None:
                below = selection_cost(
                    selection.selection_set, fragments, variable_page, memo, visiting
                )
                total += _page_multiplier(selection, variable_page) * below
        elif isinstance(selection, InlineFragmentNode):
            total += selection_cost(
                selection.selection_set, fragments, variable_page, memo, visiting, spread
            )
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in visiting or name in spread:
                continue
            spread.add(name)
            if name not in memo:
                visiting.add(name)
                memo[name] = selection_cost(
                    fragment.selection_set, fragments, variable_page, memo, visiting
                )
                visiting.discard(name)
            total += memo[name]
    return total


@lru_cache(maxsize=8)
def _cost_rule(max_cost: int, variable_page: int) -> type[ValidationRule]:
    class QueryCostRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            fragments = {
                definition.name.value: definition
                for definition in self.context.document.definitions
                if isinstance(definition, FragmentDefinitionNode)
            }
            cost = selection_cost(node.selection_set, fragments, variable_page)
            if cost > max_cost:
                name = f"'{node.name.value}'" if node.name else "The operation"
                self.report_error(
                    GraphQLError(
                        f"{name} has an estimated cost of {cost}, over the limit of {max_cost}"
                        " (each field counts once per item of the pages above it: ask for"
                        " smaller pages or fewer nested fields).",
                        node,
                        extensions=TOO_COMPLEX,
                    )
                )

    return QueryCostRule


def validation_rules() -> list[type[ASTValidationRule]]:
    """graphql-core's standard rules, then ours. The limits are read per request, so
    settings apply; a rule class is built once per distinct limit."""
    rules = [
        *specified_rules,
        _depth_rule(settings.GRAPHQL_MAX_DEPTH),
        _budget_rule(settings.GRAPHQL_MAX_ALIASES, settings.GRAPHQL_MAX_FIELDS),
        _cost_rule(
            settings.GRAPHQL_MAX_COST,
            settings.GRAPHENE.get("RELAY_CONNECTION_MAX_LIMIT") or 100,
        ),
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        rules.append(NoSchemaIntrospectionCustomRule)
    return rules
