"""Query limits checked before execution: depth, aliases and total fields
(a simple cost bound). A query over a limit is a GraphQL error (HTTP 400)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from graphene.validation import depth_limit_validator
from graphql import GraphQLError, ValidationRule
from graphql.language import FieldNode


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
                    GraphQLError(f"Query uses more than {max_aliases} aliases.", node)
                )
            elif self.fields > max_fields:
                self.reported = True
                self.report_error(
                    GraphQLError(f"Query selects more than {max_fields} fields.", node)
                )

    return QueryBudgetRule


def validation_rules() -> list[type[ValidationRule]]:
    return [
        depth_limit_validator(max_depth=settings.GRAPHQL_MAX_DEPTH),
        _budget_rule(settings.GRAPHQL_MAX_ALIASES, settings.GRAPHQL_MAX_FIELDS),
    ]
