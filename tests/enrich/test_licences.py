"""Where a package's declared licence comes from (for the SBOMs): the index documents and package-lock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chainwarden.collect import CollectContext, collect_paths
from chainwarden.enrich.documents import parse_npm_packument, parse_pypi_json

FILE = {"filename": "demo-1.0.tar.gz", "url": "https://files.example.test/demo-1.0.tar.gz",
        "digests": {"sha256": "0" * 64}, "upload_time_iso_8601": "2026-01-01T00:00:00Z"}


def pypi(info: dict[str, Any]) -> bytes:
    return json.dumps({"info": {"name": "demo", "version": "1.0", **info}, "releases": {"1.0": [FILE]}}).encode()


@pytest.mark.parametrize(("info", "expected"), [
    ({"license_expression": "MIT OR Apache-2.0", "license": "BSD", "classifiers": []}, "MIT OR Apache-2.0"),
    ({"license": "BSD-3-Clause"}, "BSD-3-Clause"),
    ({"license": "Copyright (c) 2020 Someone\n\nPermission is hereby granted, ...", "classifiers": [
        "License :: OSI Approved :: MIT License"]}, "MIT"),
    ({"license": "", "classifiers": ["License :: OSI Approved :: Apache Software License"]}, "Apache Software License"),
    ({"license": "UNKNOWN", "classifiers": ["License :: OSI Approved :: MIT License",
                                             "License :: OSI Approved :: ISC License (ISCL)"]}, "MIT OR ISC"),
    ({"license": None, "classifiers": ["Programming Language :: Python"]}, None),
])
def test_pypi_licence(info: dict[str, Any], expected: str | None) -> None:
    assert parse_pypi_json(pypi(info), "https://index.example.test/simple").facts_for("1.0").license == expected


def test_npm_licence_is_the_installed_version_s() -> None:
    doc = {"name": "demo", "dist-tags": {"latest": "2.0.0"}, "license": "MIT",
           "versions": {"1.0.0": {"license": "ISC"}, "2.0.0": {"license": {"type": "MIT"}}, "3.0.0-rc": {}}}
    rec = parse_npm_packument(json.dumps(doc).encode(), "https://registry.example.test/")
    assert rec.facts_for("1.0.0").license == "ISC"
    assert rec.facts_for("2.0.0").license == "MIT"
    assert rec.facts_for("3.0.0-rc").license == "MIT"  # the version says nothing: the package's
    assert rec.facts_for(None).license == "MIT"


def test_package_lock_records_licences(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"name": "app", "dependencies": {"a": "^1.0.0", "b": "^1.0.0"}}))
    (tmp_path / "package-lock.json").write_text(json.dumps({
        "name": "app", "lockfileVersion": 3, "requires": True,
        "packages": {
            "": {"name": "app", "dependencies": {"a": "^1.0.0", "b": "^1.0.0"}},
            "node_modules/a": {"version": "1.0.0", "license": "Apache-2.0"},
            "node_modules/b": {"version": "1.0.0", "license": {"type": "BSD-2-Clause"}},
        }}))
    graphs, skips = collect_paths([tmp_path], CollectContext(display_base=tmp_path))
    assert skips == []
    assert {d.package.name: d.license for d in graphs[0].dependencies} == {"a": "Apache-2.0", "b": "BSD-2-Clause"}
