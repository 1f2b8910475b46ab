"""``core.management.arguments``: the seed commands of every context take counts the
same way, and refuse zero, negatives and words before anything is written."""

from __future__ import annotations

import argparse

import pytest
from django.core.management import CommandError, call_command

from core.management.arguments import positive_int


def test_a_positive_whole_number_is_taken():
    assert positive_int("1") == 1
    assert positive_int("1000000") == 1_000_000


@pytest.mark.parametrize("value", ["0", "-3", "ten", "1.5", ""])
def test_anything_else_is_refused(value):
    with pytest.raises(argparse.ArgumentTypeError):
        positive_int(value)


@pytest.mark.parametrize(
    ("command", "option"),
    [
        ("seed_shop", "--products"),
        ("seed_jobs", "--jobs"),
        ("seed_social", "--follows"),
        ("import_movielens", "--users"),
    ],
)
def test_every_seed_command_refuses_a_zero_count_naming_the_option(command, option):
    required = {"seed_social": ["--users", "1", "--posts", "1"]}.get(command, [])
    with pytest.raises(CommandError, match=f"argument {option}: '0' is not a positive"):
        call_command(command, *required, option, "0")
