"""`pyproject.toml`: PEP 621 dependencies and optional dependencies, PEP 735
dependency groups, Poetry's dependency tables, and uv/PDM legacy dev tables.

A manifest declares ranges; versions come from a lockfile beside it (merged by
the pipeline). The project's own name is recorded so lockfiles can leave it out;
``[tool.uv.workspace]`` ``members`` and ``exclude`` name the workspace member
folders whose own pyproject.toml joins this project (collect.workspace).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement
from packaging.utils import canonicalize_name

from chainwarden.collect._locate import LineIndex, load_toml
from chainwarden.collect.interface import (
    CollectContext,
    CollectResult,
    Collector,
    first_line,
    parse_requirement,
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
    SourceLocation,
    excerpt,
)


def matches(filename: str) -> bool:
    return filename == "pyproject.toml"


class _Doc:
    def __init__(self, path: Path, text: str, ctx: CollectContext, result: CollectResult) -> None:
        self.path, self.text, self.ctx, self.result = path, text, ctx, result
        self.index = LineIndex(text)

    def header_line(self, header: str) -> int | None:
        return self.index.header(header)

    def string_line(self, value: str, after: int | None) -> int | None:
        """The line of a string literal at or after `after`: exact text first, then its leading name."""
        found = self.index.string(value, after)
        if found:
            return found
        name = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", value)
        if name:
            found = self.index.string_named(name.group(1), after)
            if found:
                return found
        return after

    def key_line(self, key: str, after: int | None) -> int | None:
        return self.index.key(key, after) or after

    def loc(self, line: int | None) -> SourceLocation:
        return self.ctx.location(self.path, line)

    def skip(self, line: int | None, reason: str) -> None:
        self.result.skips.append(Skip(what=str(self.loc(line)), reason=reason, stage="collect"))

    def pep508(self, value: Any, anchor: int | None, scope: Scope, groups: tuple[str, ...], table: str) -> None:
        if not isinstance(value, str):
            self.skip(anchor, f"expected a PEP 508 requirement string in {table}, got {type(value).__name__}")
            return
        line = self.string_line(value, anchor)
        loc = self.loc(line)
        try:
            req = parse_requirement(value)
        except InvalidRequirement as exc:
            self.skip(line, f"expected a requirement (PEP 508) in {table}, got {excerpt(value)}: {first_line(exc)}")
            return
        marker = str(req.marker) if req.marker else None
        kind = SourceKind.REGISTRY
        if req.url:
            kind = SourceKind.VCS if req.url.lower().startswith(("git+", "hg+", "svn+", "bzr+")) else SourceKind.URL
            if req.url.lower().startswith("file:"):
                kind = SourceKind.PATH
                if self.ctx.own_folder(self.path.parent, req.url):
                    self.result.own_names.append(canonicalize_name(req.name))  # a folder of the project itself (0023)
                    return
        version = pinned_version(str(req.specifier))
        self.result.dependencies.append(
            Dependency(
                package=PackageId(Ecosystem.PYPI, canonicalize_name(req.name), version),
                sources=(loc,),
                direct=True,
                scope=scope,
                specifier=str(req.specifier) or None,
                extras=tuple(sorted(req.extras)),
                groups=groups,
                marker=marker,
                marker_applies=self.ctx.evaluate_marker(marker, loc, self.result.skips),
                source_kind=kind,
                source_url=req.url,
                locked=False,
            )
        )


def _as_table(doc: _Doc, value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        doc.skip(doc.header_line(name), f"expected a table for [{name}], got {type(value).__name__}")
        return {}
    return value


def _pep621(doc: _Doc, data: dict[str, Any]) -> None:
    project = _as_table(doc, data.get("project"), "project")
    header = doc.header_line("project")
    deps = project.get("dependencies", [])
    if not isinstance(deps, list):
        doc.skip(doc.key_line("dependencies", header), "expected a list of requirement strings for project.dependencies")
        deps = []
    anchor = doc.key_line("dependencies", header) if deps else header
    for value in deps:
        doc.pep508(value, anchor, Scope.RUNTIME, (), "project.dependencies")
    optional = project.get("optional-dependencies", {})
    if not isinstance(optional, dict):
        doc.skip(header, "expected a table for project.optional-dependencies")
        optional = {}
    opt_header = doc.header_line("project.optional-dependencies") or header
    for extra, values in optional.items():
        anchor = doc.key_line(extra, opt_header)
        if not isinstance(values, list):
            doc.skip(anchor, f"expected a list of requirements for extra {excerpt(extra)}")
            continue
        for value in values:
            doc.pep508(value, anchor, Scope.OPTIONAL, (extra,), f"optional dependency {excerpt(extra)}")


def _dependency_groups(doc: _Doc, data: dict[str, Any]) -> None:
    groups = _as_table(doc, data.get("dependency-groups"), "dependency-groups")
    header = doc.header_line("dependency-groups")
    for group, values in groups.items():
        anchor = doc.key_line(group, header)
        if not isinstance(values, list):
            doc.skip(anchor, f"expected a list for dependency group {excerpt(group)}")
            continue
        for value in values:
            if isinstance(value, dict):
                if "include-group" not in value:
                    doc.skip(anchor, f"expected a requirement or {{include-group = ...}} in group {excerpt(group)}")
                continue  # included groups are listed under their own name
            doc.pep508(value, anchor, Scope.DEV, (group,), f"dependency group {excerpt(group)}")
    # Legacy dev tables of uv and PDM.
    tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
    uv = tool.get("uv", {}) if isinstance(tool.get("uv"), dict) else {}
    if isinstance(uv.get("dev-dependencies"), list):
        anchor = doc.key_line("dev-dependencies", doc.header_line("tool.uv"))
        for value in uv["dev-dependencies"]:
            doc.pep508(value, anchor, Scope.DEV, ("dev",), "tool.uv.dev-dependencies")
    pdm = tool.get("pdm", {}) if isinstance(tool.get("pdm"), dict) else {}
    pdm_dev = pdm.get("dev-dependencies", {})
    if isinstance(pdm_dev, dict):
        header = doc.header_line("tool.pdm.dev-dependencies")
        for group, values in pdm_dev.items():
            anchor = doc.key_line(group, header)
            for value in values if isinstance(values, list) else []:
                doc.pep508(value, anchor, Scope.DEV, (group,), f"tool.pdm.dev-dependencies.{group}")


def _poetry_constraint(value: Any) -> tuple[Any, dict[str, Any]]:
    """(the version constraint as written, which may be of any type, and the options table)."""
    if isinstance(value, str):
        return value, {}
    if isinstance(value, dict):
        return value.get("version"), value
    return None, {}


def _poetry_table(doc: _Doc, table: Any, header_name: str, scope: Scope, group: str | None) -> None:
    if not isinstance(table, dict):
        return
    header = doc.header_line(header_name)
    for name, value in table.items():
        if name.lower() == "python":
            continue
        line = doc.key_line(name, header)
        loc = doc.loc(line)
        entries = value if isinstance(value, list) else [value]
        for entry in entries:
            version, opts = _poetry_constraint(entry)
            if version is None and not opts:
                doc.skip(line, f"expected a version string or table for Poetry dependency {excerpt(name)}")
                continue
            if version is not None and not isinstance(version, str):
                doc.skip(line, f"expected a version string for Poetry dependency {excerpt(name)}, got {excerpt(version)}")
                continue
            kind, url = SourceKind.REGISTRY, None
            for key, k in (("git", SourceKind.VCS), ("url", SourceKind.URL), ("path", SourceKind.PATH)):
                if key in opts:
                    kind, url = k, str(opts[key])
            if kind is SourceKind.PATH and url and doc.ctx.own_folder(doc.path.parent, url):
                doc.result.own_names.append(canonicalize_name(name))  # a folder of the project itself (0023)
                continue
            dep_scope = Scope.OPTIONAL if opts.get("optional") else scope
            if isinstance(opts.get("source"), str) and opts["source"]:
                doc.result.index_hints.append(IndexHint(option="poetry-pin", value=opts["source"], location=loc,
                                                        name=canonicalize_name(name)))
            pinned = re.fullmatch(r"\s*=?=?\s*(\d[^,*\s^~<>=!]*)\s*", version or "")
            markers = opts.get("markers")
            marker = markers if isinstance(markers, str) else None
            doc.result.dependencies.append(
                Dependency(
                    package=PackageId(Ecosystem.PYPI, canonicalize_name(name), pinned.group(1) if pinned else None),
                    sources=(loc,),
                    direct=True,
                    scope=dep_scope,
                    specifier=version,
                    extras=tuple(sorted(e for e in opts["extras"] if isinstance(e, str))) if isinstance(opts.get("extras"), list) else (),
                    groups=(group,) if group else (),
                    marker=marker,
                    marker_applies=doc.ctx.evaluate_marker(marker, loc, doc.result.skips),
                    source_kind=kind,
                    source_url=url,
                )
            )


def _poetry(doc: _Doc, data: dict[str, Any]) -> None:
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    if not isinstance(poetry, dict):
        return
    _poetry_table(doc, poetry.get("dependencies"), "tool.poetry.dependencies", Scope.RUNTIME, None)
    _poetry_table(doc, poetry.get("dev-dependencies"), "tool.poetry.dev-dependencies", Scope.DEV, "dev")
    groups = poetry.get("group", {})
    if isinstance(groups, dict):
        for group, body in groups.items():
            if isinstance(body, dict):
                _poetry_table(doc, body.get("dependencies"), f"tool.poetry.group.{group}.dependencies", Scope.DEV, group)
    sources = poetry.get("source", [])
    if isinstance(sources, list):
        for src in sources:
            if not isinstance(src, dict) or not isinstance(src.get("name"), str):
                continue
            url = str(src["url"]) if isinstance(src.get("url"), str) else ""  # no url: the implicit PyPI source
            priority = src.get("priority")
            if not isinstance(priority, str):  # Poetry < 1.5 flags
                priority = "default" if src.get("default") is True else "secondary" if src.get("secondary") is True else "primary"
            line = doc.string_line(url, doc.header_line("tool.poetry")) if url else doc.string_line(src["name"], doc.header_line("tool.poetry"))
            doc.result.index_hints.append(
                IndexHint(option=f"poetry-source:{priority}", value=url, location=doc.loc(line), name=src["name"])
            )


def project_name(data: dict[str, Any]) -> str | None:
    """The project's own (normalised) name, from [project] or [tool.poetry]."""
    for table in (data.get("project"), (data.get("tool") or {}).get("poetry") if isinstance(data.get("tool"), dict) else None):
        if isinstance(table, dict) and isinstance(table.get("name"), str):
            return canonicalize_name(table["name"])
    return None


def collect(path: Path, ctx: CollectContext) -> CollectResult:
    result = CollectResult(ecosystem=Ecosystem.PYPI)
    text = read_text(path, ctx)
    result.files.append(ctx.display(path))
    data = load_toml(path, text, ctx, "pyproject.toml")
    doc = _Doc(path, text, ctx, result)
    name = project_name(data)
    if name:
        result.own_names.append(name)
    _pep621(doc, data)
    _dependency_groups(doc, data)
    _poetry(doc, data)
    _uv_workspace(doc, data)
    return result


def _uv_workspace(doc: _Doc, data: dict[str, Any]) -> None:
    """``[tool.uv.workspace] members`` and ``exclude`` (folder globs) -> `members` (``!`` for excludes)."""
    tool = data.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    table = uv.get("workspace") if isinstance(uv, dict) else None
    if table is None:
        return
    header = doc.header_line("tool.uv.workspace") or doc.header_line("tool.uv")
    if not isinstance(table, dict):
        doc.skip(header, f"expected a table for tool.uv.workspace, got {type(table).__name__}")
        return
    for key, prefix in (("members", ""), ("exclude", "!")):
        values = table.get(key)
        if values is None:
            continue
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            doc.skip(doc.key_line(key, header), f"expected a list of folder patterns for tool.uv.workspace.{key}")
            continue
        doc.result.members.extend(prefix + v for v in values)


COLLECTOR = Collector(format="pyproject", ecosystem=Ecosystem.PYPI, is_lockfile=False, matches=matches, collect=collect)
