"""`Pipfile` (pipenv's manifest): ``[packages]`` (runtime), ``[dev-packages]`` (dev),
other tables named in ``[pipenv]``-style categories, and ``[[source]]`` indexes.

Versions come from `Pipfile.lock` beside it (merged by the pipeline).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from chainwarden.collect._locate import LineIndex, array_table_lines, load_toml
from chainwarden.collect.interface import (
    CollectContext,
    Collector,
    CollectResult,
    read_text,
)
from chainwarden.collect.python.requirements import pinned_version
from chainwarden.model import (
    Dependency,
    Ecosystem,
    IndexHint,
    PackageId,
    Scope,
    Skip,
    SourceKind,
    excerpt,
)

_NOT_PACKAGES = {"source", "requires", "pipenv", "scripts"}


def matches(filename: str) -> bool:
    return filename == "Pipfile"


def _section_lines(text: str) -> dict[str, tuple[int, int]]:
    """Each [table]'s first and last line."""
    heads = [(i, m.group(1).strip()) for i, line in enumerate(text.splitlines(), 1) if (m := re.match(r"^\s*\[([^\[\]]+)\]\s*$", line))]
    total = len(text.splitlines())
    out: dict[str, tuple[int, int]] = {}
    for n, (line, name) in enumerate(heads):
        end = heads[n + 1][0] - 1 if n + 1 < len(heads) else total
        out.setdefault(name, (line, end))
    return out


def collect(path: Path, ctx: CollectContext) -> CollectResult:
    result = CollectResult(ecosystem=Ecosystem.PYPI)
    text = read_text(path, ctx)
    result.files.append(ctx.display(path))
    data = load_toml(path, text, ctx, "Pipfile")
    lines = text.splitlines()
    sections = _section_lines(text)
    index = LineIndex(text)

    sources = data.get("source")
    if isinstance(sources, list):
        for src, line in zip(sources, array_table_lines(text, "source")):
            if isinstance(src, dict) and isinstance(src.get("url"), str):
                name = str(src["name"]) if isinstance(src.get("name"), str) else ""
                result.index_hints.append(IndexHint(option="pipenv-source", value=src["url"], location=ctx.location(path, line), name=name))
    settings = data.get("pipenv")
    if isinstance(settings, dict) and "install_search_all_sources" in settings:
        setting_line = next((i for i, t in enumerate(lines, 1) if re.match(r"^\s*install_search_all_sources\s*=", t)), None)
        result.index_hints.append(IndexHint(option="pipenv-search-all-sources",
                                            value=str(settings["install_search_all_sources"]).lower(),
                                            location=ctx.location(path, setting_line)))

    for table, body in data.items():
        if table in _NOT_PACKAGES or not isinstance(body, dict):
            continue
        scope = Scope.RUNTIME if table == "packages" else Scope.DEV
        start, end = sections.get(table, (1, len(lines)))
        for name, spec in body.items():
            found = index.key(name, start)
            line = found if found is not None and found <= end else start
            loc = ctx.location(path, line)
            opts: dict[str, Any] = spec if isinstance(spec, dict) else {}
            version = spec if isinstance(spec, str) else opts.get("version")
            if not isinstance(version, str) and not opts:
                result.skips.append(Skip(what=str(loc), reason=f"expected a version string or table for {excerpt(name)}", stage="collect"))
                continue
            if version is not None and not isinstance(version, str):
                result.skips.append(Skip(what=str(loc), reason=f"expected a version string for {excerpt(name)}, got {excerpt(version)}",
                                         stage="collect"))
                continue
            kind, url = SourceKind.REGISTRY, None
            for key, k in (("git", SourceKind.VCS), ("file", SourceKind.URL), ("path", SourceKind.PATH)):
                if isinstance(opts.get(key), str):
                    kind, url = k, opts[key]
            if kind is SourceKind.PATH and url and ctx.own_folder(path.parent, url):
                result.own_names.append(canonicalize_name(name))  # a folder of the project itself (0023)
                continue
            if isinstance(opts.get("index"), str) and opts["index"]:
                result.index_hints.append(IndexHint(option="pipenv-pin", value=opts["index"], location=loc, name=canonicalize_name(name)))
            marker = opts.get("markers") if isinstance(opts.get("markers"), str) else None
            specifier = None if version in (None, "*") else version
            result.dependencies.append(
                Dependency(
                    package=PackageId(Ecosystem.PYPI, canonicalize_name(name), pinned_version(specifier or "")),
                    sources=(loc,),
                    direct=True,
                    scope=scope,
                    specifier=specifier,
                    groups=(table,) if scope is Scope.DEV else (),
                    marker=marker,
                    marker_applies=ctx.evaluate_marker(marker, loc, result.skips),
                    source_kind=kind,
                    source_url=url,
                    editable=bool(opts.get("editable")),
                )
            )
    return result


COLLECTOR = Collector(format="Pipfile", ecosystem=Ecosystem.PYPI, is_lockfile=False, matches=matches, collect=collect)
