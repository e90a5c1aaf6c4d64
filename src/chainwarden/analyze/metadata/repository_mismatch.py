"""`repository-mismatch`: the source repository the package names has nothing to do with its name.

Copying a popular project's repository URL into a package's metadata
("starjacking") borrows its stars and its reputation; the release's files have
nothing to do with that repository. The check is deliberately lenient: the
package name, its scope or any of its words found in the owner or repository
name counts as related.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from chainwarden.analyze._interface import (
    AnalysisContext,
    Analyzer,
    AnalyzerInfo,
    Reflex,
)
from chainwarden.analyze.metadata._common import installed, where
from chainwarden.model import (
    Confidence,
    Ecosystem,
    EnrichedGraph,
    Evidence,
    Finding,
    Severity,
    Skip,
)

INFO = AnalyzerInfo(
    id="repository-mismatch",
    title="Source repository unrelated to the package",
    reflex=Reflex.EVALUATION,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    needs=frozenset({"graph", "registry"}),
    summary="The repository URL in the package's metadata shares no name with the package (a borrowed URL).",
)

_CODE_HOSTS = ("github", "gitlab", "bitbucket", "codeberg", "sr.ht", "sourceforge", "launchpad", "example.test")
_AFFIXES = ("python3", "python", "py", "node", "js", "lib")
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _segments(url: str) -> list[str]:
    """Owner and repository (and subgroups) of a repository URL, normalised; for a project's own
    host (``https://www.dulwich.io/code/``) also the host's name."""
    text = re.sub(r"^git\+", "", url.strip())
    m = re.match(r"^(?:ssh://)?git@([^:/]+)[:/](.+)$", text)  # git@host:owner/repo.git
    host = (m.group(1) if m else urlsplit(text).hostname or "").lower()
    path = m.group(2) if m else urlsplit(text).path
    parts = [p for p in path.split("/") if p]
    labels = [x for x in host.split(".") if x not in ("www", "git", "code", "src")]
    if len(labels) >= 2 and not any(h in host for h in _CODE_HOSTS):
        parts.insert(0, labels[-2])
    for i, p in enumerate(parts):
        if p in ("tree", "blob"):  # .../tree/<ref>/<folder of the package in a monorepo>
            parts = parts[:i] + parts[i + 2:]
            break
        if p in ("-", "wiki", "issues"):
            parts = parts[:i]
            break
    return [_norm(re.sub(r"\.git$", "", p)) for p in parts if _norm(p)]


def _core(name: str) -> str:
    core = name
    for affix in _AFFIXES:
        if core.startswith(affix) and len(core) - len(affix) >= 3:
            core = core[len(affix):]
        if core.endswith(affix) and len(core) - len(affix) >= 3:
            core = core[: -len(affix)]
    return core


def _subsequence(short: str, long: str) -> bool:
    rest = iter(long)
    return all(ch in rest for ch in short)


def related(package: str, url: str) -> bool | None:
    """True when the repository's owner or name relates to the package name; None when the URL names no path."""
    segments = _segments(url)
    if not segments:
        return None
    scope, _, bare = package[1:].partition("/") if package.startswith("@") else ("", "", package)
    whole = _norm(bare)
    names = {whole, _core(whole)} - {""}
    words = {_norm(w) for w in _WORDS.findall(bare.replace("_", "-"))} | {_norm(w) for w in re.split(r"[-_.]", bare)}
    words = {w for w in words if len(w) >= 3 and w not in _AFFIXES}
    joined = "".join(segments)
    for seg in segments:
        for n in names:
            if n == seg or (len(n) >= 3 and n in seg) or (len(seg) >= 3 and seg in n):
                return True
    if any(w in joined for w in words):
        return True
    if any(3 <= len(n) <= 5 and _subsequence(n, joined) for n in names):  # an acronym: absl / abseil, mcp / modelcontextprotocol
        return True
    return bool(scope) and _norm(scope) in joined


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    for dep, facts in installed(eg):
        if not facts.repository_url or related(dep.package.name, facts.repository_url) is not False:
            continue
        yield Finding(
            rule=INFO.id,
            severity=INFO.severity,
            confidence=INFO.confidence,
            package=dep.package,
            message=f"{dep.package.name} names the source repository {facts.repository_url}, whose owner and name have "
            "nothing in common with the package: a borrowed URL lends it another project's reputation",
            location=where(dep),
            evidence=(Evidence("repository", facts.repository_url),),
            fix="check that the repository really publishes this package (its release tags and files) before trusting it",
        )


ANALYZER = Analyzer(info=INFO, analyze=analyze)
