"""unparseable-code: a Python or JavaScript file that does not parse (a tolerant line scan still runs).

Facts read: `UNPARSEABLE` (`text`: what the front-end says about it). Low.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chainwarden.analyze.code.facts import CodeHit, Fact, Kind
from chainwarden.analyze.code.rules import Context, Rule, hit
from chainwarden.model import Confidence, Severity

RULE = Rule("unparseable-code", "low", "A Python or JavaScript file that does not parse")


def check(facts: Sequence[Fact], ctx: Context) -> Iterable[CodeHit]:
    for f in facts:
        if f.kind is Kind.UNPARSEABLE:
            yield hit(RULE.id, Severity.LOW, Confidence.MEDIUM, f, f.text)
