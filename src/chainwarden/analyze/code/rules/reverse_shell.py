"""reverse-shell: a shell on a network socket (``socket`` + ``os.dup2`` + a shell; ``/dev/tcp``; ``nc -e``; a
shell process piped to a socket).

Facts read: `SHELL_SOCKET` (`text` says how).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chainwarden.analyze.code.facts import CodeHit, Fact, Kind
from chainwarden.analyze.code.rules import Context, Rule, hit
from chainwarden.model import Confidence, Severity

RULE = Rule("reverse-shell", "critical", "A shell on a network socket")


def check(facts: Sequence[Fact], ctx: Context) -> Iterable[CodeHit]:
    for f in facts:
        if f.kind is Kind.SHELL_SOCKET:
            yield hit(RULE.id, Severity.CRITICAL, Confidence.HIGH, f, f.text)
