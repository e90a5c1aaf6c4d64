"""webhook-exfiltration: data posted to a Discord, Telegram or Slack webhook or bot.

Facts read: `SEND` whose data carries a webhook URL (critical with secret data or the host's identity, or when it
runs at install, start-up or load time; medium otherwise),
`WEBHOOK_URL` (the URL alone in a literal: low).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chainwarden.analyze.code.facts import ENV, HOST_INFO, SECRET, WEBHOOK, CodeHit, Fact, Kind
from chainwarden.analyze.code.rules import Context, Rule, hit
from chainwarden.model import Confidence, Severity

RULE = Rule("webhook-exfiltration", "critical", "Data posted to chat webhooks")


def check(facts: Sequence[Fact], ctx: Context) -> Iterable[CodeHit]:
    for f in facts:
        if f.kind is Kind.WEBHOOK_URL:
            yield hit(RULE.id, Severity.LOW, Confidence.MEDIUM, f,
                      "a chat webhook or bot URL (Discord, Telegram, Slack): a common exfiltration channel")
        elif f.kind is Kind.SEND and WEBHOOK in f.data:
            stolen = sorted(f.data & {SECRET, ENV, HOST_INFO})
            # secrets, the host's identity, or anything at all posted when the package is installed or loaded: the
            # author's chat hears about every machine it lands on
            serious = SECRET in f.data or HOST_INFO in f.data or f.reach.early
            yield hit(RULE.id, Severity.CRITICAL if serious else Severity.MEDIUM, Confidence.HIGH, f,
                      f"data is posted to a chat webhook or bot ({f.api}{f.via})"
                      + (f", including {', '.join(stolen)} data" if stolen else ""))
