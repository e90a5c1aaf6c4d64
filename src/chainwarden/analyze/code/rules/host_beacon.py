"""host-beacon: the host's identity (host name, user name, working directory, OS details, the output of
``whoami``) sent over the network when the package is installed, when Python starts or when the module is
loaded: the machine phones home before anyone calls the package. Dependency-confusion probes do exactly
this, and so do the first stages of stealers; a user must hear about it.

Facts read: `SEND` with `HOST_INFO` data (or flagged `callback-service`: a request to a public out-of-band
testing service or request catcher, whose log shows where the code ran) and no secret (a secret makes it `secret-exfiltration`, a chat
webhook `webhook-exfiltration`). Critical at install, start-up or load time; low inside a function that
only runs when called (telemetry and registration clients send a host name).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chainwarden.analyze.code.facts import HOST_INFO, SECRET, WEBHOOK, CodeHit, Fact, Kind
from chainwarden.analyze.code.rules import Context, Rule, hit
from chainwarden.model import Confidence, Severity

RULE = Rule("host-beacon", "critical", "The host's identity is sent out at install or load time")

_WHEN = {"install": "when the package is installed", "startup": "at every Python start-up",
         "load": "when the module is loaded"}


def check(facts: Sequence[Fact], ctx: Context) -> Iterable[CodeHit]:
    for f in facts:
        if f.kind is not Kind.SEND or HOST_INFO not in f.data or f.data & {SECRET, WEBHOOK}:
            continue
        what = f.api if "command" not in f.flags else f"a network command{f' run with {f.api}' if f.api else ''}"
        if "callback-service" in f.flags:
            if f.reach.early:
                yield hit(RULE.id, Severity.CRITICAL, Confidence.HIGH, f,
                          f"a public out-of-band callback service ({f.text}) is contacted {_WHEN[f.reach.value]}: "
                          f"the request reports that, and where, the package was installed or loaded ({what}{f.via})")
            else:
                yield hit(RULE.id, Severity.LOW, Confidence.LOW, f,
                          f"a public out-of-band callback service ({f.text}) is contacted inside a function ({what}{f.via})")
            continue
        if f.reach.early:
            yield hit(RULE.id, Severity.CRITICAL, Confidence.HIGH, f,
                      f"the host's identity (host name, user name, working directory or system details) is sent over "
                      f"the network {_WHEN[f.reach.value]} ({what}{f.via})")
        else:
            yield hit(RULE.id, Severity.LOW, Confidence.LOW, f,
                      f"the host's identity is sent over the network inside a function ({what}{f.via})")
