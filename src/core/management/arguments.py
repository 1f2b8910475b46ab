"""Argument types for the management commands of every context."""

from __future__ import annotations

import argparse


def positive_int(value: str) -> int:
    """A whole number of at least 1 (``--products 1000``); argparse names the option
    in its error."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return number
