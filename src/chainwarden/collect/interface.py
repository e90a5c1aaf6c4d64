"""The contract of the collect stage: one module per input format, each with a `COLLECTOR`.

A collector reads bytes and text only. It never imports, builds or runs anything
from the project it reads, and never touches the network.

A collector returns a `CollectResult`. Anything it cannot read becomes a `Skip`
naming ``file:line`` and what was expected; a collector that cannot read its file
at all raises `CollectError`, which the discovery loop turns into a `Skip`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import (
    InvalidMarker,
    Marker,
    UndefinedComparison,
    UndefinedEnvironmentName,
    default_environment,
)

from chainwarden.model import (
    Dependency,
    Ecosystem,
    Edge,
    IndexHint,
    Skip,
    SourceLocation,
)


class CollectError(Exception):
    """A whole input could not be read: `where` is ``file`` or ``file:line``."""

    def __init__(self, where: SourceLocation, expected: str) -> None:
        super().__init__(f"{where}: {expected}")
        self.where = where
        self.expected = expected

    def diagnostics(self) -> str:
        return f"{self.where}: {self.expected}"

    def to_skip(self) -> Skip:
        return Skip(what=str(self.where), reason=self.expected, stage="collect")


@dataclass
class CollectContext:
    """What every collector is given: how to display paths, and the environment markers are evaluated in."""

    display_base: Path = field(default_factory=Path.cwd)
    environment: dict[str, str] = field(default_factory=lambda: {k: str(v) for k, v in default_environment().items()})

    def display(self, path: Path) -> str:
        """The path as the user should read it: relative to where they stand when it is below it."""
        try:
            rel = os.path.relpath(path, self.display_base)
        except ValueError:  # another drive on Windows
            return str(path)
        return str(path) if rel.startswith("..") else rel

    def location(self, path: Path, line: int | None) -> SourceLocation:
        return SourceLocation(self.display(path), line)

    def evaluate_marker(self, marker: str | None, where: SourceLocation, skips: list[Skip]) -> bool | None:
        """Evaluate an environment marker for this environment; `None` when there is no marker."""
        if not marker:
            return None
        try:
            # "extra" is undefined outside an install of the extra: treat the extra as requested.
            env = dict(self.environment)
            env.setdefault("extra", "")
            return Marker(marker).evaluate(env)
        except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName) as exc:
            skips.append(Skip(what=str(where), reason=f"could not evaluate marker {marker!r}: {exc}", stage="collect"))
            return None


@dataclass
class CollectResult:
    """What one input file (and the files it includes) says."""

    ecosystem: Ecosystem
    dependencies: list[Dependency] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    index_hints: list[IndexHint] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # display paths of every file read
    is_lockfile: bool = False
    own_names: list[str] = field(default_factory=list)  # the project's own package names (left out of the graph)

    def skip(self, where: SourceLocation, reason: str) -> None:
        """Record that the input at `where` could not be read, and why; the rest goes on."""
        self.skips.append(Skip(what=str(where), reason=reason, stage="collect"))


@dataclass(frozen=True)
class Collector:
    """One input format.

    `matches` is asked about file names during discovery; `collect` reads one file.
    """

    format: str  # "requirements", "uv.lock", "package-lock", ...
    ecosystem: Ecosystem
    is_lockfile: bool
    matches: Callable[[str], bool]
    collect: Callable[[Path, CollectContext], CollectResult]


def read_text(path: Path, ctx: CollectContext) -> str:
    """Read a text input as UTF-8 (a BOM is allowed); anything else is a `CollectError`."""
    where = ctx.location(path, None)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CollectError(where, f"could not read the file: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CollectError(ctx.location(path, line), "expected UTF-8 text, found undecodable bytes") from exc
