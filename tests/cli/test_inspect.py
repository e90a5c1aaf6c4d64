"""`chainwarden inspect`: a folder or a local archive, read and parsed, never run; the JSON document
has a top-level verdict, findings in the scan reports' shape, and capabilities."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from chainwarden.cli.main import main

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def inspect_json(capsys: pytest.CaptureFixture[str], target: Path) -> tuple[int, dict]:
    code = main(["inspect", str(target), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_the_seed_scenarios_hijacked_release_is_malicious(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = inspect_json(capsys, SAMPLES / "python" / "malicious" / "py-mal-formatter-util-dns")
    assert code == 1 and doc["verdict"] == "malicious"
    top = doc["findings"][0]
    assert top["rule"] == "dns-exfiltration" and top["severity"] == "critical"
    assert top["location"] == {"file": "py_formatter_util/__init__.py", "line": 34}
    assert "dns" in doc["capabilities"]


def test_a_benign_http_client_is_clean_with_its_capabilities_listed(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = inspect_json(capsys, SAMPLES / "python" / "benign" / "py-ben-http-client")
    assert code == 0 and doc["verdict"] == "clean"
    assert "network" in doc["capabilities"]


def test_a_wheel_is_unpacked_safely_and_inspected(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("demo/__init__.py", "import base64 as b\nexec(b.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImlkIik='))\n")
        z.writestr("../escape.txt", "outside")
    code, doc = inspect_json(capsys, wheel)
    assert code == 1 and doc["verdict"] == "malicious"
    rules = {f["rule"] for f in doc["findings"]}
    assert {"dynamic-code-execution", "archive-anomaly"} <= rules
    assert not (tmp_path.parent / "escape.txt").exists() and not (tmp_path / "escape.txt").exists()


class _Zeros:
    """`left` zero bytes, read in the pieces tarfile asks for (never held whole)."""

    def __init__(self, left: int) -> None:
        self.left = left

    def read(self, n: int = -1) -> bytes:
        n = min(n if n >= 0 else 1 << 20, self.left)
        self.left -= n
        return bytes(n)


@pytest.mark.parametrize("kind", ["bomb", "slip", "symlink"])
def test_hostile_archives_are_archive_anomalies(capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str) -> None:
    target = tmp_path / f"{kind}.tar.gz"
    with tarfile.open(target, "w:gz") as tar:
        if kind == "bomb":  # past the 64 MiB a member may expand before its ratio is judged
            info = tarfile.TarInfo("pkg/zeros.bin")
            info.size = 96 * 1024 * 1024
            tar.addfile(info, _Zeros(info.size))
        elif kind == "slip":
            info = tarfile.TarInfo("../../etc/evil")
            info.size = 4
            tar.addfile(info, io.BytesIO(b"evil"))
        else:
            info = tarfile.TarInfo("pkg/link")
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            tar.addfile(info)
    code, doc = inspect_json(capsys, target)
    anomalies = [f for f in doc["findings"] if f["rule"] == "archive-anomaly"]
    assert anomalies, doc
    if kind == "bomb":  # medium: real packages ship large zero-filled data files too; but it was not read
        assert anomalies[0]["severity"] == "medium" and "compression-ratio" in anomalies[0]["message"]
        assert code == 3 and doc["verdict"] == "not-checked" and "compression-ratio" in doc["verdict_reason"]
    else:  # high: no honest package needs them
        assert code == 1 and doc["verdict"] == "suspicious"
    assert not (tmp_path.parent / "etc").exists()


def test_a_missing_target_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["inspect", str(tmp_path / "nope")]) == 2
    assert "no such file" in capsys.readouterr().err
