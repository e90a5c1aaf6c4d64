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

import difflib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from chainwarden.analyze import ANALYZERS, OptionValue, by_id
from chainwarden.model import Finding, Severity, Skip, Verdict

__all__ = ["Action", "DnsPolicy", "Policy", "PolicyError", "SourcesPolicy", "decide", "find_policy", "load_policy"]

CONFIG_NAME = "chainwarden.toml"
_KEYS = {"fail-on", "registry-snapshot", "rules", "dns", "sources"}
_SOURCES_KEYS = {"internal-packages", "private-indexes", "private-npm-registries", "public-index", "public-npm-registry"}
_DNS_KEYS = {"canary", "server", "timeout", "cache-ttl", "enabled"}


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
class Policy:
    source: str | None = None
    fail_on: Severity = Severity.HIGH
    rules: dict[str, Action] = field(default_factory=dict)
    options: dict[str, dict[str, OptionValue]] = field(default_factory=dict)  # rule -> option -> value
    registry_snapshot: Path | None = None
    dns: DnsPolicy = field(default_factory=DnsPolicy)
    sources: SourcesPolicy = field(default_factory=SourcesPolicy)

    def action_for(self, finding: Finding) -> Action:
        explicit = self.rules.get(finding.rule)
        if explicit is not None:
            return explicit
        return Action.FAIL if finding.severity.rank >= self.fail_on.rank else Action.WARN


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
            raise err("fail-on", f"expected one of {', '.join(s.value for s in Severity)}, got {table['fail-on']!r}") from None
    snapshot = None
    if "registry-snapshot" in table:
        if not isinstance(table["registry-snapshot"], str) or not table["registry-snapshot"]:
            raise err("registry-snapshot", "expected a directory path string")
        snapshot = (path.parent / table["registry-snapshot"]).resolve()
        if not snapshot.is_dir():
            raise err("registry-snapshot", f"expected a directory, {snapshot} does not exist")
    rules: dict[str, Action] = {}
    options: dict[str, dict[str, OptionValue]] = {}
    raw_rules = table.get("rules", {})
    if not isinstance(raw_rules, dict):
        raise err("rules", "expected a table of [rules.<id>] tables")
    for rule, body in raw_rules.items():
        analyzer = by_id(rule)
        if analyzer is None:
            close = difflib.get_close_matches(rule, [a.info.id for a in ANALYZERS], n=1)
            raise err(f"rules.{rule}", "unknown rule" + (f" (did you mean {close[0]!r}?)" if close else "; `chainwarden explain` lists them"))
        allowed = ["action", *(o.name for o in analyzer.info.options)]
        if not isinstance(body, dict):
            raise err(f"rules.{rule}", f"expected a table with {' / '.join(allowed)}")
        for key, value in body.items():
            if key == "action":
                try:
                    rules[rule] = Action(str(value))
                except ValueError:
                    raise err(f"rules.{rule}.action", f"expected fail, warn or ignore, got {value!r}") from None
            elif key in allowed:
                try:
                    options.setdefault(rule, {})[key] = analyzer.info.option(key).parse(value)
                except ValueError as exc:
                    raise err(f"rules.{rule}.{key}", str(exc)) from None
            else:
                raise err(f"rules.{rule}.{key}", f"unknown key (expected {', '.join(allowed)})")
    return Policy(source=str(path), fail_on=fail_on, rules=rules, options=options, registry_snapshot=snapshot,
                  dns=_dns(table.get("dns", {}), err), sources=_sources(table.get("sources", {}), err))


def _sources(raw: object, err: Callable[[str, str], PolicyError]) -> SourcesPolicy:
    if not isinstance(raw, dict):
        raise err("sources", "expected a [sources] table")
    unknown = sorted(set(raw) - _SOURCES_KEYS)
    if unknown:
        raise err(f"sources.{unknown[0]}", f"unknown key (expected one of {', '.join(sorted(_SOURCES_KEYS))})")

    def strings(key: str, urls: bool) -> tuple[str, ...]:
        v = raw.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
            raise err(f"sources.{key}", f"expected a list of non-empty strings, got {v!r}")
        if urls and (bad := [x for x in v if not x.startswith(("http://", "https://", "file://"))]):
            raise err(f"sources.{key}", f"expected http(s):// or file:// URLs, got {bad[0]!r}")
        return tuple(x.strip() for x in v)

    def url(key: str) -> str | None:
        v = raw.get(key)
        if v is not None and (not isinstance(v, str) or not v.startswith(("http://", "https://", "file://"))):
            raise err(f"sources.{key}", f"expected an http(s):// or file:// URL, got {v!r}")
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
            raise err(f"dns.{key}", f"expected a non-empty string, got {v!r}")
        return v.strip() if isinstance(v, str) else None

    def seconds(key: str) -> float | None:
        v = raw.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or v <= 0):
            raise err(f"dns.{key}", f"expected a number of seconds > 0, got {v!r}")
        return float(v) if v is not None else None

    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise err("dns.enabled", f"expected true or false, got {enabled!r}")
    return DnsPolicy(canary=text("canary"), server=text("server"), timeout=seconds("timeout"),
                     cache_ttl=seconds("cache-ttl"), enabled=enabled)


def load_policy(path: Path) -> Policy:
    """Read a policy from a chainwarden.toml or a pyproject.toml's [tool.chainwarden]."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: could not read the policy file: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: expected valid TOML: {exc}") from exc
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
                if "chainwarden" in tomllib.loads(py.read_text(encoding="utf-8")).get("tool", {}):
                    return py
            except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError, AttributeError):
                pass
        if (d / ".git").exists():
            break
    return None


def decide(findings: list[Finding], skips: list[Skip], policy: Policy, *, strict: bool = False) -> Verdict:
    """Apply the policy: the run fails when any finding's action is `fail`."""
    failing = tuple(f for f in findings if policy.action_for(f) is Action.FAIL)
    reasons = [f"{f.rule} on {f.package} ({f.severity.value}) fails by {'rules.' + f.rule if f.rule in policy.rules else 'fail-on = ' + policy.fail_on.value}" for f in failing]
    if strict and skips:
        reasons.append(f"--strict: {len(skips)} thing(s) could not be checked")
    return Verdict(passed=not failing, failing=failing, reasons=tuple(reasons))
