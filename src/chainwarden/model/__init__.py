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
from functools import lru_cache, total_ordering
from urllib.parse import urlsplit, urlunsplit

from packageurl import PackageURL
from packaging.version import InvalidVersion, Version

__all__ = [
    "Advisory",
    "AdvisorySource",
    "ArtifactRef",
    "Confidence",
    "Dependency",
    "DependencyGraph",
    "DomainCheck",
    "DomainStatus",
    "Ecosystem",
    "Edge",
    "EnrichedGraph",
    "Evidence",
    "Finding",
    "IndexHint",
    "IndexSetup",
    "IndexUse",
    "Metrics",
    "NameMatch",
    "NamePresence",
    "PackageId",
    "PackageRisk",
    "PolicySummary",
    "PrivateName",
    "Project",
    "RegistryFacts",
    "RiskContribution",
    "RiskPath",
    "ScanResult",
    "Scope",
    "Severity",
    "Skip",
    "SourceKind",
    "SourceLocation",
    "Verdict",
    "REDACTED",
    "email_host",
    "excerpt",
    "index_key",
    "normalize_name",
    "npm_registry_base",
    "printable",
    "redact_secrets",
    "shown",
    "version_order",
]


class Ecosystem(StrEnum):
    PYPI = "pypi"
    NPM = "npm"


_PEP503 = re.compile(r"[-_.]+")


def email_host(email: str) -> str:
    """The host part of an e-mail address, lower-cased (``dev@Mail.Example.test`` -> ``mail.example.test``)."""
    return email.rsplit("@", 1)[-1].strip().lower()


def printable(text: str, limit: int = 0, *, escape_backslash: bool = False) -> str:
    """Attacker-chosen text made safe to print: control, ANSI and bidi characters shown as ``\\xNN`` /
    ``\\uNNNN`` escapes; cut to `limit` characters when one is given (0: no limit)."""
    out: list[str] = []
    for ch in text:
        if ch == "\\" and escape_backslash:
            out.append("\\\\")
        elif ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    shown = "".join(out)
    if limit and len(shown) > limit:
        shown = f"{shown[:limit]}... ({len(shown) - limit} more characters)"
    return shown


# -- secrets in attacker-chosen text --------------------------------------------------------------
#
# Every pattern below runs in time linear in the text (bounded quantifiers, literal anchors): the text
# is attacker-chosen and may be megabytes long.

REDACTED = "***"
# user[:password]@ after a scheme (``https://user:token@host``); ``git@`` (ssh remotes) is not a secret.
_USERINFO = re.compile(r"://([^/\s@?#\x00]{1,512})@")
# KEY=VALUE, KEY: VALUE, "key": "value" (the key's words decide whether the value is a secret). After a quoted
# key the value must be quoted too (or a number): "'credentials': could not read" is a message, not a secret.
_KEY_VALUE = re.compile(
    r"(?<![A-Za-z0-9_.])(?<![A-Za-z0-9_]-)(?P<key>[A-Za-z_][A-Za-z0-9_]*(?:[.\-][A-Za-z0-9_]+)*)(?P<sep>[ \t]{0,3}(?:=|:(?!//))[ \t]{0,3}[\"']?|[\"'][ \t]{0,3}[=:][ \t]{0,3}(?:[\"']|(?=\d)))(?![=~<>!])"
    r"(?P<value>[^\s\"'&,;<>=\x00(){}\[\]]+)"
)
_KEY_WORD = re.compile(r"[_.\-]+|(?<=[a-z0-9])(?=[A-Z])")
_SECRET_WORDS = frozenset({
    "token", "secret", "password", "passwd", "pwd", "pass", "passphrase", "key", "apikey", "privatekey", "secretkey",
    "accesskey", "credential", "credentials", "auth", "authtoken", "authorization", "session", "sessionid", "cookie",
    "private", "signature", "jwt", "bearer", "otp",
})
_SECRET_ENDINGS = ("token", "secret", "password", "passwd", "apikey", "credentials", "credential", "cookie", "sessionid")
# Token shapes that are secrets wherever they appear; the recognisable prefix is kept ("ghp_***" stays as it is:
# redacting twice changes nothing).
_TOKEN = re.compile(
    r"\b(?P<prefix>gh[pousr]_|github_pat_|glpat-|xox[abposr]-|pypi-AgE|npm_(?=[A-Za-z0-9]{16})|sk_live_|rk_live_"
    r"|(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)(?=[A-Z0-9]{12}))[A-Za-z0-9_\-]+"
)
_PRIVATE_KEY = re.compile(r"-----BEGIN[A-Z ]{0,40}PRIVATE KEY( BLOCK)?-----")
# Runs of base64 / hex characters, judged one by one (high-entropy secrets without a recognisable shape).
_RUN = re.compile(r"[A-Za-z0-9+=_\-]{20,}")
_HEX = re.compile(r"[0-9a-fA-F]{32,}")


def _is_secret_key(key: str) -> bool:
    words = [w.lower() for w in _KEY_WORD.split(key) if w]
    return any(w in _SECRET_WORDS or w.endswith(_SECRET_ENDINGS) for w in words)


def _looks_random(run: str) -> bool:
    """A long run that mixes upper case, lower case and digits, a long hex run, or a JWT: likely a secret."""
    if run.startswith("eyJ"):
        return True
    if _HEX.fullmatch(run):
        return True
    return any(c.isupper() for c in run) and any(c.islower() for c in run) and any(c.isdigit() for c in run)


def redact_secrets(text: str, *, entropy: bool = False) -> str:
    """`text` with what looks like a secret replaced by ``***``.

    Always: credentials in URLs (``https://user:token@host`` -> ``https://***@host``), the values of
    ``KEY=VALUE`` / ``KEY: VALUE`` pairs whose key names a secret (``GITHUB_TOKEN=``, ``password:``,
    ``aws_secret_access_key =``, ``_authToken=``), well-known token shapes (GitHub, GitLab, Slack, npm, PyPI,
    AWS access key ids; the prefix is kept) and PEM private-key blocks. With `entropy`, also every run of
    20+ base64 characters that mixes upper case, lower case and digits, every 32+ hex run and every JWT:
    right for quoting input whose meaning is unknown (an unreadable line), wrong for hashes in a report.
    Linear in the length of `text`.
    """
    if not text:
        return text
    begin = _PRIVATE_KEY.search(text)
    if begin is not None:
        end = text.find("PRIVATE KEY", begin.end())
        end = text.find("-----", end + 11) if end != -1 else -1
        tail = text[end + 5:] if end != -1 else ""
        text = f"{text[:begin.end()]}{REDACTED}{tail}"
    text = _USERINFO.sub(lambda m: m.group(0) if m.group(1) == "git" else f"://{REDACTED}@", text)
    text = _KEY_VALUE.sub(
        lambda m: f"{m.group('key')}{m.group('sep')}{REDACTED}" if _is_secret_key(m.group("key")) else m.group(0), text)
    text = _TOKEN.sub(lambda m: f"{m.group('prefix')}{REDACTED}", text)
    if entropy:
        text = _RUN.sub(lambda m: REDACTED if _looks_random(m.group(0)) else m.group(0), text)
    return text


def shown(text: str, limit: int = 0) -> str:
    """Attacker-chosen text as a report shows it: secrets redacted (`redact_secrets`), control characters
    escaped (`printable`), cut to `limit` characters when one is given."""
    return printable(redact_secrets(text), limit)


_TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-"
EXCERPT_WINDOW = 4096  # at most this much of a quoted input is looked at (and redacted) to make its excerpt


def _brief(value: object) -> str:
    """A value that is not text, as an excerpt shows it: numbers and booleans as written, containers by size."""
    if value is None or isinstance(value, (bool, float)):
        return repr(value)
    if isinstance(value, int):
        return repr(value) if value.bit_length() < 4000 else "a number too large to show"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} items"
    if isinstance(value, dict):
        return f"a table of {len(value)} keys"
    return f"a {type(value).__name__}"


def excerpt(value: object, limit: int = 60, *, quote: bool = True) -> str:
    """A short, quoted, redacted excerpt of an input that could not be read, for an error message
    (a value that is not text is described, not quoted: ``a list of 3 items``).

    Secrets are redacted (`redact_secrets` with `entropy`), control characters escaped, and the
    result cut to `limit` characters, with how long the input was when it was cut; in quotes unless
    `quote` is false (for a parser's message, not the input itself). Text that holds
    NUL characters (``/proc/self/environ``, binary data) is never text a user wrote: only what
    comes before the first NUL is shown. Never quote input in a message any other way.
    """
    if not isinstance(value, str):
        return _brief(value)
    text = value
    total = len(text)
    nul = text.find("\x00", 0, EXCERPT_WINDOW)
    window = text[: nul if nul != -1 else EXCERPT_WINDOW]
    if len(window) < total:
        # The cut may have split a secret: leave out the run of token characters it ends in.
        window = window.rstrip(_TOKEN_CHARS)
    out = printable(redact_secrets(window, entropy=True))
    cut = len(out) > limit or len(window) < total
    out = out[:limit].rstrip()
    q = "'" if quote else ""
    return f"{q}{out}…{q} ({total} characters)" if cut else f"{q}{out}{q}"


def index_key(url: str) -> str:
    """One spelling per index URL, to compare them: no credentials, lower-case scheme and host, no trailing slash."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip().rstrip("/")
    if not parts.scheme:
        return url.strip().rstrip("/")
    host = (parts.hostname or "").lower() + (f":{port}" if port else "")
    return urlunsplit((parts.scheme.lower(), host, parts.path.rstrip("/"), "", ""))


def npm_registry_base(url: str) -> str | None:
    """The registry an npm tarball URL comes from: ``scheme://host/`` plus any path before the package name."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname + (f":{port}" if port else "")
    before, sep, _ = parts.path.partition("/-/")
    if not sep:
        return f"{parts.scheme}://{host}/"
    segments = before.split("/")
    drop = 2 if len(segments) >= 2 and segments[-2].startswith(("@", "%40")) else 1
    prefix = "/".join(segments[:-drop]).strip("/")
    return f"{parts.scheme}://{host}/" + (prefix + "/" if prefix else "")


def version_order(version: str) -> tuple[int, Version | tuple[tuple[int, str], ...] | str]:
    """A sort key for versions of either ecosystem: PEP 440 when the text parses (npm's x.y.z do too),
    else its leading numbers, else the text itself. Never raises: a number too long for `int` (Python
    converts at most 4,300 digits) is compared by its length, then its digits."""
    try:
        return (2, Version(version))
    except (InvalidVersion, ValueError):
        runs = "".join(c if c.isdigit() else " " for c in version.split("-")[0]).split()
        nums = tuple((len(r.lstrip("0")), r.lstrip("0")) for r in runs)
        return (1, nums) if nums else (0, version)


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


@total_ordering
@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A place in the user's files: the file (as the user would type it) and 1-based line.

    Ordered by file, then line, a location without a line first (a total order: sorting never fails)."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def _order(self) -> tuple[str, bool, int]:
        return (self.file, self.line is not None, self.line or 0)

    def __lt__(self, other: SourceLocation) -> bool:
        return self._order() < other._order()


@lru_cache(maxsize=65536)
def _purl(ecosystem: Ecosystem, name: str, version: str | None) -> str:
    """Package URLs are asked for many times per package by the reports; building one is not cheap."""
    if ecosystem is Ecosystem.NPM and name.startswith("@") and "/" in name:
        namespace, _, bare = name.partition("/")
        return PackageURL(type="npm", namespace=namespace, name=bare, version=version).to_string()
    return PackageURL(type=ecosystem.value, name=name, version=version).to_string()


@total_ordering
@dataclass(frozen=True, slots=True)
class PackageId:
    """One package at one version (or unpinned, `version=None`). `name` is normalised.

    Ordered by ecosystem, name, then version text, the unpinned one first: a total order, so that a
    local package (no version) beside a registry package of the same name never breaks a sort."""

    ecosystem: Ecosystem
    name: str
    version: str | None = None

    def _order(self) -> tuple[str, str, bool, str]:
        return (self.ecosystem, self.name, self.version is not None, self.version or "")  # a StrEnum compares as its text

    def __lt__(self, other: PackageId) -> bool:
        return self._order() < other._order()

    @property
    def purl(self) -> str:
        return _purl(self.ecosystem, self.name, self.version)

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
    license: str | None = None  # the licence the input records for it, as written (package-lock v2+ ``license``)


@dataclass(frozen=True, slots=True, order=True)
class Edge:
    """`parent` depends on `child` (both as they appear in the graph)."""

    parent: PackageId
    child: PackageId


@dataclass(frozen=True, slots=True)
class IndexHint:
    """A statement in an input about where packages come from (``--index-url`` lines, lockfile registries)."""

    option: str  # "index-url", "extra-index-url", "find-links", "lock-index", "uv-index", ... (collect docs)
    value: str
    location: SourceLocation
    name: str = ""  # the index's name (uv, Poetry, Pipenv), or the package an index pin is for


@dataclass(frozen=True, slots=True)
class Skip:
    """Something that could not be read or checked. Never counted as clean."""

    what: str  # "requirements.txt:14", "pypi:requests", ...
    reason: str
    stage: str = ""  # "collect", "enrich", "analyze", ...


@dataclass(frozen=True, slots=True)
class Project:
    """One project: a directory (with its workspace members) and its manifests and lockfiles for one ecosystem."""

    root: str
    ecosystem: Ecosystem
    files: tuple[str, ...]
    lockfiles: tuple[str, ...]
    directory: str = ""  # the absolute path of `root` (``root`` is as the user reads it)
    members: tuple[str, ...] = ()  # workspace member folders covered by this project's lockfile (as the user reads them)
    own_names: tuple[str, ...] = ()  # the project's own packages (root and members, normalised): not dependencies


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
class ArtifactRef:
    """One file of one release, as the index lists it: where to get it and the digest to check it against."""

    filename: str
    url: str  # absolute (relative hrefs are resolved against the document's URL)
    kind: str  # "sdist", "wheel", "npm-tarball", "other"
    sha256: str | None = None  # lower-case hex
    integrity: str | None = None  # npm Subresource Integrity ("sha512-<base64>")
    shasum: str | None = None  # npm's legacy sha1 hex
    size: int | None = None
    yanked: bool = False


@dataclass(frozen=True, slots=True)
class RegistryFacts:
    """What the index says about a package name and about the version that installs.

    The version that installs is the pinned one, or the index's latest when the
    dependency is unpinned; `version_*`, `yanked_reason`, `publisher` and the
    per-version maintainers describe it.
    """

    exists: bool
    index_url: str
    latest_version: str | None = None
    release_count: int = 0
    first_release: datetime | None = None
    last_release: datetime | None = None
    version_released: datetime | None = None  # upload time of the pinned version
    version_exists: bool | None = None  # None when unpinned
    versions: tuple[str, ...] = ()
    release_times: tuple[tuple[str, datetime], ...] = ()  # sorted by time
    yanked_versions: tuple[str, ...] = ()
    yanked_reason: str | None = None  # the pinned version's: None when not yanked, "" when yanked without a reason
    maintainers: tuple[str, ...] = ()  # account names that can publish
    maintainer_source: str = ""  # where `maintainers` comes from; "" when the index does not say
    organization: str | None = None  # PyPI organization owning the project
    emails: tuple[str, ...] = ()  # author / maintainer addresses the index publishes
    repository_url: str | None = None
    metadata_known: bool = False  # the index sent project metadata (PEP 503/691 pages carry none)
    deprecated: str | None = None
    project_status: str | None = None  # PEP 792: "archived", "quarantined", "deprecated"
    project_status_reason: str | None = None
    publisher: str | None = None  # npm: who published the version that installs (``_npmUser``)
    earlier_publishers: tuple[str, ...] = ()  # npm: who published the versions released before it
    version_maintainers: tuple[str, ...] = ()  # npm: that version's own ``maintainers``
    previous_version_maintainers: tuple[str, ...] = ()  # npm: the same, for the release before it
    owners_before: tuple[str, ...] | None = None  # the owner set chainwarden recorded before the current one
    owners_changed_at: datetime | None = None  # when chainwarden first saw the current owner set
    source: str = ""  # "json-api", "simple-json", "simple-html", "npm", "snapshot"
    artifacts: tuple[ArtifactRef, ...] = ()  # the files of the version that installs
    previous_version: str | None = None  # the highest lower version with files (what `changed-behaviour` compares with)
    previous_artifacts: tuple[ArtifactRef, ...] = ()
    version_repository: str | None = None  # npm: the repository URL the installed version's own manifest gives
    license: str | None = None  # the declared licence (an SPDX expression where the index gives one), as the index says
    install_scripts: tuple[str, ...] = ()  # npm: the installed version's install-time scripts (preinstall, install, ...)

    @property
    def owners(self) -> tuple[str, ...]:
        """Who controls publishing: the maintainer accounts, and the organization as ``org:<name>``."""
        return tuple(sorted(self.maintainers)) + ((f"org:{self.organization}",) if self.organization else ())


class DomainStatus(StrEnum):
    RESOLVES = "resolves"  # the registrable domain exists in DNS
    NXDOMAIN = "nxdomain"  # it does not: anyone may register it
    UNKNOWN = "unknown"  # the resolver did not say (timeout, SERVFAIL): could not check


@dataclass(frozen=True, slots=True)
class DomainCheck:
    """What DNS says about the registrable domain of an e-mail address."""

    domain: str  # the registrable domain (Public Suffix List), e.g. "lapsed-domain.test"
    status: DomainStatus
    detail: str = ""  # "SOA found", "NXDOMAIN for SOA and NS", "timeout after 3s"
    checked_at: datetime | None = None
    resolver: str = ""  # "system", "127.0.0.1:5353", "snapshot"


@dataclass(frozen=True, slots=True)
class NameMatch:
    """A popular package name that another name may imitate, and how (enrich.names)."""

    target: str
    transformation: str  # "swap", "homoglyph", "affix", "combosquat", ... (docs/rules/typosquat.md)
    detail: str  # "prefix 'python-' added", "adds 'toolbelt'", ...
    target_downloads: int
    candidate_downloads: int | None  # None: the name itself is not on the popular list


@dataclass(frozen=True, slots=True)
class IndexUse:
    """One index an installer may take packages from, and the statement that makes it do so."""

    ecosystem: Ecosystem
    url: str
    role: str  # "primary", "extra", "supplemental", "explicit", "scope", "lock", "private" (docs/rules/index-config-unsafe.md)
    installer: str  # "pip", "uv", "poetry", "pipenv", "npm", "chainwarden" (a --private-index / policy entry)
    origin: str  # "requirements.txt:2", "PIP_EXTRA_INDEX_URL", "/etc/pip.conf", "pyproject.toml:14"
    location: SourceLocation | None = None  # the line in a project file, when the statement is in one
    name: str = ""  # the index's name in uv / Poetry / Pipenv, or the npm scope it serves


@dataclass(frozen=True, slots=True)
class NamePresence:
    """What one index says about one name: whether it has it, and its versions."""

    index_url: str
    exists: bool
    versions: tuple[str, ...] = ()
    highest: str | None = None  # the highest version (PEP 440 / semver order), pre-releases included
    first_release: datetime | None = None


@dataclass(frozen=True, slots=True)
class PrivateName:
    """A dependency that comes (or should come) from a private index, and what the public index says of its name."""

    name: str
    why: str  # "only on https://pkgs.acme.test/simple", "matches internal-packages 'acme-*'", ...
    private: NamePresence | None  # the private index's answer; None when no private index was asked
    public: NamePresence | None  # None: the public index could not be asked (a Skip says why)


@dataclass(frozen=True, slots=True)
class IndexSetup:
    """Where one project's packages come from (enrich.sources), for the dependency-confusion rules."""

    public_url: str  # the public index, against which private names are checked
    public_origin: str
    primary_url: str = ""  # the index chainwarden asked first (the installer's index URL / default registry)
    uses: tuple[IndexUse, ...] = ()
    settings: tuple[tuple[str, str, str], ...] = ()  # (setting, value, origin), e.g. ("uv index-strategy", "unsafe-best-match", "uv.toml:3")
    pins: Mapping[str, str] = field(default_factory=dict)  # package name -> the index it is pinned to (uv sources, Poetry source=, Pipfile index=)
    private: Mapping[str, PrivateName] = field(default_factory=dict)  # by dependency name
    internal_patterns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Advisory:
    """A vulnerability or malware report that affects a package at the version that installs (enrich.osv).

    Records that name each other in their aliases are one advisory: `id` is the preferred id
    (MAL-, then GHSA-, then PYSEC-, CVE- last) and `aliases` every other id.
    """

    id: str
    aliases: tuple[str, ...] = ()
    summary: str = ""
    malicious: bool = False  # a MAL- id or alias, or a database's malware marker
    severity: Severity | None = None  # from the CVSS vector (or the database's rating); None: the record gives none
    severity_source: str = ""  # "CVSS:3.1/AV:N/... (base score 9.8)", "the database's rating HIGH", ...
    version: str | None = None  # the version it was matched against: the pinned one, else the index's latest
    fixed: tuple[str, ...] = ()  # versions that fix it, above `version`, lowest first
    last_affected: tuple[str, ...] = ()
    ranges: tuple[str, ...] = ()  # the affected ranges as people read them (">=0 <1.4.2")
    published: datetime | None = None
    modified: datetime | None = None
    references: tuple[str, ...] = ()  # URLs, the advisory itself first
    source: str = ""  # where the record came from: the imported source, or the querybatch URL


@dataclass(frozen=True, slots=True)
class AdvisorySource:
    """Advisory data a scan used: an imported source (`chainwarden db update`) or an online service."""

    source: str  # the path or URL imported, or the querybatch URL
    kind: str  # "store" or "querybatch"
    records: int  # records imported from it (store), or records fetched for this scan (querybatch)
    imported_at: datetime | None = None  # when it was imported, or asked (querybatch)


@dataclass(frozen=True, slots=True)
class EnrichedGraph:
    """A graph with what the index says about each of its packages (absent: could not be checked).

    `domains` maps an e-mail host (``dev@mail.lapsed-domain.test`` -> ``mail.lapsed-domain.test``)
    to what DNS says about its registrable domain; a host that was not checked is absent. The facts
    of popular names a dependency may imitate (`names`) are in `facts` under ``PackageId(eco, target)``.
    """

    graph: DependencyGraph
    facts: Mapping[PackageId, RegistryFacts]
    domains: Mapping[str, DomainCheck] = field(default_factory=dict)
    # name -> the popular names it may imitate (enrich.names); absent: no match, or the list was not loaded
    names: Mapping[str, tuple[NameMatch, ...]] = field(default_factory=dict)
    popular_names: str = ""  # which popular-name list was used ("15000 names, <source>, <date>"); "": none
    indexes: IndexSetup | None = None  # where the packages come from; None: not worked out (no second index in play)
    # the advisories that affect each package (by the dependency's PackageId); absent: none, or none loaded
    advisories: Mapping[PackageId, tuple[Advisory, ...]] = field(default_factory=dict)


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
    path: tuple[PackageId, ...] = ()  # from a direct dependency down to `package`; () when unknown


@dataclass(frozen=True, slots=True)
class Verdict:
    """The decision for the run: pass, fail or not checked, and what decided it.

    `passed`: no finding fails the policy. `checked`: the run can count as a check at all; it cannot when
    nothing was found or read, when every lookup of an ecosystem failed, or with --strict when anything
    could not be checked (`reasons` says which). A failing finding wins over "not checked"."""

    passed: bool
    failing: tuple[Finding, ...] = field(default_factory=tuple)
    reasons: tuple[str, ...] = ()
    checked: bool = True

    @property
    def label(self) -> str:
        """"pass", "fail" or "not-checked" (the JSON report's `verdict`; exit codes 0, 1 and 3)."""
        return "fail" if not self.passed else "pass" if self.checked else "not-checked"


@dataclass(frozen=True, slots=True)
class PolicySummary:
    """What the report says about the policy that decided the run."""

    source: str | None
    fail_on: Severity


@dataclass(frozen=True, slots=True)
class RiskContribution:
    """One finding's share of a package's risk points."""

    rule: str
    severity: Severity
    confidence: Confidence
    points: float


@dataclass(frozen=True, slots=True)
class PackageRisk:
    """A package's own risk (its findings) and transitive risk (its own plus all it pulls in)."""

    package: PackageId
    project: str
    own: float
    transitive: float
    contributions: tuple[RiskContribution, ...]


@dataclass(frozen=True, slots=True)
class RiskPath:
    """A path from a direct dependency down to a risky package, with the points along it."""

    project: str
    packages: tuple[PackageId, ...]
    points: float
    known: bool = True  # False: no lockfile edge leads to the package, `packages` is just itself


@dataclass(frozen=True, slots=True)
class Metrics:
    """The health figures every report carries (docs/metrics.md)."""

    as_of: datetime
    packages: int
    direct: int
    dated: int  # packages whose release dates the index gave: the denominators of the shares
    dated_direct: int
    stale_18mo: int  # no release of the package in 18 months
    stale_24mo: int
    stale_18mo_direct: int
    stale_24mo_direct: int
    no_release_1y: int
    single_maintainer: int
    maintainers_known: int  # packages whose maintainers the index gave
    project_risk: float
    risks: tuple[PackageRisk, ...]  # packages with findings or risky descendants, riskiest first
    top_paths: tuple[RiskPath, ...]


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
    metrics: Metrics | None = None
    advisory_data: tuple[AdvisorySource, ...] = ()  # the advisory data the scan matched against; (): none loaded
    ignored_findings: tuple[Finding, ...] = ()  # what the policy's ignores and `ignore` actions took out
