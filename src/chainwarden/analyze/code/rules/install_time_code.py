"""install-time-code: code that runs at install, import or interpreter start-up.

Facts read: `HOOK` (a ``setup.py`` command override that reaches the network, a process or code
execution; a ``.pth`` line that runs such code at every start-up: critical; `text` says what it
runs), `LOAD_EFFECT` (network access when the file is loaded: high; process or DNS access: medium;
`text` says when).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chainwarden.analyze.code.facts import CodeHit, Fact, Kind
from chainwarden.analyze.code.rules import Context, Rule, hit
from chainwarden.model import Confidence, Severity

RULE = Rule("install-time-code", "critical", "Code that runs at install, import or interpreter start-up")


def check(facts: Sequence[Fact], ctx: Context) -> Iterable[CodeHit]:
    for f in facts:
        if f.kind is Kind.HOOK:
            yield hit(RULE.id, Severity.CRITICAL, Confidence.HIGH, f, f.text)
        elif f.kind is Kind.LOAD_EFFECT and ("if-loaded" not in f.flags or ctx.loaded):
            yield hit(RULE.id, Severity.HIGH if f.api == "network" else Severity.MEDIUM, Confidence.HIGH, f,
                      f"{f.api} access {f.text}, before any function is called")
