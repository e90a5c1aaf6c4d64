"""`requirements*.txt` and constraints files, as pip reads them.

Handles line continuations, comments, ``-r``/``-c`` includes (followed
recursively, cycles reported), index options (recorded as `IndexHint`s),
``--hash`` and ``--config-settings``/``-C`` options, editables, direct URL and
VCS references, environment markers, and pip-compile/uv ``# via`` annotations
(which give edges and tell direct from transitive). Each requirement is parsed
with `packaging`; a wheel or sdist named by path or URL is named and versioned
by its file name (`archive_name`), and a folder inside the scanned folders
(``-e .``, ``./libs/x``) is the project's own code, not a dependency
(docs/decisions/0023).

Includes are read as pip reads them (relative to the including file, no ``~`` or
``${VAR}`` expansion), through the safe reader: one whose real path leaves the
scanned folders (``-r /proc/self/environ``, a symlink out) is a Skip at the
include line, never read. Line handling is linear; a logical line longer than
`MAX_LINE_CHARS` is a Skip, and a message quotes a line only as an `excerpt`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from chainwarden.collect.interface import (
    CollectContext,
    CollectError,
    CollectResult,
    Collector,
    first_line,
    parse_requirement,
    read_text,
)
from chainwarden.model import (
    Dependency,
    Ecosystem,
    Edge,
    IndexHint,
    PackageId,
    Scope,
    Skip,
    SourceKind,
    SourceLocation,
    excerpt,
)

_INDEX_OPTIONS = {
    "-i": "index-url",
    "--index-url": "index-url",
    "--extra-index-url": "extra-index-url",
    "-f": "find-links",
    "--find-links": "find-links",
    "--no-index": "no-index",
    "--trusted-host": "trusted-host",
}
_INCLUDE_OPTIONS = {"-r": "requirement", "--requirement": "requirement", "-c": "constraint", "--constraint": "constraint"}
_FLAG_OPTIONS = {
    "--pre",
    "--prefer-binary",
    "--require-hashes",
    "--only-binary",
    "--no-binary",
    "--use-feature",
    "--no-deps",
}
_VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_COMMENT = re.compile(r"(^|\s+)#.*$")
_DEV_NAME = re.compile(r"(^|[-_./])(dev|test|tests|testing|lint|docs|doc|ci|typing)([-_.]|$)", re.IGNORECASE)


def matches(filename: str) -> bool:
    name = filename.lower()
    if not name.endswith((".txt", ".in")):
        return False
    return "requirements" in name or name.startswith("constraints")


@dataclass
class _State:
    ctx: CollectContext
    result: CollectResult
    seen: set[Path] = field(default_factory=set)
    constraints: dict[str, tuple[str, SourceLocation]] = field(default_factory=dict)
    parsed: dict[str, Requirement] = field(default_factory=dict)  # a line repeated thousands of times is parsed once


@dataclass
class _Line:
    text: str
    lineno: int
    via: list[str] = field(default_factory=list)
    length: int = 0  # set (and `text` left empty) when the logical line is longer than MAX_LINE_CHARS


# A logical line (continuations joined) longer than this is not parsed: a Skip says so. The longest real
# ones are a requirement with every wheel's --hash: about a hundred hashes, under 16 KiB.
MAX_LINE_CHARS = 128 * 1024


def _strip_comment(raw: str) -> str:
    """pip's rule: ``#`` at the start of a line or after whitespace starts a comment. One pass over the line
    (pip's own regex, ``(^|\\s+)#.*$``, takes quadratic time on a long run of spaces)."""
    i = raw.find("#")
    while i != -1:
        if i == 0 or raw[i - 1].isspace():
            return raw[:i]
        i = raw.find("#", i + 1)
    return raw


def _logical_lines(text: str) -> list[_Line]:
    """Join continuations, strip comments, keep each requirement's first line and its ``# via`` names.

    Linear in the length of `text`; a logical line longer than `MAX_LINE_CHARS` comes back with its
    `length` and no text."""
    out: list[_Line] = []
    buf: list[str] = []
    size = 0
    start = 0
    in_via = False

    def finish() -> None:
        nonlocal buf, size
        joined = "".join(buf).strip() if size <= MAX_LINE_CHARS else ""
        if joined:
            out.append(_Line(joined, start))
        elif size > MAX_LINE_CHARS:
            out.append(_Line("", start, length=size))
        buf, size = [], 0

    for lineno, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("#"):
            # pip-compile / uv annotations: "# via requests" or "# via\n#   -r requirements.in\n#   requests"
            body = stripped.lstrip("#").strip()
            if out and not buf:
                if body.startswith("via"):
                    in_via = True
                    rest = body[3:].strip()
                    if rest:
                        out[-1].via.append(rest)
                    continue
                if in_via and body and raw.startswith((" ", "\t")):
                    out[-1].via.append(body)
                    continue
            in_via = False
            continue
        if not buf:
            start = lineno
        if not stripped:
            in_via = False
            continue
        line = _strip_comment(raw).rstrip()
        continued = line.endswith("\\")
        part = line[:-1] + " " if continued else line
        size += len(part)
        if size <= MAX_LINE_CHARS:
            buf.append(part)
        else:
            buf = [" "]  # keep counting, stop keeping: the line is reported by its length only
        if continued:
            continue
        before = len(out)
        finish()
        if len(out) > before:
            in_via = False
    if buf:
        finish()
    return out


def _scope_for(path: Path) -> Scope:
    return Scope.DEV if _DEV_NAME.search(path.stem) or path.parent.name.lower() in {"dev", "test", "tests"} else Scope.RUNTIME


def _read(path: Path, state: _State, constraint: bool, chain: tuple[Path, ...], where: SourceLocation | None,
          written: str | None = None) -> None:
    """Read one requirements file; `where` and `written` are the include line and the path as it names it."""
    ctx, result = state.ctx, state.result
    resolved = Path(os.path.realpath(path))  # Path.resolve() raises on a symlink loop; realpath does not
    shown = excerpt(written) if written is not None else ctx.display(path)
    if resolved in chain:
        result.skips.append(
            Skip(what=str(where or ctx.location(path, None)), reason=f"include cycle: {shown} includes itself", stage="collect")
        )
        return
    if resolved in state.seen:
        return
    try:
        text = read_text(path, ctx)
    except CollectError as exc:
        if where is None:
            raise
        what = "include" if not constraint else "constraints include"
        result.skips.append(Skip(what=str(where), reason=f"{what} of {shown} {exc.expected}"
                                 if exc.expected.startswith("outside") else f"could not include {shown}: {exc.expected}",
                                 stage="collect"))
        return
    state.seen.add(resolved)
    result.files.append(ctx.display(path))
    scope = _scope_for(path)
    for line in _logical_lines(text):
        loc = ctx.location(path, line.lineno)
        if line.length:
            result.skips.append(Skip(what=str(loc), reason=f"expected a requirement line of at most {MAX_LINE_CHARS // 1024} KiB, "
                                     f"found one of {line.length} characters: not read", stage="collect"))
            continue
        try:
            _parse_line(line, loc, path, state, constraint, scope, (*chain, resolved))
        except ValueError as exc:
            result.skips.append(Skip(what=str(loc), reason=str(exc), stage="collect"))


_REQ_OPTION = re.compile(r"\s(?:--[a-z]|-C)")  # per-requirement options: --hash, --config-settings/-C, --global-option


def _parse_line(
    line: _Line, loc: SourceLocation, path: Path, state: _State, constraint: bool, scope: Scope, chain: tuple[Path, ...]
) -> None:
    text = line.text
    editable = False
    if re.match(r"^(-e|--editable)(\s|=|$)", text):
        editable = True
        text = re.sub(r"^(-e|--editable)=?\s*", "", text)
        if not text:
            raise ValueError("expected a path or URL after -e")
    elif text.startswith("-"):
        _parse_option(text.split(), loc, path, state, chain)
        return
    # Per-requirement options (--hash=..., --config-settings ...) follow the requirement;
    # the requirement itself keeps its quotes (markers need them).
    m = _REQ_OPTION.search(text)
    req_text, options = (text[: m.start()].strip(), text[m.start() :].split()) if m else (text.strip(), [])
    hashes: list[str] = []
    i = 0
    while i < len(options):
        tok = options[i]
        if tok.startswith("--hash"):
            if "=" in tok:
                value = tok.split("=", 1)[1]
            else:
                i += 1
                value = options[i] if i < len(options) else ""
            if ":" not in value:
                raise ValueError(f"expected --hash=ALGORITHM:DIGEST, got {excerpt(value)}")
            hashes.append(value)
        elif tok == "-C" or (tok.startswith("--") and "=" not in tok):
            i += 1  # an option with a separate value: --config-settings KEY=VAL, -C KEY=VAL
        i += 1
    dep = _requirement(req_text, loc, path, state, scope, editable, tuple(hashes))
    if dep is None:
        return
    if constraint:
        if dep.package.version is not None:
            state.constraints.setdefault(dep.package.name, (dep.package.version, loc))
        return
    via = [v for item in line.via for v in re.split(r",\s*", item) if v]
    if via:
        direct = any(v.startswith(("-r", "-c")) for v in via)
        dep = replace(dep, direct=direct)
        for parent in via:
            if not parent.startswith("-"):
                state.result.edges.append(
                    Edge(PackageId(Ecosystem.PYPI, canonicalize_name(parent.split()[0])), dep.package)
                )
    state.result.dependencies.append(dep)


def _parse_option(tokens: list[str], loc: SourceLocation, path: Path, state: _State, chain: tuple[Path, ...]) -> None:
    head = tokens[0]
    opt, _, value = head.partition("=")
    if not value and len(tokens) > 1:
        value = tokens[1]
    if opt.startswith("-") and not opt.startswith("--") and len(opt) > 2 and not value:
        opt, value = opt[:2], opt[2:]  # -rbase.txt
    if opt in _INCLUDE_OPTIONS:
        if not value:
            raise ValueError(f"expected a file name after {excerpt(opt)}")
        if "://" in value:
            raise ValueError(f"remote include {excerpt(value)} was not fetched: chainwarden reads local files only")
        # As pip: relative to the including file, no ~ or ${VAR} expansion. Links are resolved by the safe
        # reader, which refuses what lands outside the scanned folders.
        target = path.parent / value
        _read(target, state, _INCLUDE_OPTIONS[opt] == "constraint", chain, loc, value)
    elif opt in _INDEX_OPTIONS:
        kind = _INDEX_OPTIONS[opt]
        state.result.index_hints.append(IndexHint(option=kind, value=value if kind != "no-index" else "", location=loc))
    elif opt in _FLAG_OPTIONS:
        return
    else:
        raise ValueError(f"expected a requirement or a pip option, got unknown option {excerpt(opt)}")


def _requirement(
    text: str, loc: SourceLocation, path: Path, state: _State, scope: Scope, editable: bool, hashes: tuple[str, ...]
) -> Dependency | None:
    if not text:
        raise ValueError("expected a requirement, got only options")
    # Bare URL, VCS or path references: pip accepts these without "name @".
    lowered = text.lower()
    is_vcs = lowered.startswith(_VCS_PREFIXES)
    is_url = "://" in text.split(";")[0] and " @ " not in text and "@" not in text.split("://")[0]
    is_path = text.startswith((".", "/", "~")) or (editable and not is_vcs and not is_url)
    if is_vcs or is_url or is_path:
        ref = text.split(";")[0].strip()
        kind = SourceKind.VCS if is_vcs else SourceKind.URL if is_url else SourceKind.PATH
        if kind is SourceKind.PATH and state.ctx.own_folder(path.parent, ref):
            return None  # a folder of the project itself (``-e .``): scanned as the project, not a dependency (0023)
        egg = _EGG.search(ref)
        named = archive_name(ref) if not is_vcs else None
        name: str
        version: str | None = None
        if egg:
            name = canonicalize_name(egg.group(1))
        elif named is not None:
            name, version = named
        elif is_path:
            name = canonicalize_name(Path(ref.rstrip("/")).name or "local")
        else:
            tail = ref.split("#")[0].rstrip("/").rsplit("/", 1)[-1]
            name = canonicalize_name(re.split(r"-\d", tail)[0].removesuffix(".git")) if tail else "unknown"
        if named is not None and named[0] == name:
            version = named[1]
        return Dependency(
            package=PackageId(Ecosystem.PYPI, name, version),
            sources=(loc,),
            direct=True,
            scope=scope,
            source_kind=kind,
            source_url=ref,
            hashes=hashes,
            editable=editable,
            locked=version is not None,
        )
    try:
        req = state.parsed.get(text) or state.parsed.setdefault(text, parse_requirement(text))
    except InvalidRequirement as exc:
        raise ValueError(f"expected a requirement (PEP 508), got {excerpt(text)}: {first_line(exc)}") from exc
    marker = str(req.marker) if req.marker else None
    applies = state.ctx.evaluate_marker(marker, loc, state.result.skips)
    version = pinned_version(str(req.specifier))
    kind = SourceKind.REGISTRY
    url = None
    if req.url:
        url = req.url
        kind = SourceKind.VCS if req.url.lower().startswith(_VCS_PREFIXES) else SourceKind.PATH if req.url.startswith("file:") else SourceKind.URL
        if kind is SourceKind.PATH and state.ctx.own_folder(path.parent, req.url):
            return None  # ``name @ file:///...`` naming a folder of the project itself (0023)
        named = archive_name(req.url) if kind is not SourceKind.VCS else None
        if version is None and named is not None and named[0] == canonicalize_name(req.name):
            version = named[1]  # a wheel or sdist file name carries its version
    return Dependency(
        package=PackageId(Ecosystem.PYPI, canonicalize_name(req.name), version),
        sources=(loc,),
        direct=True,
        scope=scope,
        specifier=str(req.specifier) or None,
        extras=tuple(sorted(req.extras)),
        marker=marker,
        marker_applies=applies,
        source_kind=kind,
        source_url=url,
        hashes=hashes,
        editable=editable,
        locked=version is not None,
    )


def archive_name(ref: str) -> tuple[str, str] | None:
    """(name, version) from the file name a wheel or sdist reference ends in
    (``./downloads/numpy-1.9.2-cp34-none-win32.whl``, ``https://host/foo-1.0.tar.gz#sha256=...``), as
    `packaging` parses them; None for anything else."""
    tail = ref.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    try:
        if tail.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(unquote(tail))
        elif tail.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(unquote(tail))
        else:
            return None
    except (InvalidWheelFilename, InvalidSdistFilename, ValueError):
        return None
    return str(name), str(version)


def pinned_version(specifier: str) -> str | None:
    """The exact version of an ``==X`` / ``===X`` pin, else None (``==1.*`` is a range)."""
    m = re.fullmatch(r"\s*===?\s*([^,*\s]+)\s*", specifier)
    return m.group(1) if m else None


def collect(path: Path, ctx: CollectContext) -> CollectResult:
    result = CollectResult(ecosystem=Ecosystem.PYPI)
    state = _State(ctx=ctx, result=result)
    is_constraints = path.name.lower().startswith("constraints")
    _read(path, state, is_constraints, (), None)
    if state.constraints:
        pinned: list[Dependency] = []
        for dep in result.dependencies:
            pin = state.constraints.get(dep.package.name)
            if dep.package.version is None and pin and dep.source_kind is SourceKind.REGISTRY:
                version, where = pin
                dep = replace(dep, package=replace(dep.package, version=version), sources=(*dep.sources, where), locked=True)
            pinned.append(dep)
        result.dependencies = pinned
    registry_deps = [d for d in result.dependencies if d.source_kind is SourceKind.REGISTRY]
    result.is_lockfile = bool(registry_deps) and all(d.package.version is not None for d in registry_deps)
    return result


COLLECTOR = Collector(format="requirements", ecosystem=Ecosystem.PYPI, is_lockfile=False, matches=matches, collect=collect)
