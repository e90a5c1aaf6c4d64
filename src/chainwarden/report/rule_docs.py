"""Every rule chainwarden can report, with its page (docs/rules/<id>.md, shipped as chainwarden/rules/).

The analyzers (`chainwarden.analyze.ANALYZERS`), the code rules (`chainwarden.analyze.code.CODE_RULES`) and the
rules of `chainwarden review` (`chainwarden.analyze.review.REVIEW_RULES`) are one catalogue here, for the reports that describe rules (SARIF) and for `chainwarden explain`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from chainwarden.analyze import ANALYZERS
from chainwarden.analyze.code import CODE_RULES
from chainwarden.analyze.review import REVIEW_RULES
from chainwarden.model import Confidence, Severity

__all__ = ["Rule", "catalogue", "rule_doc"]


def rule_doc(rule: str) -> str | None:
    """The rule's page as shipped in the package, or None when it has none."""
    try:
        return resources.files("chainwarden").joinpath("rules", f"{rule}.md").read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, OSError):
        return None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    summary: str
    severity: Severity
    confidence: Confidence
    stage: str  # the REFLEX stage it serves


@lru_cache(maxsize=1)
def catalogue() -> tuple[Rule, ...]:
    rules = [Rule(a.info.id, a.info.title, a.info.summary, a.info.severity, a.info.confidence, a.info.reflex.value)
             for a in ANALYZERS]
    seen = {r.id for r in rules}
    for table, stage in ((CODE_RULES, "fortify"), (REVIEW_RULES, "evaluation")):
        rules += [Rule(rid, title, _detects(rule_doc(rid)) or title, Severity(severity), Confidence.MEDIUM, stage)
                  for rid, severity, title in table if rid not in seen]
        seen |= {rid for rid, _, _ in table}
    return tuple(rules)


def _detects(doc: str | None) -> str:
    """The first paragraph under "What it detects" of a rule page, on one line."""
    if not doc or "## What it detects" not in doc:
        return ""
    body = doc.split("## What it detects", 1)[1].lstrip("\n")
    return " ".join(body.split("\n\n", 1)[0].split())
