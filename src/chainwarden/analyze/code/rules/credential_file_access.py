"""credential-file-access: reads of credential and secret stores (``~/.aws``, ``~/.ssh``, ``.npmrc``,
``.pypirc``, browser profiles, wallets, ...).

Facts read: `READ` of a path the front-end matched against the credential stores (`secret-path`),
and command lines that name one (`command`). High at install time or at module level (nobody reads
these when a package loads); medium inside functions (cloud SDKs, SSH and Docker clients read them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chainwarden.analyze.code.facts import CodeHit, Fact, Kind, Reach
from chainwarden.analyze.code.rules import Context, Rule, hit
from chainwarden.model import Confidence, Severity

RULE = Rule("credential-file-access", "high", "Reads of credential and secret stores")


def check(facts: Sequence[Fact], ctx: Context) -> Iterable[CodeHit]:
    for f in facts:
        if f.kind is not Kind.READ or "secret-path" not in f.flags:
            continue
        early = f.top or f.reach is Reach.INSTALL
        if "command" in f.flags:
            yield hit(RULE.id, Severity.HIGH if early else Severity.MEDIUM, Confidence.MEDIUM, f,
                      f"a command reads a credential or secret store ({f.text})" + (f" ({f.api})" if f.api else ""))
        elif "named-store" in f.flags:
            yield hit(RULE.id, Severity.HIGH if early else Severity.MEDIUM, Confidence.MEDIUM, f, f"reads {f.text}")
        else:
            when = (" at import or install time" if f.lang == "python" else " when the code is loaded or installed") \
                if early else ""
            yield hit(RULE.id, Severity.HIGH if early else Severity.MEDIUM, Confidence.MEDIUM, f,
                      f"reads a credential or secret store ({f.text}){f.via}{when}")
