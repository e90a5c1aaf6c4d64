"""download-and-execute: downloaded code or files are run.

Facts read: `EXEC` with downloaded data; `RUN` with downloaded data (medium, low confidence when it got
there through the file's functions in code that only runs when called), or of a file written with
downloaded or decoded data (`REMOTE_FILE`: write-then-run; high confidence in Python, where the file is
followed by its path, and in JavaScript when it runs at install or load time); `FETCH_RUN`,
a command line that downloads and runs (``curl … | sh``, ``iwr … | iex``, an encoded PowerShell
command; its description in `text`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chainwarden.analyze.code.facts import REMOTE, REMOTE_FILE, CodeHit, Fact, Kind
from chainwarden.analyze.code.rules import Context, Rule, hit
from chainwarden.model import Confidence, Severity

RULE = Rule("download-and-execute", "critical", "Downloaded code or files are run")


def check(facts: Sequence[Fact], ctx: Context) -> Iterable[CodeHit]:
    for f in facts:
        if f.kind is Kind.EXEC and REMOTE_FILE in f.data and not f.data & {REMOTE} and "decoded-literal" not in f.flags:
            yield hit(RULE.id, Severity.CRITICAL, Confidence.HIGH, f,
                      f"{f.api}() runs code from a file the package wrote with downloaded or decoded data{f.via}")
        elif f.kind is Kind.EXEC and REMOTE in f.data and "decoded-literal" not in f.flags:
            if "line-scan" in f.flags:
                message = f.text
            elif "callback" in f.flags:
                message = f"{f.api} is the callback of a download: it runs code fetched from the network"
            else:
                message = f"{f.api}() runs code downloaded from the network{f.via}"
            yield hit(RULE.id, Severity.CRITICAL, Confidence.HIGH, f, message)
        elif f.kind is Kind.RUN and REMOTE in f.data and f.via and not f.reach.early and f.lang == "python":
            # handed through the file's functions to a command only the user's call runs: a version number or a
            # name fetched by an installer's CLI ends up in a command line as often as a stage does
            yield hit(RULE.id, Severity.MEDIUM, Confidence.LOW, f,
                      f"downloaded data reaches {f.api}{f.via}, in code that runs when called")
        elif f.kind is Kind.RUN and REMOTE in f.data:
            yield hit(RULE.id, Severity.CRITICAL, Confidence.HIGH, f, f"downloaded data reaches {f.api}{f.via}")
        elif f.kind is Kind.RUN and REMOTE_FILE in f.data:
            confidence = Confidence.HIGH if f.reach.early or f.lang == "python" else Confidence.MEDIUM
            yield hit(RULE.id, Severity.CRITICAL, confidence, f,
                      f"a file written with downloaded or decoded data is run with {f.api}{f.via}")
        elif f.kind is Kind.FETCH_RUN:
            yield hit(RULE.id, Severity.CRITICAL, Confidence.HIGH, f, f.text)
