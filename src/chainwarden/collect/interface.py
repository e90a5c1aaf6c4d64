"""The contract of the collect stage: one module per input format, each with a `COLLECTOR`.

A collector reads bytes and text only. It never imports, builds or runs anything
from the project it reads, and never touches the network.

A collector returns a `CollectResult`. Anything it cannot read becomes a `Skip`
naming ``file:line`` and what was expected; a collector that cannot read its file
at all raises `CollectError`, which the discovery loop turns into a `Skip`.

Inputs are hostile. Every file is read through `read_text` (the project's one safe
reader, `chainwarden._files`): only regular files, never under ``/proc``, ``/dev`` or
``/sys``, never outside the scanned folders (`CollectContext.roots`, links resolved),
at most `MAX_INPUT_BYTES`, and never text holding a NUL character. A message that
quotes input quotes it through `chainwarden.model.excerpt` (short, secrets redacted),
never whole.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.markers import (
    InvalidMarker,
    Marker,
    UndefinedComparison,
    UndefinedEnvironmentName,
    default_environment,
)
from packaging.requirements import InvalidRequirement, Requirement

from chainwarden._files import MAX_INPUT_BYTES, FileRefused, inside, read_bytes
from chainwarden.model import (
    Dependency,
    Ecosystem,
    Edge,
    IndexHint,
    Skip,
    SourceLocation,
    excerpt,
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
    """What every collector is given: how to display paths, the environment markers are evaluated in,
    and the folders it may read from.

    `roots` are the scanned folders (links resolved; the folder of a file given alone): a file whose
    real path is outside all of them is never read, whoever names it (an include, a symlink). Empty:
    no confinement beyond the special-file checks (a collector called on its own, in tests).
    """

    display_base: Path = field(default_factory=Path.cwd)
    environment: dict[str, str] = field(default_factory=lambda: {k: str(v) for k, v in default_environment().items()})
    roots: tuple[Path, ...] = ()
    _shown: dict[Path, str] = field(default_factory=dict, repr=False, compare=False)

    def display(self, path: Path) -> str:
        """The path as the user should read it: relative to where they stand when it is below it."""
        shown = self._shown.get(path)
        if shown is None:
            try:
                rel = os.path.relpath(path, self.display_base)
            except ValueError:  # another drive on Windows
                rel = ".."
            shown = self._shown[path] = str(path) if rel.startswith("..") else rel
        return shown

    def location(self, path: Path, line: int | None) -> SourceLocation:
        return SourceLocation(self.display(path), line)

    def evaluate_marker(self, marker: str | None, where: SourceLocation, skips: list[Skip], *,
                        extras: frozenset[str] = frozenset(), groups: frozenset[str] = frozenset()) -> bool | None:
        """Evaluate an environment marker for this environment; `None` when there is no marker.

        A marker that tests ``extras`` or ``dependency_groups`` (PEP 751; pipenv writes them into
        Pipfile.lock too) is evaluated in the lock-file context, with the extras and groups that select
        the entry (`extras`, `groups`), as installers do."""
        if not marker:
            return None
        try:
            # "extra" is undefined outside an install of the extra: treat the extra as requested.
            env: dict[str, str | frozenset[str]] = dict(self.environment)
            env.setdefault("extra", "")
            parsed = Marker(marker)
            if _LOCK_VARIABLES.search(marker):
                return parsed.evaluate({**env, "extras": extras, "dependency_groups": groups}, context="lock_file")
            return parsed.evaluate(env)
        except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName, ValueError) as exc:
            skips.append(Skip(what=str(where), reason=f"could not evaluate marker {excerpt(marker)}: {first_line(exc)}",
                              stage="collect"))
            return None


    def own_folder(self, base: Path, ref: str) -> bool:
        """Whether the local reference `ref` (``./libs/a``, ``file:../b``, ``link:c``, ``file:///abs/d``),
        read from the folder `base`, names a folder inside the scanned folders (`roots`; `base` itself
        when none are given): the project's own code, which is scanned as the project, not a dependency.
        An archive (``./dist/a-1.0.tgz``), a URL or a folder outside is not (docs/decisions/0023)."""
        folder = local_folder(ref)
        if folder is None:
            return False
        target = os.path.join(base, folder)
        return inside(target, self.roots or (base,))


# The PEP 751 marker variables, which only a lock file's context defines.
_LOCK_VARIABLES = re.compile(r"\b(?:extras|dependency_groups)\b")


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
    # Workspace member folders the input names, as patterns relative to its folder ("packages/*"; "!x" excludes):
    # the members' manifests join this project (collect.workspace).
    members: list[str] = field(default_factory=list)

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


_ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".egg", ".gz")


def local_folder(ref: str) -> str | None:
    """The folder a local reference names, as a path (relative or absolute); None for an archive file, a URL
    of another scheme, or nothing. Understands plain paths, ``file:``, ``link:`` and ``portal:`` (npm, pnpm,
    yarn), ``file://`` URLs (pip, uv), and yarn berry's ``::locator=...`` suffix."""
    text = ref.strip()
    low = text.lower()
    if low.startswith("file://"):
        try:
            parts = urlsplit(text)
        except ValueError:
            return None
        if parts.netloc not in ("", "localhost"):
            return None
        path = unquote(parts.path)
    elif low.startswith(("file:", "link:", "portal:")):
        path = text.split(":", 1)[1]
    elif "://" in text or low.startswith(("git+", "git@", "github:", "npm:", "workspace:")):
        return None
    else:
        path = text
    path = path.split("::", 1)[0].split("#", 1)[0].strip()
    if not path or path.lower().endswith(_ARCHIVE_SUFFIXES):
        return None
    return path


def parse_requirement(text: str) -> Requirement:
    """A PEP 508 requirement, or `InvalidRequirement`. `packaging` converts versions lazily: a version of
    5,000 digits passes its parser and fails later, when the specifier is printed or compared. It is
    printed here, so that every failure is an `InvalidRequirement` at the line that holds it."""
    try:
        req = Requirement(text)
        str(req.specifier)
        str(req.marker)
    except InvalidRequirement:
        raise
    except ValueError as exc:
        raise InvalidRequirement("a version or marker too long to read (more digits than Python converts)") from exc
    return req


def first_line(exc: BaseException, limit: int = 200) -> str:
    """An exception's message for a Skip: its first line only (parsers repeat the input below it, with a
    caret), secrets redacted, control characters escaped, cut to `limit` characters."""
    return excerpt(str(exc).split("\n", 1)[0], limit, quote=False)


def read_text(path: Path, ctx: CollectContext) -> str:
    """Read a text input as UTF-8 (a BOM is allowed) with the safe reader; anything else is a `CollectError`.

    Refused, as a `CollectError` at the file: a path outside `ctx.roots`, a special file, anything but a
    regular file, more than `MAX_INPUT_BYTES`, undecodable bytes, and a NUL character (no manifest or
    lockfile holds one; ``/proc/self/environ`` and binary files do).
    """
    where = ctx.location(path, None)
    try:
        data = read_bytes(path, roots=ctx.roots or None, limit=MAX_INPUT_BYTES)
    except FileRefused as exc:
        raise CollectError(where, exc.reason) from exc
    nul = data.find(b"\x00")
    if nul != -1:
        raise CollectError(ctx.location(path, data[:nul].count(b"\n") + 1), "expected text, found a NUL byte (binary data): not read")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CollectError(ctx.location(path, line), "expected UTF-8 text, found undecodable bytes") from exc
