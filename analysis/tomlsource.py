"""Where a key sits in a TOML file, for error messages that name the line.

``tomllib`` gives values but no positions. Configuration files written by
people are simple (table headers, one ``key = value`` a line, inline tables
on one line), so a line scanner that follows table headers and keys finds
the line of every key such files hold; anything it cannot place falls back
to the line of its table, or to none.
"""

from __future__ import annotations

import re

# A key part: "quoted", 'literal' or bare.
_PART = r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_-]+'
_KEY = rf"(?:{_PART})(?:\s*\.\s*(?:{_PART}))*"
_HEADER = re.compile(rf"^\s*\[\s*({_KEY})\s*\]\s*(?:#.*)?$")
_ARRAY_HEADER = re.compile(rf"^\s*\[\[\s*({_KEY})\s*\]\]")
_ASSIGNMENT = re.compile(rf"^\s*({_KEY})\s*=")
_PARTS = re.compile(_PART)

KeyPath = tuple[str, ...]


def key_lines(text: str) -> dict[KeyPath, int]:
    """Every table and key path of ``text`` with its 1-based line number:
    ``("budgets", "p95(end_to_end_s)") -> 3``. Keys inside an inline table
    get the line of the key that holds it."""
    lines: dict[KeyPath, int] = {}
    table: KeyPath = ()
    for number, line in enumerate(text.splitlines(), start=1):
        if _ARRAY_HEADER.match(line):
            # Arrays of tables are not placed; their keys fall back to none.
            table = ("[[array]]",)
            continue
        header = _HEADER.match(line)
        if header:
            table = split_key(header.group(1))
            lines.setdefault(table, number)
            continue
        assignment = _ASSIGNMENT.match(line)
        if assignment:
            path = table + split_key(assignment.group(1))
            lines.setdefault(path, number)
            for inline in _inline_keys(line[assignment.end() :]):
                lines.setdefault((*path, inline), number)
    return lines


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of ``path``, else of the nearest table that holds it."""
    for end in range(len(path), 0, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def split_key(text: str) -> KeyPath:
    return tuple(_unquote(part) for part in _PARTS.findall(text))


def _inline_keys(rest: str) -> list[str]:
    rest = rest.strip()
    if not rest.startswith("{"):
        return []
    return [split_key(m.group(1))[-1] for m in re.finditer(rf"[{{,]\s*({_KEY})\s*=", rest)]


def _unquote(part: str) -> str:
    if len(part) >= 2 and part[0] == part[-1] and part[0] in "\"'":
        inner = part[1:-1]
        return inner.encode("utf-8").decode("unicode_escape") if part[0] == '"' and "\\" in inner else inner
    return part
