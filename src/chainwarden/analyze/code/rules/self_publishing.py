"""self-publishing: code that publishes npm packages and also rewrites a ``package.json``, copies itself or
passes a stolen token: the self-propagating worm pattern.

Facts read: `PUBLISH` (flags: `manifest-write`, `self-copy`, `secret`). Critical (high confidence) at
install or load time, or with a stolen token and a rewritten manifest; medium (low confidence) inside a
release tool's functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chainwarden.analyze.code.facts import CodeHit, Fact, Kind
from chainwarden.analyze.code.rules import Context, Rule, hit
from chainwarden.model import Confidence, Severity

RULE = Rule("self-publishing", "critical", "Code that publishes npm packages: self-propagating worms")


def check(facts: Sequence[Fact], ctx: Context) -> Iterable[CodeHit]:
    for f in facts:
        if f.kind is not Kind.PUBLISH:
            continue
        manifest, copy, secret = "manifest-write" in f.flags, "self-copy" in f.flags, "secret" in f.flags
        if not (manifest or copy or secret):
            continue
        what = [w for w, present in (("rewrites a package.json", manifest), ("copies itself", copy),
                                     ("passes a stolen token", secret)) if present]
        severe = f.reach.early or (secret and manifest)
        yield hit(RULE.id, Severity.CRITICAL if severe else Severity.MEDIUM, Confidence.HIGH if severe else Confidence.LOW,
                  f, f"publishes an npm package and {', '.join(what)}"
                  + (" when the code is loaded or installed: the self-propagating worm pattern" if f.reach.early else ""))
