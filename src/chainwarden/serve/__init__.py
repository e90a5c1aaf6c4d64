"""serve: the guarded package index (``chainwarden serve``), built on the pipeline's stages.

A PEP 503/691 simple index and JSON API in front of an upstream index: internal names never resolve
upstream, new upstream releases wait out a cooldown and are analysed before they are served, and
known-malicious, typosquatting and malicious releases are blocked; people approve, waive and block
with an author, a reason and an expiry; every decision goes to an append-only audit log.

| module | what |
|---|---|
| `app` | the ASGI application (routes, content negotiation, auth), run by uvicorn |
| `index` | `GuardedIndex`: project views, file checks, analysis; what the app calls |
| `decisions` | the checks and the decision per release (pure) |
| `upstream` | the upstream index through enrich.http, with serve-stale |
| `pages` | PEP 503 HTML, PEP 691 JSON and JSON API documents |
| `upload` | the legacy upload API (twine) |
| `store` | `ServeStore`, the one storage interface, and its embedded SQLite + directory backend |
| `audit` | the audit log (JSON lines) |
| `admin` | status, held, approve, block, waive, audit |

Nothing in the pipeline's stages imports this package (ARCHITECTURE.md). docs/serve.md is the user's guide.
"""
