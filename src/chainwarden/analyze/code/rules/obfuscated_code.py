"""obfuscated-code: encoded, packed or hidden code.

Facts read: `ENCODED` (an encoded literal that decodes to code: high when the code does something
that matters, `serious`; low otherwise), `BLOB` (compiled code loaded from an embedded blob: high),
`OBFUSCATION` (a marker, named by its flag, described by `text`): commands spelled with character
codes, code hidden after long whitespace, obfuscator.io output (high); a PyArmor-style packer (medium);
code nested too deeply to analyse (medium, low confidence).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chainwarden.analyze.code.facts import CodeHit, Fact, Kind
from chainwarden.analyze.code.rules import Context, Rule, hit
from chainwarden.model import Confidence, Severity

RULE = Rule("obfuscated-code", "high", "Encoded, packed or hidden code")

MARKERS = {
    "chr-command": (Severity.HIGH, Confidence.HIGH),
    "builtin-by-eval": (Severity.HIGH, Confidence.HIGH),
    "hidden-code": (Severity.HIGH, Confidence.HIGH),
    "obfuscator-io": (Severity.HIGH, Confidence.HIGH),
    "packer": (Severity.MEDIUM, Confidence.MEDIUM),
    "too-deep": (Severity.MEDIUM, Confidence.LOW),
}


def check(facts: Sequence[Fact], ctx: Context) -> Iterable[CodeHit]:
    for f in facts:
        if f.kind is Kind.ENCODED:
            language = "Python code" if f.lang == "python" else "JavaScript"
            if "serious" in f.flags:
                tail = " that uses the network, processes, eval or secrets" if f.lang != "python" else ""
                yield hit(RULE.id, Severity.HIGH, Confidence.HIGH, f,
                          f"an encoded literal decodes ({f.text}) to {language}{tail}")
            else:
                yield hit(RULE.id, Severity.LOW, Confidence.MEDIUM, f, f"an encoded literal decodes ({f.text}) to {language}")
        elif f.kind is Kind.BLOB:
            yield hit(RULE.id, Severity.HIGH, Confidence.HIGH, f, f"{f.api} of an embedded blob: compiled code hidden in the file")
        elif f.kind is Kind.OBFUSCATION:
            marker = next((m for m in MARKERS if m in f.flags), "packer")
            severity, confidence = MARKERS[marker]
            yield hit(RULE.id, severity, confidence, f, f.text)
