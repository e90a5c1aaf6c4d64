"""The code rules: one module per rule, each reading the facts the language front-ends produce.

A rule module has ``RULE`` (its id, highest severity and title: the SARIF rule id, the key users
write in ignores and ``docs/rules/<id>.md``) and ``check(facts, ctx)``, which yields the findings
(`CodeHit`) the rule makes of one file's facts. Rules never see a syntax tree, so each is written
once for Python, JavaScript and command lines alike; `evaluate` runs them all, in `RULES` order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType

from chainwarden.analyze.code.facts import CodeHit, Fact
from chainwarden.model import Confidence, Severity


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str  # the highest severity it reports
    title: str


@dataclass(frozen=True)
class Context:
    """What a rule may know about the file beyond its facts."""

    path: str
    lang: str = "python"
    setup: bool = False  # a setup.py: its module level runs at install time
    loaded: bool = True  # the file runs when the package is imported or installed (an __init__.py, a setup.py)


Check = Callable[[Sequence[Fact], Context], Iterable[CodeHit]]


def _modules() -> list[ModuleType]:
    from chainwarden.analyze.code.rules import (
        credential_file_access,
        dns_exfiltration,
        download_and_execute,
        dynamic_code_execution,
        host_beacon,
        install_time_code,
        obfuscated_code,
        persistence,
        raw_ip_network,
        reverse_shell,
        secret_exfiltration,
        self_publishing,
        unparseable_code,
        webhook_exfiltration,
    )

    return [secret_exfiltration, dns_exfiltration, dynamic_code_execution, download_and_execute, obfuscated_code,
            install_time_code, credential_file_access, persistence, webhook_exfiltration, reverse_shell,
            self_publishing, raw_ip_network, host_beacon, unparseable_code]


_CHECKS: list[tuple[Rule, Check]] = []


def rules() -> list[tuple[Rule, Check]]:
    if not _CHECKS:
        _CHECKS.extend((m.RULE, m.check) for m in _modules())
    return _CHECKS


def evaluate(facts: Sequence[Fact], ctx: Context) -> list[CodeHit]:
    """Every rule's findings on one file's facts."""
    if not facts:
        return []
    out: list[CodeHit] = []
    for _, check in rules():
        out.extend(check(facts, ctx))
    return out


def hit(rule: str, severity: Severity, confidence: Confidence, fact: Fact, message: str) -> CodeHit:
    """A finding at the fact's place (its line, snippet and decoding chain), the fact's `note` appended."""
    return CodeHit(rule, severity, confidence, fact.line, message + fact.note, fact.snippet, fact.chain)


def of(facts: Iterable[Fact], *kinds: str) -> Iterable[Fact]:
    return (f for f in facts if f.kind in kinds)
