"""Rule documentation as shipped in the package (docs/rules/<id>.md, linked as chainwarden/rules/)."""

from __future__ import annotations

from chainwarden.report.rule_docs import rule_doc

__all__ = ["rule_doc"]
