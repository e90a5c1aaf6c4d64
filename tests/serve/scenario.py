"""The upstream the serve tests proxy: a test registry snapshot with real archives, built in a temporary folder.

Dates are relative to TODAY (the fixture data's "today"); the index under test runs with ``--as-of TODAY``.

- the seed scenario: ``report-kit`` 3.1.1 (healthy, depends on ``py-formatter-util>=1.2``) pulls in
  ``py-formatter-util``: 1.2.1 (2022-10-01, wheel and sdist) and, after four silent years, 1.2.2
  (2026-11-14, an sdist whose install hook sends ``AWS_*`` values out as DNS names; defanged, see
  tests/registry/artifact-src). The index must resolve report-kit to py-formatter-util 1.2.1.
- ``steady-lib`` 2.0.0 (200 days old) and 2.1.0 (2 days old: in its cooldown);
- ``acme-billing`` 99.0: a stranger's claim on the public index of a name that is internal here.

Every archive is real (tests/registry/archives.py); nothing here is ever installed outside a test's
own target folder, and the malicious sdist is never built: the clients run with binary-only options.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.registry import archives
from tests.registry.builder import pypi_project

TODAY = datetime(2026, 11, 21, tzinfo=UTC)
INTERNAL_POLICY = """\
[serve]
internal = ["acme-billing"]
internal-prefixes = ["acme-"]
cooldown = "7d"
"""


def source_tree(folder: Path, name: str, version: str, requires: list[str] = (), summary: str = "") -> Path:  # type: ignore[assignment]
    """A tiny pure-Python project: one module and its PKG-INFO (what archives.wheel turns into METADATA)."""
    module = name.replace("-", "_")
    root = folder / f"{name}-{version}"
    (root / module).mkdir(parents=True, exist_ok=True)
    (root / module / "__init__.py").write_text(f'__version__ = "{version}"\n', encoding="utf-8")
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", f"Summary: {summary or name}",
             "Requires-Python: >=3.8", *(f"Requires-Dist: {r}" for r in requires)]
    (root / "PKG-INFO").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def wheel_of(work: Path, out: Path, name: str, version: str, when: datetime, requires: list[str] = ()) -> Path:  # type: ignore[assignment]
    return archives.wheel(source_tree(work, name, version, list(requires)), out, name, version, when)


def build(root: Path, work: Path) -> None:
    """Write the upstream snapshot (module docstring) under `root`."""
    (root / "pypi").mkdir(parents=True, exist_ok=True)
    (root / "npm").mkdir(exist_ok=True)
    files = root / "files"
    src = archives.SOURCES / "pypi/py-formatter-util"
    old, new = datetime(2022, 10, 1, 9, 14, 3), datetime(2026, 11, 14, 3, 41, 27)
    pypi_project(root, "py-formatter-util", {"1.2.1": old, "1.2.2": new}, maintainers=["maligna-victim"],
                 author="Maligna Victim", author_email="dev@lapsed-domain.test", requires_python=">=3.7",
                 files={"1.2.1": [archives.sdist(src / "1.2.1", files, "py-formatter-util", "1.2.1", old),
                                  archives.wheel(src / "1.2.1", files, "py-formatter-util", "1.2.1", old)],
                        "1.2.2": [archives.sdist(src / "1.2.2", files, "py-formatter-util", "1.2.2", new)]})
    rk = {"3.0.0": TODAY - timedelta(days=400), "3.1.1": TODAY - timedelta(days=60)}
    pypi_project(root, "report-kit", rk, maintainers=["kit-team", "ana", "bo"],
                 requires_dist={"3.0.0": ["py-formatter-util>=1.2"]},
                 files={v: [wheel_of(work, files, "report-kit", v, t, ["py-formatter-util>=1.2"])] for v, t in rk.items()})
    steady = {"2.0.0": TODAY - timedelta(days=200), "2.1.0": TODAY - timedelta(days=2)}
    pypi_project(root, "steady-lib", steady, maintainers=["s1", "s2", "s3"],
                 files={v: [wheel_of(work, files, "steady-lib", v, t)] for v, t in steady.items()})
    claim = TODAY - timedelta(days=30)
    pypi_project(root, "acme-billing", {"99.0": claim}, maintainers=["stranger"], author_email="x@throwaway.test",
                 files={"99.0": [wheel_of(work, files, "acme-billing", "99.0", claim)]})
