"""SPDX 2.3 JSON (docs/reports.md describes every field).

Written as plain JSON rather than through spdx-tools: the document is small and flat (packages and
relationships), and spdx-tools would bring eight dependencies for it. The tests validate every
document against the official SPDX 2.3 JSON schema, shipped beside this module
(schema/spdx-2.3.schema.json; see decision 0013).

- one package per project (`primaryPackagePurpose: APPLICATION`), described by the document;
- one package per dependency (by PURL), with `versionInfo`, the PURL as a `PACKAGE-MANAGER` external
  reference, the lockfile's hashes as `checksums`, the declared licence when it is a valid SPDX
  expression (else `NOASSERTION`, with the text in `licenseComments`);
- relationships: `DESCRIBES` for each project, `DEPENDS_ON` (or `DEV_DEPENDENCY_OF` /
  `OPTIONAL_DEPENDENCY_OF`) for each project's direct dependencies, `DEPENDS_ON` for each lockfile edge.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import UTC
from importlib import resources
from typing import Any

from cyclonedx.spdx import fixup_id, is_expression

from chainwarden.model import ScanResult, Scope, SourceKind, printable
from chainwarden.report import scrub
from chainwarden.report._sbom import Entry, inventory, project_name, project_ref

__all__ = ["NAMESPACE_BASE", "ValidationUnavailable", "render", "schema", "validate"]

NAMESPACE_BASE = "https://spdx.org/spdxdocs/chainwarden"  # + "/<name>-<uuid>": unique per document, as SPDX asks
NOASSERTION = "NOASSERTION"
_DOWNLOAD = re.compile(r"((git|hg|svn|bzr)\+)?(https?|ssh|git)://[!-~]+")  # SPDX 2.3 section 7.7: a URL or a VCS locator


class ValidationUnavailable(Exception):
    """Run-time validation needs the optional `jsonschema` dependency (``pip install 'chainwarden[validate]'``)."""


def schema() -> dict[str, Any]:
    """The official SPDX 2.3 JSON schema (spdx/spdx-spec, schemas/spdx-schema-2-3.json)."""
    text = resources.files("chainwarden.report").joinpath("schema/spdx-2.3.schema.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


class _Ids:
    """SPDX identifiers (letters, digits, '.', '-') that stay readable and never collide."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, kind: str, text: str) -> str:
        base = f"SPDXRef-{kind}-" + re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")
        ident = base
        if ident in self.used:
            ident = f"{base}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"
        n = 2
        while ident in self.used:
            ident, n = f"{base}-{n}", n + 1
        self.used.add(ident)
        return ident


def _license(text: str | None) -> tuple[str, str | None]:
    """(licenseDeclared, licenseComments): a valid SPDX expression, else NOASSERTION and the text as given."""
    if not text:
        return NOASSERTION, None
    shown = printable(text, 200)
    canonical = fixup_id(text)
    if canonical:
        return canonical, None
    if is_expression(text) and re.fullmatch(r"[A-Za-z0-9.+:() -]+", text):
        return text, None
    return NOASSERTION, f"declared as {shown!r}, which is not an SPDX licence expression"


def _package(entry: Entry, spdx_id: str) -> dict[str, Any]:
    p = entry.package
    dep = entry.first
    declared, comment = _license(entry.license)
    pkg: dict[str, Any] = {
        "SPDXID": spdx_id,
        "name": printable(p.name),
        "downloadLocation": NOASSERTION,
        "filesAnalyzed": False,
        "licenseConcluded": NOASSERTION,
        "licenseDeclared": declared,
        "copyrightText": NOASSERTION,
        "primaryPackagePurpose": "LIBRARY",
        "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": p.purl}],
    }
    if p.version is not None:
        pkg["versionInfo"] = printable(p.version)
    if dep.source_kind in (SourceKind.VCS, SourceKind.URL) and dep.source_url and _DOWNLOAD.fullmatch(dep.source_url):
        pkg["downloadLocation"] = printable(dep.source_url)
    checksums = [{"algorithm": d.spdx, "checksumValue": d.hex} for d in entry.hashes]
    if checksums:
        pkg["checksums"] = checksums
    if comment:
        pkg["licenseComments"] = comment
    if entry.facts is not None and entry.facts.repository_url:
        pkg["sourceInfo"] = f"source repository named by the index: {printable(entry.facts.repository_url, 300)}"
    where = ", ".join(entry.sources[:5]) + (f" (+{len(entry.sources) - 5} more)" if len(entry.sources) > 5 else "")
    pkg["comment"] = printable(f"{entry.scope.value} dependency, {'direct' if entry.direct else 'transitive'}; declared at {where}")
    return pkg


def build(result: ScanResult, document_id: uuid.UUID | None = None) -> dict[str, Any]:
    inv = inventory(result)
    ids = _Ids()
    names = sorted({project_name(eg.graph.project) for eg in inv.projects})
    name = ", ".join(names) if names else "empty"
    packages: list[dict[str, Any]] = []
    relationships: list[dict[str, Any]] = []
    project_ids: dict[str, str] = {}
    for eg in inv.projects:
        pr = eg.graph.project
        ref = project_ref(pr)
        project_ids[ref] = ids.make("Project", f"{pr.ecosystem.value}-{project_name(pr)}")
        packages.append({
            "SPDXID": project_ids[ref],
            "name": printable(project_name(pr)),
            "downloadLocation": NOASSERTION,
            "filesAnalyzed": False,
            "primaryPackagePurpose": "APPLICATION",
            "comment": printable(f"{pr.ecosystem.value} project at {pr.root}, read from {', '.join(pr.files)}"),
        })
        relationships.append({"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": project_ids[ref]})
    package_ids = {purl: ids.make("Package", f"{e.package.ecosystem.value}-{e.package.name}-{e.package.version or 'unpinned'}")
                   for purl, e in inv.entries.items()}
    packages += [_package(e, package_ids[purl]) for purl, e in inv.entries.items()]
    for ref, direct in inv.direct.items():
        for purl, scope in direct:
            if purl not in package_ids:
                continue
            if scope is Scope.DEV:
                relationships.append({"spdxElementId": package_ids[purl], "relationshipType": "DEV_DEPENDENCY_OF", "relatedSpdxElement": project_ids[ref]})
            elif scope is Scope.OPTIONAL:
                relationships.append({"spdxElementId": package_ids[purl], "relationshipType": "OPTIONAL_DEPENDENCY_OF", "relatedSpdxElement": project_ids[ref]})
            else:
                relationships.append({"spdxElementId": project_ids[ref], "relationshipType": "DEPENDS_ON", "relatedSpdxElement": package_ids[purl]})
    for parent, children in inv.edges.items():
        for child in children:
            if parent in package_ids and child in package_ids:
                relationships.append({"spdxElementId": package_ids[parent], "relationshipType": "DEPENDS_ON", "relatedSpdxElement": package_ids[child]})
    doc_uuid = document_id or uuid.uuid4()
    slug = re.sub(r"[^A-Za-z0-9.-]+", "-", name).strip("-") or "sbom"
    return {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": printable(name),
        "documentNamespace": f"{NAMESPACE_BASE}/{slug}-{doc_uuid}",
        "creationInfo": {
            "created": result.started.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "creators": [f"Tool: chainwarden-{result.tool_version}"],
        },
        "packages": packages,
        "relationships": relationships,
    }


def render(result: ScanResult, document_id: uuid.UUID | None = None) -> str:
    return json.dumps(scrub(build(result, document_id)), indent=2, ensure_ascii=False) + "\n"


def validate(text: str) -> str | None:
    """The first schema error of an SPDX 2.3 JSON document, or None when it is valid."""
    try:
        import jsonschema
    except ImportError as exc:
        raise ValidationUnavailable("validating needs the jsonschema package: pip install 'chainwarden[validate]'") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"not JSON: {exc}"
    error = jsonschema.exceptions.best_match(jsonschema.Draft7Validator(schema()).iter_errors(document))
    return None if error is None else f"{'/'.join(str(p) for p in error.absolute_path) or '(document)'}: {error.message}"
