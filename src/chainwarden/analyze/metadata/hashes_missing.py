"""`hashes-missing`: pinned packages whose file digests nothing records (lockfile enforcement, strict).

A pin without a hash trusts whatever file the index serves for that version; with hashes
(``--hash=sha256:…``, the digests in uv.lock, poetry.lock, npm's ``integrity``) a replaced file
fails the install. Reported once per input file, listing the packages.
"""

from __future__ import annotations

from collections.abc import Iterator

from chainwarden.analyze._interface import (
    AnalysisContext,
    Analyzer,
    AnalyzerInfo,
    Reflex,
)
from chainwarden.model import (
    Confidence,
    Ecosystem,
    EnrichedGraph,
    Evidence,
    Finding,
    PackageId,
    Severity,
    Skip,
    SourceKind,
)

INFO = AnalyzerInfo(
    id="hashes-missing",
    title="Pinned packages without hashes",
    reflex=Reflex.FORTIFY,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    needs=frozenset({"graph"}),
    summary="Pinned versions with no recorded file digest: a replaced file on the index would install unnoticed. "
            "Off unless the policy sets [rules.hashes-missing] action.",
    default_action="ignore",
)


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    project = eg.graph.project
    by_file: dict[str, list[tuple[str, object]]] = {}
    for d in eg.graph.dependencies:
        if d.source_kind is not SourceKind.REGISTRY or d.package.version is None or d.hashes or d.marker_applies is False:
            continue
        if not d.sources:
            continue
        by_file.setdefault(d.sources[0].file, []).append((str(d.package), d.sources[0]))
    for file, items in sorted(by_file.items()):
        names = [n for n, _ in items]
        fix = ("regenerate with hashes: pip-compile --generate-hashes, uv pip compile --generate-hashes, or use uv.lock / poetry.lock"
               if project.ecosystem is Ecosystem.PYPI else "regenerate the lockfile with a current npm, which records integrity")
        yield Finding(
            rule=INFO.id, severity=INFO.severity, confidence=INFO.confidence,
            package=PackageId(project.ecosystem, project.root or "."),
            message=f"{file}: {len(names)} pinned package(s) without a hash",
            location=items[0][1],  # type: ignore[arg-type]
            evidence=(Evidence("without hashes", ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")),),
            fix=fix,
        )


ANALYZER = Analyzer(info=INFO, analyze=analyze)
