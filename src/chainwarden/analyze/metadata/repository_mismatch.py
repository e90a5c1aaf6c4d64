"""`repository-mismatch`: the source repository the package names has nothing to do with its name.

Copying a popular project's repository URL into a package's metadata
("starjacking") borrows its stars and its reputation; the release's files have
nothing to do with that repository. The check is deliberately lenient: the
package name, its scope, any of their words, their initials (``cva`` for
class-variance-authority) or an acronym (``mcp`` for modelcontextprotocol)
found in the owner or repository name counts as related, and so does a
monorepo member: a package whose repository at least `MONOREPO_MIN` packages
of the project name, one of them related to it by name, and which shares its
scope or its first word with another of them (cssnano's ``postcss-*`` plugins
name cssnano/cssnano); and a package that shares an owner with a package of
the project named after the repository (bser, published by the maintainers of
fb-watchman, names facebook/watchman). A borrowed URL is one package's act, by
an account that has nothing to do with the repository; a family of packages in
one lockfile naming one repository is how monorepos publish.
"""

from __future__ import annotations

import re
from collections import Counter
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

MONOREPO_MIN = 3  # packages of one project naming a repository that make it a monorepo (one of them named after it)
_CODE_HOSTS = ("github", "gitlab", "bitbucket", "codeberg", "sr.ht", "sourceforge", "launchpad", "example.test")
_AFFIXES = ("python3", "python", "py", "node", "js", "lib")
_NOT_WORDS = frozenset({"com", "org", "net", "dev", "the", "and"})  # parts of a scope that name nothing
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


def _stripped(segment: str) -> list[str]:
    """A repository name without one language affix, however short what is left (node-os -> os)."""
    out = [segment[len(a):] for a in _AFFIXES if segment.startswith(a) and len(segment) - len(a) >= 2]
    return out + [segment[: -len(a)] for a in _AFFIXES if segment.endswith(a) and len(segment) - len(a) >= 2]


def _subsequence(short: str, long: str) -> bool:
    rest = iter(long)
    return all(ch in rest for ch in short)


def _words(text: str) -> set[str]:
    """The words of a name, normalised: camelCase, hyphens, dots and underscores split."""
    found = {_norm(w) for w in _WORDS.findall(text.replace("_", "-"))} | {_norm(w) for w in re.split(r"[-_.]", text)}
    return {w for w in found if len(w) >= 3 and w not in _AFFIXES and w not in _NOT_WORDS}


def related(package: str, url: str) -> bool | None:
    """True when the repository's owner or name relates to the package name; None when the URL names no path."""
    segments = _segments(url)
    if not segments:
        return None
    scope, _, bare = package[1:].partition("/") if package.startswith("@") else ("", "", package)
    whole = _norm(bare)
    names = {whole, _core(whole)} - {""}
    words = _words(bare)
    joined = "".join(segments)
    for seg in segments:
        for n in names:
            for s in {seg, _core(seg), *_stripped(seg)}:  # node-ip is the repository of ip
                if n == s or (len(n) >= 3 and n in s) or (len(s) >= 3 and s in n):
                    return True
    if any(w in joined for w in words):
        return True
    if any(3 <= len(n) <= 5 and _subsequence(n, joined) for n in names):  # an acronym: absl / abseil
        return True
    parts = [p for p in re.split(r"[-_.]", bare) if p]
    initials = _norm("".join(p[0] for p in parts)) if len(parts) >= 3 else ""
    if initials and initials in segments:  # class-variance-authority in cva
        return True
    for w in words:  # mcp-types in modelcontextprotocol/python-sdk: a word that abbreviates a segment
        if 3 <= len(w) <= 5 and any(seg[0] == w[0] and len(seg) > len(w) and _subsequence(w, seg) for seg in segments):
            return True
    if not scope:
        return False
    return _norm(scope) in joined or any(w in joined for w in _words(scope))  # @oxc-parser/binding-x in oxc-project/oxc


def _repository_key(url: str) -> tuple[str, ...]:
    """The owner and name of a repository (what several packages of a monorepo share), without the folder in it."""
    return tuple(_segments(url)[:2])


def _family(name: str) -> str:
    """What packages of one family share: the scope, else the first word (``postcss`` of postcss-colormin)."""
    if name.startswith("@") and "/" in name:
        return name.split("/", 1)[0]
    return re.split(r"[-_.]", name, maxsplit=1)[0]


def monorepo_members(named: dict[str, str]) -> set[str]:
    """The packages that are members of a monorepo the project depends on: their repository is named by at least
    MONOREPO_MIN of the packages, one of them related to it by name, and they share their family (`_family`) with
    another package naming it. `named` maps package name -> repository URL."""
    members: dict[tuple[str, ...], list[str]] = {}
    for name, url in named.items():
        key = _repository_key(url)
        if key:
            members.setdefault(key, []).append(name)
    out: set[str] = set()
    for names in members.values():
        if len(names) < MONOREPO_MIN or not any(related(n, named[n]) for n in names):
            continue
        families = Counter(_family(n) for n in names)
        out.update(n for n in names if families[_family(n)] >= 2)
    return out


def team_members(named: dict[str, tuple[str, tuple[str, ...]]]) -> set[str]:
    """The packages that share an owner with a package named after the repository they name: one team's monorepo
    (bser and fb-watchman in facebook/watchman). `named` maps package name -> (repository URL, owners)."""
    anchors: dict[tuple[str, ...], set[str]] = {}
    for name, (url, owners) in named.items():
        key = _repository_key(url)
        if key and owners and related(name, url):
            anchors.setdefault(key, set()).update(owners)
    return {name for name, (url, owners) in named.items()
            if set(owners) & anchors.get(_repository_key(url), set())}


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    packages = [(dep, facts) for dep, facts in installed(eg) if facts.repository_url]
    members = monorepo_members({dep.package.name: facts.repository_url for dep, facts in packages if facts.repository_url})
    members |= team_members({dep.package.name: (facts.repository_url, facts.owners)
                             for dep, facts in packages if facts.repository_url})
    for dep, facts in packages:
        assert facts.repository_url is not None
        if dep.package.name in members or related(dep.package.name, facts.repository_url) is not False:
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
