"""Input rules for identity, shared by the services, the admin's forms and the
password validators, so REST, GraphQL and the admin enforce the same ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from confusable_homoglyphs import categories
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

if TYPE_CHECKING:
    from core.identity.models import User  # which imports this module

MAX_PASSWORD_BYTES = 4096

# Writing systems that are used together in one name; any other mix is refused.
_SCRIPT_FAMILIES = (
    frozenset({"HAN", "HIRAGANA", "KATAKANA"}),  # Japanese
    frozenset({"HAN", "HANGUL"}),  # Korean
)


def scripts_of(value: str) -> set[str]:
    """The Unicode scripts of ``value``'s letters (digits and punctuation are COMMON)."""
    return {categories.alias(char) for char in value} - {"COMMON", "INHERITED"}


@deconstructible
class SingleScriptValidator:
    """Refuse names that mix writing systems, such as "admin" spelt with a Cyrillic
    "a" (U+0430):
    they exist to look like someone else."""

    message = "Use letters from one writing system only (this name mixes {scripts})."
    code = "mixed_scripts"

    def __call__(self, value: object) -> None:
        if not isinstance(value, str):
            return
        scripts = scripts_of(value)
        if len(scripts) <= 1 or any(scripts <= family for family in _SCRIPT_FAMILIES):
            return
        raise ValidationError(
            self.message.format(scripts=" and ".join(sorted(s.title() for s in scripts))),
            code=self.code,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SingleScriptValidator)

    def __hash__(self) -> int:
        return hash(self.code)


class MaximumLengthPasswordValidator:
    """Cap passwords (4,096 bytes of UTF-8 by default): hashing megabytes on every
    login attempt is a denial of service, and no one types that much."""

    def __init__(self, max_bytes: int = MAX_PASSWORD_BYTES) -> None:
        self.max_bytes = max_bytes

    def validate(self, password: str, user: User | None = None) -> None:
        if len(password.encode("utf-8", "surrogatepass")) > self.max_bytes:
            raise ValidationError(
                f"This password is too long: at most {self.max_bytes} bytes.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Your password can't be longer than {self.max_bytes} bytes."
