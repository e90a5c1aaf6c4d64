"""CycloneDX 1.6 JSON, built with cyclonedx-python-lib (docs/reports.md describes every field).

- `metadata.component`: the project scanned (an application named after its folder); with several
  projects, an application for the whole run whose sub-components are the projects.
- `metadata.tools.components`: chainwarden and its version.
- `components`: every package once (by PURL), with its version, PURL, the hashes its lockfile gives,
  the licence the lockfile or the index declares, its scope, and where it is declared (properties).
- `dependencies`: each project's direct dependencies, and every edge the lockfiles record.

Text taken from inputs (URLs, specifiers, paths, licences) goes through `chainwarden.model.shown`:
credentials and secret-looking values redacted, control characters escaped.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.exception import CycloneDxException
from cyclonedx.model import (
    ExternalReference,
    ExternalReferenceType,
    HashAlgorithm,
    HashType,
    Property,
    XsUri,
)
from cyclonedx.model.bom import Bom
from cyclonedx.model.bom_ref import BomRef
from cyclonedx.model.component import Component, ComponentScope, ComponentType
from cyclonedx.model.dependency import Dependable, Dependency
from cyclonedx.model.license import LicenseAcknowledgement
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from packageurl import PackageURL

from chainwarden.model import ScanResult, Scope, SourceKind, printable, shown
from chainwarden.report._sbom import Entry, inventory, project_name, project_ref

__all__ = ["ValidationUnavailable", "render", "validate"]

_SCOPE = {Scope.RUNTIME: ComponentScope.REQUIRED, Scope.PEER: ComponentScope.REQUIRED,
          Scope.OPTIONAL: ComponentScope.OPTIONAL, Scope.DEV: ComponentScope.EXCLUDED}
_MAX_SOURCES = 20  # declared-at properties per component; a package in hundreds of files would bloat the BOM
_licenses = LicenseFactory()


class ValidationUnavailable(Exception):
    """Run-time validation needs the optional `jsonschema` dependency (``pip install 'chainwarden[validate]'``)."""


def _uri(value: str | None) -> XsUri | None:
    if not value:
        return None
    try:
        return XsUri(shown(value))
    except (CycloneDxException, ValueError):
        return None


def _component(entry: Entry) -> Component:
    p = entry.package
    dep = entry.first
    props = [Property(name="chainwarden:ecosystem", value=p.ecosystem.value),
             Property(name="chainwarden:scope", value=entry.scope.value),
             Property(name="chainwarden:direct", value="true" if entry.direct else "false")]
    props += [Property(name="chainwarden:declared-at", value=shown(s)) for s in entry.sources[:_MAX_SOURCES]]
    if dep.specifier and p.version is None:
        props.append(Property(name="chainwarden:specifier", value=shown(dep.specifier)))
    refs: list[ExternalReference] = []
    if dep.source_kind is not SourceKind.REGISTRY and (url := _uri(dep.source_url)):
        kind = ExternalReferenceType.VCS if dep.source_kind is SourceKind.VCS else ExternalReferenceType.DISTRIBUTION
        refs.append(ExternalReference(type=kind, url=url, comment=f"installed from {dep.source_kind.value}"))
    if entry.facts is not None and (repo := _uri(entry.facts.repository_url)):
        refs.append(ExternalReference(type=ExternalReferenceType.VCS, url=repo, comment="source repository the index names"))
    licenses = []
    if entry.license:
        lic = _licenses.make_from_string(shown(entry.license), license_acknowledgement=LicenseAcknowledgement.DECLARED)
        licenses.append(lic)
    return Component(
        type=ComponentType.LIBRARY,
        name=printable(p.name),
        version=printable(p.version) if p.version is not None else None,
        purl=PackageURL.from_string(p.purl),
        bom_ref=p.purl,
        scope=_SCOPE[entry.scope],
        hashes=[HashType(alg=HashAlgorithm(d.cyclonedx), content=d.hex) for d in entry.hashes],
        licenses=licenses,
        external_references=refs,
        properties=props,
    )


class _Dependencies:
    """`Bom.register_dependency` with the entries found through a dict (bench/bench_scan.py --growth).

    The library's looks for the target's entry by walking every entry registered so far, once per call and
    once more per child: quadratic in the packages (sbom exponent 2.4-2.6, 438 s at 20,000 packages), and
    the writer calls it again for every component (`Bom.validate`). This does the same steps in the same
    order, so the document is the same; it is set on the Bom instance (the writer's JSON serializer reads
    only the model's declared properties, so it is not written out). tests/report/test_sbom.py compares
    the dependencies it gives with the library's own."""

    def __init__(self, bom: Bom) -> None:
        self.bom = bom
        self.entries: dict[BomRef, Dependency] = {d.ref: d for d in bom.dependencies}

    def register(self, target: Dependable, depends_on: Iterable[Dependable] | None = None) -> None:
        children = list(depends_on) if depends_on else []
        entry = self.entries.get(target.bom_ref)
        if entry is not None:
            if children:
                entry.dependencies.update(Dependency(ref=c.bom_ref) for c in children)
        else:
            entry = Dependency(ref=target.bom_ref, dependencies=[Dependency(ref=c.bom_ref) for c in children])
            self.bom.dependencies.add(entry)
            self.entries[target.bom_ref] = entry
        for c in children:
            self.register(c)


def build(result: ScanResult, serial: uuid.UUID | None = None) -> Bom:
    inv = inventory(result)
    bom = Bom(serial_number=serial or uuid.uuid4())
    bom.register_dependency = _Dependencies(bom).register  # type: ignore[method-assign]
    bom.metadata.timestamp = result.started
    bom.metadata.tools.components.add(Component(type=ComponentType.APPLICATION, name="chainwarden", version=result.tool_version,
                                                bom_ref=f"tool:chainwarden@{result.tool_version}"))
    components = {purl: _component(e) for purl, e in inv.entries.items()}
    for c in components.values():
        bom.components.add(c)

    projects: list[Component] = []
    for eg in inv.projects:
        pr = eg.graph.project
        projects.append(Component(
            type=ComponentType.APPLICATION, name=printable(project_name(pr)), bom_ref=project_ref(pr),
            properties=[Property(name="chainwarden:ecosystem", value=pr.ecosystem.value),
                        Property(name="chainwarden:path", value=shown(pr.root))]
            + [Property(name="chainwarden:input", value=shown(f)) for f in pr.files],
        ))
    if len(projects) == 1:
        root = projects[0]
    else:
        names = sorted({p.name for p in projects})
        root = Component(type=ComponentType.APPLICATION, name=", ".join(names) if names else "empty",
                         bom_ref="chainwarden:run", components=projects)
    bom.metadata.component = root

    def deps(items: Iterable[str]) -> list[Component]:
        return [components[i] for i in items if i in components]

    for pc in projects:
        bom.register_dependency(pc, deps(purl for purl, _ in inv.direct.get(str(pc.bom_ref.value), [])))
    if root not in projects:
        bom.register_dependency(root, projects)
    for parent, children in inv.edges.items():
        if parent in components:
            bom.register_dependency(components[parent], deps(children))
    return bom


def render(result: ScanResult, serial: uuid.UUID | None = None) -> str:
    return JsonV1Dot6(build(result, serial)).output_as_string(indent=2) + "\n"


def validate(text: str) -> str | None:
    """The first schema error of a CycloneDX 1.6 JSON document, or None when it is valid."""
    from cyclonedx.exception import MissingOptionalDependencyException
    from cyclonedx.validation.json import JsonStrictValidator

    try:
        error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    except MissingOptionalDependencyException as exc:
        raise ValidationUnavailable(str(exc)) from exc
    return None if error is None else str(error)
