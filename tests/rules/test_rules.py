"""One shared test for every analyzer: each case under tests/rules/<id>/flag/ must
raise the rule, each case under tests/rules/<id>/pass/ must not.

A case is a project folder. It is scanned through the whole pipeline as of
2026-11-21 (the "today" of the test data), answered by the test registry's data,
or by the case's own `registry/` snapshot when it has one, and by the test DNS
server (tests/dns). A case with a `registry-before/` snapshot is scanned twice
with one cache: first against `registry-before/`, then against `registry/`
(the state an earlier scan left behind, for `owners-changed`).

A case whose files name ``@PUBLIC_INDEX@``, ``@PRIVATE_INDEX@``, ``@PUBLIC_NPM@`` or
``@PRIVATE_NPM@`` is scanned over HTTP instead: the test registry (tests/registry/data)
is the public index and a second server on tests/registry/data-private the private one;
the case is copied with those placeholders replaced by the servers' URLs.

A case with an `advisories/` folder has its OSV records imported into the case's cache
first, as `chainwarden db update --source advisories/` would (`known-malicious`,
`known-vulnerable`); without one the scan runs with no advisory data.

A flag case with an `expected-severity` file (one word: info, low, medium, high, critical)
must raise the rule at that severity: the severity its scenario deserves
(docs/decisions/0020-weak-signals-combine.md).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chainwarden.analyze import ANALYZERS
from chainwarden.enrich import EnrichOptions, SourceOptions
from chainwarden.enrich.advisories import import_source
from chainwarden.pipeline import ScanRequest, scan
from tests.registry.server import RegistryServer

RULES = Path(__file__).resolve().parent
REGISTRY_DATA = RULES.parent / "registry" / "data"
TODAY = datetime(2026, 11, 21, tzinfo=UTC)


def _cases() -> list[tuple[str, str, Path]]:
    out = []
    for a in ANALYZERS:
        for kind in ("flag", "pass"):
            folder = RULES / a.info.id / kind
            if folder.is_dir():
                out += [(a.info.id, kind, case) for case in sorted(folder.iterdir()) if case.is_dir()]
    return out


PLACEHOLDERS = ("@PUBLIC_INDEX@", "@PRIVATE_INDEX@", "@PUBLIC_NPM@", "@PRIVATE_NPM@")


def _live(case: Path) -> bool:
    return any(p in f.read_text(encoding="utf-8", errors="replace") for f in case.rglob("*") if f.is_file()
               for p in PLACEHOLDERS)


def _with_servers(case: Path, dest: Path, public: RegistryServer, private: RegistryServer) -> Path:
    urls = {"@PUBLIC_INDEX@": public.pypi_index_url, "@PRIVATE_INDEX@": private.pypi_index_url,
            "@PUBLIC_NPM@": public.npm_registry_url, "@PRIVATE_NPM@": private.npm_registry_url}
    shutil.copytree(case, dest)
    for f in dest.rglob("*"):
        if f.is_file():
            text = f.read_text(encoding="utf-8")
            for k, v in urls.items():
                text = text.replace(k, v)
            f.write_text(text, encoding="utf-8")
    return dest


@pytest.mark.parametrize(("rule", "kind", "case"), _cases(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_rule_case(rule: str, kind: str, case: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    snapshot = case / "registry" if (case / "registry").is_dir() else REGISTRY_DATA
    if (case / "advisories").is_dir():
        import_source(tmp_path / "cache", str(case / "advisories"))

    def run(registry: Path):  # type: ignore[no-untyped-def]
        options = EnrichOptions(snapshot=registry, cache_dir=tmp_path / "cache")
        return scan(ScanRequest(paths=[case], options=options, display_base=case, now=TODAY))

    if _live(case):
        public: RegistryServer = request.getfixturevalue("registry")
        private: RegistryServer = request.getfixturevalue("private_registry")
        project = _with_servers(case, tmp_path / case.name, public, private)
        options = EnrichOptions(index_url=public.pypi_index_url, npm_registry=public.npm_registry_url,
                                cache_dir=tmp_path / "cache",
                                sources=SourceOptions(public_index=public.pypi_index_url,
                                                      public_npm_registry=public.npm_registry_url))
        result = scan(ScanRequest(paths=[project], options=options, display_base=project, now=TODAY))
    elif (case / "registry-before").is_dir():
        moving = tmp_path / "registry"
        shutil.copytree(case / "registry-before", moving)
        run(moving)
        shutil.rmtree(moving)
        shutil.copytree(snapshot, moving)
        result = run(moving)
    else:
        result = run(snapshot)
    hits = [f for f in result.findings if f.rule == rule]
    if kind == "flag":
        assert hits, f"{rule} did not flag {case.name}"
        for f in hits:
            assert f.location is not None and f.location.line is not None, f
        expected = case / "expected-severity"
        if expected.is_file():
            assert {f.severity.value for f in hits} == {expected.read_text(encoding="utf-8").strip()}, \
                [(f.severity.value, f.message) for f in hits]
    else:
        assert hits == [], [f.message for f in hits]
