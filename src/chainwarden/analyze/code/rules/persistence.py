"""persistence: writes to places that run code later (cron, shell rc files, systemd user units, autostart,
Run keys, launch agents).

Facts read: `WRITE` to a path the front-end matched against the persistence locations (`persistence`):
critical at install or load time, medium inside a function; command lines that touch such a place
(`command`): high (Python) / critical at module level (JavaScript), medium confidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chainwarden.analyze.code.facts import CodeHit, Fact, Kind, Reach
from chainwarden.analyze.code.rules import Context, Rule, hit
from chainwarden.model import Confidence, Severity

RULE = Rule("persistence", "critical", "Writes to places that run code later")


def check(facts: Sequence[Fact], ctx: Context) -> Iterable[CodeHit]:
    for f in facts:
        if f.kind is not Kind.WRITE or "persistence" not in f.flags:
            continue
        if "command" in f.flags:
            if f.lang == "python":
                yield hit(RULE.id, Severity.HIGH, Confidence.MEDIUM, f, f"{f.api} touches a persistence location")
            else:
                early = f.top or f.reach is Reach.INSTALL
                yield hit(RULE.id, Severity.CRITICAL if early else Severity.MEDIUM, Confidence.MEDIUM, f,
                          f"a command touches a persistence location ({f.api})")
        else:
            when = (" at import or install time" if f.lang == "python" else " when the code is loaded or installed") \
                if f.reach.early else ""
            yield hit(RULE.id, Severity.CRITICAL if f.reach.early else Severity.MEDIUM, Confidence.HIGH, f,
                      f"writes to a persistence location ({f.text}){when}")
