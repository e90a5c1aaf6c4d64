"""report: renderers of a `ScanResult`. They format; they never decide.

Everything a report shows may have come from an attacker (a manifest, a lockfile, an index) or
from the machine (an index URL with credentials in ``PIP_INDEX_URL``). No report prints a secret:
the terminal and Markdown renderers pass every text through their escaping helpers, which redact
(`chainwarden.model.redact_secrets`), and the JSON documents (JSON, SARIF, SPDX) go through `scrub`
before they are written; CycloneDX redacts the fields it fills from inputs.
"""

from __future__ import annotations

from typing import Any

from chainwarden.model import redact_secrets

__all__ = ["IDENTIFIER_KEYS", "scrub"]

# Values under these keys are identifiers (package names, versions), kept exactly; so are PURLs.
IDENTIFIER_KEYS = frozenset({"name", "version", "versionInfo", "latest_version", "highest", "purl", "package"})


def scrub(value: Any, key: str | None = None) -> Any:
    """A JSON document with every text value passed through `redact_secrets` (URL credentials, secret
    ``KEY=VALUE`` pairs, token shapes), except identifiers: PURLs and the values of `IDENTIFIER_KEYS`."""
    if isinstance(value, str):
        if value.startswith("pkg:") or key in IDENTIFIER_KEYS:
            return value
        return redact_secrets(value)
    if isinstance(value, dict):
        return {k: scrub(v, k if isinstance(k, str) else None) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v, key) for v in value]
    return value
