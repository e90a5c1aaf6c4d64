"""Analyzers over the advisories enrich matched (enrich.advisories): `known-malicious` and `known-vulnerable`."""
