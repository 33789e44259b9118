"""Plain-language pieces of the messages the CLI, the plugin and the summaries print."""

from __future__ import annotations

__all__ = ["count"]


def count(n: int | float, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the number that agrees with it, thousands separated.

    ``plural`` is needed only where adding an ``s`` is wrong.

    >>> count(1, "segment"), count(3484, "segment"), count(0, "junction")
    ('1 segment', '3,484 segments', '0 junctions')
    >>> count(2, "proposal link", "proposal links")
    '2 proposal links'
    """
    n = int(n)
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"
