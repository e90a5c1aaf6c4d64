"""decide: the policy file, and the verdict it gives a run.

The policy lives in ``chainwarden.toml`` or in ``[tool.chainwarden]`` of a
``pyproject.toml``, found in the first scanned directory or its parents (up to
the repository root), or named with ``--config``. Keys (all optional):

```toml
fail-on = "high"              # findings at or above this severity fail the run
registry-snapshot = "registry" # answer registry questions from this directory (relative to the file)

[rules.unpinned-dependency]   # per-rule action: "fail", "warn" or "ignore"
action = "warn"

[rules.dormant]               # and the rule's thresholds (`chainwarden explain <id>` lists them)
after = "3y"

[sources]                     # private and public indexes (dependency confusion)
internal-packages = ["acme-*", "@acme/*"]  # names that are yours: never to come from the public index
private-indexes = ["https://pkgs.acme.test/simple"]
private-npm-registries = ["https://npm.acme.test/"]
public-index = "..."          # what private names are checked against (default: pip's built-in default)
public-npm-registry = "..."   # (default: npm's built-in default)

[[ignore]]                    # a reviewed finding: rule, package (optionally versions), reason, expiry
rule = "single-maintainer"
package = "py-formatter-util"
versions = "<=1.2.1"          # PEP 440 specifier (npm: the same syntax over semver versions); default: all
reason = "reviewed, vendored fork planned"
expires = 2027-03-31          # after this date the ignore stops ignoring and the report says so

[advisories]                  # known-malicious / known-vulnerable: `chainwarden db update` imports OSV records
osv-url = "https://osv.internal.test"  # also ask this OSV-compatible service (<URL>/v1/querybatch)

[approvals]                   # new dependencies need approval (chainwarden review)
required = true
packages = ["requests", "@acme/*"]

[dns]                         # maintainer e-mail domain checks
canary = "example.com"        # must resolve before any NXDOMAIN is believed
server = "192.0.2.53:53"      # a resolver to ask instead of the system's
timeout = 3                   # seconds per domain
cache-ttl = 86400             # seconds a DNS answer is reused
enabled = true
```

Every key and default is in docs/policy.md.

A policy that cannot be read is an unusable invocation (exit 2): chainwarden
never falls back to a weaker policy than the one the user wrote.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from chainwarden._files import FileRefused, read_text
from chainwarden.analyze import ANALYZERS, OptionValue, by_id
from chainwarden.analyze.code import CODE_RULES
from chainwarden.analyze.review import REVIEW_RULES
from chainwarden.decide.serve_policy import ServePolicy, parse_serve
from chainwarden.model import Ecosystem, Finding, Severity, Skip, Verdict, excerpt

__all__ = ["STARTER_POLICY", "Action", "AdvisoriesPolicy", "Approvals", "DnsPolicy", "Ignore", "Policy", "PolicyError", "SourcesPolicy", "decide", "find_policy",
           "load_policy", "rule_ids"]

CONFIG_NAME = "chainwarden.toml"
_KEYS = {"fail-on", "registry-snapshot", "rules", "dns", "sources", "ignore", "approvals", "advisories", "serve"}
_IGNORE_KEYS = {"rule", "package", "versions", "reason", "expires"}
_APPROVAL_KEYS = {"required", "packages"}


def rule_ids() -> list[str]:
    """Every rule a policy may name: the scan analyzers and the code rules (inspect, diff, scan --deep)."""
    return [a.info.id for a in ANALYZERS] + [r for r, _, _ in CODE_RULES] + [r for r, _, _ in REVIEW_RULES]
_SOURCES_KEYS = {"internal-packages", "private-indexes", "private-npm-registries", "public-index", "public-npm-registry"}
_DNS_KEYS = {"canary", "server", "timeout", "cache-ttl", "enabled"}
_ADVISORIES_KEYS = {"osv-url"}


class PolicyError(Exception):
    def diagnostics(self) -> str:
        return str(self)


class Action(StrEnum):
    FAIL = "fail"
    WARN = "warn"
    IGNORE = "ignore"


@dataclass(frozen=True)
class DnsPolicy:
    """The ``[dns]`` table; None means "not set here" (the built-in default or a flag decides)."""

    canary: str | None = None
    server: str | None = None
    timeout: float | None = None
    cache_ttl: float | None = None
    enabled: bool = True


@dataclass(frozen=True)
class SourcesPolicy:
    """``[sources]``: which packages and indexes are private, and which index is the public one."""

    internal_packages: tuple[str, ...] = ()
    private_indexes: tuple[str, ...] = ()
    private_npm_registries: tuple[str, ...] = ()
    public_index: str | None = None
    public_npm_registry: str | None = None


@dataclass(frozen=True)
class AdvisoriesPolicy:
    """``[advisories]``: an OSV-compatible querybatch service asked besides the advisory store."""

    osv_url: str | None = None


@dataclass(frozen=True)
class Ignore:
    """One ``[[ignore]]`` entry: a reviewed finding, with why, and until when."""

    number: int  # 1-based position in the file, as the report names it
    line: int | None
    rule: str  # a rule id or "*"
    package: str  # a name or glob ("@acme/*"); PyPI names compared PEP 503-normalised
    versions: str | None  # a specifier ("<=1.2.1", "==1.2.2"); None: every version
    reason: str
    expires: dt.date | None

    def label(self) -> str:
        what = f"rule {self.rule}, package {self.package}" + (f" {self.versions}" if self.versions else "")
        return f"ignore #{self.number}{f' (line {self.line})' if self.line else ''}: {what}"

    def matches(self, finding: Finding) -> bool:
        if self.rule not in ("*", finding.rule):
            return False
        pkg = finding.package
        name = canonicalize_name(pkg.name) if pkg.ecosystem is Ecosystem.PYPI else pkg.name
        pattern = canonicalize_name(self.package) if pkg.ecosystem is Ecosystem.PYPI and not any(c in self.package for c in "*?[") \
            else self.package
        if not fnmatch.fnmatchcase(name, pattern):
            return False
        if self.versions is None:
            return True
        if pkg.version is None:
            return False
        try:
            return SpecifierSet(self.versions).contains(Version(pkg.version), prereleases=True)
        except (InvalidVersion, ValueError):  # ValueError: a number past Python's digit limit
            return False

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires


@dataclass(frozen=True)
class Approvals:
    """``[approvals]``: with `required`, a dependency a change adds must be listed (chainwarden review)."""

    required: bool = False
    packages: tuple[str, ...] = ()  # names or globs, optionally "name@version"

    def approves(self, name: str, version: str | None, ecosystem: Ecosystem) -> bool:
        norm = canonicalize_name(name) if ecosystem is Ecosystem.PYPI else name
        for entry in self.packages:
            pat, _, pinned = entry.rpartition("@") if "@" in entry.lstrip("@") else (entry, "", "")
            pat = canonicalize_name(pat) if ecosystem is Ecosystem.PYPI and not any(c in pat for c in "*?[") else pat
            if fnmatch.fnmatchcase(norm, pat) and (not pinned or pinned == version):
                return True
        return False


@dataclass(frozen=True)
class Decision:
    """What the policy does with one finding, and which entry of it decided."""

    action: Action
    why: str  # "rules.dormant.action", "rules.dormant.fail-on = medium", "fail-on = high", "ignore #2 (line 14): ..."
    expired: Ignore | None = None  # an ignore that matched but expired: the finding is no longer ignored


@dataclass(frozen=True)
class Policy:
    source: str | None = None
    fail_on: Severity = Severity.HIGH
    rules: dict[str, Action] = field(default_factory=dict)
    options: dict[str, dict[str, OptionValue]] = field(default_factory=dict)  # rule -> option -> value
    registry_snapshot: Path | None = None
    dns: DnsPolicy = field(default_factory=DnsPolicy)
    sources: SourcesPolicy = field(default_factory=SourcesPolicy)
    rule_fail_on: dict[str, Severity] = field(default_factory=dict)  # [rules.<id>] fail-on
    ignores: tuple[Ignore, ...] = ()
    approvals: Approvals = field(default_factory=Approvals)
    advisories: AdvisoriesPolicy = field(default_factory=AdvisoriesPolicy)
    serve: ServePolicy = field(default_factory=ServePolicy)  # [serve]: chainwarden serve (decide.serve_policy)

    def decision(self, finding: Finding, today: dt.date | None = None) -> Decision:
        """The action for a finding and the policy entry that chose it (`chainwarden policy explain`)."""
        expired: Ignore | None = None
        for ig in self.ignores:
            if ig.matches(finding):
                if today is not None and ig.expired(today):
                    expired = expired or ig
                    continue
                return Decision(Action.IGNORE, f"{ig.label()}; reason: {ig.reason}"
                                + (f"; expires {ig.expires.isoformat()}" if ig.expires else ""))
        explicit = self.rules.get(finding.rule)
        if explicit is not None:
            return Decision(explicit, f"rules.{finding.rule}.action = {explicit.value}", expired)
        analyzer = by_id(finding.rule)
        if analyzer is not None and analyzer.info.default_action and finding.rule not in self.rule_fail_on:
            return Decision(Action(analyzer.info.default_action), f"{finding.rule} is off by default "
                            f"(set [rules.{finding.rule}] action to turn it on)", expired)
        threshold = self.rule_fail_on.get(finding.rule)
        if threshold is not None:
            action = Action.FAIL if finding.severity.rank >= threshold.rank else Action.WARN
            return Decision(action, f"rules.{finding.rule}.fail-on = {threshold.value}", expired)
        action = Action.FAIL if finding.severity.rank >= self.fail_on.rank else Action.WARN
        return Decision(action, f"fail-on = {self.fail_on.value}", expired)

    def action_for(self, finding: Finding, today: dt.date | None = None) -> Action:
        return self.decision(finding, today).action


def _line_of_key(text: str, key: str) -> int | None:
    pat = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
    for i, line in enumerate(text.splitlines(), 1):
        if pat.match(line):
            return i
    return None


def _parse(table: dict[str, Any], path: Path, text: str, prefix: str) -> Policy:
    def err(key: str, expected: str) -> PolicyError:
        line = _line_of_key(text, key.split(".")[-1])
        where = f"{path}:{line}" if line else str(path)
        return PolicyError(f"{where}: {prefix}{key}: {expected}")

    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise err(unknown[0], f"unknown key (expected one of {', '.join(sorted(_KEYS))})")
    fail_on = Severity.HIGH
    if "fail-on" in table:
        try:
            fail_on = Severity(str(table["fail-on"]).lower())
        except ValueError:
            raise err("fail-on", f"expected one of {', '.join(s.value for s in Severity)}, got {excerpt(table['fail-on'])}") from None
    snapshot = None
    if "registry-snapshot" in table:
        if not isinstance(table["registry-snapshot"], str) or not table["registry-snapshot"]:
            raise err("registry-snapshot", "expected a directory path string")
        snapshot = Path(os.path.realpath(path.parent / table["registry-snapshot"]))  # a link loop is an error below, not a crash
        if not snapshot.is_dir():
            raise err("registry-snapshot", f"expected a directory, {snapshot} does not exist")
    rules: dict[str, Action] = {}
    options: dict[str, dict[str, OptionValue]] = {}
    raw_rules = table.get("rules", {})
    if not isinstance(raw_rules, dict):
        raise err("rules", "expected a table of [rules.<id>] tables")
    rule_fail_on: dict[str, Severity] = {}
    for rule, body in raw_rules.items():
        analyzer = by_id(rule)
        if analyzer is None and rule not in rule_ids():
            close = difflib.get_close_matches(rule, rule_ids(), n=1)
            raise err(f"rules.{rule}", "unknown rule" + (f" (did you mean {close[0]!r}?)" if close else "; `chainwarden explain` lists them"))
        allowed = ["action", "fail-on", *(o.name for o in analyzer.info.options)] if analyzer else ["action", "fail-on"]
        if not isinstance(body, dict):
            raise err(f"rules.{rule}", f"expected a table with {' / '.join(allowed)}")
        for key, value in body.items():
            if key == "action":
                try:
                    rules[rule] = Action(str(value))
                except ValueError:
                    raise err(f"rules.{rule}.action", f"expected fail, warn or ignore, got {excerpt(value)}") from None
            elif key == "fail-on":
                try:
                    rule_fail_on[rule] = Severity(str(value).lower())
                except ValueError:
                    raise err(f"rules.{rule}.fail-on", f"expected one of {', '.join(s.value for s in Severity)}, got {excerpt(value)}") from None
            elif key in allowed and analyzer is not None:
                try:
                    options.setdefault(rule, {})[key] = analyzer.info.option(key).parse(value)
                except ValueError as exc:
                    raise err(f"rules.{rule}.{key}", str(exc)) from None
            else:
                raise err(f"rules.{rule}.{key}", f"unknown key (expected {', '.join(allowed)})")
    return Policy(source=str(path), fail_on=fail_on, rules=rules, options=options, registry_snapshot=snapshot,
                  dns=_dns(table.get("dns", {}), err), sources=_sources(table.get("sources", {}), err),
                  rule_fail_on=rule_fail_on, ignores=_ignores(table.get("ignore", []), text, path, prefix),
                  approvals=_approvals(table.get("approvals", {}), err),
                  advisories=_advisories(table.get("advisories", {}), err), serve=parse_serve(table.get("serve", {}), err))


def _ignores(raw: object, text: str, path: Path, prefix: str) -> tuple[Ignore, ...]:
    headers = [i for i, line in enumerate(text.splitlines(), 1) if re.match(r"^\s*\[\[\s*(tool\.chainwarden\.)?ignore\s*\]\]", line)]

    def err(n: int, key: str, expected: str) -> PolicyError:
        line = headers[n - 1] if n - 1 < len(headers) else None
        return PolicyError(f"{path}{f':{line}' if line else ''}: {prefix}ignore #{n}{'.' + key if key else ''}: {expected}")

    if not isinstance(raw, list):
        raise PolicyError(f"{path}: {prefix}ignore: expected [[ignore]] tables")
    out = []
    for n, entry in enumerate(raw, 1):
        if not isinstance(entry, dict):
            raise err(n, "", "expected a table with rule, package, reason and expires")
        unknown = sorted(set(entry) - _IGNORE_KEYS)
        if unknown:
            raise err(n, unknown[0], f"unknown key (expected {', '.join(sorted(_IGNORE_KEYS))})")
        rule = entry.get("rule")
        if not isinstance(rule, str) or (rule != "*" and rule not in rule_ids()):
            close = difflib.get_close_matches(str(rule), rule_ids(), n=1)
            raise err(n, "rule", "expected a rule id or \"*\"" + (f" (did you mean {close[0]!r}?)" if close else ""))
        package = entry.get("package")
        if not isinstance(package, str) or not package.strip():
            raise err(n, "package", "expected a package name or glob (\"*\" for every package)")
        versions = entry.get("versions")
        if versions is not None:
            try:
                SpecifierSet(str(versions)).contains("0", prereleases=True)  # parses each version now, not at match time
            except (InvalidSpecifier, ValueError):
                raise err(n, "versions", f"expected a version specifier such as \"<=1.2.1\" or \"==2.0.0\", got {excerpt(versions)}") from None
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise err(n, "reason", "expected a reason: why the finding is accepted (it is printed with every ignored finding)")
        expires = entry.get("expires")
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                raise err(n, "expires", f"expected a date such as 2027-03-31, got {excerpt(expires)}") from None
        if isinstance(expires, dt.datetime):
            expires = expires.date()
        if expires is not None and not isinstance(expires, dt.date):
            raise err(n, "expires", f"expected a date such as 2027-03-31, got {excerpt(expires)}")
        out.append(Ignore(n, headers[n - 1] if n - 1 < len(headers) else None, rule, package.strip(),
                          str(versions) if versions is not None else None, reason.strip(), expires))
    return tuple(out)


def _approvals(raw: object, err: Callable[[str, str], PolicyError]) -> Approvals:
    if not isinstance(raw, dict):
        raise err("approvals", "expected an [approvals] table")
    unknown = sorted(set(raw) - _APPROVAL_KEYS)
    if unknown:
        raise err(f"approvals.{unknown[0]}", f"unknown key (expected one of {', '.join(sorted(_APPROVAL_KEYS))})")
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise err("approvals.required", f"expected true or false, got {excerpt(required)}")
    packages = raw.get("packages", [])
    if not isinstance(packages, list) or not all(isinstance(p, str) and p.strip() for p in packages):
        raise err("approvals.packages", f"expected a list of package names or globs, got {excerpt(packages)}")
    return Approvals(required, tuple(p.strip() for p in packages))


def _advisories(raw: object, err: Callable[[str, str], PolicyError]) -> AdvisoriesPolicy:
    if not isinstance(raw, dict):
        raise err("advisories", "expected an [advisories] table")
    unknown = sorted(set(raw) - _ADVISORIES_KEYS)
    if unknown:
        raise err(f"advisories.{unknown[0]}", f"unknown key (expected one of {', '.join(sorted(_ADVISORIES_KEYS))})")
    url = raw.get("osv-url")
    if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
        raise err("advisories.osv-url", f"expected an http(s):// URL (the service answers at <URL>/v1/querybatch), got {excerpt(url)}")
    return AdvisoriesPolicy(osv_url=url)


def _sources(raw: object, err: Callable[[str, str], PolicyError]) -> SourcesPolicy:
    if not isinstance(raw, dict):
        raise err("sources", "expected a [sources] table")
    unknown = sorted(set(raw) - _SOURCES_KEYS)
    if unknown:
        raise err(f"sources.{unknown[0]}", f"unknown key (expected one of {', '.join(sorted(_SOURCES_KEYS))})")

    def strings(key: str, urls: bool) -> tuple[str, ...]:
        v = raw.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
            raise err(f"sources.{key}", f"expected a list of non-empty strings, got {excerpt(v)}")
        if urls and (bad := [x for x in v if not x.startswith(("http://", "https://", "file://"))]):
            raise err(f"sources.{key}", f"expected http(s):// or file:// URLs, got {excerpt(bad[0])}")
        return tuple(x.strip() for x in v)

    def url(key: str) -> str | None:
        v = raw.get(key)
        if v is not None and (not isinstance(v, str) or not v.startswith(("http://", "https://", "file://"))):
            raise err(f"sources.{key}", f"expected an http(s):// or file:// URL, got {excerpt(v)}")
        return v

    return SourcesPolicy(internal_packages=strings("internal-packages", False), private_indexes=strings("private-indexes", True),
                         private_npm_registries=strings("private-npm-registries", True),
                         public_index=url("public-index"), public_npm_registry=url("public-npm-registry"))


def _dns(raw: object, err: Callable[[str, str], PolicyError]) -> DnsPolicy:
    if not isinstance(raw, dict):
        raise err("dns", "expected a [dns] table")
    unknown = sorted(set(raw) - _DNS_KEYS)
    if unknown:
        raise err(f"dns.{unknown[0]}", f"unknown key (expected one of {', '.join(sorted(_DNS_KEYS))})")

    def text(key: str) -> str | None:
        v = raw.get(key)
        if v is not None and (not isinstance(v, str) or not v.strip()):
            raise err(f"dns.{key}", f"expected a non-empty string, got {excerpt(v)}")
        return v.strip() if isinstance(v, str) else None

    def seconds(key: str) -> float | None:
        v = raw.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or v <= 0):
            raise err(f"dns.{key}", f"expected a number of seconds > 0, got {excerpt(v)}")
        return float(v) if v is not None else None

    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise err("dns.enabled", f"expected true or false, got {excerpt(enabled)}")
    return DnsPolicy(canary=text("canary"), server=text("server"), timeout=seconds("timeout"),
                     cache_ttl=seconds("cache-ttl"), enabled=enabled)


def load_policy(path: Path) -> Policy:
    """Read a policy from a chainwarden.toml or a pyproject.toml's [tool.chainwarden]."""
    try:
        text = read_text(path)  # the safe reader: a FIFO, /dev/zero or a 1 GB file is refused, not read
    except FileRefused as exc:
        raise PolicyError(f"{path}: could not read the policy file: {exc.reason}") from exc
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{path}: could not read the policy file: expected UTF-8 text, found undecodable bytes") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: expected valid TOML: {exc}") from exc
    except ValueError as exc:  # a number with more digits than Python converts
        raise PolicyError(f"{path}: expected valid TOML: a number too long to read") from exc
    except RecursionError as exc:
        raise PolicyError(f"{path}: expected valid TOML: nested too deeply to read") from exc
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        table = tool.get("chainwarden", {}) if isinstance(tool, dict) else {}
        return _parse(table if isinstance(table, dict) else {}, path, text, "tool.chainwarden.")
    return _parse(data, path, text, "")


def find_policy(start: Path) -> Path | None:
    """chainwarden.toml, or a pyproject.toml with [tool.chainwarden], in `start` or above it up to the repository root."""
    here = start.resolve()
    if here.is_file():
        here = here.parent
    for d in [here, *here.parents]:
        if (d / CONFIG_NAME).is_file():
            return d / CONFIG_NAME
        py = d / "pyproject.toml"
        if py.is_file():
            try:
                tool = tomllib.loads(read_text(py)).get("tool")
            except (FileRefused, ValueError, RecursionError):  # TOMLDecodeError, UnicodeDecodeError, huge numbers, nesting
                tool = None
            if isinstance(tool, dict) and "chainwarden" in tool:
                return py
        if (d / ".git").exists():
            break
    return None


def decide(findings: list[Finding], skips: list[Skip], policy: Policy, *, strict: bool = False,
           today: dt.date | None = None, gaps: tuple[str, ...] = ()) -> Verdict:
    """Apply the policy: the run fails when any finding's action is `fail`. An expired ignore that
    would have matched a finding is named in the reasons. `gaps` are what kept the whole run from checking
    anything (nothing found or read, every lookup of an ecosystem failed): with any of them, or with
    `strict` and anything not checked, the run is not checked (exit 3) unless a finding fails it."""
    decisions = [(f, policy.decision(f, today)) for f in findings]
    failing = tuple(f for f, d in decisions if d.action is Action.FAIL)
    reasons = [f"{f.rule} on {f.package} ({f.severity.value}) fails by {d.why}" for f, d in decisions if d.action is Action.FAIL]
    expired = {d.expired for _, d in decisions if d.expired is not None}
    for ig in sorted(expired, key=lambda i: i.number):
        assert ig.expires is not None
        reasons.append(f"{ig.label()} expired on {ig.expires.isoformat()} and no longer ignores (reason given: {ig.reason})")
    reasons += gaps
    if strict and skips:
        reasons.append(f"--strict: {len(skips)} item(s) could not be checked (listed under \"Could not check\")")
    return Verdict(passed=not failing, failing=failing, reasons=tuple(reasons), checked=not gaps and not (strict and skips))


STARTER_POLICY = '''\
# chainwarden policy (docs/policy.md has every key). Every key is optional; the values below are the defaults.

# Findings at or above this severity fail the run (exit 1): info, low, medium, high, critical.
fail-on = "high"

# Answer registry questions from a snapshot folder instead of an index (air-gapped, reproducible runs).
# registry-snapshot = "registry-snapshot"

# Per rule (`chainwarden explain` lists them): action = "fail" | "warn" | "ignore", a severity threshold of
# its own, and the rule's thresholds.
[rules.dormant]
# action = "fail"          # e.g. block any dependency not updated in 3 years, with: after = "3y"
after = "2y"

[rules.dormant-then-released]
gap = "18mo"
recent = "90d"

[rules.new-package]
younger-than = "30d"
min-releases = 2

[rules.owners-changed]
window = "90d"

# Lockfile enforcement: a project without a lockfile, and (stricter) locked packages without hashes.
[rules.lockfile-missing]
# action = "fail"
[rules.hashes-missing]    # off by default
# action = "fail"          # require hashes for every locked package

[rules.unpinned-dependency]
# action = "fail"          # fail when a requirements file has unpinned entries

# A reviewed finding: which rule, which package (and versions), why, and until when. After `expires` the
# ignore stops ignoring and the report names it.
# [[ignore]]
# rule = "single-maintainer"
# package = "py-formatter-util"
# versions = "<=1.2.1"
# reason = "reviewed in SEC-123; replacement planned"
# expires = 2027-03-31

# New dependencies need approval (chainwarden review): a dependency a change adds must be listed here.
[approvals]
required = false
packages = []

# Known-malicious and known-vulnerable packages: `chainwarden db update --source PATH|URL` imports OSV records;
# a scan can also ask an OSV-compatible service (its /v1/querybatch endpoint) about every package.
[advisories]
# osv-url = "https://osv.internal.test"

# Your own package names and private indexes (dependency confusion).
[sources]
internal-packages = []
private-indexes = []
private-npm-registries = []

# The maintainer e-mail domain checks.
[dns]
enabled = true
canary = "example.com"
timeout = 3
cache-ttl = 86400
'''
