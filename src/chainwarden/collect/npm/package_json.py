"""`package.json`: the dependencies a project declares.

Reads ``dependencies`` (runtime), ``devDependencies`` (dev),
``optionalDependencies`` (optional) and ``peerDependencies`` (peer). Every entry
is direct; its version is known only when the range is an exact version
(``1.2.3``, ``=1.2.3``). Specs that do not name a registry range are kept with
their kind: git URLs and ``github:``/``user/repo`` shorthands are VCS, tarball
URLs are URL, ``file:``/``link:`` are PATH; ``npm:real@range`` aliases become the
real package with the alias in `groups`; ``workspace:`` specs, and ``file:``/``link:``
folders inside the scanned folders, name the project's own packages and are left
out (docs/decisions/0023). The package's own ``name`` goes to
`own_names`, ``publishConfig.registry`` to an `IndexHint`, and ``workspaces``
(a list of folder patterns, or yarn's ``{"packages": [...]}``) to `members`.
"""

from __future__ import annotations

from pathlib import Path

from chainwarden.collect._locate import json_key_lines, load_json
from chainwarden.collect.interface import (
    CollectContext,
    CollectError,
    Collector,
    CollectResult,
    read_text,
)
from chainwarden.collect.npm._common import (
    SECTIONS,
    exact_version,
    json_type,
    parse_spec,
    redact,
)
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
    normalize_name,
)


def matches(filename: str) -> bool:
    return filename == "package.json"


def collect(path: Path, ctx: CollectContext) -> CollectResult:
    result = CollectResult(ecosystem=Ecosystem.NPM)
    text = read_text(path, ctx)
    result.files.append(ctx.display(path))
    data = load_json(path, text, ctx, "package.json")
    if not isinstance(data, dict):
        raise CollectError(ctx.location(path, 1), f"expected a JSON object for package.json, got {json_type(data)}")
    lines = json_key_lines(text)

    def skip(line: int | None, reason: str) -> None:
        result.skips.append(Skip(what=str(ctx.location(path, line)), reason=reason, stage="collect"))

    name = data.get("name")
    if isinstance(name, str) and name.strip():
        result.own_names.append(normalize_name(Ecosystem.NPM, name))
    elif name is not None:
        skip(lines.get(("name",)), f"expected a string for name, got {json_type(name)}")

    for section, scope in SECTIONS:
        table = data.get(section)
        if table is None:
            continue
        section_line = lines.get((section,))
        if not isinstance(table, dict):
            skip(section_line, f"expected an object of name: range for {section}, got {json_type(table)}")
            continue
        for dep_name, spec in table.items():
            line = lines.get((section, dep_name), section_line)
            if not isinstance(spec, str):
                skip(line, f"expected a version range string for {excerpt(dep_name)} in {section}, got {json_type(spec)}")
                continue
            if not dep_name.strip():
                skip(line, f"expected a package name in {section}, got an empty key")
                continue
            dep = manifest_dependency(dep_name, spec, scope, ctx.location(path, line))
            if dep is not None and dep.source_kind is SourceKind.PATH and ctx.own_folder(path.parent, spec):
                result.own_names.append(normalize_name(Ecosystem.NPM, dep_name))  # a folder of the project itself
            elif dep is not None:
                result.dependencies.append(dep)

    workspaces = data.get("workspaces")
    if isinstance(workspaces, dict):  # yarn's {"packages": [...], "nohoist": [...]}
        workspaces = workspaces.get("packages")
    if isinstance(workspaces, list):
        result.members.extend(w for w in workspaces if isinstance(w, str))
    elif workspaces is not None:
        skip(lines.get(("workspaces",)), f"expected a list of folder patterns for workspaces, got {json_type(workspaces)}")

    publish = data.get("publishConfig")
    if isinstance(publish, dict):
        registry = publish.get("registry")
        line = lines.get(("publishConfig", "registry"))
        if isinstance(registry, str) and registry.strip():
            result.index_hints.append(
                IndexHint(option="publish-registry", value=redact(registry.strip()), location=ctx.location(path, line))
            )
        elif registry is not None:
            skip(line, f"expected a URL string for publishConfig.registry, got {json_type(registry)}")
    return result


def manifest_dependency(name: str, spec: str, scope: Scope, loc: SourceLocation) -> Dependency | None:
    """One declared ``name: spec`` as a direct `Dependency`; None for ``workspace:`` specs."""
    parsed = parse_spec(name, spec)
    if parsed.workspace:
        return None
    version = exact_version(parsed.range) if parsed.kind is SourceKind.REGISTRY and parsed.range else None
    return Dependency(
        package=PackageId(Ecosystem.NPM, normalize_name(Ecosystem.NPM, parsed.name), version),
        sources=(loc,),
        direct=True,
        scope=scope,
        specifier=spec.strip() or None,
        groups=(f"alias:{parsed.alias}",) if parsed.alias else (),
        source_kind=parsed.kind,
        source_url=redact(parsed.url) if parsed.url else None,
    )


COLLECTOR = Collector(format="package.json", ecosystem=Ecosystem.NPM, is_lockfile=False, matches=matches, collect=collect)
