"""`chainwarden sbom` and `scan --format cyclonedx|spdx`: the bundled examples give documents that validate
as CycloneDX 1.6 and SPDX 2.3, with the graph, PURLs, lockfile hashes and licences where known, offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from chainwarden.cli.main import main
from chainwarden.model import (
    Dependency,
    DependencyGraph,
    Ecosystem,
    Edge,
    EnrichedGraph,
    PackageId,
    PolicySummary,
    Project,
    RegistryFacts,
    ScanResult,
    Severity,
    SourceLocation,
    Verdict,
)
from chainwarden.report import sbom_cyclonedx, sbom_spdx
from chainwarden.report._sbom import digests

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.name for p in (ROOT / "examples").iterdir() if p.is_dir())
DEAD = "http://127.0.0.1:9/"  # nothing listens: a lookup sent there fails and shows as "not checked"


def sbom(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["sbom", "--no-progress", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def cyclonedx_errors(text: str) -> str | None:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    return None if error is None else str(error)


def spdx_errors(doc: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(sbom_spdx.schema(), format_checker=jsonschema.FormatChecker())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


def test_examples_are_bundled() -> None:
    assert {"hijack-scenario", "dependency-confusion", "python-app", "npm-app"} <= set(EXAMPLES)


def test_the_spdx_schema_is_the_official_one() -> None:
    schema = sbom_spdx.schema()
    assert schema["title"] == "SPDX 2.3" and schema["$id"] == "http://spdx.org/rdf/terms/2.3"
    jsonschema.Draft7Validator.check_schema(schema)


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_validates_as_cyclonedx_1_6(example: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = sbom(capsys, str(ROOT / "examples" / example), "--format", "cyclonedx", "--validate")
    assert code == 0, err
    assert cyclonedx_errors(out) is None
    bom = json.loads(out)
    assert bom["specVersion"] == "1.6" and bom["bomFormat"] == "CycloneDX"
    assert bom["metadata"]["tools"]["components"][0]["name"] == "chainwarden"
    assert bom["metadata"]["component"]["name"] == example
    refs = {c["bom-ref"] for c in bom["components"]}
    assert refs == {c["purl"] for c in bom["components"]}
    root = bom["metadata"]["component"]["bom-ref"]
    assert any(d["ref"] == root and d.get("dependsOn") for d in bom["dependencies"])


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_validates_as_spdx_2_3(example: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = sbom(capsys, str(ROOT / "examples" / example), "--format", "spdx", "--validate")
    assert code == 0, err
    doc = json.loads(out)
    assert spdx_errors(doc) == []
    assert doc["spdxVersion"] == "SPDX-2.3" and doc["dataLicense"] == "CC0-1.0"
    ids = [p["SPDXID"] for p in doc["packages"]]
    assert len(ids) == len(set(ids))
    for r in doc["relationships"]:
        assert r["spdxElementId"] in {*ids, "SPDXRef-DOCUMENT"} and r["relatedSpdxElement"] in ids
    assert any(r["relationshipType"] == "DESCRIBES" for r in doc["relationships"])
    assert any(r["relationshipType"] == "DEPENDS_ON" for r in doc["relationships"])


def test_python_app_graph_hashes_and_licences(capsys: pytest.CaptureFixture[str]) -> None:
    """uv.lock gives the edges and the file digests; the snapshot gives the licences the lockfile lacks."""
    code, out, _ = sbom(capsys, str(ROOT / "examples" / "python-app"))
    assert code == 0
    bom = json.loads(out)
    by_name = {c["name"]: c for c in bom["components"]}
    requests = by_name["requests"]
    assert requests["purl"].startswith("pkg:pypi/requests@")
    assert requests["hashes"] and all(h["alg"] == "SHA-256" and len(h["content"]) == 64 for h in requests["hashes"])
    assert requests["licenses"] == [{"license": {"id": "Apache-2.0", "acknowledgement": "declared"}}]
    assert by_name["certifi"]["licenses"][0]["license"]["id"] == "MPL-2.0"
    deps = {d["ref"]: set(d.get("dependsOn", [])) for d in bom["dependencies"]}
    children = {c.split("/")[-1].split("@")[0] for c in deps[requests["bom-ref"]]}
    assert {"certifi", "charset-normalizer", "idna", "urllib3"} <= children
    direct = {c["name"]: {p["name"]: p["value"] for p in c["properties"]}["chainwarden:direct"] for c in bom["components"]}
    assert direct["requests"] == "true" and direct["idna"] == "false"


def test_hijack_scenario_path_is_in_the_graph(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = sbom(capsys, str(ROOT / "examples" / "hijack-scenario"), "--format", "spdx")
    assert code == 0
    doc = json.loads(out)
    ids = {p["name"]: p["SPDXID"] for p in doc["packages"]}
    edges = {(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"]) for r in doc["relationships"]}
    assert (ids["report-kit"], "DEPENDS_ON", ids["py-formatter-util"]) in edges
    assert (ids["hijack-scenario"], "DEPENDS_ON", ids["report-kit"]) in edges
    formatter = next(p for p in doc["packages"] if p["name"] == "py-formatter-util")
    assert formatter["licenseDeclared"] == "MIT" and formatter["versionInfo"] == "1.2.2"
    assert {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
            "referenceLocator": "pkg:pypi/py-formatter-util@1.2.2"} in formatter["externalRefs"]


def test_npm_lockfile_gives_everything_so_no_index_is_asked(capsys: pytest.CaptureFixture[str]) -> None:
    """package-lock v3 records every licence and integrity: the registry (here a dead port) is never asked."""
    code, out, err = sbom(capsys, str(ROOT / "examples" / "npm-app"), "--npm-registry", DEAD, "--no-cache", "--strict")
    assert code == 0, err
    assert "not checked" not in err
    bom = json.loads(out)
    chalk = next(c for c in bom["components"] if c["name"] == "chalk")
    assert chalk["licenses"][0]["license"]["id"] == "MIT"
    assert [h["alg"] for h in chalk["hashes"]] == ["SHA-512"] and len(chalk["hashes"][0]["content"]) == 128
    types_node = next(c for c in bom["components"] if c["name"] == "@types/node")
    assert types_node["purl"].startswith("pkg:npm/%40types/node@")


def test_no_index_asks_nothing_and_leaves_python_licences_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = sbom(capsys, str(ROOT / "examples" / "python-app"), "--no-index", "--index-url", DEAD + "simple",
                          "--no-cache", "--strict")
    assert code == 0, err
    bom = json.loads(out)
    assert all("licenses" not in c for c in bom["components"])
    assert all(c.get("version") for c in bom["components"])


def test_failed_lookups_still_write_the_sbom_and_strict_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = sbom(capsys, str(ROOT / "examples" / "python-app"), "--index-url", DEAD + "simple", "--no-cache",
                          "--timeout", "2", "--strict")
    assert code == 3
    assert cyclonedx_errors(out) is None
    assert "not checked: pypi:requests" in err


def test_scan_format_cyclonedx_and_spdx(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "bom.json"
    code = main(["scan", "--no-progress", "--as-of", "2026-11-21", str(ROOT / "examples" / "hijack-scenario"),
                 "--format", "cyclonedx", "-o", str(target)])
    capsys.readouterr()
    assert code == 1  # the verdict still decides the exit status
    assert cyclonedx_errors(target.read_text(encoding="utf-8")) is None
    code = main(["scan", "--no-progress", "--as-of", "2026-11-21", str(ROOT / "examples" / "python-app"), "--format", "spdx"])
    out, _ = capsys.readouterr()
    assert spdx_errors(json.loads(out)) == []


def test_unusable_invocations_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = sbom(capsys, str(tmp_path / "missing"))
    assert code == 2 and "no such file or directory" in err
    assert main(["sbom", str(tmp_path), "--format", "xml"]) == 2
    assert main(["sbom", "--no-progress", str(ROOT / "examples" / "npm-app"), "-o", str(tmp_path / "missing" / "bom.json")]) == 2
    assert "could not write" in capsys.readouterr().err


# -- the renderers on hand-made results -------------------------------------------------------------------------------


def _result(deps: list[Dependency], edges: tuple[Edge, ...] = (), facts: dict[PackageId, RegistryFacts] | None = None,
            projects: int = 1) -> ScanResult:
    graphs = []
    for i in range(projects):
        project = Project(root=f"app{i}", ecosystem=deps[0].package.ecosystem, files=(f"app{i}/package-lock.json",),
                          lockfiles=(f"app{i}/package-lock.json",), directory=f"/tmp/app{i}")
        graphs.append(EnrichedGraph(DependencyGraph(project, tuple(deps), edges), facts or {}))
    from datetime import UTC, datetime

    return ScanResult(graphs=tuple(graphs), findings=(), skips=(), verdict=Verdict(True), policy=PolicySummary(None, Severity.HIGH),
                      indexes={}, ignored=0, started=datetime(2026, 11, 21, tzinfo=UTC), duration=0.0, tool_version="0.1.0")


def _dep(name: str, version: str | None, **kw: Any) -> Dependency:
    return Dependency(PackageId(Ecosystem.NPM, name, version), (SourceLocation("app0/package-lock.json", 3),), direct=True, **kw)


def test_digest_conversion() -> None:
    sha512 = "sha512-" + "A" * 86 + "=="
    got = digests(("sha256:" + "AB" * 32, sha512, "sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "md5:zz", "sha256:abc", "blake2:00"))
    assert [(d.algorithm, len(d.hex)) for d in got] == [("sha256", 64), ("sha512", 128), ("sha1", 40)]
    assert got[0].hex == "ab" * 32


def test_several_projects_share_one_component_and_a_run_root() -> None:
    deps = [_dep("left-pad", "1.3.0", license="WTFPL"), _dep("weird", "1.0.0", license="SEE LICENSE IN LICENSE.txt")]
    result = _result(deps, projects=2)
    text = sbom_cyclonedx.render(result)
    assert cyclonedx_errors(text) is None
    bom = json.loads(text)
    assert [c["name"] for c in bom["components"]] == ["left-pad", "weird"]
    assert {c["name"] for c in bom["metadata"]["component"]["components"]} == {"app0", "app1"}
    weird = bom["components"][1]
    assert weird["licenses"][0]["license"]["name"] == "SEE LICENSE IN LICENSE.txt"
    doc = sbom_spdx.build(result)
    assert spdx_errors(doc) == []
    by_name = {p["name"]: p for p in doc["packages"]}
    assert by_name["left-pad"]["licenseDeclared"] == "WTFPL"
    assert by_name["weird"]["licenseDeclared"] == "NOASSERTION" and "SEE LICENSE" in by_name["weird"]["licenseComments"]
    assert len([r for r in doc["relationships"] if r["relationshipType"] == "DESCRIBES"]) == 2


def test_untrusted_names_and_unpinned_packages_stay_valid() -> None:
    """Control characters, spaces and an unpinned dependency: both documents still validate."""
    deps = [_dep("evil\x1b[31mname", "1.0.0"), _dep("no-version", None, specifier="^1.0"),
            _dep("@scope/pkg", "2.0.0", source_url="git+https://example.test/x.git#abc", license="MIT OR Apache-2.0")]
    result = _result(deps, edges=(Edge(deps[2].package, deps[1].package),))
    text = sbom_cyclonedx.render(result)
    assert cyclonedx_errors(text) is None
    assert "evil\\x1b[31mname" in [c["name"] for c in json.loads(text)["components"]]
    doc = sbom_spdx.build(result)
    assert spdx_errors(doc) == []
    names = [p["name"] for p in doc["packages"]]
    assert "evil\\x1b[31mname" in names
    assert all(i.replace("SPDXRef-", "").replace("-", "").replace(".", "").isalnum() for i in (p["SPDXID"] for p in doc["packages"]))
    scoped = next(p for p in doc["packages"] if p["name"] == "@scope/pkg")
    assert scoped["licenseDeclared"] == "MIT OR Apache-2.0"
    unpinned = next(p for p in doc["packages"] if p["name"] == "no-version")
    assert "versionInfo" not in unpinned


def test_dev_and_optional_direct_dependencies_are_told_apart() -> None:
    from chainwarden.model import Scope

    deps = [_dep("runtime-dep", "1.0.0"), _dep("dev-dep", "1.0.0", scope=Scope.DEV), _dep("opt-dep", "1.0.0", scope=Scope.OPTIONAL)]
    result = _result(deps)
    doc = sbom_spdx.build(result)
    kinds = {r["relationshipType"] for r in doc["relationships"]}
    assert {"DEPENDS_ON", "DEV_DEPENDENCY_OF", "OPTIONAL_DEPENDENCY_OF"} <= kinds
    bom = json.loads(sbom_cyclonedx.render(result))
    assert {c["name"]: c["scope"] for c in bom["components"]} == {"runtime-dep": "required", "dev-dep": "excluded", "opt-dep": "optional"}


@pytest.mark.parametrize("projects", [1, 3])
def test_the_dependencies_are_those_the_library_registers(projects: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """build() finds dependency entries through a dict (the library searches them all per edge: quadratic);
    the document is the one the library's own register_dependency gives, cycles and shared children included."""
    import random
    import uuid

    from cyclonedx.model.bom import Bom

    rng = random.Random(projects)
    deps = [Dependency(PackageId(Ecosystem.NPM, f"p{i}", "1.0.0"), (SourceLocation("app0/package-lock.json", i + 1),),
                       direct=i < 5) for i in range(60)]
    edges = tuple({Edge(deps[rng.randrange(60)].package, deps[rng.randrange(60)].package) for _ in range(150)})
    result = _result(deps, edges=edges, projects=projects)
    serial = uuid.UUID(int=7)
    ours = sbom_cyclonedx.render(result, serial)
    monkeypatch.setattr(sbom_cyclonedx._Dependencies, "register",
                        lambda self, target, depends_on=None: Bom.register_dependency(self.bom, target, depends_on))
    assert sbom_cyclonedx.render(result, serial) == ours
    assert "register" not in ours and cyclonedx_errors(ours) is None
    assert sum(len(d.get("dependsOn", [])) for d in json.loads(ours)["dependencies"]) >= len(edges)
