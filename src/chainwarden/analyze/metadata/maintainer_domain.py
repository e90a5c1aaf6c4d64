"""`maintainer-domain-unresolvable`: a maintainer's e-mail domain is not registered.

Whoever registers the domain receives the maintainer's mail, asks the registry
for a password reset, and publishes as them: the account takeover behind
several hijacked packages. DNS answers come from `enrich.dns`, which only
trusts an NXDOMAIN after its canaries pass; a domain it could not check is a
Skip there, never a finding here.
"""

from __future__ import annotations

from collections.abc import Iterator

from chainwarden.analyze._interface import (
    AnalysisContext,
    Analyzer,
    AnalyzerInfo,
    Reflex,
)
from chainwarden.analyze.metadata._common import (
    installed,
    single_maintainer,
    unchecked,
    unresolvable,
    where,
)
from chainwarden.model import (
    Confidence,
    Ecosystem,
    EnrichedGraph,
    Evidence,
    Finding,
    Severity,
    Skip,
    email_host,
)

INFO = AnalyzerInfo(
    id="maintainer-domain-unresolvable",
    title="Maintainer e-mail domain is not registered",
    reflex=Reflex.RECONNAISSANCE,
    ecosystems=frozenset({Ecosystem.PYPI, Ecosystem.NPM}),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    needs=frozenset({"graph", "registry", "dns"}),
    summary="A maintainer or author e-mail address whose domain does not exist in DNS: anyone may register it "
    "and reset the account's password.",
)


def analyze(eg: EnrichedGraph, ctx: AnalysisContext) -> Iterator[Finding | Skip]:
    unknown: list[str] = []
    for dep, facts in installed(eg):
        if not facts.metadata_known:
            unknown.append(dep.package.name)
            continue
        lapsed = unresolvable(eg, facts)
        if not lapsed:
            continue
        checked = [e for e in facts.emails if email_host(e) in eg.domains]
        every = len({e for e, _ in lapsed}) == len(checked)  # no address that DNS vouched for is left
        # npm publishes the account e-mail; PyPI publishes the author's address, which is usually, not always, the account's
        account_mail = dep.package.ecosystem is Ecosystem.NPM
        for email, check in lapsed:
            yield Finding(
                rule=INFO.id,
                severity=INFO.severity if single_maintainer(facts) or every else Severity.MEDIUM,
                confidence=Confidence.HIGH if account_mail else INFO.confidence,
                package=dep.package,
                message=f"{dep.package.name}: the domain of {email} ({check.domain}) is not registered "
                f"({check.detail}): whoever registers it can reset the {'account' if account_mail else 'maintainer'}'s "
                "password and publish as them",
                location=where(dep),
                evidence=(
                    Evidence("e-mail", email),
                    Evidence("registrable domain", check.domain),
                    Evidence("DNS", f"{check.status.value}: {check.detail} via {check.resolver}"),
                    Evidence("maintainers", ", ".join(facts.maintainers) or "unknown"),
                ),
                fix=f"tell the maintainers to move their account to an address they control; until then pin "
                f"{dep.package.name} with hashes and review every new release before taking it",
            )
    if unknown:
        yield unchecked(INFO.id, eg, unknown, "the index publishes no maintainer e-mail addresses (PEP 503/691 pages only)")


ANALYZER = Analyzer(info=INFO, analyze=analyze)
