"""dns-exfiltration: data sent out in the host names a package resolves.

Facts read: `RESOLVE`. Secret data in the name, or a name built from environment or host data at install,
start-up or load time: critical (inside a function, a lookup in the host's own domain is what SRV clients do). A name built from other variable data: medium (high at install time), low confidence; built only from
the function's own parameters: nothing here (the data a call passes is raised at the call).
`text` may name the secret environment variables the file reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chainwarden.analyze.code.facts import ENV, HOST_INFO, SECRET, CodeHit, Fact, Kind, Reach
from chainwarden.analyze.code.rules import Context, Rule, hit
from chainwarden.model import Confidence, Severity

RULE = Rule("dns-exfiltration", "critical", "Data sent out in resolved host names")


def check(facts: Sequence[Fact], ctx: Context) -> Iterable[CodeHit]:
    for f in facts:
        if f.kind is not Kind.RESOLVE:
            continue
        built = "built-host" in f.flags
        if SECRET in f.data or (built and f.data & {ENV, HOST_INFO} and f.reach.early):
            named = f" (the file reads {f.text})" if f.text else ""
            yield hit(RULE.id, Severity.CRITICAL, Confidence.HIGH, f,
                      f"environment, secret or host data{named} is sent out as a DNS name ({f.api}{f.via})")
        elif built and not (f.data and all(t.startswith("param:") for t in f.data)):
            # (a name built only from the function's parameters is the caller's: a DNS helper library; what a
            # call passes in is judged at that call)
            install = f.reach is Reach.INSTALL and f.lang == "javascript"
            yield hit(RULE.id, Severity.HIGH if install else Severity.MEDIUM, Confidence.LOW, f,
                      f"a host name built from variable data is resolved ({f.api}{f.via}): data can leave in the "
                      "DNS query")
