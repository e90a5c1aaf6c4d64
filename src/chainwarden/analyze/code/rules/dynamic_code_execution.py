"""dynamic-code-execution: decoded or computed code is executed.

Facts read: `EXEC`, and `RUN` of a decoded command line (a command hidden in base64 and run). Code decoded from a literal (`decoded-literal`, the chain in `text`) or decoded
data reaching ``exec``/``eval``/``Function``: critical. Code taken from secret data: high. Computed
code at install time (and, in Python, at import time or anywhere in ``setup.py``): medium, low
confidence. Downloaded code is `download-and-execute`'s; a string literal is not reported (the
front-end analyses it as code instead).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chainwarden.analyze.code.facts import DECODED, REMOTE, SECRET, CodeHit, Fact, Kind, Reach
from chainwarden.analyze.code.rules import Context, Rule, hit
from chainwarden.model import Confidence, Severity

RULE = Rule("dynamic-code-execution", "critical", "Decoded or computed code is executed")


def check(facts: Sequence[Fact], ctx: Context) -> Iterable[CodeHit]:
    for f in facts:
        if f.kind is Kind.RUN and DECODED in f.data and not f.data & {REMOTE}:
            yield hit(RULE.id, Severity.CRITICAL, Confidence.HIGH, f,
                      f"{f.api} runs a command decoded from an encoded literal or decoded data{f.via}")
            continue
        if f.kind is not Kind.EXEC:
            continue
        name = f.api
        if "decoded-literal" in f.flags:
            yield hit(RULE.id, Severity.CRITICAL, Confidence.HIGH, f,
                      f"{name}() runs code decoded from a literal ({f.text}){f.via}")
        elif REMOTE in f.data or "literal" in f.flags:
            continue
        elif DECODED in f.data:
            if "line-scan" in f.flags:
                yield hit(RULE.id, Severity.HIGH, Confidence.LOW, f, f.text)
            elif "callback" in f.flags:
                yield hit(RULE.id, Severity.CRITICAL, Confidence.HIGH, f,
                          f"{name} is the callback that receives decoded data: it runs it")
            else:
                yield hit(RULE.id, Severity.CRITICAL, Confidence.HIGH, f, f"{name}() runs decoded data{f.via}")
        elif SECRET in f.data and f.lang == "javascript":
            yield hit(RULE.id, Severity.HIGH, Confidence.MEDIUM, f,
                      f"{name}() runs code taken from secret or environment data{f.via}")
        elif "hidden-builtin" in f.flags:
            yield hit(RULE.id, Severity.CRITICAL, Confidence.HIGH, f,
                      f"computed code is run through {name}(), itself fetched by evaluating its name (an obfuscator's loader){f.via}")
        elif "computed" in f.flags:
            if f.lang == "python" and (f.reach.early or ctx.setup):
                yield hit(RULE.id, Severity.MEDIUM, Confidence.LOW, f,
                          f"{name}() of computed data at import or install time{f.via}")
            elif f.lang != "python" and f.reach is Reach.INSTALL:
                yield hit(RULE.id, Severity.MEDIUM, Confidence.LOW, f,
                          f"{name}() of computed code at install time{f.via}")
