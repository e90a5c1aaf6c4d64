"""What starting the command line loads (structural, not timed: the times are in bench/README.md).

`chainwarden --version`, `explain`, `check-name` and `inspect FILE` ask no index, resolver or advisory store,
so they must not import the HTTP client (httpx), the DNS resolver (dnspython) or the advisory store: each
costs tens of milliseconds at every start. Each case runs in a fresh interpreter and lists what it imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("httpx", "dns", "chainwarden.enrich.http", "chainwarden.enrich.dns", "chainwarden.enrich.advisories",
         "chainwarden.enrich.registry", "chainwarden.enrich.sources")


def _loaded(code: str, tmp_path: Path) -> set[str]:
    script = (f"import sys, json\n{code}\n"
              f"json.dump(sorted(sys.modules), open({str(tmp_path / 'modules.json')!r}, 'w'))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    subprocess.run([sys.executable, "-c", script], check=False, env=env, capture_output=True, timeout=300, cwd=tmp_path)
    return set(json.loads((tmp_path / "modules.json").read_text()))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m in HEAVY or m.startswith(("httpx.", "dns.")))


def test_importing_the_command_line_loads_no_command(tmp_path: Path) -> None:
    modules = _loaded("import chainwarden.cli.main", tmp_path)
    assert _heavy(modules) == []
    assert "rich" not in modules and "chainwarden.enrich" not in modules and "chainwarden.pipeline" not in modules


def _wheel(tmp_path: Path) -> Path:
    path = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("demo/__init__.py", "def hello():\n    return 'hello'\n")
        z.writestr("demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
    return path


@pytest.mark.parametrize("argv", [
    ["--version"],
    ["explain"],
    ["explain", "typosquat"],
    ["check-name", "reqeusts"],
    ["inspect", "WHEEL"],
])
def test_commands_that_ask_no_index_load_no_network_code(tmp_path: Path, argv: list[str]) -> None:
    argv = [str(_wheel(tmp_path)) if a == "WHEEL" else a for a in argv]
    modules = _loaded(f"from chainwarden.cli.main import main\nmain({argv!r})", tmp_path)
    assert "chainwarden" in modules
    assert _heavy(modules) == [], argv
