"""Workspaces: one project made of several folders, installed and locked once, at its root.

uv (``[tool.uv.workspace] members``/``exclude``), pnpm (``pnpm-workspace.yaml`` ``packages``, and the
``importers`` of ``pnpm-lock.yaml``), npm and yarn (``workspaces`` in ``package.json``; the folder entries
of ``package-lock.json``; berry's ``@workspace:`` entries) each let a root folder name member folders. A
member has its own manifest but no lockfile of its own: the root's lockfile covers it. Each collector
puts what its input says into `CollectResult.members`, as folder patterns relative to the input's folder
(``packages/*``, ``src/mcp-types``; ``!pattern`` excludes). `fold` then attaches every discovered folder
that is a member, and has no lockfile of its own, to its root: one project, one graph, each package once.

Patterns are globs over path segments: ``*``, ``?`` and ``[...]`` within one segment, ``**`` for any
number of segments (zero included), as uv, npm, yarn and pnpm read them; a folder a lockfile names is
matched exactly (`literal`). They come from the scanned project: a glob is matched in time linear in
its segments times the path's, and at most `MAX_GLOBS` globs of `MAX_GLOB_SEGMENTS` segments are used.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

# Folder globs are few in real workspaces (jest: 3, vite: 4) and short; folders a lockfile names exactly
# (`literal`, a set look-up each) may be thousands. Beyond these bounds a pattern is not used: a hostile
# manifest cannot make matching slow.
MAX_GLOBS = 256
MAX_GLOB_SEGMENTS = 32
MAX_PATTERN_CHARS = 1024
_LITERAL = "="  # the prefix of a folder named exactly (`literal`)


def clean_pattern(pattern: str) -> str | None:
    """A member pattern as a POSIX path relative to the root (``./a/`` -> ``a``, ``!./b`` -> ``!b``; a
    `literal` keeps its mark); None for one that cannot name a folder inside the root (absolute, ``..``,
    empty, too long)."""
    for mark in (_LITERAL, "!"):
        if pattern.startswith(mark):
            body = _clean_path(pattern[len(mark):])
            return None if body is None else mark + body
    return _clean_path(pattern)


def _clean_path(text: str) -> str | None:
    body = text.strip().replace("\\", "/")
    if not body or len(body) > MAX_PATTERN_CHARS or body.startswith("/") or (len(body) > 1 and body[1] == ":"):
        return None
    parts = [p for p in body.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _segments_match(path: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    """Whether `path` matches `pattern` segment by segment, ``**`` standing for any number of segments.
    Dynamic programming over (path position, pattern position): never exponential."""
    n, m = len(path), len(pattern)
    # reach[j]: pattern[:j] can match path[:i] (for the current i)
    reach = [False] * (m + 1)
    reach[0] = True
    for j in range(1, m + 1):
        reach[j] = reach[j - 1] and pattern[j - 1] == "**"
    for i in range(1, n + 1):
        seg = path[i - 1]
        nxt = [False] * (m + 1)
        for j in range(1, m + 1):
            p = pattern[j - 1]
            if p == "**":
                nxt[j] = nxt[j - 1] or reach[j]  # ** matches nothing, or one more segment
            else:
                nxt[j] = reach[j - 1] and _segment(seg, p)
        reach = nxt
    return reach[m]


@lru_cache(maxsize=4096)
def _segment(segment: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(segment, pattern)


def is_member(relative: str, patterns: Iterable[str]) -> bool:
    """Whether the folder `relative` (POSIX, relative to the workspace root) is a member: a literal pattern
    names it, or some glob includes it and no ``!glob`` excludes it."""
    return _Patterns(tuple(patterns)).match(relative)


class _Patterns:
    """Cleaned patterns, split once: exact folders in a set, globs as segment tuples (bounded)."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.literal: set[str] = set()
        self.include: list[tuple[str, ...]] = []
        self.exclude: list[tuple[str, ...]] = []
        for raw in patterns:
            if raw.startswith(_LITERAL):
                self.literal.add(raw[len(_LITERAL):])
                continue
            negate = raw.startswith("!")
            segments = tuple((raw[1:] if negate else raw).split("/"))
            if len(segments) > MAX_GLOB_SEGMENTS or len(self.include) + len(self.exclude) >= MAX_GLOBS:
                continue
            (self.exclude if negate else self.include).append(segments)

    def match(self, relative: str) -> bool:
        path = tuple(p for p in relative.split("/") if p not in ("", "."))
        if not path:
            return False  # the root itself
        if "/".join(path) in self.literal:
            return True
        return any(_segments_match(path, p) for p in self.include) and not any(_segments_match(path, p) for p in self.exclude)


K = TypeVar("K")


def fold(
    folders: Mapping[K, Path],
    patterns: Mapping[K, Sequence[str]],
    locked: Mapping[K, bool],
    same_kind: Mapping[K, object],
) -> dict[K, K]:
    """Which projects are members of which: {member key: root key}.

    `folders` gives each project's folder, `patterns` the member patterns its inputs declare (relative
    to that folder), `locked` whether it has a lockfile of its own, `same_kind` its ecosystem (a member
    joins a root of its own ecosystem only). A project with a lockfile of its own is never a member; a
    member joins the nearest folder above it that declares it, and through it that folder's own root.
    """
    by_folder: dict[tuple[Path, object], K] = {(folders[k], same_kind[k]): k for k in folders}
    compiled = {k: _Patterns(tuple(p)) for k, p in patterns.items() if p}
    owner: dict[K, K] = {}
    for key, folder in folders.items():
        if locked.get(key):
            continue
        for above in folder.parents:
            root = by_folder.get((above, same_kind[key]))
            if root is None or root not in compiled:
                continue
            relative = posixpath.join(*folder.relative_to(above).parts)
            if compiled[root].match(relative):
                owner[key] = root
                break
    # A member of a member belongs to the outermost root (bounded: each step goes up a folder).
    out: dict[K, K] = {}
    for key, root in owner.items():
        seen = {key}
        while root in owner and root not in seen:
            seen.add(root)
            root = owner[root]
        out[key] = root
    return out


def literal(folder: str) -> str:
    """A folder a lockfile names, as a pattern that matches exactly it (whatever characters it holds)."""
    return _LITERAL + folder


def patterns_of(values: Iterable[str]) -> list[str]:
    """Cleaned member patterns; the ones that name no folder inside the root are dropped."""
    return [c for v in values if (c := clean_pattern(v)) is not None]
