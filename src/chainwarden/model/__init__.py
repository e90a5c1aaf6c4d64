"""Frozen types shared by every stage. No I/O here, and no imports of our own code.

Every value that crosses a stage boundary is one of these: a collector yields
`Dependency` records, the pipeline folds them into a `DependencyGraph`, enrich
attaches `RegistryFacts`, analyzers yield `Finding`s and `Skip`s, decide turns
them into a `Verdict`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from packageurl import PackageURL

__all__ = [
    "Confidence",
    "Dependency",
    "DependencyGraph",
    "Ecosystem",
    "Edge",
    "EnrichedGraph",
    "Evidence",
    "Finding",
    "IndexHint",
    "PackageId",
    "PolicySummary",
    "Project",
    "RegistryFacts",
    "ScanResult",
    "Scope",
    "Severity",
    "Skip",
    "SourceKind",
    "SourceLocation",
    "Verdict",
    "normalize_name",
]


class Ecosystem(StrEnum):
    PYPI = "pypi"
    NPM = "npm"


_PEP503 = re.compile(r"[-_.]+")


def normalize_name(ecosystem: Ecosystem, name: str) -> str:
    """The one name normalisation: PEP 503 for PyPI; npm names are case-sensitive as published."""
    if ecosystem is Ecosystem.PYPI:
        return _PEP503.sub("-", name).lower()
    return name.strip()


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class Confidence(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return list(Confidence).index(self)


class Scope(StrEnum):
    """Why a dependency is installed."""

    RUNTIME = "runtime"
    OPTIONAL = "optional"  # Python extras, npm optionalDependencies
    DEV = "dev"  # dependency groups, dev-dependencies, devDependencies
    PEER = "peer"  # npm peerDependencies


class SourceKind(StrEnum):
    """Where the bytes of a dependency come from."""

    REGISTRY = "registry"
    URL = "url"  # a direct archive URL
    VCS = "vcs"  # git+https://..., github: shorthands
    PATH = "path"  # a local directory or file, editables


@dataclass(frozen=True, slots=True, order=True)
class SourceLocation:
    """A place in the user's files: the file (as the user would type it) and 1-based line."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True, order=True)
class PackageId:
    """One package at one version (or unpinned, `version=None`). `name` is normalised."""

    ecosystem: Ecosystem
    name: str
    version: str | None = None

    @property
    def purl(self) -> str:
        if self.ecosystem is Ecosystem.NPM and self.name.startswith("@") and "/" in self.name:
            namespace, _, name = self.name.partition("/")
            return PackageURL(type="npm", namespace=namespace, name=name, version=self.version).to_string()
        return PackageURL(type=self.ecosystem.value, name=self.name, version=self.version).to_string()

    def __str__(self) -> str:
        sep = "@" if self.ecosystem is Ecosystem.NPM else "=="
        return self.name if self.version is None else f"{self.name}{sep}{self.version}"


@dataclass(frozen=True, slots=True)
class Dependency:
    """A package as one input file declares or locks it.

    `specifier` is the declared range (``>=2.31``, ``^4.1.0``) when there is one;
    `package.version` is the exact version when it is pinned or locked.
    """

    package: PackageId
    sources: tuple[SourceLocation, ...]
    direct: bool
    scope: Scope = Scope.RUNTIME
    specifier: str | None = None
    extras: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()  # dependency group / extra / Poetry group names
    marker: str | None = None
    marker_applies: bool | None = None  # marker evaluated for this environment; None: no marker
    source_kind: SourceKind = SourceKind.REGISTRY
    source_url: str | None = None  # index, archive or VCS URL when the input names one
    hashes: tuple[str, ...] = ()  # "sha256:..." / npm integrity strings
    editable: bool = False
    locked: bool = False  # True when the version comes from a lockfile or an installed env


@dataclass(frozen=True, slots=True, order=True)
class Edge:
    """`parent` depends on `child` (both as they appear in the graph)."""

    parent: PackageId
    child: PackageId


@dataclass(frozen=True, slots=True)
class IndexHint:
    """A statement in an input about where packages come from (``--index-url`` lines, lockfile registries)."""

    option: str  # "index-url", "extra-index-url", "find-links", "registry", ...
    value: str
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class Skip:
    """Something that could not be read or checked. Never counted as clean."""

    what: str  # "requirements.txt:14", "pypi:requests", ...
    reason: str
    stage: str = ""  # "collect", "enrich", "analyze", ...


@dataclass(frozen=True, slots=True)
class Project:
    """One project: a directory with its manifests and lockfiles for one ecosystem."""

    root: str
    ecosystem: Ecosystem
    files: tuple[str, ...]
    lockfiles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DependencyGraph:
    """Every dependency of one project, merged across its inputs, with the edges the lockfiles know."""

    project: Project
    dependencies: tuple[Dependency, ...]
    edges: tuple[Edge, ...] = ()
    index_hints: tuple[IndexHint, ...] = ()

    def direct(self) -> tuple[Dependency, ...]:
        return tuple(d for d in self.dependencies if d.direct)


@dataclass(frozen=True, slots=True)
class RegistryFacts:
    """What the index says about a package name (and, when pinned, the version)."""

    exists: bool
    index_url: str
    latest_version: str | None = None
    release_count: int = 0
    first_release: datetime | None = None
    last_release: datetime | None = None
    version_released: datetime | None = None  # upload time of the pinned version
    version_exists: bool | None = None  # None when unpinned
    versions: tuple[str, ...] = ()
    release_times: tuple[tuple[str, datetime], ...] = ()
    yanked_versions: tuple[str, ...] = ()
    maintainers: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()  # author / maintainer addresses the index publishes
    repository_url: str | None = None
    deprecated: str | None = None
    source: str = ""  # "json-api", "simple-json", "simple-html", "npm", "snapshot"


@dataclass(frozen=True, slots=True)
class EnrichedGraph:
    """A graph with what the index says about each of its packages (absent: could not be checked)."""

    graph: DependencyGraph
    facts: Mapping[PackageId, RegistryFacts]


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a finding was raised: a short label and value, optionally located."""

    label: str
    value: str
    location: SourceLocation | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    confidence: Confidence
    package: PackageId
    message: str
    location: SourceLocation | None = None
    evidence: tuple[Evidence, ...] = ()
    fix: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """The decision for the run: pass or fail, and which findings decided it."""

    passed: bool
    failing: tuple[Finding, ...] = field(default_factory=tuple)
    reasons: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return "pass" if self.passed else "fail"


@dataclass(frozen=True, slots=True)
class PolicySummary:
    """What the report says about the policy that decided the run."""

    source: str | None
    fail_on: Severity


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything one run produced: the input of every report renderer."""

    graphs: tuple[EnrichedGraph, ...]
    findings: tuple[Finding, ...]
    skips: tuple[Skip, ...]
    verdict: Verdict
    policy: PolicySummary
    indexes: Mapping[str, str]  # ecosystem -> "url (origin)"
    ignored: int
    started: datetime
    duration: float
    tool_version: str
