"""decide: the policy file, and the verdict it gives a run.

The policy lives in ``chainwarden.toml`` or in ``[tool.chainwarden]`` of a
``pyproject.toml``, found in the first scanned directory or its parents (up to
the repository root), or named with ``--config``. Keys (all optional):

```toml
fail-on = "high"              # findings at or above this severity fail the run
registry-snapshot = "registry" # answer registry questions from this directory (relative to the file)

[rules.unpinned-dependency]   # per-rule action: "fail", "warn" or "ignore"
action = "warn"
```

A policy that cannot be read is an unusable invocation (exit 2): chainwarden
never falls back to a weaker policy than the one the user wrote.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from chainwarden.model import Finding, Severity, Skip, Verdict

__all__ = ["Action", "Policy", "PolicyError", "decide", "find_policy", "load_policy"]

CONFIG_NAME = "chainwarden.toml"
_KEYS = {"fail-on", "registry-snapshot", "rules"}


class PolicyError(Exception):
    def diagnostics(self) -> str:
        return str(self)


class Action(StrEnum):
    FAIL = "fail"
    WARN = "warn"
    IGNORE = "ignore"


@dataclass(frozen=True)
class Policy:
    source: str | None = None
    fail_on: Severity = Severity.HIGH
    rules: dict[str, Action] = field(default_factory=dict)
    registry_snapshot: Path | None = None

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
    raw_rules = table.get("rules", {})
    if not isinstance(raw_rules, dict):
        raise err("rules", "expected a table of [rules.<id>] tables")
    for rule, body in raw_rules.items():
        if not isinstance(body, dict) or "action" not in body:
            raise err(f"rules.{rule}", "expected a table with action = \"fail\" | \"warn\" | \"ignore\"")
        try:
            rules[rule] = Action(str(body["action"]))
        except ValueError:
            raise err(f"rules.{rule}.action", f"expected fail, warn or ignore, got {body['action']!r}") from None
    return Policy(source=str(path), fail_on=fail_on, rules=rules, registry_snapshot=snapshot)


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
