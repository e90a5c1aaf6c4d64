"""raw-ip-network: a network call to a hard-coded public IP address.

Facts read: `CONNECT_IP` (`text`: the address). High at install or load time, medium inside functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chainwarden.analyze.code.facts import CodeHit, Fact, Kind
from chainwarden.analyze.code.rules import Context, Rule, hit
from chainwarden.model import Confidence, Severity

RULE = Rule("raw-ip-network", "high", "Network access to a hard-coded IP address")


def check(facts: Sequence[Fact], ctx: Context) -> Iterable[CodeHit]:
    for f in facts:
        if f.kind is Kind.CONNECT_IP:
            yield hit(RULE.id, Severity.HIGH if f.reach.early else Severity.MEDIUM, Confidence.MEDIUM, f,
                      f"{f.api} connects to a hard-coded IP address ({f.text}), not a host name"
                      + (" when the code is loaded or installed" if f.reach.early else ""))
