"""secret-exfiltration: credentials, tokens or the whole environment reach a network call or a network command.

Facts read: `SEND` (data leaving over the network, with what reaches it). Data posted to a chat
webhook is `webhook-exfiltration`'s; host identity alone is `host-beacon`'s.

- the whole environment (`ENV_DUMP`) or a credential file's content (`SECRET_FILE`): critical wherever
  it is sent;
- a secret-named variable: critical when it is sent at install, start-up or load time; from inside a
  function that only runs when called, medium with low confidence (API clients send their own keys
  this way; a key used to log in, as an ``Authorization`` header or a password, is not a `SECRET` at all:
  the front-ends take it out).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chainwarden.analyze.code.facts import ENV_DUMP, SECRET, SECRET_FILE, WEBHOOK, CodeHit, Fact, Kind
from chainwarden.analyze.code.rules import Context, Rule, hit
from chainwarden.model import Confidence, Severity

RULE = Rule("secret-exfiltration", "critical", "Secret or environment data reaches the network")


def check(facts: Sequence[Fact], ctx: Context) -> Iterable[CodeHit]:
    for f in facts:
        if f.kind is not Kind.SEND or WEBHOOK in f.data:
            continue
        if SECRET not in f.data:
            continue
        if "command" in f.flags:
            yield hit(RULE.id, Severity.CRITICAL, Confidence.HIGH, f, f.text)
        elif f.reach.early or f.data & {ENV_DUMP, SECRET_FILE}:
            yield hit(RULE.id, Severity.CRITICAL, Confidence.HIGH, f,
                      f"secret data (credentials, tokens, the environment) reaches a network call ({f.api}{f.via})")
        else:  # one secret-named variable, inside a function: how API clients send their keys
            yield hit(RULE.id, Severity.MEDIUM, Confidence.LOW, f,
                      f"a secret-named environment variable reaches a network call inside a function ({f.api}{f.via}): "
                      "SDKs send their own API keys this way; check where it goes")
