"""Parsing helpers that keep line numbers, shared by the collectors.

`tomllib` and `json` give values without positions. Collectors must say which
line brought a package in, so these helpers parse with the standard library and
recover lines from the text: errors carry the parser's own line, TOML
array-of-tables headers are counted, JSON object keys are located by a small
scanner that tracks the key path (json itself has no position API).
"""

from __future__ import annotations

import bisect
import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

from chainwarden.collect.interface import CollectContext, CollectError, CollectResult, first_line
from chainwarden.model import SourceLocation, excerpt

# libyaml's loader when PyYAML was built with it (ten times faster on a large pnpm-lock.yaml; it refuses
# nesting deeper than 1,000 levels itself), else the pure-Python one. Safe loaders only.
YAML_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


_DIGITS = re.compile(r"\d+")


def _huge_number_line(text: str) -> int | None:
    """The line of the first run of more digits than Python turns into a number (`sys.get_int_max_str_digits`)."""
    limit = sys.get_int_max_str_digits() or 4300
    for m in _DIGITS.finditer(text):
        if m.end() - m.start() > limit:
            return text.count("\n", 0, m.start()) + 1
    return None


def _too_large(path: Path, text: str, ctx: CollectContext, what: str, exc: ValueError) -> CollectError:
    """A parser's ValueError that is not a syntax error: a number with more digits than Python converts."""
    line = _huge_number_line(text)
    if line is None:
        return CollectError(ctx.location(path, None), f"expected valid {what}: {first_line(exc)}")
    return CollectError(ctx.location(path, line), f"expected a number of at most {sys.get_int_max_str_digits() or 4300} digits "
                        f"in {what}, found a longer one: not read")


def load_toml(path: Path, text: str, ctx: CollectContext, what: str) -> dict[str, Any]:
    """Parse TOML; a syntax error is a `CollectError` at the parser's line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_AT.search(str(exc))
        line = int(m.group(1)) if m else (text.count("\n") + 1 if "end of document" in str(exc) else None)
        msg = _TOML_AT.sub("", first_line(exc, 300)).strip()
        raise CollectError(ctx.location(path, line), f"expected valid TOML for {what}: {msg}") from exc
    except ValueError as exc:  # a number past Python's digit limit
        raise _too_large(path, text, ctx, f"TOML for {what}", exc) from exc


def load_json(path: Path, text: str, ctx: CollectContext, what: str) -> Any:
    """Parse JSON; a syntax error is a `CollectError` at the parser's line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CollectError(ctx.location(path, exc.lineno), f"expected valid JSON for {what}: {exc.msg} (column {exc.colno})") from exc
    except ValueError as exc:  # a number past Python's digit limit
        raise _too_large(path, text, ctx, f"JSON for {what}", exc) from exc


def compose_yaml(path: Path, text: str, ctx: CollectContext, what: str) -> yaml.Node | None:
    """Parse YAML into its node tree (scalars stay text: no value is constructed, so no number is converted)."""
    try:
        return yaml.compose(text, Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        raise yaml_error(path, ctx, what, exc) from exc


def compose_yaml_documents(path: Path, text: str, ctx: CollectContext, what: str) -> list[yaml.Node | None]:
    """Every YAML document of `text` as its node tree, with the same loader as `compose_yaml` (one way to
    read YAML: libyaml when PyYAML has it); ``[None]`` for an empty text."""
    try:
        nodes: list[yaml.Node | None] = list(yaml.compose_all(text, Loader=YAML_LOADER))
    except yaml.YAMLError as exc:
        raise yaml_error(path, ctx, what, exc) from exc
    return nodes or [None]


def yaml_error(path: Path, ctx: CollectContext, what: str, exc: yaml.YAMLError) -> CollectError:
    """A YAML syntax error as a `CollectError` at its line; the parser's text is kept, the input it quotes is not."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None)
    shown = excerpt(problem, 200, quote=False) if isinstance(problem, str) else first_line(exc)
    return CollectError(ctx.location(path, line), f"expected valid YAML for {what}: {shown}")


def yaml_key_lines(node: yaml.Node | None) -> dict[tuple[str, ...], int]:
    """Map each mapping key path (as strings) to its 1-based line."""
    out: dict[tuple[str, ...], int] = {}

    def walk(n: yaml.Node, path: tuple[str, ...]) -> None:
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = (*path, str(k.value))
                out.setdefault(key, k.start_mark.line + 1)
                walk(v, key)
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                key = (*path, str(i))
                out.setdefault(key, item.start_mark.line + 1)
                walk(item, key)

    if node is not None:
        walk(node, ())
    return out


def array_table_lines(text: str, name: str) -> list[int]:
    """1-based lines of each ``[[name]]`` header, in order (the i-th entry of the parsed array)."""
    pat = re.compile(r"^\s*\[\[\s*" + re.escape(name) + r"\s*\]\]\s*(#.*)?$")
    return [i for i, line in enumerate(text.splitlines(), 1) if pat.match(line)]


def located_tables(
    data: dict[str, Any], key: str, path: Path, text: str, ctx: CollectContext, result: CollectResult
) -> list[tuple[Any, SourceLocation]]:
    """The entries of a TOML ``[[key]]`` array, each with the line of its header.

    A value of the wrong type is a Skip and gives no entries.
    """
    entries = data.get(key, [])
    if not isinstance(entries, list):
        result.skip(ctx.location(path, None), f"expected [[{key}]] tables, got {type(entries).__name__}")
        return []
    lines = array_table_lines(text, key)
    aligned = len(lines) == len(entries)
    return [(e, ctx.location(path, lines[i] if aligned else None)) for i, e in enumerate(entries)]


_TOML_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'')
_HEADER = re.compile(r"^\s*\[([^\[\]\n]*)\]")
_LEADING_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


class LineIndex:
    """Where the headers, keys and string literals of a TOML text sit, found in one pass over it.

    A manifest with thousands of entries asks for thousands of lines: scanning the text for each would
    take time quadratic in its size. Each question here is a dictionary look-up and a bisection.
    Keys and strings are indexed as written (without unescaping), as a search of the text would see them.
    """

    def __init__(self, text: str) -> None:
        self.headers: dict[str, int] = {}
        self.keys: dict[str, list[int]] = {}
        self.strings: dict[str, list[int]] = {}
        self.names: dict[str, list[int]] = {}  # lower-cased leading name of each string literal
        for i, line in enumerate(text.splitlines(), 1):
            m = _HEADER.match(line)
            if m:
                self.headers.setdefault(".".join(part.strip() for part in m.group(1).split(".")), i)
                continue
            head, eq, _ = line.partition("=")
            if eq:
                key = head.strip()
                if len(key) >= 2 and key[0] == key[-1] and key[0] in "\"'":
                    key = key[1:-1]
                self.keys.setdefault(key, []).append(i)
            for lit in _TOML_STRING.finditer(line):
                content = lit.group(0)[1:-1]
                self.strings.setdefault(content, []).append(i)
                name = _LEADING_NAME.match(content)
                if name:
                    self.names.setdefault(name.group(1).lower(), []).append(i)

    @staticmethod
    def _first(lines: list[int] | None, after: int | None) -> int | None:
        if not lines:
            return None
        i = bisect.bisect_left(lines, after or 1)
        return lines[i] if i < len(lines) else None

    def header(self, name: str) -> int | None:
        """The line of the ``[name]`` header (whitespace around its dots ignored)."""
        return self.headers.get(name)

    def key(self, key: str, after: int | None) -> int | None:
        """The first line at or after `after` that assigns `key` (``key =``, ``"key" =``)."""
        return self._first(self.keys.get(key), after)

    def string(self, value: str, after: int | None) -> int | None:
        """The first line at or after `after` with the string literal `value`."""
        return self._first(self.strings.get(value), after)

    def string_named(self, name: str, after: int | None) -> int | None:
        """The first line at or after `after` with a string literal that starts with the name `name`."""
        return self._first(self.names.get(name.lower()), after)


def line_of(text: str, needle: str, start: int = 1) -> int | None:
    """First 1-based line at or after `start` that contains `needle`."""
    for i, line in enumerate(text.splitlines()[start - 1 :], start):
        if needle in line:
            return i
    return None


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|\n')


def json_key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Map each object key path in a JSON document to the 1-based line of the key.

    Array elements appear in paths as their index. Only call this on text that
    `json.loads` accepted.
    """
    out: dict[tuple[str, ...], int] = {}
    line = 1
    # Stack frames: [kind, path, pending_key, index]
    stack: list[list[Any]] = []
    last_string: str | None = None
    last_string_line = 1
    for m in _JSON_TOKEN.finditer(text):
        tok = m.group(0)
        if tok == "\n":
            line += 1
            continue
        if tok[0] == '"':
            last_string = json.loads(tok)
            last_string_line = line
            continue
        if tok == ":":
            if stack and stack[-1][0] == "{" and last_string is not None:
                stack[-1][2] = last_string
                out.setdefault((*stack[-1][1], last_string), last_string_line)
            last_string = None
            continue
        if tok in "{[":
            if not stack:
                child_path: tuple[str, ...] = ()
            elif stack[-1][0] == "{":
                child_path = (*stack[-1][1], str(stack[-1][2]))
            else:
                child_path = (*stack[-1][1], str(stack[-1][3]))
            stack.append([tok, child_path, None, 0])
        elif tok in "}]":
            if stack:
                stack.pop()
        elif tok == ",":
            if stack and stack[-1][0] == "[":
                stack[-1][3] += 1
        last_string = None
    return out
