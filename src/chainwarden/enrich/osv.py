"""OSV records: read strictly, matched exactly as the OSV schema's evaluation algorithm says.

Pure functions, no I/O: `parse_record` turns one decoded JSON or YAML document into a `Record`
(or raises `OsvError` naming the field and what was expected); `match` says whether a record
affects one package at one version; `severity_of` rates a record from its CVSS vectors;
`merge` folds the records that match one package into `Advisory` values, one per vulnerability
(records that name each other in `aliases` are one vulnerability).

The evaluation follows the schema's pseudocode (docs/decisions/0014-advisories.md):

- a version is affected when it is in an `affected[].versions` list, or in any range;
- a range applies only below one of its `limit` events (none: no limit; ``"*"`` is infinity);
- inside the limits, the events sorted by version are walked: `introduced` at or below the
  version makes it vulnerable, `fixed` at or below it makes it not, `last_affected` below it
  makes it not; ``introduced: "0"`` sorts before every version;
- `ECOSYSTEM` ranges order versions by the ecosystem's rules (PEP 440 for PyPI, semver
  precedence for npm), `SEMVER` ranges by SemVer 2.0 precedence; `GIT` ranges need the
  repository's commit graph and are not evaluated (the schema requires a `versions` list
  beside them);
- a record with `withdrawn` set is not matched at all.

A version or bound that cannot be ordered raises `Undecidable`: the caller reports it as a
Skip, never as "not affected".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import total_ordering
from typing import Any

import semver
from packaging.version import Version

from chainwarden.model import Advisory, Ecosystem, Severity, excerpt, normalize_name

__all__ = [
    "OSV_ECOSYSTEM",
    "Affected",
    "Event",
    "Match",
    "OsvError",
    "Range",
    "Record",
    "Undecidable",
    "as_match",
    "match",
    "merge",
    "parse_record",
    "severity_of",
]

OSV_ECOSYSTEM: Mapping[Ecosystem, str] = {Ecosystem.PYPI: "PyPI", Ecosystem.NPM: "npm"}
_BY_OSV_NAME = {v: k for k, v in OSV_ECOSYSTEM.items()}
EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")
RANGE_TYPES = ("SEMVER", "ECOSYSTEM", "GIT")
MALWARE_CWE = "CWE-506"  # Embedded Malicious Code


class OsvError(Exception):
    """A record that does not follow the OSV schema: where, and what was expected."""

    def __init__(self, origin: str, message: str) -> None:
        super().__init__(f"{origin}: {message}")
        self.origin = origin
        self.message = message


class Undecidable(Exception):
    """A version or a range bound that cannot be ordered by the range's rules."""


@dataclass(frozen=True, slots=True)
class Event:
    kind: str  # "introduced", "fixed", "last_affected", "limit"
    version: str


@dataclass(frozen=True, slots=True)
class Range:
    type: str  # "SEMVER", "ECOSYSTEM", "GIT"
    events: tuple[Event, ...]

    def describe(self) -> str:
        """``introduced 0, fixed 1.4.2`` as a person reads it: ``>=0 <1.4.2``."""
        signs = {"introduced": ">=", "fixed": "<", "last_affected": "<=", "limit": "limit <"}
        return " ".join(f"{signs[e.kind]}{e.version}" for e in self.events) + ("" if self.type == "ECOSYSTEM" else f" ({self.type})")


@dataclass(frozen=True, slots=True)
class Affected:
    ecosystem: str  # as the record writes it: "PyPI", "npm", "Go", ...
    name: str  # PEP 503-normalised for PyPI, as written otherwise
    versions: tuple[str, ...] = ()
    ranges: tuple[Range, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()  # (type, score) given for this package only
    malware: bool = False  # this entry's database_specific marks the package as malware


@dataclass(frozen=True, slots=True)
class Record:
    id: str
    modified: dt.datetime
    published: dt.datetime | None = None
    withdrawn: dt.datetime | None = None
    aliases: tuple[str, ...] = ()
    summary: str = ""
    details: str = ""
    severity: tuple[tuple[str, str], ...] = ()
    affected: tuple[Affected, ...] = ()
    references: tuple[tuple[str, str], ...] = ()  # (type, url)
    malware: bool = False  # the record's database_specific marks it as malware
    database_severity: str | None = None  # database_specific.severity (GitHub: LOW, MODERATE, HIGH, CRITICAL)

    @property
    def malicious(self) -> bool:
        """A malware report rather than a vulnerability: a ``MAL-`` id or alias, or a database marker."""
        return self.malware or any(a.malware for a in self.affected) or any(
            i.upper().startswith("MAL-") for i in (self.id, *self.aliases))

    def packages(self) -> set[tuple[Ecosystem, str]]:
        """The PyPI and npm packages this record names (other ecosystems are not ours)."""
        return {(_BY_OSV_NAME[a.ecosystem], a.name) for a in self.affected if a.ecosystem in _BY_OSV_NAME}


# ------------------------------------------------------------------------------------------ reading


def _time(value: object, origin: str, field: str, *, required: bool = False) -> dt.datetime | None:
    if value is None and not required:
        return None
    if isinstance(value, dt.datetime):  # YAML loaders may have decoded it already
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip().replace("z", "Z"))
        except ValueError:
            pass
        else:
            return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    raise OsvError(origin, f"{field}: expected an RFC 3339 time such as \"2026-11-20T10:00:00Z\", got {value!r}")


def _string(value: object, origin: str, field: str, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise OsvError(origin, f"{field}: expected {'a non-empty' if required else 'a'} string, got {value!r}")
    return value


def _strings(value: object, origin: str, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise OsvError(origin, f"{field}: expected a list of strings, got {value!r}")
    return tuple(value)


def _object(value: object, origin: str, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise OsvError(origin, f"{field}: expected an object, got {value!r}")
    return value


def _list(value: object, origin: str, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise OsvError(origin, f"{field}: expected a list, got {value!r}")
    return value


def _severity_list(value: object, origin: str, field: str) -> tuple[tuple[str, str], ...]:
    out = []
    for i, item in enumerate(_list(value, origin, field)):
        entry = _object(item, origin, f"{field}[{i}]")
        out.append((_string(entry.get("type"), origin, f"{field}[{i}].type", required=True),
                    _string(entry.get("score"), origin, f"{field}[{i}].score", required=True)))
    return tuple(out)


def _malware_marker(database_specific: Mapping[str, Any]) -> bool:
    """The markers databases put in `database_specific` for malware (docs/rules/known-malicious.md)."""
    if "malicious-packages-origins" in database_specific:  # the OpenSSF malicious-packages database
        return True
    cwes = database_specific.get("cwe_ids")  # GitHub's advisories: CWE-506 Embedded Malicious Code
    if isinstance(cwes, list) and MALWARE_CWE in cwes:
        return True
    kind = database_specific.get("type")
    return isinstance(kind, str) and kind.lower() in ("malware", "malicious")


def _range(item: object, origin: str, field: str) -> Range:
    body = _object(item, origin, field)
    kind = body.get("type")
    if kind not in RANGE_TYPES:
        raise OsvError(origin, f"{field}.type: expected one of {', '.join(RANGE_TYPES)}, got {kind!r}")
    raw_events = _list(body.get("events"), origin, f"{field}.events")
    if not raw_events:
        raise OsvError(origin, f"{field}.events: expected at least one event")
    events: list[Event] = []
    for j, raw in enumerate(raw_events):
        where = f"{field}.events[{j}]"
        ev = _object(raw, origin, where)
        keys = [k for k in ev if k in EVENT_KINDS]
        if len(keys) != 1 or len(ev) != 1:
            raise OsvError(origin, f"{where}: expected exactly one of {', '.join(EVENT_KINDS)}, got {sorted(ev)!r}")
        events.append(Event(keys[0], _string(ev[keys[0]], origin, f"{where}.{keys[0]}", required=True).strip()))
    kinds = {e.kind for e in events}
    if "introduced" not in kinds:
        raise OsvError(origin, f"{field}.events: expected at least one \"introduced\" event")
    if {"fixed", "last_affected"} <= kinds:
        raise OsvError(origin, f"{field}.events: expected \"fixed\" or \"last_affected\" events, not both (OSV schema)")
    return Range(str(kind), tuple(events))


def parse_record(data: object, origin: str) -> Record:
    """One OSV record from its decoded JSON (or YAML) document; `origin` names it in messages."""
    if not isinstance(data, dict):
        raise OsvError(origin, f"expected an OSV record (a JSON object with \"id\" and \"modified\"), got {type(data).__name__}")
    record_id = _string(data.get("id"), origin, "id", required=True).strip()
    origin = f"{origin} ({record_id})" if record_id not in origin else origin
    modified = _time(data.get("modified"), origin, "modified", required=True)
    assert modified is not None
    database_specific = _object(data.get("database_specific"), origin, "database_specific")
    affected: list[Affected] = []
    for i, item in enumerate(_list(data.get("affected"), origin, "affected")):
        field = f"affected[{i}]"
        entry = _object(item, origin, field)
        ranges = tuple(_range(r, origin, f"{field}.ranges[{k}]") for k, r in enumerate(_list(entry.get("ranges"), origin, f"{field}.ranges")))
        versions = tuple(v.strip() for v in _strings(entry.get("versions"), origin, f"{field}.versions"))
        severity = _severity_list(entry.get("severity"), origin, f"{field}.severity")
        malware = _malware_marker(_object(entry.get("database_specific"), origin, f"{field}.database_specific"))
        _object(entry.get("ecosystem_specific"), origin, f"{field}.ecosystem_specific")
        if entry.get("package") is None:  # allowed for GIT-only entries; nothing of ours to match
            continue
        package = _object(entry.get("package"), origin, f"{field}.package")
        eco = _string(package.get("ecosystem"), origin, f"{field}.package.ecosystem", required=True).strip()
        name = _string(package.get("name"), origin, f"{field}.package.name", required=True).strip()
        if eco in _BY_OSV_NAME:
            name = normalize_name(_BY_OSV_NAME[eco], name)
        affected.append(Affected(eco, name, versions, ranges, severity, malware))
    references = []
    for i, item in enumerate(_list(data.get("references"), origin, "references")):
        ref = _object(item, origin, f"references[{i}]")
        references.append((_string(ref.get("type"), origin, f"references[{i}].type"),
                           _string(ref.get("url"), origin, f"references[{i}].url", required=True)))
    db_severity = database_specific.get("severity")
    return Record(
        id=record_id,
        modified=modified,
        published=_time(data.get("published"), origin, "published"),
        withdrawn=_time(data.get("withdrawn"), origin, "withdrawn"),
        aliases=tuple(a.strip() for a in _strings(data.get("aliases"), origin, "aliases") if a.strip() and a.strip() != record_id),
        summary=_string(data.get("summary"), origin, "summary").strip(),
        details=_string(data.get("details"), origin, "details"),
        severity=_severity_list(data.get("severity"), origin, "severity"),
        affected=tuple(affected),
        references=tuple(references),
        malware=_malware_marker(database_specific),
        database_severity=db_severity if isinstance(db_severity, str) and db_severity.strip() else None,
    )


# ------------------------------------------------------------------------------------------ ordering


@total_ordering
class _Key:
    """A position on a range's version line: before everything (``introduced: "0"``), a version, or infinity."""

    __slots__ = ("tier", "value")

    def __init__(self, tier: int, value: Any = None) -> None:
        self.tier = tier  # 0: below every version, 1: a version, 2: infinity
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Key) and self.tier == other.tier and (self.tier != 1 or bool(self.value == other.value))

    def __lt__(self, other: _Key) -> bool:
        if self.tier != other.tier:
            return self.tier < other.tier
        return self.tier == 1 and bool(self.value < other.value)

    def __hash__(self) -> int:
        return hash((self.tier, self.value))


def _clean_npm(version: str) -> str:
    """npm writes versions as semver; like node-semver, tolerate a leading ``v`` or ``=`` and spaces."""
    return version.strip().lstrip("=v").strip()


def _semver(version: str, *, npm: bool) -> semver.Version:
    text = _clean_npm(version) if npm else version.strip()
    try:
        return semver.Version.parse(text)
    except (ValueError, TypeError):
        raise Undecidable(f"{excerpt(version, 80)} is not a semantic version") from None


def _pep440(version: str) -> Version:
    try:
        return Version(version)
    except ValueError:  # InvalidVersion, or a number past the interpreter's integer digit limit
        raise Undecidable(f"{excerpt(version, 80)} is not a PEP 440 version") from None


def _parser(range_type: str, ecosystem: Ecosystem) -> Any:
    if range_type == "SEMVER":
        return lambda v: _semver(v, npm=ecosystem is Ecosystem.NPM)
    if ecosystem is Ecosystem.PYPI:
        return _pep440
    return lambda v: _semver(v, npm=True)


def _bound(event: Event, parse: Any) -> _Key:
    if event.kind == "introduced" and event.version == "0":
        return _Key(0)
    if event.kind == "limit" and "*" in event.version:
        return _Key(2)
    return _Key(1, parse(event.version))


def in_range(rng: Range, ecosystem: Ecosystem, version: str) -> bool:
    """The schema's IncludedInRanges for one range (BeforeLimits, then the sorted event walk)."""
    if rng.type == "GIT":
        return False  # needs the repository's commit graph; the `versions` list covers these
    parse = _parser(rng.type, ecosystem)
    v = _Key(1, parse(version))
    bounds = [(_bound(e, parse), e) for e in rng.events]
    limits = [b for b, e in bounds if e.kind == "limit"]
    if limits and not any(v < b for b in limits):
        return False
    vulnerable = False
    for b, e in sorted(bounds, key=lambda be: be[0]):  # stable: events at one version keep the record's order
        if e.kind == "introduced" and v >= b:
            vulnerable = True
        elif e.kind == "fixed" and v >= b:  # noqa: SIM114 -- kept apart, line for line as the schema's pseudocode
            vulnerable = False
        elif e.kind == "last_affected" and v > b:
            vulnerable = False
    return vulnerable


def _same_version(a: str, b: str, ecosystem: Ecosystem) -> bool:
    if ecosystem is Ecosystem.PYPI:
        try:
            return Version(a) == Version(b)
        except ValueError:  # InvalidVersion, or past the integer digit limit
            return a.strip().lower() == b.strip().lower()
    return _clean_npm(a) == _clean_npm(b)


def _every_version(rng: Range) -> bool:
    """A range that covers every version whatever it is: only ``introduced: "0"`` events."""
    return rng.type != "GIT" and all(e.kind == "introduced" and e.version == "0" for e in rng.events)


# ------------------------------------------------------------------------------------------ matching


@dataclass(frozen=True, slots=True)
class Match:
    """A record that affects a package at a version, with what the matching entries say."""

    record: Record
    version: str | None
    fixed: tuple[str, ...]  # `fixed` versions above the version checked, lowest first (all of them when it is unknown)
    last_affected: tuple[str, ...]
    ranges: tuple[str, ...]  # the matching entries' ranges and listed versions, as people read them
    severity: tuple[tuple[str, str], ...]  # the entries' own severity, else the record's


def _ordered(version: str, ecosystem: Ecosystem) -> Any:
    """The ecosystem's own order (raises Undecidable)."""
    return _pep440(version) if ecosystem is Ecosystem.PYPI else _semver(version, npm=True)


def _sort_versions(versions: Iterable[str], ecosystem: Ecosystem) -> list[str]:
    def key(v: str) -> tuple[int, Any]:
        try:
            return (1, _ordered(v, ecosystem))
        except Undecidable:
            return (0, v)

    return sorted(set(versions), key=key)


def _above(candidates: Iterable[str], version: str | None, ecosystem: Ecosystem) -> tuple[str, ...]:
    """The candidates above `version` (all of them when it is unknown or cannot be ordered), lowest first."""
    out = []
    for f in _sort_versions(candidates, ecosystem):
        try:
            if version is None or _ordered(f, ecosystem) > _ordered(version, ecosystem):
                out.append(f)
        except Undecidable:
            out.append(f)
    return tuple(out)


def match(record: Record, ecosystem: Ecosystem, name: str, version: str | None) -> Match | None:
    """The schema's IsVulnerable for one package (`name` normalised) at `version`.

    `version` None: the version that installs is unknown, so only an entry that covers every
    version matches. Returns None when the record does not affect it (or is withdrawn); raises
    `Undecidable` when an entry names the package but its ranges could not be evaluated and
    nothing else in the record says the version is affected."""
    if record.withdrawn is not None:
        return None
    entries = [a for a in record.affected if a.ecosystem == OSV_ECOSYSTEM[ecosystem] and a.name == name]
    if not entries:
        return None
    hits: list[Affected] = []
    problems: list[str] = []
    for entry in entries:
        if version is None:
            if any(_every_version(r) for r in entry.ranges):
                hits.append(entry)
            elif entry.ranges or entry.versions:
                problems.append("the version that installs is not known (unpinned, and the index named no latest)")
            continue
        if any(_same_version(version, v, ecosystem) for v in entry.versions):
            hits.append(entry)
            continue
        for rng in entry.ranges:
            try:
                if in_range(rng, ecosystem, version):
                    hits.append(entry)
                    break
            except Undecidable as exc:
                problems.append(f"range {rng.describe()}: {exc}")
    if not hits:
        if problems:
            raise Undecidable("; ".join(dict.fromkeys(problems)))
        return None
    return _described(record, hits, ecosystem, version)


def as_match(record: Record, ecosystem: Ecosystem, name: str, version: str | None) -> Match:
    """A record someone else matched (an OSV service's querybatch), described the way `match` does:
    its ranges, fixes and severity for this package."""
    entries = [a for a in record.affected if a.ecosystem == OSV_ECOSYSTEM[ecosystem] and a.name == name]
    return _described(record, entries, ecosystem, version)


def _described(record: Record, hits: list[Affected], ecosystem: Ecosystem, version: str | None) -> Match:
    fixed = [e.version for a in hits for r in a.ranges if r.type != "GIT" for e in r.events if e.kind == "fixed"]
    last = [e.version for a in hits for r in a.ranges if r.type != "GIT" for e in r.events if e.kind == "last_affected"]
    described = [r.describe() for a in hits for r in a.ranges if r.type != "GIT"]
    if not described:
        described = [f"versions {', '.join(a.versions[:8])}" + (" ..." if len(a.versions) > 8 else "") for a in hits if a.versions]
    severity = next((a.severity for a in hits if a.severity), record.severity)
    return Match(record, version, _above(fixed, version, ecosystem), tuple(_sort_versions(last, ecosystem)),
                 tuple(dict.fromkeys(described)), severity)


# ------------------------------------------------------------------------------------------ severity

_CVSS_BANDS = ((9.0, Severity.CRITICAL), (7.0, Severity.HIGH), (4.0, Severity.MEDIUM), (0.1, Severity.LOW), (0.0, Severity.INFO))
_NAMED = {"none": Severity.INFO, "negligible": Severity.INFO, "low": Severity.LOW, "moderate": Severity.MEDIUM,
          "medium": Severity.MEDIUM, "high": Severity.HIGH, "important": Severity.HIGH, "critical": Severity.CRITICAL}
_CVSS_PREFERENCE = ("CVSS_V3", "CVSS_V4", "CVSS_V2")


def _band(score: float) -> Severity:
    return next(sev for floor, sev in _CVSS_BANDS if score >= floor)


def _cvss(kind: str, vector: str) -> tuple[Severity, float]:
    """Base severity and score of one CVSS vector (ValueError when it cannot be read)."""
    # cvss ships no type information (no py.typed); its classes are used through this function only.
    from cvss import CVSS2, CVSS3, CVSS4  # type: ignore[import-untyped]
    from cvss.exceptions import CVSSError  # type: ignore[import-untyped]

    try:
        if kind == "CVSS_V3":
            c3 = CVSS3(vector)
            return _NAMED[str(c3.severities()[0]).lower()], float(c3.base_score)
        if kind == "CVSS_V4":
            c4 = CVSS4(vector)
            return _NAMED[str(c4.severity).lower()], float(c4.base_score)
        score = float(CVSS2(vector).scores()[0])
        # CVSS v2 defines no qualitative bands; NVD's are low < 4.0 <= medium < 7.0 <= high.
        return (Severity.HIGH if score >= 7.0 else Severity.MEDIUM if score >= 4.0 else Severity.LOW), score
    except (CVSSError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise ValueError(f"{kind} vector {vector!r} could not be read: {exc}") from None


def severity_of(entries: tuple[tuple[str, str], ...], database_severity: str | None = None) -> tuple[Severity | None, str]:
    """The severity a record gives, and where it comes from: the CVSS v3.x base severity when there
    is a v3 vector, else v4, else v2 (NVD's bands); else the database's own rating; else None."""
    problems: list[str] = []
    for kind in _CVSS_PREFERENCE:
        for t, vector in entries:
            if t != kind:
                continue
            try:
                sev, score = _cvss(kind, vector.strip())
            except ValueError as exc:
                problems.append(str(exc))
                continue
            return sev, f"{vector.strip()} (base score {score:g})"
    for t, value in entries:
        if t.lower() == "ubuntu" and value.strip().lower() in _NAMED:
            return _NAMED[value.strip().lower()], f"Ubuntu priority {value.strip()}"
    if database_severity and database_severity.strip().lower() in _NAMED:
        return _NAMED[database_severity.strip().lower()], f"the database's rating {database_severity.strip()}"
    return None, "; ".join(problems) or "the record gives no severity"


# ------------------------------------------------------------------------------------------ merging

_ID_RANK = ("MAL-", "GHSA-", "PYSEC-")


def _id_rank(advisory_id: str, own: set[str]) -> tuple[int, int, str]:
    prefix = next((i for i, p in enumerate(_ID_RANK) if advisory_id.upper().startswith(p)), len(_ID_RANK))
    if advisory_id.upper().startswith("CVE-"):
        prefix = len(_ID_RANK) + 1
    return (0 if advisory_id in own else 1, prefix, advisory_id)


def merge(matches: Iterable[Match], ecosystem: Ecosystem, sources: Mapping[str, str] | None = None) -> list[Advisory]:
    """One `Advisory` per vulnerability: matches whose ids and aliases meet are one (union-find)."""
    items = list(matches)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for m in items:
        for alias in m.record.aliases:
            parent[find(alias)] = find(m.record.id)
        find(m.record.id)
    groups: dict[str, list[Match]] = {}
    for m in items:
        groups.setdefault(find(m.record.id), []).append(m)
    out: list[Advisory] = []
    for group in groups.values():
        own = {m.record.id for m in group}
        ids = own | {a for m in group for a in m.record.aliases}
        primary = min(ids, key=lambda i: _id_rank(i, own))
        head = next((m for m in group if m.record.id == primary), group[0])
        rated = [(severity_of(m.severity, m.record.database_severity), m) for m in group]
        known = [(s, why) for (s, why), _ in rated if s is not None]
        severity, why = max(known, key=lambda sw: sw[0].rank) if known else (None, rated[0][0][1])
        refs = sorted({(t, u) for m in group for t, u in m.record.references}, key=lambda tu: (tu[0] != "ADVISORY", tu[1]))
        published = [m.record.published for m in group if m.record.published]
        out.append(Advisory(
            id=primary,
            aliases=tuple(sorted(ids - {primary})),
            summary=head.record.summary or next((m.record.summary for m in group if m.record.summary), ""),
            malicious=any(m.record.malicious for m in group),
            severity=severity,
            severity_source=why,
            version=head.version,
            fixed=tuple(_sort_versions({f for m in group for f in m.fixed}, ecosystem)),
            last_affected=tuple(_sort_versions({v for m in group for v in m.last_affected}, ecosystem)),
            ranges=tuple(dict.fromkeys(r for m in group for r in m.ranges)),
            published=min(published) if published else None,
            modified=max(m.record.modified for m in group),
            references=tuple(u for _, u in refs[:5]),
            source=", ".join(sorted({(sources or {}).get(m.record.id, "") for m in group} - {""})),
        ))
    out.sort(key=lambda a: (not a.malicious, -(a.severity.rank if a.severity else -1), a.id))
    return out
