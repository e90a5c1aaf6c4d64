"""`dependency-confusion`: a private dependency whose name exists on the public index, or can be claimed there.

Private names come from `enrich.sources` (internal-packages, index pins, lockfile sources,
names an index other than the public one serves with versions the public index lacks).

- The public index has the name at a higher version than the private index: critical when
  the project's configuration would let it win (`_exposure`), else high.
- The public index has the name, not higher: high. One higher release flips it.
- The public index does not have it: medium. Anyone can register it, and a configuration
  that lets the public index win (now, or on another machine) installs theirs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from chainwarden.analyze._interface import (
    AnalysisContext,
    Analyzer,
    AnalyzerInfo,
    Reflex,
)
from chainwarden.analyze.names._exposure import exposures
from chainwarden.model import (
    Confidence,
    Ecosystem,
    EnrichedGraph,
    Evidence,
    Finding,
    NamePresence,
    Severity,
    Skip,
    SourceKind,
    version_order,
)

INFO = AnalyzerInfo(
    id="dependency-confusion",
    title="Private package name exists on (or can be claimed on) the public index",
    reflex=Reflex.FORTIFY,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    needs=frozenset({"graph", "registry", "index-config"}),
    summary="A dependency that comes from a private index has a same-named package on the public index "
    "(critical when its version is higher and the configuration lets it win), or its name is unclaimed there.",
)

RECENT = timedelta(days=90)


def _describe(p: NamePresence) -> str:
    return f"{p.highest}" if p.highest else "no installable version"


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    setup = eg.indexes
    if setup is None:
        return
    for dep in eg.graph.dependencies:
        private = setup.private.get(dep.package.name)
        if private is None or dep.source_kind is not SourceKind.REGISTRY:
            continue
        public = private.public
        if public is None:
            continue  # the public index could not be asked: enrich reported it as a Skip
        name = dep.package.name
        own = private.private.highest if private.private is not None else dep.package.version
        exposed = exposures(setup, dep)
        evidence = [Evidence("why private", private.why)]
        if private.private is not None:
            evidence.append(Evidence("private index", f"{private.private.index_url}: {_describe(private.private)}"))
        evidence.append(Evidence("public index", f"{setup.public_url}: " + (_describe(public) if public.exists else "no such name")))
        loc = dep.sources[0] if dep.sources else None
        if not public.exists:
            yield Finding(
                rule=INFO.id, severity=Severity.MEDIUM, confidence=Confidence.HIGH, package=dep.package,
                message=f"{name} is private ({private.why}) and the public index has no package of that name: "
                "anyone can register it, and an installer that asks the public index"
                + (" (this project's configuration lets it: see index-config-unsafe)" if exposed else "")
                + " would take theirs",
                location=loc, evidence=tuple(evidence),
                fix=f"claim {name} on the public index for your organisation (an empty placeholder release), or move "
                "it under a name or scope you own; and keep installers from asking the public index for it",
            )
            continue
        higher = bool(public.highest and own and version_order(public.highest) > version_order(own))
        fresh = ""
        if public.first_release is not None:
            age = ctx.now - public.first_release
            fresh = f" (it first appeared there {age.days} days ago)" if timedelta(0) <= age < RECENT else ""
            evidence.append(Evidence("public package first released", public.first_release.strftime("%Y-%m-%d")
                                     + (f" ({age.days} days ago)" if timedelta(0) <= age < RECENT else "")))
        if higher:
            severity = Severity.CRITICAL if exposed else Severity.HIGH
            message = (f"{name} is private ({private.why}), and the public index has {name} {public.highest}, higher "
                       f"than the private {own}{fresh}: "
                       + ("with this project's index configuration the installer takes the public one"
                          if exposed else "any installer or machine that asks the public index takes it"))
            fix = (f"do not install or update until checked: pin {name} to its private index (see index-config-unsafe), "
                   f"look for {name} {public.highest} in installed environments, CI logs and lockfiles, and report the "
                   "public package to the index's security team if your organisation did not publish it")
        else:
            severity = Severity.HIGH
            message = (f"{name} is private ({private.why}), and the public index also has a package of that name "
                       f"({public.highest or 'no installable version'}){fresh}; one higher release there would replace yours"
                       + (" with this project's index configuration" if exposed else " wherever the public index is asked"))
            fix = (f"find out who owns {name} on the public index; if it is not your organisation, rename the private "
                   "package or move it under a scope you own, and pin it to its private index")
        yield Finding(rule=INFO.id, severity=severity, confidence=Confidence.HIGH, package=dep.package,
                      message=message, location=loc, evidence=tuple(evidence), fix=fix)


ANALYZER = Analyzer(info=INFO, analyze=analyze)
