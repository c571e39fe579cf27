"""The EnOS search ``expression`` mini-language: ``field = 'v'``, ``field in ('a','b')``, ``field like 'x'``,
clauses joined by ``and`` (VENDORS.md §4.1, §4.2).

The connector only quotes values; the simulator parses and evaluates, refusing fields and operators the endpoint
does not support, as EnOS does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<punct>[(),=])|(?P<word>[A-Za-z_][\w.]*))"
)


class ExpressionError(ValueError):
    """The expression is malformed or uses a field or operator the endpoint does not support."""


@dataclass(frozen=True)
class Clause:
    """One ``field op value`` condition; ``value`` is a list for ``in``."""

    field: str
    op: str
    value: object

    def matches(self, actual: object) -> bool:
        if self.op == "in":
            return any(_equal(actual, candidate) for candidate in self.value)
        if self.op == "like":
            # EnOS samples use ``name like 'firm'`` to find "new firmware": a case-insensitive substring [U].
            return str(self.value).lower() in str(actual if actual is not None else "").lower()
        return _equal(actual, self.value)


def _equal(actual: object, expected: object) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return bool(actual) == bool(expected) and isinstance(actual, bool) == isinstance(expected, bool)
    return str(actual) == str(expected)


def quote(value: str) -> str:
    """A string literal for an expression. Quotes inside are doubled, SQL style [U: EnOS escaping undocumented]."""
    return "'" + str(value).replace("'", "''") + "'"


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"cannot read the expression at {text[position:position + 20]!r}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _literal(kind: str, raw: str) -> object:
    if kind == "string":
        return raw[1:-1].replace("''", "'")
    if kind == "number":
        return float(raw) if "." in raw else int(raw)
    if kind == "word" and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise ExpressionError(f"expected a value, found {raw!r}")


def parse(text: str, *, allowed: dict[str, tuple[str, ...]]) -> list[Clause]:
    """Parse ``text`` into clauses; ``allowed`` maps each searchable field to its operators."""
    if not text or not text.strip():
        return []
    tokens, clauses, i = _tokens(text), [], 0

    def take() -> tuple[str, str]:
        nonlocal i
        if i >= len(tokens):
            raise ExpressionError("the expression ends too early")
        i += 1
        return tokens[i - 1]

    while True:
        kind, field = take()
        if kind != "word" or field not in allowed:
            raise ExpressionError(f"{field!r} is not a searchable field here ({', '.join(sorted(allowed))})")
        kind, op = take()
        op = op.lower()
        if op not in allowed[field]:
            raise ExpressionError(f"operator {op!r} is not supported for {field!r} ({', '.join(allowed[field])})")
        if op == "in":
            if take() != ("punct", "("):
                raise ExpressionError("'in' needs a list in parentheses")
            values = []
            while True:
                values.append(_literal(*take()))
                separator = take()
                if separator == ("punct", ")"):
                    break
                if separator != ("punct", ","):
                    raise ExpressionError("list values are separated by commas")
            clauses.append(Clause(field, op, values))
        else:
            clauses.append(Clause(field, op, _literal(*take())))
        if i == len(tokens):
            return clauses
        kind, joiner = take()
        if joiner.lower() != "and":
            raise ExpressionError(f"clauses are joined with 'and', found {joiner!r}")


def matches(clauses: list[Clause], record: dict) -> bool:
    return all(clause.matches(record.get(clause.field)) for clause in clauses)
