"""`Pipfile.lock`: the packages Pipenv locked, per category, with hashes and sources.

Reads the JSON lock (pipfile-spec 6): ``default`` is the runtime category,
``develop`` the dev one, and any other top-level key is a custom Pipenv
category (also treated as dev). Each entry gives ``version`` (``==1.2.3``),
``hashes``, ``markers``, ``extras``, ``index`` (a name from ``_meta.sources``),
or a git/hg/svn/bzr, ``file`` or ``path`` reference (with ``ref`` and
``editable``). ``_meta.sources`` become ``pipenv-source`` index hints. Markers
that test ``dependency_groups`` (pipenv copies them from its pylock.toml) are
evaluated as pipenv does: every ``'<group>' in dependency_groups`` test is true
(the category already chose the package), the rest as PEP 508 says (`_groups`).

The lock has no dependency graph and does not say which packages are direct:
the ``Pipfile`` beside it (when there is one) does, and it is read for that
only, so that a lock checked on its own still knows its direct dependencies.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from chainwarden.collect._locate import json_key_lines, load_json
from chainwarden.collect.interface import (
    CollectContext,
    CollectError,
    Collector,
    CollectResult,
    read_text,
)
from chainwarden.model import (
    Dependency,
    Ecosystem,
    IndexHint,
    PackageId,
    Scope,
    SourceKind,
    SourceLocation,
    excerpt,
)

_VCS_KEYS = ("git", "hg", "svn", "bzr")
# Pipfile section -> Pipfile.lock category.
_PIPFILE_SECTIONS = {"packages": "default", "dev-packages": "develop"}


def matches(filename: str) -> bool:
    return filename == "Pipfile.lock"



def _pipfile_names(lock_path: Path, ctx: CollectContext, result: CollectResult) -> dict[str, set[str]] | None:
    """Declared names per lock category, from the sibling ``Pipfile``; None when there is none to read.

    A Pipfile that cannot be read only leaves every entry non-direct: the Pipfile
    collector reports what is wrong with it, so this does not report it twice.
    """
    path = lock_path.with_name("Pipfile")
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(read_text(path, ctx))
    except (CollectError, tomllib.TOMLDecodeError):
        return None
    result.files.append(ctx.display(path))
    out: dict[str, set[str]] = {}
    for section, table in data.items():
        if section in ("source", "requires", "pipenv", "scripts") or not isinstance(table, dict):
            continue
        category = _PIPFILE_SECTIONS.get(section, section)
        out.setdefault(category, set()).update(canonicalize_name(str(n)) for n in table)
    return out


_GROUP_TEST = re.compile(r"""['"]([^'"]+)['"]\s+in\s+dependency_groups""")


def _groups(category: str, marker: str | None) -> frozenset[str]:
    """The dependency groups a marker is evaluated with. pipenv copies pylock.toml markers into Pipfile.lock
    (``('dev' in dependency_groups) and (python_version >= '3.10')``) and, having already chosen the packages
    by category, treats every ``'<group>' in dependency_groups`` test as true: so does this."""
    named = frozenset(_GROUP_TEST.findall(marker)) if marker else frozenset()
    return named | {category}


def _sources(meta: Any, keys: dict[tuple[str, ...], int], path: Path, ctx: CollectContext, result: CollectResult) -> dict[str, str]:
    """``_meta.sources`` -> {source name: url}, each recorded as an index hint."""
    sources = meta.get("sources") if isinstance(meta, dict) else None
    out: dict[str, str] = {}
    if sources is None:
        return out
    if not isinstance(sources, list):
        result.skip(ctx.location(path, keys.get(("_meta", "sources"))), "expected a list for _meta.sources")
        return out
    for i, src in enumerate(sources):
        line = keys.get(("_meta", "sources", str(i), "url"), keys.get(("_meta", "sources")))
        loc = ctx.location(path, line)
        if not isinstance(src, dict) or not isinstance(src.get("url"), str):
            result.skip(loc, "expected a source table with a 'url' in _meta.sources")
            continue
        url = src["url"]
        if isinstance(src.get("name"), str):
            out[src["name"]] = url
        result.index_hints.append(IndexHint(option="pipenv-source", value=url, location=loc))
    return out


def _entry(
    name: str,
    entry: dict[str, Any],
    category: str,
    loc: SourceLocation,
    sources: dict[str, str],
    declared: dict[str, set[str]] | None,
    ctx: CollectContext,
    result: CollectResult,
    folder: Path,
) -> None:
    kind, url = SourceKind.REGISTRY, None
    for key in _VCS_KEYS:
        if isinstance(entry.get(key), str):
            url = entry[key] if entry[key].startswith(f"{key}+") else f"{key}+{entry[key]}"
            ref = entry.get("ref")
            if isinstance(ref, str) and ref:
                url = f"{url}@{ref}"
            kind = SourceKind.VCS
            break
    else:
        if isinstance(entry.get("file"), str):
            file = entry["file"]
            kind, url = (SourceKind.URL if "://" in file and not file.startswith("file:") else SourceKind.PATH), file
        elif isinstance(entry.get("path"), str):
            kind, url = SourceKind.PATH, entry["path"]
    version_value = entry.get("version")
    version: str | None = None
    if isinstance(version_value, str) and version_value.strip().lstrip("=").strip() and version_value.strip() != "*":
        version = version_value.strip().lstrip("=").strip()
    if kind is SourceKind.PATH and url and ctx.own_folder(folder, url):
        result.own_names.append(canonicalize_name(name))  # a folder of the project itself (``-e .``): not a dependency (0023)
    if version is None and kind is SourceKind.REGISTRY:
        result.skip(loc, f"expected a pinned version (\"version\": \"==X\") for {excerpt(name)} in {excerpt(category)}")
        return
    if kind is SourceKind.REGISTRY and isinstance(entry.get("index"), str):
        url = sources.get(entry["index"])
    hashes = entry.get("hashes")
    hash_list = tuple(dict.fromkeys(h for h in hashes if isinstance(h, str) and ":" in h)) if isinstance(hashes, list) else ()
    markers = entry.get("markers")
    marker = markers if isinstance(markers, str) and markers else None
    extras = entry.get("extras")
    normalized = canonicalize_name(name)
    if declared is None:
        direct = False
    else:
        direct = normalized in declared.get(category, set()) or any(normalized in names for names in declared.values())
    result.dependencies.append(
        Dependency(
            package=PackageId(Ecosystem.PYPI, normalized, version),
            sources=(loc,),
            direct=direct,
            scope=Scope.RUNTIME if category == "default" else Scope.DEV,
            extras=tuple(sorted(e for e in extras if isinstance(e, str))) if isinstance(extras, list) else (),
            groups=(category,) if category != "default" else (),
            marker=marker,
            marker_applies=ctx.evaluate_marker(marker, loc, result.skips, extras=frozenset(e for e in extras if isinstance(e, str))
                                               if isinstance(extras, list) else frozenset(), groups=_groups(category, marker)),
            source_kind=kind,
            source_url=url,
            hashes=hash_list,
            editable=entry.get("editable") is True,
            locked=True,
        )
    )


def collect(path: Path, ctx: CollectContext) -> CollectResult:
    result = CollectResult(ecosystem=Ecosystem.PYPI, is_lockfile=True)
    text = read_text(path, ctx)
    result.files.append(ctx.display(path))
    data = load_json(path, text, ctx, "Pipfile.lock")
    if not isinstance(data, dict):
        raise CollectError(ctx.location(path, 1), f"expected a JSON object for Pipfile.lock, got {type(data).__name__}")
    keys = json_key_lines(text)
    sources = _sources(data.get("_meta"), keys, path, ctx, result)
    declared = _pipfile_names(path, ctx, result)
    for category, packages in data.items():
        if category == "_meta":
            continue
        cat_loc = ctx.location(path, keys.get((category,)))
        if not isinstance(packages, dict):
            result.skip(cat_loc, f"expected an object of packages for category {excerpt(category)}, got {type(packages).__name__}")
            continue
        for name, entry in packages.items():
            loc = ctx.location(path, keys.get((category, name)))
            if not isinstance(entry, dict):
                result.skip(loc, f"expected an object for package {excerpt(name)} in {excerpt(category)}, got {type(entry).__name__}")
                continue
            if not name.strip():
                result.skip(loc, f"expected a package name as the key in {excerpt(category)}")
                continue
            _entry(name, entry, category, loc, sources, declared, ctx, result, path.parent)
    return result


COLLECTOR = Collector(format="Pipfile.lock", ecosystem=Ecosystem.PYPI, is_lockfile=True, matches=matches, collect=collect)
