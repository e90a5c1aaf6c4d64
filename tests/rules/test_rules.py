"""One shared test for every analyzer: each case under tests/rules/<id>/flag/ must
raise the rule, each case under tests/rules/<id>/pass/ must not.

A case is a project folder. It is scanned through the whole pipeline as of
2026-11-21 (the "today" of the test data), answered by the test registry's data,
or by the case's own `registry/` snapshot when it has one, and by the test DNS
server (tests/dns). A case with a `registry-before/` snapshot is scanned twice
with one cache: first against `registry-before/`, then against `registry/`
(the state an earlier scan left behind, for `owners-changed`).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chainwarden.analyze import ANALYZERS
from chainwarden.enrich import EnrichOptions
from chainwarden.pipeline import ScanRequest, scan

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


@pytest.mark.parametrize(("rule", "kind", "case"), _cases(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_rule_case(rule: str, kind: str, case: Path, tmp_path: Path) -> None:
    snapshot = case / "registry" if (case / "registry").is_dir() else REGISTRY_DATA

    def run(registry: Path):  # type: ignore[no-untyped-def]
        options = EnrichOptions(snapshot=registry, cache_dir=tmp_path / "cache")
        return scan(ScanRequest(paths=[case], options=options, display_base=case, now=TODAY))

    if (case / "registry-before").is_dir():
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
    else:
        assert hits == [], [f.message for f in hits]
