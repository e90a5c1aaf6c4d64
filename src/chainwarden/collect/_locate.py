"""Parsing helpers that keep line numbers, shared by the collectors.

`tomllib` and `json` give values without positions. Collectors must say which
line brought a package in, so these helpers parse with the standard library and
recover lines from the text: errors carry the parser's own line, TOML
array-of-tables headers are counted, JSON object keys are located by a small
scanner that tracks the key path (json itself has no position API).
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from chainwarden.collect.interface import CollectContext, CollectError, CollectResult
from chainwarden.model import SourceLocation

_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def load_toml(path: Path, text: str, ctx: CollectContext, what: str) -> dict[str, Any]:
    """Parse TOML; a syntax error is a `CollectError` at the parser's line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_AT.search(str(exc))
        line = int(m.group(1)) if m else (text.count("\n") + 1 if "end of document" in str(exc) else None)
        msg = _TOML_AT.sub("", str(exc)).strip()
        raise CollectError(ctx.location(path, line), f"expected valid TOML for {what}: {msg}") from exc


def load_json(path: Path, text: str, ctx: CollectContext, what: str) -> Any:
    """Parse JSON; a syntax error is a `CollectError` at the parser's line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CollectError(ctx.location(path, exc.lineno), f"expected valid JSON for {what}: {exc.msg} (column {exc.colno})") from exc


def load_yaml(path: Path, text: str, ctx: CollectContext, what: str) -> tuple[Any, yaml.Node | None]:
    """Parse YAML safely; return the data and the node tree (for line numbers)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise CollectError(ctx.location(path, line), f"expected valid YAML for {what}: {problem}") from exc
    return data, node


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
