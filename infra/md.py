"""GitHub-flavoured Markdown pieces, escaped once, here.

A value from a plan can hold anything: policy XML, JSON, ``|``, ``<!--``, newlines. Put raw into a table
cell, it ends the row or opens an HTML comment that swallows the rest of the comment. Every cell goes
through ``text`` or ``code``.
"""

from __future__ import annotations

from typing import Any

_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def shorten(value: Any, limit: int = 80) -> str:
    """One line, at most ``limit`` characters; cut before escaping so no entity is cut in half."""
    line = " ".join(str(value).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def text(value: Any, limit: int | None = None) -> str:
    """Plain cell text: one line, HTML characters as entities, pipes escaped."""
    line = shorten(value, limit) if limit else " ".join(str(value).split())
    return line.translate(_HTML).replace("|", "\\|")


def code(value: Any, limit: int | None = None) -> str:
    """An inline code span in a cell. HTML needs no escaping inside code; pipes still end a cell."""
    line = shorten(value, limit) if limit else " ".join(str(value).split())
    fence = "``" if "`" in line else "`"
    pad = " " if line.startswith("`") or line.endswith("`") else ""
    return f"{fence}{pad}{line.replace('|', chr(92) + '|')}{pad}{fence}" if line else ""


def row(cells: list[str]) -> str:
    """One table row of already-escaped cells (from ``text`` and ``code``)."""
    return f"| {' | '.join(cells)} |"


def table(header: list[str], rows: list[list[str]], align: list[str] | None = None) -> list[str]:
    marks = align or ["---"] * len(header)
    return [row(header), f"|{'|'.join(marks)}|", *(row(r) for r in rows)]


def details(summary: str, body: list[str], open_: bool = False) -> list[str]:
    return [f"<details{' open' if open_ else ''}><summary>{text(summary)}</summary>", "", *body, "", "</details>", ""]
