"""What the two SBOM renderers share: one inventory of every package of every project, and the
conversions from what lockfiles record (hashes, licences) to what SBOM formats accept.

A package (one PURL) that several projects use is one entry, with each project that brings it in.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from pathlib import Path

from chainwarden.model import (
    Dependency,
    EnrichedGraph,
    PackageId,
    Project,
    RegistryFacts,
    ScanResult,
    Scope,
)

# Digest algorithms as the lockfiles spell them -> (CycloneDX name, SPDX name, hex length)
_ALGORITHMS = {
    "sha256": ("SHA-256", "SHA256", 64),
    "sha384": ("SHA-384", "SHA384", 96),
    "sha512": ("SHA-512", "SHA512", 128),
    "sha1": ("SHA-1", "SHA1", 40),
    "md5": ("MD5", "MD5", 32),
}
_SCOPE_ORDER = [Scope.RUNTIME, Scope.PEER, Scope.OPTIONAL, Scope.DEV]


@dataclass(frozen=True, slots=True)
class Digest:
    algorithm: str  # "sha256", "sha512", ...
    hex: str  # lower-case

    @property
    def cyclonedx(self) -> str:
        return _ALGORITHMS[self.algorithm][0]

    @property
    def spdx(self) -> str:
        return _ALGORITHMS[self.algorithm][1]


def digests(hashes: tuple[str, ...]) -> list[Digest]:
    """The digests a lockfile gives, as hex: ``sha256:<hex>`` (pip, uv, Poetry, PEP 751) and npm's Subresource
    Integrity ``sha512-<base64>``. Anything else (an unknown algorithm, a malformed value) is left out."""
    out: list[Digest] = []
    for h in hashes:
        h = h.strip()
        if ":" in h:
            alg, _, value = h.partition(":")
            alg = alg.lower()
            if alg in _ALGORITHMS and re.fullmatch(r"[0-9a-fA-F]+", value) and len(value) == _ALGORITHMS[alg][2]:
                out.append(Digest(alg, value.lower()))
        elif "-" in h:
            alg, _, value = h.partition("-")
            alg = alg.lower()
            if alg not in _ALGORITHMS:
                continue
            try:
                raw = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                continue
            if len(raw) * 2 == _ALGORITHMS[alg][2]:
                out.append(Digest(alg, raw.hex()))
    return list(dict.fromkeys(out))


def project_name(project: Project) -> str:
    """A project is named after its folder (the model does not carry the name its manifest gives)."""
    folder = Path(project.directory or project.root).name or project.root
    return folder if folder not in ("", ".") else Path.cwd().name or "project"


def project_ref(project: Project) -> str:
    """A stable reference for a project, unique within one run: its folder as the user reads it and its ecosystem."""
    return f"project:{project.ecosystem.value}:{project.root}"


@dataclass
class Entry:
    """One package of the inventory: the same PURL in every project that has it."""

    package: PackageId
    dependencies: list[tuple[Project, Dependency]] = field(default_factory=list)
    facts: RegistryFacts | None = None

    @property
    def first(self) -> Dependency:
        return self.dependencies[0][1]

    @property
    def scope(self) -> Scope:
        return min((d.scope for _, d in self.dependencies), key=_SCOPE_ORDER.index)

    @property
    def direct(self) -> bool:
        return any(d.direct for _, d in self.dependencies)

    @property
    def license(self) -> str | None:
        """What the lockfile records, else what the index declares."""
        for _, d in self.dependencies:
            if d.license:
                return d.license
        return self.facts.license if self.facts is not None else None

    @property
    def hashes(self) -> list[Digest]:
        return digests(tuple(h for _, d in self.dependencies for h in d.hashes))

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(str(s) for _, d in self.dependencies for s in d.sources))


@dataclass
class Inventory:
    projects: list[EnrichedGraph]
    entries: dict[str, Entry]  # by PURL, in first-seen order
    edges: dict[str, list[str]]  # parent PURL -> child PURLs, from the lockfiles
    direct: dict[str, list[tuple[str, Scope]]]  # project ref -> its direct dependencies' PURLs and scopes


def inventory(result: ScanResult) -> Inventory:
    entries: dict[str, Entry] = {}
    edges: dict[str, list[str]] = {}
    direct: dict[str, list[tuple[str, Scope]]] = {}
    for eg in result.graphs:
        g = eg.graph
        ref = project_ref(g.project)
        mine = direct.setdefault(ref, [])
        for dep in g.dependencies:
            purl = dep.package.purl
            entry = entries.setdefault(purl, Entry(dep.package))
            entry.dependencies.append((g.project, dep))
            if entry.facts is None:
                entry.facts = eg.facts.get(dep.package)
            if dep.direct and all(p != purl for p, _ in mine):
                mine.append((purl, dep.scope))
        for e in g.edges:
            children = edges.setdefault(e.parent.purl, [])
            if e.child.purl not in children:
                children.append(e.child.purl)
    return Inventory(list(result.graphs), entries, edges, direct)
